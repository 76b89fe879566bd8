/**
 * Independent float64 reference implementations of the hypersynapse energies of math.md §2, written
 * as plain loops over flat arrays (row-major, one sample at a time, no batch axis). Nothing here
 * calls tfjs or the library: these are what the library is checked against.
 */

import { centralDifferences } from '@hamux-ts/test-support';

// Float64 central differences are every package's tests' (@hamux-ts/test-support).
export { centralDifferences };

export type Pad = 'valid' | 'same' | number;

/** Row-major flat index helpers. */
export const idx3 = (i: number, j: number, k: number, d1: number, d2: number): number => (i * d1 + j) * d2 + k;
export const idx4 = (i: number, j: number, k: number, l: number, d1: number, d2: number, d3: number): number =>
  ((i * d1 + j) * d2 + k) * d3 + l;

/**
 * Output length and the zeros before one spatial axis, for a window of size k and stride s.
 * 'same' follows TensorFlow: output ceil(n/s), total padding max((ceil(n/s) − 1)·s + k − n, 0), the
 * smaller half before (top/left).
 */
export function axisGeometry(n: number, k: number, s: number, pad: Pad): { out: number; before: number } {
  if (pad === 'valid') return { out: Math.floor((n - k) / s) + 1, before: 0 };
  if (pad === 'same') {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    return { out, before: Math.floor(total / 2) };
  }
  return { out: Math.floor((n + 2 * pad - k) / s) + 1, before: pad };
}

/** `Σ a ⊙ b`. */
export function dot(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Dense: `−x̂₁ᵀ W x̂₂`, W flat `[D1, D2]`. */
export function denseEnergy(a: readonly number[], b: readonly number[], W: readonly number[]): number {
  const d1 = a.length, d2 = b.length;
  if (W.length !== d1 * d2) throw new Error('denseEnergy: W has the wrong size');
  let e = 0;
  for (let i = 0; i < d1; i++) for (let j = 0; j < d2; j++) e -= a[i]! * W[i * d2 + j]! * b[j]!;
  return e;
}

/** Dense with bias: `−x̂₁ᵀ W x̂₂ − b·x̂₂`. */
export function denseBiasEnergy(a: readonly number[], b: readonly number[], W: readonly number[], bias: readonly number[]): number {
  return denseEnergy(a, b, W) - dot(bias, b);
}

/**
 * Per-token dense: `−Σ_n (x̂₁[n]ᵀ W x̂₂[n] + b·x̂₂[n])`, x̂₁ flat `[N, D1]`, x̂₂ flat `[N, D2]`, W flat
 * `[D1, D2]`, b `[D2]` or absent; N is read off the layers' sizes, which must agree.
 */
export function perTokenDenseEnergy(
  a: readonly number[],
  b: readonly number[],
  W: readonly number[],
  d1: number,
  d2: number,
  bias?: readonly number[],
): number {
  const n = a.length / d1;
  if (!Number.isInteger(n) || b.length !== n * d2 || W.length !== d1 * d2) throw new Error('perTokenDenseEnergy: sizes do not fit');
  if (bias && bias.length !== d2) throw new Error('perTokenDenseEnergy: b should be [D2]');
  let e = 0;
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < d1; i++) for (let j = 0; j < d2; j++) e -= a[t * d1 + i]! * W[i * d2 + j]! * b[t * d2 + j]!;
    if (bias) for (let j = 0; j < d2; j++) e -= bias[j]! * b[t * d2 + j]!;
  }
  return e;
}

/** Bias: `−b·x̂`. */
export function biasEnergy(x: readonly number[], bias: readonly number[]): number {
  return -dot(bias, x);
}

/** `(γ/2) Σ (a − b)²`. */
export function tieEnergy(a: readonly number[], b: readonly number[], gamma: number): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return (gamma / 2) * sum;
}

/**
 * Cross-correlation (what deep-learning libraries call convolution), NHWC without batch:
 * `out[i, j, o] = Σ_{di, dj, c} x[i·s + di − top, j·s + dj − left, c] W[di, dj, c, o]`, zero outside.
 */
export function conv2dRef(
  x: readonly number[],
  [h, w, cin]: readonly number[],
  W: readonly number[],
  [kh, kw, , cout]: readonly number[],
  stride: readonly [number, number],
  pad: Pad,
): { out: number[]; shape: [number, number, number] } {
  return conv2dRefExplicit(x, [h!, w!, cin!], W, [kh!, kw!, cin!, cout!], stride, axisGeometry(h!, kh!, stride[0], pad), axisGeometry(w!, kw!, stride[1], pad));
}

