import type { Axpy, CopyBlocks, DenseRows, DotRows, Gemm, LayernormRows, ReluSquaredRows, RowKernels, SameBits, TanhRows } from './gemm.js';

/**
 * The JavaScript twins of the optional native row routines (`RowKernels` in gemm.ts, native/blas.c):
 * what the lean step runs when its gemm has no native version (wasm, js), and the reference the
 * native ones are tested against. Sums are accumulated in float64.
 */

// layer norm per row of D: x̂ = γ (x − x̄)/sd + δ, sd = sqrt(mean((x − x̄)²) + ε); L_row = D γ sd + Σ δx
export const jsLayernormRows: LayernormRows = (x, xhat, off, rows, D, gamma, delta, eps, L, lOff, group) => {
  let acc = 0;
  for (let r = 0; r < rows; r++) {
    const o = off + r * D;
    // x̄ = x₀ + mean(x − x₀), as in native/blas.c: exactly x₀ on a row of equal entries
    const x0 = x[o]!;
    let mean = 0;
    for (let i = 0; i < D; i++) mean += x[o + i]! - x0;
    mean = x0 + mean / D;
    let v = 0, shift = 0;
    for (let i = 0; i < D; i++) {
      const c = x[o + i]! - mean;
      v += c * c;
      shift += delta[i]! * x[o + i]!;
    }
    const sd = Math.sqrt(v / D + eps);
    // sd = 0 only on a row of equal entries with ε = 0: x − x̄ = 0 there, and x̂ = δ
    const scale = sd > 0 ? gamma / sd : 0;
    for (let i = 0; i < D; i++) xhat[o + i] = scale * (x[o + i]! - mean) + delta[i]!;
    acc += D * gamma * sd + shift;
    if ((r + 1) % group === 0) {
      L[lOff + (r + 1) / group - 1] = acc;
      acc = 0;
    }
  }
};

const LOG2 = Math.log(2);

// tanh per entry, z = βx, from m = expm1(−2|z|) = e − 1: tanh|z| = −m/(2 + m), and log cosh z =
// −½ log1p(−tanh²z) below |z| = ½, |z| + log1p(e) − log 2 above (each exact where the other would
// cancel). L[group] = Σ log cosh z / β. The native twin computes the same in float32, vectorised.
/** The tanh Lagrangian's activation and value per row, in plain JavaScript. */
export const jsTanhRows: TanhRows = (x, xhat, off, rows, cols, beta, L, lOff, group) => {
  let acc = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = off + r * cols, end = i + cols; i < end; i++) {
      const z = beta * x[i]!, a = Math.abs(z);
      const m = Math.expm1(-2 * a), t = -m / (2 + m);
      s += a < 0.5 ? -0.5 * Math.log1p(-t * t) : a + Math.log1p(1 + m) - LOG2;
      xhat[i] = z < 0 ? -t : t;
    }
    acc += s;
    if ((r + 1) % group === 0) {
      L[lOff + (r + 1) / group - 1] = acc / beta;
      acc = 0;
    }
  }
};

// H ← max(H, 0); E[group] += −½ Σ max(H, 0)²
/** The ReLU² memory's energy and activation of each row, in plain JavaScript. */
export const jsReluSquaredRows: ReluSquaredRows = (H, off, rows, cols, E, eOff, group) => {
  let acc = 0;
  for (let r = 0; r < rows; r++) {
    let e = 0;
    for (let k = off + r * cols, end = k + cols; k < end; k++) {
      const v = H[k]! > 0 ? H[k]! : 0;
      H[k] = v;
      e += v * v;
    }
    acc += e;
    if ((r + 1) % group === 0) {
      E[eOff + (r + 1) / group - 1]! -= 0.5 * acc;
      acc = 0;
    }
  }
};

/** Copies a strided block of rows between arrays, in plain JavaScript. */
export const jsCopyBlocks: CopyBlocks = (src, sOff, sLd, dst, dOff, dLd, rows, cols, batch, sStride, dStride) => {
  for (let t = 0; t < batch; t++) {
    for (let r = 0; r < rows; r++) {
      const s = sOff + t * sStride + r * sLd, d = dOff + t * dStride + r * dLd;
      for (let k = 0; k < cols; k++) dst[d + k] = src[s + k]!;
    }
  }
};

/** Row-wise dot products of two arrays, scaled by alpha, in plain JavaScript. */
export const jsDotRows: DotRows = (a, aOff, b, bOff, rows, cols, out, outOff, alpha) => {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = aOff + r * cols, j = bOff + r * cols, end = i + cols; i < end; i++, j++) s += a[i]! * b[j]!;
    out[outOff + r]! += alpha * s;
  }
};

/** The per-row energy of a dense synapse from its product, in plain JavaScript. */
export const jsDenseRows: DenseRows = (P, c, gc, rows, cols, bias, E, eOff, group) => {
  const withBias = bias.length > 0;
  let acc = 0;
  for (let r = 0; r < rows; r++) {
    let e = 0;
    for (let j = 0, o = r * cols; j < cols; j++, o++) {
      const q = P[o]! + (withBias ? bias[j]! : 0);
      e += q * c[o]!;
      gc[o]! -= q;
    }
    acc += e;
    if ((r + 1) % group === 0) {
      E[eOff + (r + 1) / group - 1]! -= acc;
      acc = 0;
    }
  }
};

/** `y += alpha·x` in plain JavaScript. */
export const jsAxpy: Axpy = (n, alpha, x, xOff, y, yOff) => {
  for (let i = 0; i < n; i++) y[yOff + i]! += alpha * x[xOff + i]!;
};

/** Whether two float arrays hold the same bits, in plain JavaScript. */
export const jsSameBits: SameBits = (a, aOff, b, bOff, n) => {
  if (aOff < 0 || bOff < 0 || aOff + n > a.length || bOff + n > b.length) return false;
  const x = new Int32Array(a.buffer, a.byteOffset + 4 * aOff, n), y = new Int32Array(b.buffer, b.byteOffset + 4 * bOff, n);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
};

/** The row routines of `gemm`, each its native version where it has one, else the JavaScript twin. */
export type RowRoutines = Required<RowKernels> & Pick<Gemm, 'softmax'>;

const cache = new WeakMap<Gemm, RowRoutines>();

/** The row routines of a `Gemm`: its own kernels where it has them, the JavaScript ones otherwise. */
export function rowRoutines(gemm: Gemm): RowRoutines {
  let r = cache.get(gemm);
  if (!r) {
    r = {
      softmax: gemm.softmax,
      layernormRows: gemm.layernormRows ?? jsLayernormRows,
      tanhRows: gemm.tanhRows ?? jsTanhRows,
      reluSquaredRows: gemm.reluSquaredRows ?? jsReluSquaredRows,
      copyBlocks: gemm.copyBlocks ?? jsCopyBlocks,
      dotRows: gemm.dotRows ?? jsDotRows,
      denseRows: gemm.denseRows ?? jsDenseRows,
      axpy: gemm.axpy ?? jsAxpy,
      sameBits: gemm.sameBits ?? jsSameBits,
    };
    cache.set(gemm, r);
  }
  return r;
}

/** Up to this many values a loop stays in JavaScript: a call into the addon costs more. */
export const SMALL_ROWS = 512;
