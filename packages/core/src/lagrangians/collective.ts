import { tf, type Tensor } from '../tf.js';
import { HamuxError } from '../errors.js';
import type { Lagrangian } from '../lagrangian.js';
import { checkPositiveOption, optionValue, paramFromOption, type ParamOption, type TensorMap } from '../params.js';
import { alongAxis, sumPerSample } from '../ops.js';
import { formatShape, resolveAxis, type Shape } from '../shape.js';
import { jsLayernormRows, SMALL_ROWS } from '@hamux-ts/kernels';
import { scalarOf, type HostLagrangian, type ParamGrads, type ParamValues } from '../host/types.js';
import { softmaxBetaVjpRows, softmaxJvpRows } from '../host/softmax-adjoint.js';
import type { GpuLagrangian, GpuProgram } from '../gpu/types.js';
import { activationPassProgram, PASS_GROUP, reduceMaxCode, reduceSumCode, spread, workgroupRow } from '../gpu/products.js';

/**
 * Lagrangians that couple the neurons along one axis of a layer (softmax, layer norm, spherical
 * norm, ghostmax). Each row along the axis contributes its own term, and the per-sample value sums
 * the rows, so they work on batched, multi-dimensional states (tokens × features, say).
 */

/** The axis of the batched tensor that a layer axis (negative counts from the end) refers to. */
function tensorAxis(axis: number, rank: number): number {
  return axis < 0 ? rank + axis : axis + 1;
}

function axisCheck(kind: string, axis: number) {
  return (shape: Shape): string | undefined =>
    resolveAxis(axis, shape) === undefined
      ? `${kind}: axis ${axis} is out of range for a layer of shape ${formatShape(shape)}`
      : undefined;
}

function checkAxisOption(kind: string, axis: number): void {
  if (!Number.isInteger(axis)) throw new HamuxError([kind, 'axis'], `must be an integer, got ${axis}`, 'invalid_argument');
}

/** `L = (1/β) Σ_rows log Σ_axis e^{βx}`, activation `softmax(βx)` along the axis. */
export function softmax(options: { beta?: ParamOption; axis?: number } = {}): Lagrangian {
  const axis = options.axis ?? -1;
  checkAxisOption('softmax', axis);
  checkPositiveOption('softmax', 'beta', options.beta);
  return {
    kind: 'softmax',
    options: { beta: options.beta ?? 1, axis },
    builtin: { kind: 'softmax', axis },
    params: () => ({ beta: paramFromOption(options.beta, 1, []) }),
    check: axisCheck('softmax', axis),
    lagrangian: (x, p) => {
      const beta = p['beta']!;
      const lse = tf.logSumExp(tf.mul(beta, x), tensorAxis(axis, x.rank));
      return tf.div(sumPerSample(lse), beta);
    },
    activation: (x, p) => {
      const z = tf.mul(p['beta']!, x);
      const ax = tensorAxis(axis, x.rank);
      return tf.exp(tf.sub(z, tf.logSumExp(z, ax, true)));
    },
  };
}

/**
 * Ghostmax: `L = Σ_rows log(1 + Σ_axis e^{x})`, activation softmax with an extra logit fixed at 0
 * (which is dropped), so the activations of a row sum to less than one.
 */
export function ghostmax(options: { axis?: number } = {}): Lagrangian {
  const axis = options.axis ?? -1;
  checkAxisOption('ghostmax', axis);
  // m = max(0, max_axis x) keeps every exponent ≤ 0.
  const shifted = (x: Tensor) => {
    const ax = tensorAxis(axis, x.rank);
    const m = tf.relu(tf.max(x, ax, true));
    const e = tf.exp(tf.sub(x, m));
    const z = tf.add(tf.exp(tf.neg(m)), tf.sum(e, ax, true));
    return { ax, m, e, z };
  };
  return {
    kind: 'ghostmax',
    options: { axis },
    builtin: { kind: 'ghostmax', axis },
    params: () => ({}),
    check: axisCheck('ghostmax', axis),
    lagrangian: (x) => {
      // log z = log1p(z − 1) with z − 1 = expm1(−m) + Σe: exact when every x ≪ 0 (m = 0), where
      // log(1 + Σe) would round Σe away in float32
      const { ax, m, e } = shifted(x);
      return sumPerSample(tf.add(m, tf.log1p(tf.add(tf.expm1(tf.neg(m)), tf.sum(e, ax, true)))));
    },
    activation: (x) => {
      const { e, z } = shifted(x);
      return tf.div(e, z);
    },
  };
}