/** `conv2dRef` with the output size and the zeros before each axis given explicitly. */
export function conv2dRefExplicit(
  x: readonly number[],
  [h, w, cin]: readonly number[],
  W: readonly number[],
  [kh, kw, , cout]: readonly number[],
  stride: readonly [number, number],
  gh: { out: number; before: number },
  gw: { out: number; before: number },
): { out: number[]; shape: [number, number, number] } {
  const out = new Array<number>(gh.out * gw.out * cout!).fill(0);
  for (let i = 0; i < gh.out; i++) {
    for (let j = 0; j < gw.out; j++) {
      for (let o = 0; o < cout!; o++) {
        let s = 0;
        for (let di = 0; di < kh!; di++) {
          const r = i * stride[0] + di - gh.before;
          if (r < 0 || r >= h!) continue;
          for (let dj = 0; dj < kw!; dj++) {
            const c = j * stride[1] + dj - gw.before;
            if (c < 0 || c >= w!) continue;
            for (let ch = 0; ch < cin!; ch++) s += x[idx3(r, c, ch, w!, cin!)]! * W[idx4(di, dj, ch, o, kw!, cin!, cout!)]!;
          }
        }
        out[idx3(i, j, o, gw.out, cout!)] = s;
      }
    }
  }
  return { out, shape: [gh.out, gw.out, cout!] };
}

/** Convolution synapse: `−Σ x̂₂ ⊙ conv(x̂₁, W)`. */
export function conv2dEnergy(
  a: readonly number[],
  aShape: readonly number[],
  b: readonly number[],
  W: readonly number[],
  wShape: readonly number[],
  stride: readonly [number, number],
  pad: Pad,
): number {
  const { out } = conv2dRef(a, aShape, W, wShape, stride, pad);
  return -dot(b, out);
}

/**
 * Average pooling, NHWC without batch: the mean of each window's entries that lie inside the input
 * (TensorFlow's convention: padding is left out of the average; a window wholly in the padding gives 0).
 */
export function avgPoolRef(
  x: readonly number[],
  [h, w, c]: readonly number[],
  size: readonly [number, number],
  stride: readonly [number, number],
  pad: Pad,
): { out: number[]; shape: [number, number, number] } {
  const gh = axisGeometry(h!, size[0], stride[0], pad);
  const gw = axisGeometry(w!, size[1], stride[1], pad);
  const out = new Array<number>(gh.out * gw.out * c!).fill(0);
  for (let i = 0; i < gh.out; i++) {
    for (let j = 0; j < gw.out; j++) {
      for (let ch = 0; ch < c!; ch++) {
        let s = 0, n = 0;
        for (let di = 0; di < size[0]; di++) {
          const r = i * stride[0] + di - gh.before;
          if (r < 0 || r >= h!) continue;
          for (let dj = 0; dj < size[1]; dj++) {
            const q = j * stride[1] + dj - gw.before;
            if (q < 0 || q >= w!) continue;
            s += x[idx3(r, q, ch, w!, c!)]!;
            n++;
          }
        }
        out[idx3(i, j, ch, gw.out, c!)] = n > 0 ? s / n : 0;
      }
    }
  }
  return { out, shape: [gh.out, gw.out, c!] };
}

/** Pooling synapse: `−Σ x̂₂ ⊙ avgPool(x̂₁)`. */
export function avgPoolEnergy(
  a: readonly number[],
  aShape: readonly number[],
  b: readonly number[],
  size: readonly [number, number],
  stride: readonly [number, number],
  pad: Pad,
): number {
  return -dot(b, avgPoolRef(a, aShape, size, stride, pad).out);
}

/**
 * Overlaps `h[r][μ] = ξ_μ · x̂_r`, with x̂ cut into rows of length D (one row when the layer is
 * flattened, one per token with `perToken`); ξ flat `[K, D]`.
 */
export function overlaps(x: readonly number[], xi: readonly number[], k: number): number[][] {
  const d = xi.length / k;
  if (!Number.isInteger(d) || x.length % d !== 0) throw new Error('overlaps: sizes do not fit');
  const rows: number[][] = [];
  for (let r = 0; r < x.length / d; r++) {
    const h: number[] = [];
    for (let m = 0; m < k; m++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += xi[m * d + i]! * x[r * d + i]!;
      h.push(s);
    }
    rows.push(h);
  }
  return rows;
}

