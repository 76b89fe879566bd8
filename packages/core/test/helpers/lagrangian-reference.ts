/**
 * Plain-JavaScript float64 references for the Lagrangians of math.md §1, written independently of
 * the library (no tfjs, no library helpers), for the tests in `lagrangians.test.ts`.
 *
 * A batched state is a flat row-major array with its batched shape `[B, ...layerShape]`.
 */

import { centralDiff, mulberry32 as uniformRng } from '@hamux-ts/test-support';

// The seeded generator (mulberry32, uniform in [0, 1)) and the central finite difference are
// every package's tests' (@hamux-ts/test-support).
export { centralDiff, uniformRng };

export interface Nd {
  readonly data: readonly number[];
  /** Batched shape: `[B, ...layerShape]`. */
  readonly shape: readonly number[];
}

export interface RefLagrangian {
  /** `L(x)` per sample, length B. */
  L(x: Nd): number[];
  /** `∇L(x)`, flat, same layout as `x.data`. */
  act(x: Nd): number[];
}

const LN2 = Math.LN2;

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function perSampleSize(x: Nd): number {
  return size(x.shape.slice(1));
}

/** Per-sample sums of a flat array laid out like `x`. */
export function sumPerSample(x: Nd, values: readonly number[]): number[] {
  const B = x.shape[0]!;
  const n = perSampleSize(x);
  const out = new Array<number>(B).fill(0);
  values.forEach((v, i) => { out[Math.floor(i / n)]! += v; });
  return out;
}

/**
 * Every 1-D row of `x` along a layer axis (negative counts from the end of the layer shape): the
 * flat indices of its entries, in order along the axis, and the sample it belongs to.
 */
export function rowsAlong(shape: readonly number[], layerAxis: number): { sample: number; idx: number[] }[] {
  const rank = shape.length;
  const a = layerAxis < 0 ? rank + layerAxis : layerAxis + 1;
  if (!(a >= 1 && a < rank)) throw new Error(`reference: axis ${layerAxis} out of range for ${JSON.stringify(shape)}`);
  const strides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) strides[k] = strides[k + 1]! * shape[k + 1]!;
  const perSample = strides[0]!;
  const rows: { sample: number; idx: number[] }[] = [];
  const total = size(shape);
  for (let flat = 0; flat < total; flat++) {
    const along = Math.floor(flat / strides[a]!) % shape[a]!;
    if (along !== 0) continue; // each row starts at its entry with index 0 along the axis
    const idx: number[] = [];
    for (let k = 0; k < shape[a]!; k++) idx.push(flat + k * strides[a]!);
    rows.push({ sample: Math.floor(flat / perSample), idx });
  }
  return rows;
}

function elementwise(f: (v: number) => number, df: (v: number) => number): RefLagrangian {
  return {
    L: (x) => sumPerSample(x, x.data.map(f)),
    act: (x) => x.data.map(df),
  };
}

/** A collective Lagrangian: `rowL(row)` for each row along the axis, summed per sample. */
function collective(
  axis: number,
  rowL: (row: number[]) => number,
  rowAct: (row: number[]) => number[],
): RefLagrangian {
  return {
    L: (x) => {
      const out = new Array<number>(x.shape[0]!).fill(0);
      for (const { sample, idx } of rowsAlong(x.shape, axis)) out[sample]! += rowL(idx.map((i) => x.data[i]!));
      return out;
    },
    act: (x) => {
      const out = new Array<number>(x.data.length).fill(NaN);
      for (const { idx } of rowsAlong(x.shape, axis)) {
        const a = rowAct(idx.map((i) => x.data[i]!));
        idx.forEach((i, k) => { out[i] = a[k]!; });
      }
      return out;
    },
  };
}

/** `log cosh z`, stable for large |z|. */
export function logCosh(z: number): number {
  const a = Math.abs(z);
  return a + Math.log1p(Math.exp(-2 * a)) - LN2;
}

/** `log(1 + e^z)`, stable for large |z|. */
export function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