interface NormOptions {
  /** Scale γ (scalar), default 1. */
  gamma?: ParamOption;
  /** Shift δ, one value per entry along the axis, default 0. */
  delta?: ParamOption;
  /** Regulariser ε inside the square root, default 1e-5. */
  eps?: number;
  /** The normalised axis of the layer, default -1. */
  axis?: number;
}

function normParams(kind: string, options: NormOptions) {
  const axis = options.axis ?? -1;
  checkAxisOption(kind, axis);
  const eps = options.eps ?? 1e-5;
  if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) {
    throw new HamuxError([kind, 'eps'], `must be a finite number >= 0, got ${eps}`, 'invalid_argument');
  }
  const gamma = optionValue(options.gamma);
  if (typeof gamma === 'number' && !(gamma >= 0)) {
    // L = γ·(a norm) + δ·x is convex only for γ ≥ 0; with γ < 0 the energy has no minimum
    throw new HamuxError([kind, 'gamma'], `must be >= 0 (a negative γ makes the Lagrangian concave and the energy unbounded below), got ${gamma}`, 'invalid_argument');
  }
  const delta = optionValue(options.delta);
  if (delta !== undefined && typeof delta !== 'number' && !Array.isArray(delta)) {
    throw new HamuxError([kind, 'delta'], `must be a number or an array of numbers, got ${JSON.stringify(delta)}`, 'invalid_argument');
  }
  return {
    axis,
    eps,
    options: { gamma: options.gamma ?? 1, delta: options.delta ?? 0, eps, axis },
    check: (shape: Shape): string | undefined => {
      const a = resolveAxis(axis, shape);
      if (a === undefined) return `${kind}: axis ${axis} is out of range for a layer of shape ${formatShape(shape)}`;
      if (Array.isArray(delta) && delta.length !== shape[a]) {
        return `${kind}: delta has ${delta.length} values but axis ${axis} of ${formatShape(shape)} has ${shape[a]}`;
      }
      return undefined;
    },
    params: (shape: Shape) => {
      const a = resolveAxis(axis, shape) ?? shape.length - 1;
      const d = shape[a] ?? 1;
      // A scalar δ fills every entry of the axis.
      return { gamma: paramFromOption(options.gamma, 1, []), delta: paramFromOption(options.delta, 0, [d]) };
    },
    /** `Σ δ ⊙ x`, per sample. */
    shift: (x: Tensor, p: TensorMap) =>
      sumPerSample(tf.mul(alongAxis(p['delta']!, tensorAxis(axis, x.rank), x.rank), x)),
    delta: (x: Tensor, p: TensorMap) => alongAxis(p['delta']!, tensorAxis(axis, x.rank), x.rank),
  };
}

/**
 * `x` with a zero derivative, for the shift of layer norm and the scale in `normalised` below: they
 * leave the results unchanged in exact arithmetic, so their true derivative is zero, and this
 * `customGrad` keeps autodiff from sending the rounding of that cancellation (or a 0/0 on a row of
 * zeros) back through them. (customGrad types its arguments as tensors or a save function: here, a tensor.)
 */
const constant = tf.customGrad((x) => ({ value: tf.clone(x as Tensor), gradFunc: (dy: Tensor) => tf.zerosLike(dy) }));

