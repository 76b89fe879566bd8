import { tf, type Tensor } from '../tf.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { normal, zeros, type Init } from '../params.js';
import { sumPerSample } from '../ops.js';
import { formatShape, sameShape, sizeOf, type Shape } from '../shape.js';
import { learnableParam } from './common.js';
import { HeldOuterSum, HeldProduct, jsDenseRows, SMALL_ROWS } from '@hamux-ts/kernels';
import type { HostSynapse } from '../host/types.js';
import type { GpuSum, GpuSynapse } from '../gpu/types.js';
import { bilinearEnergy, runProduct } from '../gpu/products.js';

/**
 * Dense synapses between two layers: the energy analogue of a linear layer. By default each layer
 * is flattened to a vector. Connecting a layer to itself (`[v, v]`) gives the classical Hopfield
 * energy `−x̂ᵀWx̂` (use a symmetric W, e.g. `½ Σ ξξᵀ`).
 *
 * With `perToken: true` the last axis of each layer is its feature axis and the leading (token)
 * axes must match: layers `[N, D₁]` and `[N, D₂]` meet token by token through one `W [D₁, D₂]`
 * shared by every token, `E = −Σ_n x̂₁[n]ᵀ W x̂₂[n]` (a patch embedding as an energy).
 */
export interface DenseOptions {
  /** Last axes are the feature axes, the leading (token) axes match; one `W [D₁, D₂]` acts on every token. */
  perToken?: boolean;
  /** Initialiser of W; default normal with std `sqrt(2 / (D₁ + D₂))`. */
  init?: {
    /** Initialiser of W. */
    W?: Init;
  };
}

/** Options of `denseBias`. */
export interface DenseBiasOptions {
  /** As for `dense`; the bias is then `[D₂]`, shared by every token. */
  perToken?: boolean;
  /** Initialisers of W (default as for `dense`) and b (default zeros). */
  init?: {
    /** Initialiser of W. */
    W?: Init;
    /** Initialiser of b. */
    b?: Init;
  };
}

/**
 * `[B, …]` → rows of d features, `[B·R, d]`: R = 1 when d is the whole sample, the tokens when d is
 * the last axis (explicit sizes, so an empty batch works too).
 */
function rows(x: Tensor, d: number): Tensor {
  return tf.reshape(x, [x.size / d, d]);
}

/** `Σ_rows x̂₁ᵀ W x̂₂` per sample, `[B]`: W `[D₁, D₂]` sets the rows of each layer. */
function overlap(a: Tensor, b: Tensor, W: Tensor): Tensor {
  return sumPerSample(tf.mul(tf.reshape(tf.matMul(rows(a, W.shape[0]!), W), b.shape), b));
}

/** `[−x̂₂Wᵀ, −x̂₁W]` row by row, in the layers' shapes: `∂(−Σ_rows x̂₁ᵀWx̂₂)/∂x̂₁` and `/∂x̂₂`. */
function signals(a: Tensor, b: Tensor, W: Tensor): [Tensor, Tensor] {
  const bWt = tf.matMul(rows(b, W.shape[1]!), W, false, true); // [B·R, D₁]
  const aW = tf.matMul(rows(a, W.shape[0]!), W); // [B·R, D₂]
  return [tf.reshape(tf.neg(bWt), a.shape), tf.reshape(tf.neg(aW), b.shape)];
}

/** The feature sizes W connects: whole layers, or their last axes per token. */
function featureSizes([s1, s2]: readonly Shape[], perToken: boolean): [number, number] {
  return perToken ? [s1![s1!.length - 1]!, s2![s2!.length - 1]!] : [sizeOf(s1!), sizeOf(s2!)];
}

/** Per-token synapses need the same leading (token) axes on both sides. */
function checkTokens([s1, s2]: readonly Shape[]): string | undefined {
  const t1 = s1!.slice(0, -1), t2 = s2!.slice(0, -1);
  if (sameShape(t1, t2)) return undefined;
  return `perToken needs the same leading (token) axes in both layers, got ${formatShape(t1)} and ${formatShape(t2)}`;
}

/** Glorot-style default: `std = sqrt(2 / (D₁ + D₂))`. */
function defaultW(d1: number, d2: number): Init {
  return normal(Math.sqrt(2 / (d1 + d2)));
}

/**
 * `E = −x̂₁ᵀ W x̂₂`, W `[size(layer₁), size(layer₂)]`; with `perToken`, `E = −Σ_n x̂₁[n]ᵀ W x̂₂[n]`,
 * W `[D₁, D₂]` for layers `[…, D₁]` and `[…, D₂]` with the same leading axes.
 *
 * ```ts
 * .synapse('embed', synapses.dense({ perToken: true }), ['patches', 'tokens']) // [N, P] × [N, D]: W [P, D]
 * ```
 */