export function sigma(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Stable `log Σ e^{z_i}`. */
export function logSumExp(z: readonly number[]): number {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
}

function deltaAt(delta: number | readonly number[], k: number): number {
  return typeof delta === 'number' ? delta : delta[k]!;
}

export interface NormRefOptions {
  gamma?: number;
  delta?: number | readonly number[];
  eps?: number;
  axis?: number;
}

export const ref = {
  identity: (): RefLagrangian => elementwise((v) => 0.5 * v * v, (v) => v),
  repu: (n: number): RefLagrangian =>
    elementwise((v) => Math.pow(Math.max(v, 0), n) / n, (v) => Math.pow(Math.max(v, 0), n - 1)),
  relu: (): RefLagrangian => elementwise((v) => 0.5 * Math.max(v, 0) ** 2, (v) => Math.max(v, 0)),
  exp: (beta: number): RefLagrangian =>
    elementwise((v) => Math.exp(beta * v) / beta, (v) => Math.exp(beta * v)),
  rexp: (beta: number): RefLagrangian =>
    elementwise(
      (v) => {
        const r = Math.max(v, 0);
        return Math.exp(beta * r) / beta - r;
      },
      (v) => Math.exp(beta * Math.max(v, 0)) - 1,
    ),
  tanh: (beta: number): RefLagrangian => elementwise((v) => logCosh(beta * v) / beta, (v) => Math.tanh(beta * v)),
  sigmoid: (beta: number): RefLagrangian => elementwise((v) => softplus(beta * v) / beta, (v) => sigma(beta * v)),
  softmax: (beta: number, axis = -1): RefLagrangian =>
    collective(
      axis,
      (row) => logSumExp(row.map((v) => beta * v)) / beta,
      (row) => {
        const z = row.map((v) => beta * v);
        const lse = logSumExp(z);
        return z.map((v) => Math.exp(v - lse));
      },
    ),
  ghostmax: (axis = -1): RefLagrangian =>
    collective(
      axis,
      (row) => logSumExp([0, ...row]),
      (row) => {
        const lse = logSumExp([0, ...row]);
        return row.map((v) => Math.exp(v - lse));
      },
    ),
  layernorm: (o: NormRefOptions = {}): RefLagrangian => {
    const gamma = o.gamma ?? 1, delta = o.delta ?? 0, eps = o.eps ?? 1e-5;
    const stats = (row: number[]) => {
      const D = row.length;
      const mean = row.reduce((s, v) => s + v, 0) / D;
      const xc = row.map((v) => v - mean);
      const sd = Math.sqrt(xc.reduce((s, v) => s + v * v, 0) / D + eps);
      return { D, xc, sd };
    };
    return collective(
      o.axis ?? -1,
      (row) => {
        const { D, sd } = stats(row);
        return D * gamma * sd + row.reduce((s, v, k) => s + deltaAt(delta, k) * v, 0);
      },
      (row) => {
        const { xc, sd } = stats(row);
        return xc.map((v, k) => (gamma * v) / sd + deltaAt(delta, k));
      },
    );
  },
  spherical: (o: NormRefOptions = {}): RefLagrangian => {
    const gamma = o.gamma ?? 1, delta = o.delta ?? 0, eps = o.eps ?? 1e-5;
    const norm = (row: number[]) => Math.sqrt(row.reduce((s, v) => s + v * v, 0) + eps);
    return collective(
      o.axis ?? -1,
      (row) => gamma * norm(row) + row.reduce((s, v, k) => s + deltaAt(delta, k) * v, 0),
      (row) => {
        const n = norm(row);
        return row.map((v, k) => (gamma * v) / n + deltaAt(delta, k));
      },
    );
  },
};

/** Neuron energy per sample, `Σ x̂⊙x − L(x)`, with x̂ from the reference's own activation. */
export function energyRef(r: RefLagrangian, x: Nd): number[] {
  const a = r.act(x);
  const dot = sumPerSample(x, x.data.map((v, i) => v * a[i]!));
  const l = r.L(x);
  return dot.map((d, b) => d - l[b]!);
}

/**
 * The magnitude the float32 energy is computed from, `Σ|x̂⊙x| + |L|` per sample: the energy is a
 * difference of these terms, so float32 can only get it right relative to their size.
 */
export function energyScale(r: RefLagrangian, x: Nd): number[] {
  const a = r.act(x);
  const dot = sumPerSample(x, x.data.map((v, i) => Math.abs(v * a[i]!)));
  const l = r.L(x);
  return dot.map((d, b) => d + Math.abs(l[b]!));
}

/** Seeded normal numbers (Box–Muller), rounded to float32 so tfjs sees exactly the same inputs. */
export function randomNd(shape: readonly number[], seed: number, std = 1): Nd {
  const u = uniformRng(seed);
  const data: number[] = [];
  while (data.length < size(shape)) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    data.push(Math.fround(std * r * Math.cos(t)), Math.fround(std * r * Math.sin(t)));
  }
  return { data: data.slice(0, size(shape)), shape: [...shape] };
}

/** Rounds every entry to float32 (what a tfjs tensor stores), so references see the same inputs. */
export function nd(data: readonly number[], shape: readonly number[]): Nd {
  if (data.length !== size(shape)) throw new Error(`reference: ${data.length} values for shape ${JSON.stringify(shape)}`);
  return { data: data.map(Math.fround), shape: [...shape] };
}
