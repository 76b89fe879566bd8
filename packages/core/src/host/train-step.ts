import { jsGemm, type Gemm } from '@hamux-ts/kernels';
import type { HAM } from '../ham.js';

export interface LeanTrainOptions {
  /** The layer the memory acts on (identity Lagrangian). */
  layer: string;
  /** The modern Hopfield synapse whose memories ξ are trained. */
  synapse: string;
  /** Euler steps unrolled in the forward pass. */
  steps: number;
  /** Step size (divided by the layer's τ). */
  dt: number;
  gemm?: Gemm;
}

/** What one training step returns; `dxi` is the step's own array, overwritten by the next call. */
export interface LeanTrainResult {
  /** `½ Σ (x_T − target)²` over the batch. */
  loss: number;
  /** `∂loss/∂ξ`, `[K, D]`. */
  dxi: Float32Array;
}

/**
 * The fused training step of a modern Hopfield memory on an identity layer (Ramsauer et al.; math.md
 * §4, §6): T Euler steps `x ← x − a (x − softmax(β x ξᵀ) ξ)`, `a = dt/τ`, from `x₀`, the loss
 * `½‖x_T − target‖²`, and its gradient with respect to ξ by a hand-written reverse pass (4 matrix
 * products a step instead of tfjs's tape of ~60 ops). test/train-step.test.ts holds it to tfjs
 * autodiff through `HAM.dEdxhat`. Any other graph trains through tfjs autodiff.
 */
export class LeanTrainStep {
  private cache: { B: number; xs: Float32Array[]; ps: Float32Array[]; u: Float32Array; r: Float32Array; dxi: Float32Array; lse: Float64Array } | undefined;

  constructor(
    private readonly D: number,
    private readonly K: number,
    private readonly beta: number,
    private readonly a: number,
    private readonly steps: number,
    private readonly gemm: Gemm | undefined,
  ) {}

  private buffers(B: number) {
    if (this.cache?.B === B) return this.cache;
    const { D, K, steps } = this;
    this.cache = {
      B,
      xs: Array.from({ length: steps + 1 }, () => new Float32Array(B * D)),
      ps: Array.from({ length: steps }, () => new Float32Array(B * K)),
      u: new Float32Array(B * D),
      r: new Float32Array(B * K),
      dxi: new Float32Array(K * D),
      lse: new Float64Array(B),
    };
    return this.cache;
  }

  /** Loss and `∂loss/∂ξ` for a batch of B start states `x0` and targets (`[B, D]` each) and memories `xi` (`[K, D]`). */
  lossAndGrad(x0: Float32Array, target: Float32Array, B: number, xi: Float32Array): LeanTrainResult {
    const { D, K, beta, a, steps } = this;
    if (x0.length !== B * D || target.length !== B * D || xi.length !== K * D) {
      throw new RangeError(`lean training step: expected x0 and target of ${B}×${D} and ξ of ${K}×${D} values`);
    }
    const g = this.gemm ?? jsGemm;
    const { xs, ps, u, r, dxi, lse } = this.buffers(B);
    xs[0]!.set(x0);
    for (let t = 0; t < steps; t++) {
      const x = xs[t]!, p = ps[t]!, next = xs[t + 1]!;
      g.sgemm(false, true, B, K, D, beta, x, 0, D, xi, 0, D, 0, p, 0, K, 1, 0, 0, 0);
      g.softmax(p, 0, B, K, 1, lse, 0, 0);
      // x' = (1 − a) x + a p ξ
      for (let i = 0; i < x.length; i++) next[i] = (1 - a) * x[i]!;
      g.sgemm(false, false, B, D, K, a, p, 0, K, xi, 0, D, 1, next, 0, D, 1, 0, 0, 0);
    }
    let loss = 0;
    const xT = xs[steps]!;
    for (let i = 0; i < u.length; i++) {
      u[i] = xT[i]! - target[i]!;
      loss += u[i]! * u[i]!;
    }
    dxi.fill(0);
    for (let t = steps - 1; t >= 0; t--) {
      const x = xs[t]!, p = ps[t]!;
      // r = u ξᵀ; ∂ξ += a pᵀ u; s = a p ⊙ (r − Σ p r) (into r); ∂ξ += β sᵀ x; u ← (1 − a) u + β s ξ
      g.sgemm(false, true, B, K, D, 1, u, 0, D, xi, 0, D, 0, r, 0, K, 1, 0, 0, 0);
      g.sgemm(true, false, K, D, B, a, p, 0, K, u, 0, D, 1, dxi, 0, D, 1, 0, 0, 0);
      for (let b = 0; b < B; b++) {
        let pr = 0;
        for (let k = b * K; k < (b + 1) * K; k++) pr += p[k]! * r[k]!;
        for (let k = b * K; k < (b + 1) * K; k++) r[k] = a * p[k]! * (r[k]! - pr);
      }
      g.sgemm(true, false, K, D, B, beta, r, 0, K, x, 0, D, 1, dxi, 0, D, 1, 0, 0, 0);
      for (let i = 0; i < u.length; i++) u[i]! *= 1 - a;
      g.sgemm(false, false, B, D, K, beta, r, 0, K, xi, 0, D, 1, u, 0, D, 1, 0, 0, 0);
    }
    return { loss: 0.5 * loss, dxi };
  }
}

/**
 * The fused training step for `options.synapse`, a built-in modern Hopfield memory (flattened, β
 * fixed at its current value) on `options.layer`, a built-in identity layer; or why not.
 */
export function leanTrainStep<L extends string, S extends string>(ham: HAM<L, S>, options: LeanTrainOptions): LeanTrainStep | string {
  const layer = ham.layers[options.layer as L];
  const node = ham.synapses[options.synapse as S];
  if (!layer) return `no layer "${options.layer}"`;
  if (!node) return `no synapse "${options.synapse}"`;
  const lag = layer.lagrangian, memory = node.synapse;
  if (lag.kind !== 'identity' || lag.builtin?.kind !== 'identity') return `layer "${options.layer}" must have the built-in identity Lagrangian`;
  if (memory.kind !== 'modernHopfield' || memory.builtin?.kind !== 'modernHopfield') return `synapse "${options.synapse}" must be a built-in modernHopfield`;
  if (node.connects[0] !== options.layer) return `synapse "${options.synapse}" does not act on "${options.layer}"`;
  if (memory.builtin.perToken) return 'per-token memories are not supported';
  if (ham.synapseNames.length !== 1 || ham.layerNames.length !== 1) return 'the graph must be that one layer and that one memory';
  if (!(Number.isInteger(options.steps) && options.steps >= 1)) return `steps must be an integer >= 1, got ${options.steps}`;
  const [K, D] = ham.params.synapses[options.synapse as S]!['xi']!.shape as [number, number];
  const beta = ham.params.synapses[options.synapse as S]!['beta']!.dataSync()[0]!;
  return new LeanTrainStep(D, K, beta, options.dt / layer.tau, options.steps, options.gemm);
}