/**
 * The root `r = sqrt(Σ_axis v² + ε)` (with `mean` instead of Σ when `mean`) of each row of v, and
 * `v / r`, without the squares underflowing (a tiny row with ε = 0) or overflowing: each row is first
 * divided by a power of two s with max(|v|, √ε) < 2s (exact, and held constant for autodiff).
 * A row with v ≡ 0 and ε = 0 has r = 0 and `v / r = 0`, with a zero derivative: there the norm has
 * no gradient, and 0 is the subgradient the norm layers take (x̂ = δ). Masks are arithmetic (sign,
 * not comparisons): tfjs has no gradient for comparisons until installSecondOrderGradients.
 */
function normalised(v: Tensor, ax: number, eps: number, mean: boolean): { root: Tensor; unit: Tensor } {
  const sqrtEps = Math.sqrt(eps);
  const m = constant(tf.maximum(tf.max(tf.abs(v), ax, true), sqrtEps));
  const some = tf.sign(m); // 1, or 0 on a row of zeros with ε = 0
  const none = tf.sub(1, some);
  // 2^⌊log₂ m⌋, at least the smallest float32 (2^-149), and 0 on a row of zeros; divide by 1 there
  const s = tf.mul(some, tf.pow(2, tf.maximum(tf.floor(tf.div(tf.log(m), Math.LN2)), -149)));
  const divisor = tf.add(s, none);
  const u = tf.div(v, divisor);
  const u2 = tf.square(u);
  // q ≥ 1/(4D) on every other row; on a row of zeros q = 1, keeping 0/ρ and its derivative finite
  const q = tf.add(tf.add(mean ? tf.mean(u2, ax, true) : tf.sum(u2, ax, true), tf.square(tf.div(sqrtEps, divisor))), none);
  const rho = tf.sqrt(q);
  return { root: tf.mul(s, rho), unit: tf.mul(some, tf.div(u, rho)) };
}

/**
 * Layer norm: `L = Σ_rows D γ sqrt(mean((x − x̄)²) + ε) + Σ δ⊙x`,
 * activation `γ (x − x̄)/sqrt(mean((x − x̄)²) + ε) + δ`, with D the size of the axis.
 *
 * `x − x̄` is taken in float32 as `c − mean(c)` with `c = r − mean(r)`, `r = x − m` and m the row's
 * max (a corrected two-pass mean): on a row of (nearly) equal entries, where float32's own mean is
 * off by an ulp of x and dividing by √ε magnifies that, `r` and `c` are exact but for the rounding
 * of mean(r), which the second mean removes. A row of equal entries gets `x − x̄ = 0` exactly,
 * hence `x̂ = δ` (with ε = 0 too).
 */
export function layernorm(options: NormOptions = {}): Lagrangian {
  const n = normParams('layernorm', options);
  const centred = (x: Tensor) => {
    const ax = tensorAxis(n.axis, x.rank);
    const r = tf.sub(x, constant(tf.max(x, ax, true)));
    const c = tf.sub(r, tf.mean(r, ax, true));
    return { ax, ...normalised(tf.sub(c, tf.mean(c, ax, true)), ax, n.eps, true) };
  };
  return {
    kind: 'layernorm',
    options: n.options,
    builtin: { kind: 'layernorm', eps: n.eps, axis: n.axis },
    params: n.params,
    check: n.check,
    lagrangian: (x, p) => {
      const { ax, root } = centred(x);
      const d = x.shape[ax]!;
      return tf.add(tf.mul(tf.mul(p['gamma']!, d), sumPerSample(root)), n.shift(x, p));
    },
    activation: (x, p) => tf.add(tf.mul(p['gamma']!, centred(x).unit), n.delta(x, p)),
  };
}

/**
 * Spherical norm: `L = Σ_rows γ sqrt(Σ x² + ε) + Σ δ⊙x`, activation `γ x / sqrt(Σ x² + ε) + δ`
 * (a row of zeros with ε = 0: `x̂ = δ`).
 */
