import { tf, type Tensor } from '../tf.js';
import { HamuxError } from '../errors.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { checkPositiveOption, normal, paramFromOption, type Init, type ParamOption, type ParamSpec, type TensorMap } from '../params.js';
import { formatShape, sizeOf, type Shape } from '../shape.js';
import { learnableParam, positiveInteger } from './common.js';
import type { MemorySpec } from '../builtin.js';
import { jsReluSquaredRows, SMALL_ROWS, type Gemm } from '@hamux-ts/kernels';
import { scalarOf, type HostSynapse, type ParamValues } from '../host/types.js';
import { softmaxBetaVjpRows, softmaxJvpRows } from '../host/softmax-adjoint.js';
import type { GpuMap, GpuProgram, GpuSum, GpuSynapse } from '../gpu/types.js';
import { powerCode, projectedOf, spread, workgroupRow } from '../gpu/products.js';

/**
 * Dense memories: one-layer synapses `E = −Σ_μ F(ξ_μ · x̂)` with K stored patterns `ξ` (`[K, D]`),
 * the energies that a hidden memory layer leaves behind when it is integrated out (math.md §4).
 *
 * By default the layer is flattened (D = its size). With `perToken: true` the last axis is the
 * feature axis and every other entry (a token, a pixel) meets the memories on its own, as in the
 * Energy Transformer: `x̂` of shape `[N, D]` gives N·K overlaps and the energy sums them.
 */
export interface MemoryOptions {
  /** Number of stored patterns K. */
  memories: number;
  /** Make the last axis the feature axis, each token meeting the memories on its own (default false). */
  perToken?: boolean;
  /** Initialiser of ξ; default normal with std `1/sqrt(D)`. */
  init?: {
    /** Initialiser of the memories ξ. */
    xi?: Init;
  };
}

/** The feature size D of a layer seen by a memory. */
function featureSize(shape: Shape, perToken: boolean): number {
  return perToken ? shape[shape.length - 1]! : sizeOf(shape);
}

/** Overlaps `h = ξ x̂` as `[B, R, K]`, R = 1 (flattened) or the number of tokens. */
function overlaps(x: Tensor, xi: Tensor): Tensor {
  const d = xi.shape[1]!;
  const rows = tf.reshape(x, [-1, d]);
  const h = tf.matMul(rows, xi, false, true);
  return tf.reshape(h, [x.shape[0]!, -1, xi.shape[0]!]);
}

/** `∂E/∂x̂ = −F′(h) ξ`, back in x̂'s shape. */
function signal(x: Tensor, xi: Tensor, dF: Tensor): Tensor {
  const k = xi.shape[0]!;
  return tf.reshape(tf.neg(tf.matMul(tf.reshape(dF, [-1, k]), xi)), x.shape);
}

/** The memory count K (checked) and the layout every memory shares. */
function memoryLayout(kind: MemorySpec['kind'], options: MemoryOptions): { memories: number; perToken: boolean } {
  return { memories: positiveInteger(kind, 'memories', options.memories), perToken: options.perToken ?? false };
}

function memorySynapse(
  builtin: MemorySpec,
  options: MemoryOptions,
  extraOptions: Record<string, unknown>,
  extraParams: Record<string, ParamSpec>,
  /** Energy per sample from overlaps `[B, R, K]`. */
  energy: (h: Tensor, p: TensorMap) => Tensor,
  /** `F′(h)`, the weight of each memory in the signal. */
  dF: (h: Tensor, p: TensorMap) => Tensor,
): Hypersynapse {
  const { kind, memories: k, perToken } = builtin;
  return {
    kind,
    arity: 1,
    options: { memories: k, perToken, ...extraOptions },
    builtin,
    check: ([s]) => (perToken && s!.length < 1 ? `needs a layer with a feature axis, got ${formatShape(s!)}` : undefined),
    params: ([s]) => {
      const d = featureSize(s!, perToken);
      return { xi: learnableParam([k, d], options.init?.xi, normal(1 / Math.sqrt(d))), ...extraParams };
    },
    energy: ([x], p) => energy(overlaps(x!, p['xi']!), p),
    dEdxhat: ([x], p) => [signal(x!, p['xi']!, dF(overlaps(x!, p['xi']!), p))],
  };
}