export function dense(options: DenseOptions = {}): Hypersynapse {
  const perToken = options.perToken ?? false;
  return {
    kind: 'dense',
    arity: 2,
    options: { perToken },
    builtin: { kind: 'dense', perToken },
    check: perToken ? checkTokens : () => undefined,
    params: (shapes) => {
      const [d1, d2] = featureSizes(shapes, perToken);
      return { W: learnableParam([d1, d2], options.init?.W, defaultW(d1, d2)) };
    },
    energy: ([a, b], p) => tf.neg(overlap(a!, b!, p['W']!)),
    dEdxhat: ([a, b], p) => signals(a!, b!, p['W']!),
  };
}

/**
 * `E = −x̂₁ᵀ W x̂₂ − b·x̂₂`, b of layer₂'s shape; with `perToken`,
 * `E = −Σ_n (x̂₁[n]ᵀ W x̂₂[n] + b·x̂₂[n])`, W `[D₁, D₂]` and b `[D₂]` shared by every token.
 */
export function denseBias(options: DenseBiasOptions = {}): Hypersynapse {
  const perToken = options.perToken ?? false;
  return {
    kind: 'denseBias',
    arity: 2,
    options: { perToken },
    builtin: { kind: 'denseBias', perToken },
    check: perToken ? checkTokens : () => undefined,
    params: (shapes) => {
      const [d1, d2] = featureSizes(shapes, perToken);
      return {
        W: learnableParam([d1, d2], options.init?.W, defaultW(d1, d2)),
        b: learnableParam(perToken ? [d2] : shapes[1]!, options.init?.b, zeros),
      };
    },
    // b broadcasts along the leading axes of x̂₂: `[D₂]` against `[B, …, D₂]`, or `shape₂` against `[B, …shape₂]`.
    energy: ([a, b], p) => tf.neg(tf.add(overlap(a!, b!, p['W']!), sumPerSample(tf.mul(b!, p['b']!)))),
    dEdxhat: ([a, b], p) => {
      const [ga, gb] = signals(a!, b!, p['W']!);
      return [ga, tf.sub(gb, p['b']!)];
    },
  };
}

/** `E = −b·x̂`: a constant input to one layer, b of the layer's shape. */
export function bias(options: { init?: { b?: Init } } = {}): Hypersynapse {
  return {
    kind: 'bias',
    arity: 1,
    options: {},
    builtin: { kind: 'bias' },
    check: () => undefined,
    params: ([s]) => ({ b: learnableParam(s!, options.init?.b, zeros) }),
    energy: ([x], p) => tf.neg(sumPerSample(tf.mul(x!, p['b']!))),
    dEdxhat: ([x], p) => [tf.neg(tf.broadcastTo(p['b']!, x!.shape))],
  };
}

// ---- Host forms: the same energies and signals on host arrays (the lean step on cpu and wasm) ----

const NO_BIAS = new Float32Array(0);

/** `d[o..o+n) −= Σ_rows v[row]`: the gradient of `−b · v` summed over rows of n. */
function subtractRowSums(d: Float32Array, v: Float32Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) for (let j = 0, o = r * n; j < n; j++, o++) d[j]! -= v[o]!;
}

/**
 * E = −x̂₁ᵀ W x̂₂ (− b·x̂₂ with a bias); W is [d1, d2]. R rows per sample: 1 when both layers are
 * flattened, the tokens with `perToken` (one W, and one b, shared by every token).
 *
 * Adjoint for a direction (v₁, v₂): the energy is bilinear, so `∇²E · v = (−W v₂, −Wᵀ v₁)`, and
 * `∂(∇E · v)/∂W = −(v₁ x̂₂ᵀ + x̂₁ v₂ᵀ)`, `∂(∇E · v)/∂b = −v₂`, summed over rows.
 */