export function spherical(options: NormOptions = {}): Lagrangian {
  const n = normParams('spherical', options);
  const norm = (x: Tensor) => normalised(x, tensorAxis(n.axis, x.rank), n.eps, false);
  return {
    kind: 'spherical',
    options: n.options,
    builtin: { kind: 'spherical', eps: n.eps, axis: n.axis },
    params: n.params,
    check: n.check,
    lagrangian: (x, p) => tf.add(tf.mul(p['gamma']!, sumPerSample(norm(x).root)), n.shift(x, p)),
    activation: (x, p) => tf.add(tf.mul(p['gamma']!, norm(x).unit), n.delta(x, p)),
  };
}

// ---- Host forms: the same Lagrangians on host arrays, rows along the last axis ----

/** Row-wise Lagrangians along the last axis (rows of D): softmax, ghostmax, layer norm, spherical. */
function hostRows(kind: HostLagrangian['kind'], row: (x: Float32Array, xhat: Float32Array, o: number, D: number, p: ParamValues) => number): (D: number) => HostLagrangian {
  return (D) => ({
    kind,
    run: (x, xhat, L, B, n, p) => {
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let o = b * n, end = o + n; o < end; o += D) s += row(x, xhat, o, D, p);
        L[b] = s;
      }
    },
  });
}

// softmax: L = (1/β) log Σ e^{βx}, x̂ = softmax(βx), per row of D: the gemm's softmax rows on a copy
// of x, their log-sum-exps summed per sample (in place in L when a sample is one row).
// Adjoint: ∇²L = β (diag x̂ − x̂ x̂ᵀ); ∂x̂/∂β = x̂ ⊙ x − x̂ (x̂ · x)
const hostSoftmax = (D: number): HostLagrangian => {
  let lse = new Float64Array(0);
  return {
    kind: 'softmax',
    run: (x, xhat, L, B, n, p, k) => {
      const beta = scalarOf(p, 'beta'), R = n / D, rows = B * R;
      xhat.set(x);
      if (R === 1) {
        k.softmax(xhat, 0, rows, D, beta, L, 0, 0);
        for (let b = 0; b < B; b++) L[b]! /= beta;
        return;
      }
      if (lse.length < rows) lse = new Float64Array(rows);
      k.softmax(xhat, 0, rows, D, beta, lse, 0, 0);
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let r = b * R; r < (b + 1) * R; r++) s += lse[r]!;
        L[b] = s / beta;
      }
    },
    adjoint: {
      params: ['beta'],
      hvp: (_x, xhat, w, out, B, n, p) => softmaxJvpRows(xhat, w, out, (B * n) / D, D, scalarOf(p, 'beta')),
      paramVjp: (x, xhat, w, B, n, _p, d) => {
        const dBeta = d['beta'];
        // Σ_rows [Σ x̂ x w − (x̂ · x)(x̂ · w)]
        if (dBeta) dBeta[0]! += softmaxBetaVjpRows(xhat, x, w, (B * n) / D, D);
      },
    },
  };
};

// ghostmax: L = log(1 + Σ e^x), x̂ = e^x / (1 + Σ e^x), shifted by m = max(0, max x).
// Adjoint: ∇²L = diag x̂ − x̂ x̂ᵀ (the ghost logit is a constant)
const hostGhostmax = (D: number): HostLagrangian => ({
  ...hostRows('ghostmax', (x, xhat, o, D) => {
    let m = 0;
    for (let i = 0; i < D; i++) m = Math.max(m, x[o + i]!);
    let sum = 0;
    for (let i = 0; i < D; i++) {
      const e = Math.exp(x[o + i]! - m);
      xhat[o + i] = e;
      sum += e;
    }
    const z = Math.exp(-m) + sum;
    for (let i = 0; i < D; i++) xhat[o + i]! /= z;
    // log z = log1p(expm1(−m) + Σe): exact when every x ≪ 0 (m = 0)
    return m + Math.log1p(Math.expm1(-m) + sum);
  })(D),
  adjoint: { params: [], hvp: (_x, xhat, w, out, B, n) => softmaxJvpRows(xhat, w, out, (B * n) / D, D, 1) },
});