/** Sums `[B, R, K]` to `[B]`. */
const total = (t: Tensor): Tensor => tf.sum(t, [1, 2]);

/**
 * Polynomial dense memory (Krotov & Hopfield 2016, "Model A"): `F(z) = zⁿ/n`, or `max(z, 0)ⁿ/n`
 * when rectified. Unrectified memories need an integer degree.
 */
export function polynomialMemory(options: MemoryOptions & { degree: number; rectified?: boolean }): Hypersynapse {
  const n = options.degree;
  const rectified = options.rectified ?? false;
  if (!(typeof n === 'number' && n >= 1 && (rectified || Number.isInteger(n)))) {
    throw new HamuxError(
      ['polynomialMemory', 'degree'],
      `must be ${rectified ? 'a number >= 1' : 'an integer >= 1 (or use rectified: true)'}, got ${n}`,
      'invalid_argument',
    );
  }
  const base = (h: Tensor) => (rectified ? tf.relu(h) : h);
  return memorySynapse(
    { kind: 'polynomialMemory', ...memoryLayout('polynomialMemory', options), degree: n, rectified },
    options,
    { degree: n, rectified },
    {},
    (h) => tf.neg(tf.div(total(tf.pow(base(h), n)), n)),
    (h) => (n === 1 ? (rectified ? tf.cast(tf.greater(h, 0), 'float32') : tf.onesLike(h)) : tf.pow(base(h), n - 1)),
  );
}

/** Exponential dense memory (Demircigil et al. 2017): `E = −(1/β) Σ_μ exp(β ξ_μ·x̂)`; β = 1 by default. */
export function exponentialMemory(options: MemoryOptions & { beta?: ParamOption }): Hypersynapse {
  checkPositiveOption('exponentialMemory', 'beta', options.beta);
  return memorySynapse(
    { kind: 'exponentialMemory', ...memoryLayout('exponentialMemory', options) },
    options,
    { beta: options.beta ?? 1 },
    { beta: paramFromOption(options.beta, 1, []) },
    (h, p) => tf.neg(tf.div(total(tf.exp(tf.mul(p['beta']!, h))), p['beta']!)),
    (h, p) => tf.exp(tf.mul(p['beta']!, h)),
  );
}

/**
 * Modern Hopfield memory ("Model B"): `E = −(1/β) log Σ_μ exp(β ξ_μ·x̂)`; its signal is attention,
 * `−ξᵀ softmax(β ξ x̂)`.
 */
export function modernHopfield(options: MemoryOptions & { beta?: ParamOption }): Hypersynapse {
  checkPositiveOption('modernHopfield', 'beta', options.beta);
  return memorySynapse(
    { kind: 'modernHopfield', ...memoryLayout('modernHopfield', options) },
    options,
    { beta: options.beta ?? 1 },
    { beta: paramFromOption(options.beta, 1, []) },
    (h, p) => tf.neg(tf.div(tf.sum(tf.logSumExp(tf.mul(p['beta']!, h), 2), 1), p['beta']!)),
    (h, p) => tf.softmax(tf.mul(p['beta']!, h)),
  );
}

/** ReLU² memory (the Energy Transformer's Hopfield part): `E = −½ Σ_μ max(ξ_μ·x̂, 0)²`. */
export function reluSquaredMemory(options: MemoryOptions): Hypersynapse {
  return memorySynapse(
    { kind: 'reluSquaredMemory', ...memoryLayout('reluSquaredMemory', options) },
    options,
    {},
    {},
    (h) => tf.mul(-0.5, total(tf.square(tf.relu(h)))),
    (h) => tf.relu(h),
  );
}

// ---- Host forms: the same energies and signals on host arrays (the lean step on cpu and wasm) ----

/**
 * What a memory's adjoint needs of its per-row function F (E = −Σ F over each row's K overlaps h):
 * the weights F′(h), the curvature `∇²F(h) r`, and for a learnable β, `∂(F′(h) · r)/∂β`.
 */