/** Polynomial memory (Model A): `−Σ_{r, μ} F(h)`, `F(z) = zⁿ/n` or `max(z, 0)ⁿ/n`. */
export function polynomialEnergy(x: readonly number[], xi: readonly number[], k: number, n: number, rectified: boolean): number {
  let e = 0;
  for (const row of overlaps(x, xi, k)) {
    for (const z of row) {
      const base = rectified ? Math.max(z, 0) : z;
      e -= base ** n / n;
    }
  }
  return e;
}

/** Exponential memory: `−(1/β) Σ_{r, μ} exp(β h)` (β = 1 is math.md's `−Σ exp(ξ·x̂)`). */
export function exponentialEnergy(x: readonly number[], xi: readonly number[], k: number, beta: number): number {
  let e = 0;
  for (const row of overlaps(x, xi, k)) for (const z of row) e -= Math.exp(beta * z) / beta;
  return e;
}

/** Stable `log Σ exp(v)` in float64. */
export function logSumExp(v: readonly number[]): number {
  const m = Math.max(...v);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const z of v) s += Math.exp(z - m);
  return m + Math.log(s);
}

/** Modern Hopfield (Model B): `−(1/β) Σ_r log Σ_μ exp(β h)`. */
export function modernHopfieldEnergy(x: readonly number[], xi: readonly number[], k: number, beta: number): number {
  let e = 0;
  for (const row of overlaps(x, xi, k)) e -= logSumExp(row.map((z) => beta * z)) / beta;
  return e;
}

/** ReLU² memory: `−½ Σ_{r, μ} max(h, 0)²`. */
export function reluSquaredEnergy(x: readonly number[], xi: readonly number[], k: number): number {
  let e = 0;
  for (const row of overlaps(x, xi, k)) for (const z of row) e -= 0.5 * Math.max(z, 0) ** 2;
  return e;
}

/**
 * Energy attention on tokens x `[N, D]`, Wᴷ and Wᵠ flat `[H, Y, D]`:
 * `K_{hαB} = Σ_d Wᴷ_{hαd} x_{Bd}`, `Q_{hαC} = Σ_d Wᵠ_{hαd} x_{Cd}`,
 * `E = −(1/β) Σ_h Σ_C log Σ_{B (≠ C if masked)} exp(β Σ_α K_{hαB} Q_{hαC})`.
 */
export function attentionEnergy(
  x: readonly number[],
  [n, d]: readonly [number, number],
  Wk: readonly number[],
  Wq: readonly number[],
  heads: number,
  headDim: number,
  beta: number,
  maskSelf: boolean,
): number {
  const project = (W: readonly number[]) => {
    const out: number[][][] = []; // [h][α][token]
    for (let h = 0; h < heads; h++) {
      const perHead: number[][] = [];
      for (let a = 0; a < headDim; a++) {
        const row: number[] = [];
        for (let t = 0; t < n; t++) {
          let s = 0;
          for (let i = 0; i < d; i++) s += W[(h * headDim + a) * d + i]! * x[t * d + i]!;
          row.push(s);
        }
        perHead.push(row);
      }
      out.push(perHead);
    }
    return out;
  };
  const K = project(Wk), Q = project(Wq);
  let e = 0;
  for (let h = 0; h < heads; h++) {
    for (let C = 0; C < n; C++) {
      const logits: number[] = [];
      for (let B = 0; B < n; B++) {
        if (maskSelf && B === C) continue;
        let s = 0;
        for (let a = 0; a < headDim; a++) s += K[h]![a]![B]! * Q[h]![a]![C]!;
        logits.push(beta * s);
      }
      e -= logSumExp(logits) / beta;
    }
  }
  return e;
}


/**
 * Largest `|got − want| / (atol + rtol·|want|)` over two arrays (≤ 1 means every entry is within
 * tolerance), with the worst entry, for assertion messages.
 */
export function worstError(
  got: readonly number[],
  want: readonly number[],
  atol: number,
  rtol: number,
): { ratio: number; at: number; got: number; want: number } {
  if (got.length !== want.length) return { ratio: Infinity, at: -1, got: got.length, want: want.length };
  let worst = { ratio: 0, at: -1, got: NaN, want: NaN };
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, w = want[i]!;
    // A NaN or infinity anywhere counts as a failure unless both sides are the same value.
    const ratio = Number.isFinite(g) && Number.isFinite(w)
      ? Math.abs(g - w) / (atol + rtol * Math.abs(w))
      : Object.is(g, w) ? 0 : Infinity;
    if (ratio > worst.ratio || worst.at === -1) worst = { ratio, at: i, got: g, want: w };
  }
  return worst;
}