/**
 * `d[γ] += Σ w · y` and `d[δ]_i += Σ_rows w_i` over `count` rows of D, where `y = ∂x̂/∂γ` of the row
 * at o is written into `y` by `yOf(o, y)` (only when γ is wanted).
 */
function normParamVjp(d: ParamGrads, w: Float32Array, count: number, D: number, yOf: (o: number, y: Float64Array) => void): void {
  const dGamma = d['gamma'], dDelta = d['delta'];
  const y = new Float64Array(D);
  let s = 0;
  for (let o = 0, end = count * D; o < end; o += D) {
    if (dGamma) {
      yOf(o, y);
      for (let i = 0; i < D; i++) s += w[o + i]! * y[i]!;
    }
    if (dDelta) for (let i = 0; i < D; i++) dDelta[i]! += w[o + i]!;
  }
  if (dGamma) dGamma[0]! += s;
}

/**
 * Mean and `sd = sqrt(mean((x − x̄)²) + ε)` of the row of D at o, as the forward pass (kernels'
 * layernormRows) takes them: `x̄ = x₀ + mean(x − x₀)`, exactly x₀ on a row of equal entries.
 */
function rowMoments(x: Float32Array, o: number, D: number, eps: number): [number, number] {
  const x0 = x[o]!;
  let mean = 0;
  for (let i = o; i < o + D; i++) mean += x[i]! - x0;
  mean = x0 + mean / D;
  let v = 0;
  for (let i = o; i < o + D; i++) v += (x[i]! - mean) ** 2;
  return [mean, Math.sqrt(v / D + eps)];
}

// layer norm: L = D γ sd + Σ δx, x̂ = γ (x − x̄)/sd + δ, sd = sqrt(mean((x − x̄)²) + ε), per row of D
// (kernels' layernormRows, or the addon's version of it); a row of equal entries with ε = 0 (sd = 0)
// has x̂ = δ, as in the tfjs form.
// Adjoint, with y = (x − x̄)/sd: ∇²L w = (γ/sd)(w − mean(w) − y (y · w)/D); ∂x̂/∂γ = y, ∂x̂/∂δ = I;
// both 0 where sd = 0 (the tfjs form's derivative there)
const hostLayernorm = (eps: number) => (D: number): HostLagrangian => ({
  kind: 'layernorm',
  run: (x, xhat, L, B, n, p, k) => {
    const count = (B * n) / D;
    (B * n > SMALL_ROWS ? k.layernormRows : jsLayernormRows)(x, xhat, 0, count, D, scalarOf(p, 'gamma'), p['delta']!, eps, L, 0, n / D);
  },
  adjoint: {
    params: ['gamma', 'delta'],
    hvp: (x, _xhat, w, out, B, n, p) => {
      const gamma = scalarOf(p, 'gamma');
      for (let o = 0, end = B * n; o < end; o += D) {
        const [mean, sd] = rowMoments(x, o, D, eps);
        if (sd === 0) {
          out.fill(0, o, o + D);
          continue;
        }
        let mw = 0, yw = 0;
        for (let i = o; i < o + D; i++) {
          mw += w[i]!;
          yw += ((x[i]! - mean) / sd) * w[i]!;
        }
        mw /= D;
        yw /= D;
        for (let i = o; i < o + D; i++) out[i] = (gamma / sd) * (w[i]! - mw - ((x[i]! - mean) / sd) * yw);
      }
    },
    paramVjp: (x, _xhat, w, B, n, _p, d) =>
      normParamVjp(d, w, (B * n) / D, D, (o, y) => {
        const [mean, sd] = rowMoments(x, o, D, eps);
        for (let i = 0; i < D; i++) y[i] = sd > 0 ? (x[o + i]! - mean) / sd : 0;
      }),
  },
});