interface MemoryCurve {
  /** `Fp ← F′(h)` on rows × K (`lse`: rows of float64 scratch). */
  weights(h: Float32Array, Fp: Float32Array, rows: number, K: number, p: ParamValues, gemm: Gemm, lse: Float64Array): void;
  /** `r ← ∇²F(h) r` in place, given `Fp = F′(h)`. */
  curvature(h: Float32Array, Fp: Float32Array, r: Float32Array, rows: number, K: number, p: ParamValues): void;
  /** `Σ_rows ∂(F′(h) · r)/∂β`, when F has a β. */
  dBeta?(h: Float32Array, Fp: Float32Array, r: Float32Array, rows: number, K: number): number;
}

/**
 * Dense memories on rows of D features (R rows per sample: 1 when flattened, the tokens when per
 * token): overlaps `H = x̂ ξᵀ` (rows × K), then per row an energy and weights `F′(H)`, and the
 * signal `−F′(H) ξ`. `row` turns one row of overlaps into its weights, in place, and returns its energy.
 *
 * Adjoint for a direction v (rows × D), with `r = v ξᵀ` and `s = ∇²F(H) r`: `∇²E · v = −s ξ`,
 * `∂(∇E · v)/∂ξ = −(F′(H)ᵀ v + sᵀ x̂)`, `∂(∇E · v)/∂β = −Σ ∂(F′(H) · r)/∂β`. The forward keeps H.
 */
function hostMemory(
  kind: HostSynapse['kind'], D: number, R: number, K: number,
  row: ((h: Float32Array, o: number, K: number, p: ParamValues) => number) | 'softmax' | 'reluSquared',
  curve: MemoryCurve,
): HostSynapse {
  return {
    kind,
    scratch: (B) => B * R * K,
    lseRows: (B) => B * R,
    run: ({ gemm, k, B, xhat: [x], grad: [g], E, p, work, lse, save }) => {
      const xi = p['xi']!;
      const rowsN = B * R;
      gemm.sgemm(false, true, rowsN, K, D, 1, x!, 0, D, xi, 0, D, 0, work, 0, K, 1, 0, 0, 0);
      if (save) save.set(work.subarray(0, rowsN * K));
      if (row === 'softmax') {
        // modern Hopfield: E = −(1/β) log Σ e^{βh} per row, weights softmax(βh)
        const beta = scalarOf(p, 'beta');
        gemm.softmax(work, 0, rowsN, K, beta, lse, 0, 0);
        for (let s = 0; s < B; s++) {
          let e = 0;
          for (let r = s * R; r < (s + 1) * R; r++) e += lse[r]!;
          E[s]! -= e / beta;
        }
      } else if (row === 'reluSquared') {
        // E += −½ Σ max(h, 0)² per sample, weights max(h, 0)
        (rowsN * K > SMALL_ROWS ? k.reluSquaredRows : jsReluSquaredRows)(work, 0, rowsN, K, E, 0, R);
      } else {
        for (let s = 0; s < B; s++) {
          let e = 0;
          for (let r = 0; r < R; r++) e += row(work, (s * R + r) * K, K, p);
          E[s]! += e;
        }
      }
      if (g) gemm.sgemm(false, false, rowsN, D, K, -1, work, 0, K, xi, 0, D, 1, g, 0, D, 1, 0, 0, 0);
    },
    adjoint: {
      saved: (B) => B * R * K,
      scratch: (B) => 2 * B * R * K,
      params: curve.dBeta ? ['xi', 'beta'] : ['xi'],
      run: ({ gemm, B, xhat: [x], v: [v], hv: [hv], p, d, saved: h, work, lse }) => {
        if (!v) return; // a zero direction adds nothing
        const xi = p['xi']!, dxi = d['xi'], dBeta = d['beta'];
        const rows = B * R, n = rows * K;
        const Fp = work.subarray(0, n), r = work.subarray(n, 2 * n);
        curve.weights(h, Fp, rows, K, p, gemm, lse);
        gemm.sgemm(false, true, rows, K, D, 1, v, 0, D, xi, 0, D, 0, r, 0, K, 1, 0, 0, 0);
        if (dBeta && curve.dBeta) dBeta[0]! -= curve.dBeta(h, Fp, r, rows, K);
        if (dxi) gemm.sgemm(true, false, K, D, rows, -1, Fp, 0, K, v, 0, D, 1, dxi, 0, D, 1, 0, 0, 0);
        curve.curvature(h, Fp, r, rows, K, p);
        if (dxi) gemm.sgemm(true, false, K, D, rows, -1, r, 0, K, x!, 0, D, 1, dxi, 0, D, 1, 0, 0, 0);
        if (hv) gemm.sgemm(false, false, rows, D, K, -1, r, 0, K, xi, 0, D, 1, hv, 0, D, 1, 0, 0, 0);
      },
    },
  };
}