function hostDense(d1: number, d2: number, withBias: boolean, R: number): HostSynapse {
  // x̂₁W and Σ_t x̂₁ᵀ v₂ once per descent when x̂₁ is held (a clamped input): kernels' held.ts
  const product = new HeldProduct(), outer = new HeldOuterSum();
  return {
    kind: withBias ? 'denseBias' : 'dense',
    scratch: (B) => B * R * d2,
    run: ({ gemm, k, B, xhat: [a, c], grad: [ga, gc], E, p, work }) => {
      const W = p['W']!, bias = withBias ? p['b']! : NO_BIAS;
      const rows = B * R;
      // P = x̂₁ W; E −= Σ (P + b) ⊙ x̂₂; ∂/∂x̂₂ −= P + b; ∂/∂x̂₁ −= x̂₂ Wᵀ (each signal only where wanted)
      const P = product.product(gemm, rows, d2, d1, a!, W);
      (rows * d2 > SMALL_ROWS ? k.denseRows : jsDenseRows)(P, c!, gc ?? work, rows, d2, bias, E, 0, R);
      if (ga) gemm.sgemm(false, true, rows, d1, d2, -1, c!, 0, d2, W, 0, d2, 1, ga, 0, d1, 1, 0, 0, 0);
    },
    adjoint: {
      saved: () => 0,
      scratch: () => 0,
      params: withBias ? ['W', 'b'] : ['W'],
      run: ({ gemm, B, xhat: [a, c], v: [v1, v2], hv: [h1, h2], p, d }) => {
        const W = p['W']!, dW = d['W'], db = d['b'];
        const rows = B * R;
        if (h1 && v2) gemm.sgemm(false, true, rows, d1, d2, -1, v2, 0, d2, W, 0, d2, 1, h1, 0, d1, 1, 0, 0, 0);
        if (h2 && v1) gemm.sgemm(false, false, rows, d2, d1, -1, v1, 0, d1, W, 0, d2, 1, h2, 0, d2, 1, 0, 0, 0);
        if (dW && v1) gemm.sgemm(true, false, d1, d2, rows, -1, v1, 0, d1, c!, 0, d2, 1, dW, 0, d2, 1, 0, 0, 0);
        if (dW && v2) outer.add(gemm, rows, d1, d2, -1, a!, v2, dW);
        if (db && v2) subtractRowSums(db, v2, rows, d2);
      },
      flush: () => outer.flush(),
    },
  };
}

/** E = −b·x̂: a constant signal, so `∇²E = 0` and `∂(∇E · v)/∂b = −v`. */
function hostBias(n: number): HostSynapse {
  return {
    kind: 'bias',
    scratch: () => 0,
    run: ({ B, xhat: [x], grad: [g], E, p }) => {
      const b = p['b']!;
      for (let s = 0; s < B; s++) {
        let e = 0;
        for (let j = 0, o = s * n; j < n; j++, o++) {
          e += b[j]! * x![o]!;
          if (g) g[o]! -= b[j]!;
        }
        E[s]! -= e;
      }
    },
    adjoint: {
      saved: () => 0,
      scratch: () => 0,
      params: ['b'],
      run: ({ B, v: [v], d }) => {
        if (d['b'] && v) subtractRowSums(d['b'], v, B, n);
      },
    },
  };
}

/** The host forms of dense, denseBias and bias between layers of these sizes (host/forms.ts picks one by spec). */
export const denseHost = {
  /** d1, d2: feature sizes; R: rows per sample (1 flattened, the tokens per token). */
  dense: (d1: number, d2: number, withBias: boolean, R: number): HostSynapse => hostDense(d1, d2, withBias, R),
  bias: (n: number): HostSynapse => hostBias(n),
};

// ---- WGSL forms: the same energies and signals in the fused webgpu step (gpu/forms.ts picks one by spec) ----

/** The WGSL forms of the dense and bias synapses; gpu/forms.ts picks one by spec. */
export const denseGpu = {
  /**
   * `E = −x̂₁ᵀ W x̂₂ (− b · x̂₂)`, W `[D₁, D₂]`, on R rows per sample (1 flattened, the tokens per
   * token): the signal on the second layer `g₂ = base₂ − x̂₁ W (− b)` in one program, whose
   * energy is `Σ x̂₂ (g₂ − base₂)` (a sum the step's energy program takes); the signal on the
   * first, `− x̂₂ Wᵀ`, left to the step (skipped where it is not wanted).
   */
  dense: (kind: 'dense' | 'denseBias', D1: number, D2: number, R: number): GpuSynapse => ({
    kind,
    dispatches: 2,
    run: ({ run, batch: B, xhat: [a, b], base: [, baseB], wanted: [wantA], p }) => {
      const W = p['W']!;
      const biases = kind === 'denseBias' ? [p['b']!] : [];
      const gB = runProduct(run, B * R, D2, [{ lhs: a!, K: D1, layout: 'kn', weights: [W] }], { sign: 'minus', base: baseB, biases });
      // E = −x̂₁ W x̂₂ − b · x̂₂ = Σ x̂₂ (g₂ − base₂)
      const energy = bilinearEnergy(b!, gB, baseB, R * D2);
      const signalA = { width: D1, terms: [{ lhs: b!, K: D2, layout: 'nk' as const, weights: [W] }] };
      return { energy, grad: [undefined, gB], deferred: [wantA ? signalA : undefined, undefined], keep: [] };
    },
  }),
  /** `E = −b · x̂` on a layer of n: the signal `− b` left to the step (merged into the layer's products), the energy summed as `−Σ x̂ b`. */
  bias: (n: number): GpuSynapse => ({
    kind: 'bias',
    dispatches: 1,
    run: ({ xhat: [x], wanted: [want], p }) => {
      const bias = p['b']!;
      const energy: GpuSum = { operands: [x!], shared: [bias], count: n, stride: n, summand: ([v], _, [c]) => `-(${v} * ${c})` };
      return { energy, grad: [undefined], deferred: [want ? { width: n, terms: [], biases: [bias] } : undefined], keep: [] };
    },
  }),
};