/** `sqrt(Σ x² + ε)` of the row of D at o. */
function rowNorm(x: Float32Array, o: number, D: number, eps: number): number {
  let ss = 0;
  for (let i = o; i < o + D; i++) ss += x[i]! * x[i]!;
  return Math.sqrt(ss + eps);
}

// spherical: L = γ sqrt(Σx² + ε) + Σ δx, x̂ = γ x / sqrt(Σx² + ε) + δ (δ on a row of zeros with
// ε = 0). Float64 sums of float32 squares neither underflow nor overflow.
// Adjoint, with r = sqrt(Σx² + ε): ∇²L w = (γ/r)(w − x (x · w)/r²); ∂x̂/∂γ = x/r, ∂x̂/∂δ = I; both 0 where r = 0
const hostSpherical = (eps: number) => (D: number): HostLagrangian => ({
  ...hostRows('spherical', (x, xhat, o, D, p) => {
    const gamma = scalarOf(p, 'gamma'), delta = p['delta']!;
    let ss = 0, shift = 0;
    for (let i = 0; i < D; i++) {
      ss += x[o + i]! * x[o + i]!;
      shift += delta[i]! * x[o + i]!;
    }
    const norm = Math.sqrt(ss + eps);
    const scale = norm > 0 ? gamma / norm : 0;
    for (let i = 0; i < D; i++) xhat[o + i] = scale * x[o + i]! + delta[i]!;
    return gamma * norm + shift;
  })(D),
  adjoint: {
    params: ['gamma', 'delta'],
    hvp: (x, _xhat, w, out, B, n, p) => {
      const gamma = scalarOf(p, 'gamma');
      for (let o = 0, end = B * n; o < end; o += D) {
        const r = rowNorm(x, o, D, eps);
        if (r === 0) {
          out.fill(0, o, o + D);
          continue;
        }
        let xw = 0;
        for (let i = o; i < o + D; i++) xw += x[i]! * w[i]!;
        for (let i = o; i < o + D; i++) out[i] = (gamma / r) * (w[i]! - (x[i]! * xw) / (r * r));
      }
    },
    paramVjp: (x, _xhat, w, B, n, _p, d) =>
      normParamVjp(d, w, (B * n) / D, D, (o, y) => {
        const r = rowNorm(x, o, D, eps);
        for (let i = 0; i < D; i++) y[i] = r > 0 ? x[o + i]! / r : 0;
      }),
  },
});

/** The host forms of the collective built-ins along the last axis, rows of D (host/forms.ts picks one by spec). */
export const collectiveHost = {
  softmax: (D: number): HostLagrangian => hostSoftmax(D),
  ghostmax: (D: number): HostLagrangian => hostGhostmax(D),
  layernorm: (eps: number, D: number): HostLagrangian => hostLayernorm(eps)(D),
  spherical: (eps: number, D: number): HostLagrangian => hostSpherical(eps)(D),
};

// ---- WGSL forms: the same Lagrangians in the fused webgpu step (gpu/forms.ts picks one by spec) ----

/**
 * The body of softmax's activation pass (`beta` bound), or ghostmax's (β = 1 and a ghost entry
 * at 0): per row of D, m = the largest βx (ghostmax: and 0, so every exponent is ≤ 0), `s = Σ e^{βx − m}`,
 * `z = s` (ghostmax: `e^{−m} + s`), `x̂ = e^{βx − m}/z`, and the neuron energy `Σ x̂ x − (m + log z)/β`.
 * Where m = 0 ghostmax's `log z = log1p(s)` keeps a tiny s, as the tfjs form's log1p does.
 */