// −(1/β) Σ e^{βh}; weights e^{βh}
const hostExponentialRow = (h: Float32Array, o: number, K: number, p: ParamValues) => {
  const beta = scalarOf(p, 'beta');
  let e = 0;
  for (let k = o; k < o + K; k++) {
    const v = Math.exp(beta * h[k]!);
    h[k] = v;
    e += v;
  }
  return -e / beta;
};

// −(1/n) Σ base(h)ⁿ; weights base(h)ⁿ⁻¹ (base = h, or max(h, 0) when rectified)
const hostPolynomialRow = (n: number, rectified: boolean) => (h: Float32Array, o: number, K: number) => {
  let e = 0;
  for (let k = o; k < o + K; k++) {
    const v = h[k]!;
    if (rectified && v <= 0) {
      h[k] = 0;
      continue;
    }
    e += v ** n;
    h[k] = n === 1 ? 1 : v ** (n - 1);
  }
  return -e / n;
};

/** A curve with a diagonal Hessian: `F′(h)` and `F″(h)` entry by entry. */
function diagonalCurve(
  dF: (h: number, beta: number) => number,
  d2F: (h: number, beta: number) => number,
  usesBeta: boolean,
  dFdBeta?: (h: number, Fp: number) => number,
): MemoryCurve {
  const betaOf = (p: ParamValues) => (usesBeta ? scalarOf(p, 'beta') : 1);
  return {
    weights: (h, Fp, rows, K, p) => {
      const beta = betaOf(p);
      for (let i = 0, end = rows * K; i < end; i++) Fp[i] = dF(h[i]!, beta);
    },
    curvature: (h, _Fp, r, rows, K, p) => {
      const beta = betaOf(p);
      for (let i = 0, end = rows * K; i < end; i++) r[i]! *= d2F(h[i]!, beta);
    },
    ...(dFdBeta
      ? {
          dBeta: (h: Float32Array, Fp: Float32Array, r: Float32Array, rows: number, K: number) => {
            let s = 0;
            for (let i = 0, end = rows * K; i < end; i++) s += dFdBeta(h[i]!, Fp[i]!) * r[i]!;
            return s;
          },
        }
      : {}),
  };
}

// F = (1/β) log Σ e^{βh}: F′ = p = softmax(βh), ∇²F r = β p ⊙ (r − p · r), ∂(p · r)/∂β = Σ p h r − (p · h)(p · r)
const softmaxCurve: MemoryCurve = {
  weights: (h, Fp, rows, K, p, gemm, lse) => {
    Fp.set(h);
    gemm.softmax(Fp, 0, rows, K, scalarOf(p, 'beta'), lse, 0, 0);
  },
  curvature: (_h, Fp, r, rows, K, p) => softmaxJvpRows(Fp, r, r, rows, K, scalarOf(p, 'beta')),
  dBeta: (h, Fp, r, rows, K) => softmaxBetaVjpRows(Fp, h, r, rows, K),
};

// F = ½ max(h, 0)²: F′ = max(h, 0), F″ = [h > 0]
const reluSquaredCurve = diagonalCurve((h) => (h > 0 ? h : 0), (h) => (h > 0 ? 1 : 0), false);
// F = (1/β) e^{βh}: F′ = e^{βh}, F″ = β e^{βh}, ∂F′/∂β = h e^{βh}
const exponentialCurve = diagonalCurve((h, b) => Math.exp(b * h), (h, b) => b * Math.exp(b * h), true, (h, e) => h * e);
// F = base(h)ⁿ/n: F′ = base(h)ⁿ⁻¹, F″ = (n − 1) base(h)ⁿ⁻² (0 where a rectified h ≤ 0)
const polynomialCurve = (n: number, rectified: boolean) =>
  diagonalCurve(
    (h) => (rectified && h <= 0 ? 0 : n === 1 ? 1 : h ** (n - 1)),
    (h) => (n === 1 || (rectified && h <= 0) ? 0 : (n - 1) * h ** (n - 2)),
    false,
  );

