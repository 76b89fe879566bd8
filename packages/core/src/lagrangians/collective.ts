import { tf, type Tensor } from '../tf.js';
import type { Lagrangian } from '../lagrangian.js';
import { checkPositiveOption, optionValue, paramFromOption, type ParamOption, type TensorMap } from '../params.js';
import { alongAxis, sumPerSample } from '../ops.js';
import { formatShape, resolveAxis, type Shape } from '../shape.js';
import { jsLayernormRows, SMALL_ROWS } from '@hamux-ts/kernels';
import { scalarOf, type HostLagrangian, type ParamValues } from '../host/types.js';

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
  if (!Number.isInteger(axis)) throw new RangeError(`${kind}: axis must be an integer, got ${axis}`);
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
      const { m, z } = shifted(x);
      return sumPerSample(tf.add(m, tf.log(z)));
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
    throw new RangeError(`${kind}: eps must be a finite number >= 0, got ${eps}`);
  }
  const delta = optionValue(options.delta);
  if (delta !== undefined && typeof delta !== 'number' && !Array.isArray(delta)) {
    throw new RangeError(`${kind}: delta must be a number or an array of numbers`);
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
 * Layer norm: `L = Σ_rows D γ sqrt(mean((x − x̄)²) + ε) + Σ δ⊙x`,
 * activation `γ (x − x̄)/sqrt(mean((x − x̄)²) + ε) + δ`, with D the size of the axis.
 */
export function layernorm(options: NormOptions = {}): Lagrangian {
  const n = normParams('layernorm', options);
  const centred = (x: Tensor) => {
    const ax = tensorAxis(n.axis, x.rank);
    const xc = tf.sub(x, tf.mean(x, ax, true));
    const sd = tf.sqrt(tf.add(tf.mean(tf.square(xc), ax, true), n.eps));
    return { ax, xc, sd };
  };
  return {
    kind: 'layernorm',
    options: n.options,
    builtin: { kind: 'layernorm', eps: n.eps, axis: n.axis },
    params: n.params,
    check: n.check,
    lagrangian: (x, p) => {
      const { ax, sd } = centred(x);
      const d = x.shape[ax]!;
      return tf.add(tf.mul(tf.mul(p['gamma']!, d), sumPerSample(sd)), n.shift(x, p));
    },
    activation: (x, p) => {
      const { xc, sd } = centred(x);
      return tf.add(tf.div(tf.mul(p['gamma']!, xc), sd), n.delta(x, p));
    },
  };
}

/** Spherical norm: `L = Σ_rows γ sqrt(Σ x² + ε) + Σ δ⊙x`, activation `γ x / sqrt(Σ x² + ε) + δ`. */
export function spherical(options: NormOptions = {}): Lagrangian {
  const n = normParams('spherical', options);
  const norm = (x: Tensor) =>
    tf.sqrt(tf.add(tf.sum(tf.square(x), tensorAxis(n.axis, x.rank), true), n.eps));
  return {
    kind: 'spherical',
    options: n.options,
    builtin: { kind: 'spherical', eps: n.eps, axis: n.axis },
    params: n.params,
    check: n.check,
    lagrangian: (x, p) => tf.add(tf.mul(p['gamma']!, sumPerSample(norm(x))), n.shift(x, p)),
    activation: (x, p) => tf.add(tf.div(tf.mul(p['gamma']!, x), norm(x)), n.delta(x, p)),
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
// of x, their log-sum-exps summed per sample (in place in L when a sample is one row)
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
  };
};

// ghostmax: L = log(1 + Σ e^x), x̂ = e^x / (1 + Σ e^x), shifted by m = max(0, max x)
const hostGhostmax = hostRows('ghostmax', (x, xhat, o, D) => {
  let m = 0;
  for (let i = 0; i < D; i++) m = Math.max(m, x[o + i]!);
  let z = Math.exp(-m);
  for (let i = 0; i < D; i++) {
    const e = Math.exp(x[o + i]! - m);
    xhat[o + i] = e;
    z += e;
  }
  for (let i = 0; i < D; i++) xhat[o + i]! /= z;
  return m + Math.log(z);
});

// layer norm: L = D γ sd + Σ δx, x̂ = γ (x − x̄)/sd + δ, sd = sqrt(mean((x − x̄)²) + ε), per row of D
// (row-kernels.ts, or the addon's version of it)
const hostLayernorm = (eps: number) => (D: number): HostLagrangian => ({
  kind: 'layernorm',
  run: (x, xhat, L, B, n, p, k) => {
    const count = (B * n) / D;
    (B * n > SMALL_ROWS ? k.layernormRows : jsLayernormRows)(x, xhat, 0, count, D, scalarOf(p, 'gamma'), p['delta']!, eps, L, 0, n / D);
  },
});

// spherical: L = γ sqrt(Σx² + ε) + Σ δx, x̂ = γ x / sqrt(Σx² + ε) + δ
const hostSpherical = (eps: number) =>
  hostRows('spherical', (x, xhat, o, D, p) => {
    const gamma = scalarOf(p, 'gamma'), delta = p['delta']!;
    let ss = 0, shift = 0;
    for (let i = 0; i < D; i++) {
      ss += x[o + i]! * x[o + i]!;
      shift += delta[i]! * x[o + i]!;
    }
    const norm = Math.sqrt(ss + eps);
    for (let i = 0; i < D; i++) xhat[o + i] = (gamma * x[o + i]!) / norm + delta[i]!;
    return gamma * norm + shift;
  });

/** The host forms of the collective built-ins along the last axis, rows of D (host/forms.ts picks one by spec). */
export const collectiveHost = {
  softmax: (D: number): HostLagrangian => hostSoftmax(D),
  ghostmax: (D: number): HostLagrangian => hostGhostmax(D),
  layernorm: (eps: number, D: number): HostLagrangian => hostLayernorm(eps)(D),
  spherical: (eps: number, D: number): HostLagrangian => hostSpherical(eps)(D),
};