function softmaxRows(D: number, n: number, ghost: boolean): string {
  const bx = (x: string) => (ghost ? x : `beta * ${x}`);
  const normaliser = ghost
    ? `// log1p(s) by its series where s is tiny (log(1 + s) would round it away)
          let logz = select(log(exp(-mx) + s), select(log(1.0 + s), s * (1.0 - s * (0.5 - s / 3.0)), s < 1e-4), mx == 0.0);
          let z = exp(-mx) + s;`
    : `let logz = log(s);
          let z = s;`;
  return `
        var energy = 0.0;
        for (var r = 0; r < ${n / D}; r = r + 1) {
          let row = b * ${n} + r * ${D};
          var m = ${ghost ? '0.0' : '-3.402823e+38'};
          for (var j = tid; j < ${D}; j = j + ${PASS_GROUP}) { m = max(m, ${bx('xs[row + j]')}); }
          red[tid] = m;${reduceMaxCode(PASS_GROUP)}
          let mx = red[0];
          workgroupBarrier();
          var sum = 0.0;
          for (var j = tid; j < ${D}; j = j + ${PASS_GROUP}) { sum = sum + exp(${bx('xs[row + j]')} - mx); }
          red[tid] = sum;${reduceSumCode(PASS_GROUP)}
          let s = red[0];
          ${normaliser}
          workgroupBarrier();
          var acc = 0.0;
          for (var j = tid; j < ${D}; j = j + ${PASS_GROUP}) {
            let x = xs[row + j];
            let xhat = exp(${bx('x')} - mx) / z;
            result[row + j] = xhat;
            acc = acc + xhat * x;
          }
          red[tid] = acc;${reduceSumCode(PASS_GROUP)}
          energy = energy + red[0] - (mx + logz)${ghost ? '' : ' / beta'};
          workgroupBarrier();
        }`;
}

/** Invocations per row of the norm passes. */
const NORM_GROUP = 64;

/**
 * The activation pass of layer norm (`centre`) or the spherical norm along rows of D: one workgroup
 * per row, as the tfjs forms compute them. Layer norm centres the row as `v = c − mean(c)`,
 * `c = (x − max) − mean(x − max)`; the norm's root `r = sqrt(mean(v²) + ε)` (Σ for the spherical
 * norm) is taken after dividing v by a power of two s with max(|v|, √ε) < 2s, so that squares
 * neither underflow nor overflow; a row of zeros with ε = 0 has x̂ = δ. Inputs `xs` `[B, n]`,
 * `gammas` `[1]`, `deltas` `[D]`; output x̂ (`B·n`), then each row's `Σ x̂ x − L_row` with
 * `L_row = c γ r + Σ δ x` (c = D for layer norm, 1 for the spherical norm).
 */