/** The host forms of the memories on rows of D features, R rows per sample, K memories (host/forms.ts picks one by spec). */
export const memoryHost = {
  modernHopfield: (D: number, R: number, K: number): HostSynapse => hostMemory('modernHopfield', D, R, K, 'softmax', softmaxCurve),
  reluSquaredMemory: (D: number, R: number, K: number): HostSynapse => hostMemory('reluSquaredMemory', D, R, K, 'reluSquared', reluSquaredCurve),
  exponentialMemory: (D: number, R: number, K: number): HostSynapse => hostMemory('exponentialMemory', D, R, K, hostExponentialRow, exponentialCurve),
  polynomialMemory: (D: number, R: number, K: number, degree: number, rectified: boolean): HostSynapse =>
    hostMemory('polynomialMemory', D, R, K, hostPolynomialRow(degree, rectified), polynomialCurve(degree, rectified)),
};

// ---- WGSL forms: the same energies and signals in the fused webgpu step (gpu/forms.ts picks one by spec) ----

/** Invocations per row of the row statistics. */
const ROW_GROUP = 64;

/**
 * Per row of overlaps h (`[B, K]` from entry `offset` of `hs`): `p = softmax(βh)` in the first K columns of `result`
 * (`[B, K + 1]`), and the row's energy `−(1/β) log Σ_μ e^{βh_μ}` in column K (stable: the max is
 * taken out first). One workgroup per row.
 */
