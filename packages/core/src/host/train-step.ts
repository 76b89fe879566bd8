import type { Gemm } from '@hamux-ts/kernels';
import { HamuxError } from '../errors.js';
import { tf } from '../tf.js';
import type { HAM } from '../ham.js';
import type { Params } from '../params.js';
import { compileLeanUnroll, type LeanUnroll } from './unroll.js';

/** Options of the host-array training step of a modern Hopfield memory on an identity layer. */
export interface LeanTrainOptions {
  /** The layer the memory acts on (identity Lagrangian). */
  layer: string;
  /** The modern Hopfield synapse whose memories ξ are trained. */
  synapse: string;
  /** Euler steps unrolled in the forward pass. */
  steps: number;
  /** Step size (divided by the layer's τ). */
  dt: number;
  /** The matrix product and row routines to use (default: plain JavaScript; pass a fast one, see @hamux-ts/kernels). */
  gemm?: Gemm;
}

/** What one training step returns. */
export interface LeanTrainResult {
  /** `½ Σ (x_T − target)²` over the batch. */
  loss: number;
  /** `∂loss/∂ξ`, `[K, D]`. */
  dxi: Float32Array;
}

/**
 * The training step of a modern Hopfield memory on an identity layer (Ramsauer et al.; math.md §4,
 * §6): T Euler steps `x ← x − a (x − softmax(β x ξᵀ) ξ)`, `a = dt/τ`, from `x₀`, the loss
 * `½‖x_T − target‖²`, and its gradient with respect to ξ: `LeanUnroll` (the unrolled lean step and
 * its adjoint, host/unroll.ts) on this one graph. test/train-step.test.ts holds it to tfjs autodiff
 * through `HAM.dEdxhat`.
 */
export class LeanTrainStep {
  constructor(
    private readonly unroll: LeanUnroll<string>,
    private readonly ham: HAM<string, string>,
    private readonly layer: string,
    private readonly synapse: string,
    private readonly D: number,
    private readonly K: number,
    private readonly steps: number,
    private readonly dt: number,
  ) {}

  /** Loss and `∂loss/∂ξ` for a batch of B start states `x0` and targets (`[B, D]` each) and memories `xi` (`[K, D]`). */
  lossAndGrad(x0: Float32Array, target: Float32Array, B: number, xi: Float32Array): LeanTrainResult {
    const { D, K } = this;
    if (x0.length !== B * D || target.length !== B * D || xi.length !== K * D) {
      throw new HamuxError(
        ['lean training step'],
        `expected x0 and target of ${B}×${D} and ξ of ${K}×${D} values, got ${x0.length}, ${target.length} and ${xi.length}`,
        'shape_mismatch',
      );
    }
    const own = this.ham.params;
    const xiT = tf.tensor2d(xi, [K, D]);
    try {
      const params: Params = { layers: own.layers, synapses: { ...own.synapses, [this.synapse]: { ...own.synapses[this.synapse], xi: xiT } } };
      const { states } = this.unroll.forward({ [this.layer]: x0 }, B, { steps: this.steps, dt: this.dt, params });
      const xT = states[this.layer]!, u = new Float32Array(B * D);
      let loss = 0;
      for (let i = 0; i < u.length; i++) {
        u[i] = xT[i]! - target[i]!;
        loss += u[i]! * u[i]!;
      }
      const path = `synapses.${this.synapse}.xi`;
      const dxi = this.unroll.backward({ state: { [this.layer]: u } }, [path]).get(path)!;
      return { loss: 0.5 * loss, dxi };
    } finally {
      xiT.dispose();
    }
  }
}

/**
 * The training step for `options.synapse`, a built-in modern Hopfield memory (flattened) on
 * `options.layer`, a built-in identity layer; or why not.
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
  const unroll = compileLeanUnroll(ham, options.gemm ? { gemm: options.gemm } : {});
  if (typeof unroll === 'string') return unroll;
  return new LeanTrainStep(unroll as LeanUnroll<string>, ham as HAM<string, string>, options.layer, options.synapse, D, K, options.steps, options.dt);
}