function normPassProgram(centre: boolean, eps: number, D: number, B: number, n: number): GpuProgram {
  const rows = (B * n) / D;
  const v = centre ? '((xs[o + j] - mx) - m1) - m2' : 'xs[o + j]';
  const each = (body: string) => `for (var j = tid; j < ${D}; j = j + ${NORM_GROUP}) { ${body} }`;
  const centring = centre ? `
        var m = -3.402823e+38;
        ${each('m = max(m, xs[o + j]);')}
        red[tid] = m;${reduceMaxCode(NORM_GROUP)}
        let mx = red[0];
        workgroupBarrier();
        var s1 = 0.0;
        ${each('s1 = s1 + (xs[o + j] - mx);')}
        red[tid] = s1;${reduceSumCode(NORM_GROUP)}
        let m1 = red[0] / ${D}.0;
        workgroupBarrier();
        var s2 = 0.0;
        ${each('s2 = s2 + ((xs[o + j] - mx) - m1);')}
        red[tid] = s2;${reduceSumCode(NORM_GROUP)}
        let m2 = red[0] / ${D}.0;
        workgroupBarrier();` : '';
  return {
    variableNames: ['xs', 'gammas', 'deltas'],
    outputShape: [B * n + rows],
    shaderKey: `hamuxNorm_${centre}_${eps}_${D}_${n}_${B}`, // B is baked in
    dispatchLayout: { x: [0] },
    dispatch: spread(rows),
    workgroupSize: [NORM_GROUP, 1, 1],
    getUserCode: () => `
      var<workgroup> red : array<f32, ${NORM_GROUP}>;
      fn main(index : i32) {
        let row = ${workgroupRow(rows)};
        let tid = i32(localId.x);
        let o = row * ${D};
        let gamma = gammas[0];
        let sqrtEps = ${Math.fround(Math.sqrt(eps)).toExponential(9)};${centring}
        var a = 0.0;
        ${each(`a = max(a, abs(${v}));`)}
        red[tid] = a;${reduceMaxCode(NORM_GROUP)}
        let top = max(red[0], sqrtEps);
        workgroupBarrier();
        let some = top > 0.0;
        let s = select(0.0, exp2(max(floor(log2(top)), -126.0)), some);
        let divisor = select(1.0, s, some);
        var q = 0.0;
        ${each(`let u = (${v}) / divisor; q = q + u * u;`)}
        red[tid] = q;${reduceSumCode(NORM_GROUP)}
        let rho = sqrt(red[0]${centre ? ` / ${D}.0` : ''} + (sqrtEps / divisor) * (sqrtEps / divisor) + select(1.0, 0.0, some));
        workgroupBarrier();
        var acc = 0.0;
        ${each(`let x = xs[o + j]; let xhat = gamma * select(0.0, ((${v}) / divisor) / rho, some) + deltas[j]; result[o + j] = xhat; acc = acc + xhat * x - deltas[j] * x;`)}
        red[tid] = acc;${reduceSumCode(NORM_GROUP)}
        // (reads a uniform: tfjs binds the uniforms, and a layout made from the code must have them)
        if (tid == 0 && row < uniforms.outShape) { result[${B * n} + row] = red[0] - ${centre ? `${D}.0 * ` : ''}gamma * s * rho; }
      }`,
  };
}

export const collectiveGpu = {
  /** Layer norm along rows of the last axis, D wide: one workgroup per row (see normPassProgram). */
  layernorm: (eps: number, D: number): GpuLagrangian => ({
    kind: 'layernorm',
    pass: { params: ['gamma', 'delta'], energies: (n) => n / D, program: (B, n) => normPassProgram(true, eps, D, B, n) },
  }),
  /** The spherical norm along rows of the last axis, D wide: one workgroup per row (see normPassProgram). */
  spherical: (eps: number, D: number): GpuLagrangian => ({
    kind: 'spherical',
    pass: { params: ['gamma', 'delta'], energies: (n) => n / D, program: (B, n) => normPassProgram(false, eps, D, B, n) },
  }),
  /**
   * softmax(βx) along rows of the last axis, D wide (a layer of n = R·D neurons per sample): one
   * workgroup per sample takes its R rows in turn (max, then `Σ e^{βx − max}`, both reduced over the
   * workgroup), writes x̂ and adds `Σ x̂ ⊙ x − (1/β) log Σ e^{βx}` to the sample's neuron energy.
   */
  softmax: (D: number): GpuLagrangian => ({
    kind: 'softmax',
    pass: { params: ['beta'], energies: () => 1, program: (B, n) => activationPassProgram(`softmax_${D}`, B, n, softmaxRows(D, n, false)) },
  }),
  /**
   * ghostmax along rows of D: softmax with a ghost entry at 0, `x̂ = e^{x}/(1 + Σ e^{x})` and
   * `L = log(1 + Σ e^{x})` per row, computed as softmax's pass is (see softmaxRows).
   */
  ghostmax: (D: number): GpuLagrangian => ({
    kind: 'ghostmax',
    pass: { params: [], energies: () => 1, program: (B, n) => activationPassProgram(`ghostmax_${D}`, B, n, softmaxRows(D, n, true), false) },
  }),
};