function softmaxRowsProgram(B: number, K: number, offset: number): GpuProgram {
  return {
    variableNames: ['hs', 'betas'],
    outputShape: [B, K + 1],
    shaderKey: `hamuxMemorySoftmaxRows_${K}_${offset}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: spread(B),
    workgroupSize: [ROW_GROUP, 1, 1],
    getUserCode: () => `
      const MEM_K : i32 = ${K};
      var<workgroup> red : array<f32, ${ROW_GROUP}>;
      fn main(index : i32) {
        let row = ${workgroupRow('uniforms.outShape[0]')};
        let tid = i32(localId.x);
        let beta = betas[0];
        var m = -3.402823e+38;
        for (var k = tid; k < MEM_K; k = k + ${ROW_GROUP}) { m = max(m, beta * hs[${offset} + row * MEM_K + k]); }
        red[tid] = m;
        workgroupBarrier();
        for (var s = ${ROW_GROUP / 2}; s > 0; s = s / 2) {
          if (tid < s) { red[tid] = max(red[tid], red[tid + s]); }
          workgroupBarrier();
        }
        let mx = red[0];
        workgroupBarrier();
        var sum = 0.0;
        for (var k = tid; k < MEM_K; k = k + ${ROW_GROUP}) { sum = sum + exp(beta * hs[${offset} + row * MEM_K + k] - mx); }
        red[tid] = sum;
        workgroupBarrier();
        for (var s = ${ROW_GROUP / 2}; s > 0; s = s / 2) {
          if (tid < s) { red[tid] = red[tid] + red[tid + s]; }
          workgroupBarrier();
        }
        let lse = mx + log(red[0]);
        for (var k = tid; k < MEM_K; k = k + ${ROW_GROUP}) { result[row * (MEM_K + 1) + k] = exp(beta * hs[${offset} + row * MEM_K + k] - lse); }
        // (reads a uniform: tfjs binds the uniforms, and a layout made from the code must have them)
        if (tid == 0 && row < uniforms.outShape[0]) { result[row * (MEM_K + 1) + MEM_K] = -lse / beta; }
      }`,
  };
}

/** A diagonal memory's curve in WGSL: the energy `−Σ F(h)` over its overlaps, and the weights `F′(h)` of its signal. */
interface GpuCurve {
  /** `F′` as a function computed where the signal's product reads h. */
  readonly dF: GpuMap;
  /** `F(h)` as WGSL, with the parameters (in the order of `dF.params`). */
  F(h: string, p: readonly string[]): string;
}

/** The curves of the diagonal memories. */
const gpuCurves = {
  // F = ½ relu(h)², F′ = relu(h)
  reluSquared: (): GpuCurve => ({ dF: { key: 'relu', params: [], activation: (h) => `max(${h}, 0.0)` }, F: (h) => `0.5 * max(${h}, 0.0) * max(${h}, 0.0)` }),
  // F = e^{βh}/β, F′ = e^{βh}
  exponential: (): GpuCurve => ({ dF: { key: 'exp', params: ['beta'], activation: (h, [b]) => `exp(${b} * ${h})` }, F: (h, [b]) => `exp(${b} * ${h}) / ${b}` }),
  // F = zⁿ/n with z = h or relu(h), F′ = zⁿ⁻¹ (n = 1: 1, or h > 0 when rectified)
  polynomial: (n: number, rectified: boolean): GpuCurve => {
    const z = (h: string) => (rectified ? `max(${h}, 0.0)` : h);
    const dF = (h: string) => (n === 1 ? (rectified ? `select(0.0, 1.0, ${h} > 0.0)` : '1.0') : powerCode(`(${z(h)})`, n - 1));
    return { dF: { key: `poly${n}${rectified ? 'r' : ''}`, params: [], activation: dF }, F: (h) => `${powerCode(`(${z(h)})`, n)} / ${n.toPrecision(9)}` };
  },
};

/**
 * The WGSL forms of the memories on D features, each sample's R rows (1 on a flattened layer, the
 * tokens per token) meeting K memories; gpu/forms.ts picks one by spec.
 */
export const memoryGpu = {
  /**
   * Modern Hopfield: the overlaps `h = x̂ ξᵀ` (the form's projection, run by the step); per row
   * softmax(βh) and the energy `−(1/β) log Σ e^{βh}` (one program); the signal `− softmax(βh) ξ`
   * left to the step (skipped where it is not wanted).
   */
  modernHopfield: (D: number, R: number, K: number): GpuSynapse => ({
    kind: 'modernHopfield',
    dispatches: 3,
    projection: { layer: 0, width: D, weights: (p) => [p['xi']!] },
    run: ({ run, batch: B, wanted: [want], p, projected }) => {
      const h = projectedOf(projected);
      const beta = tf.reshape(p['beta']!, [1]);
      let ps: Tensor;
      try {
        ps = run(softmaxRowsProgram(B * R, K, h.offset), [h.tensor, beta]);
      } finally {
        beta.dispose();
      }
      // each row's energy sits after its K weights
      const energy: GpuSum = { operands: [{ tensor: ps }], count: R, stride: R * (K + 1), step: K + 1, offset: K, summand: ([e]) => e! };
      const signal = { width: D, terms: [{ lhs: { tensor: ps }, K, stride: K + 1, layout: 'kn' as const, weights: [p['xi']!] }] };
      return { energy, grad: [undefined], deferred: [want ? signal : undefined], keep: [ps] };
    },
  }),
  /**
   * A diagonal memory, `E = −Σ F(h)` (ReLU², polynomial, exponential): the overlaps `h = x̂ ξᵀ`
   * (the form's projection, run by the step) and the signal `− F′(h) ξ`, with F′ computed as the
   * product reads h, left to the step (skipped where it is not wanted). The energy program sums `−F(h)`.
   */
  diagonal: (kind: 'reluSquaredMemory' | 'polynomialMemory' | 'exponentialMemory', curve: GpuCurve, D: number, R: number, K: number): GpuSynapse => ({
    kind,
    dispatches: 2,
    projection: { layer: 0, width: D, weights: (p) => [p['xi']!] },
    run: ({ wanted: [want], p, projected }) => {
      const h = projectedOf(projected);
      const params = curve.dF.params.map((k) => tf.reshape(p[k]!, [1]));
      const energy: GpuSum = { operands: [{ tensor: h.tensor }], params, count: R * K, stride: R * K, offset: h.offset, summand: ([v], q) => `-(${curve.F(v!, q)})` };
      const signal = { width: D, terms: [{ lhs: { tensor: h.tensor, inline: { form: curve.dF, params } }, K, offset: h.offset, layout: 'kn' as const, weights: [p['xi']!] }] };
      return { energy, grad: [undefined], deferred: [want ? signal : undefined], keep: params };
    },
  }),
  curves: gpuCurves,
};


