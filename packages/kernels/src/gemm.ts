/**
 * Single-precision matrix products on Float32Arrays, three ways: an OpenBLAS addon (native), a
 * WebAssembly SIMD kernel (wasm), and plain JavaScript (js). All share one BLAS-like signature:
 *
 *   for t < batch:  C_t = alpha · op(A_t) op(B_t) + beta · C_t
 *
 * row-major, `op(X) = X` or `Xᵀ`, C_t is M×N, `X_t` starts at `xOff + t · sX` (a stride of 0
 * broadcasts one matrix over the batch), and `beta = 0` never reads C (so NaN garbage is fine).
 */
export type GemmName = 'native' | 'wasm' | 'js';

/** A BLAS-style float32 matrix product `C = alpha·op(A)·op(B) + beta·C` on row-major arrays with offsets and leading dimensions. */
export type Sgemm = (
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number,
  B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
  batch: number, sA: number, sB: number, sC: number,
) => void;

/**
 * Row-wise softmax in place, the other hot loop of a step: each of `rows` rows of `H` (`cols`
 * wide, from `off`) becomes `softmax(beta · row)`, and `lse[lseOff + r] = log Σ exp(beta · row r)`.
 * With `period > 0`, entry `r mod period` of row r is left out (set to 0): attention without self.
 */
export type SoftmaxRows = (
  H: Float32Array, off: number, rows: number, cols: number, beta: number, lse: Float64Array, lseOff: number, period: number,
) => void;

/**
 * `layernormRows(x, xhat, off, rows, D, gamma, delta, eps, L, lOff, group)`: per row of D from off,
 * `x̂ = γ (x − x̄)/sd + δ` with `sd = sqrt(mean((x − x̄)²) + ε)`, and the row's Lagrangian
 * `D γ sd + Σ δ x`; the Lagrangians of each `group` consecutive rows are summed into `L[lOff + g]`.
 */
export type LayernormRows = (
  x: Float32Array, xhat: Float32Array, off: number, rows: number, D: number, gamma: number, delta: Float32Array, eps: number,
  L: Float64Array, lOff: number, group: number,
) => void;

/**
 * `tanhRows(x, xhat, off, rows, cols, beta, L, lOff, group)`: the tanh Lagrangian per entry, z = βx:
 * `x̂ = tanh z`, and `Σ log cosh z / β` over each `group` consecutive rows written to `L[lOff + g]`.
 */
export type TanhRows = (
  x: Float32Array, xhat: Float32Array, off: number, rows: number, cols: number, beta: number, L: Float64Array, lOff: number, group: number,
) => void;

/** `reluSquaredRows(H, off, rows, cols, E, eOff, group)`: `H ← max(H, 0)` in place, `E[eOff + g] += −½ Σ max(H, 0)²` per group of rows. */
export type ReluSquaredRows = (H: Float32Array, off: number, rows: number, cols: number, E: Float64Array, eOff: number, group: number) => void;

/**
 * `copyBlocks(src, sOff, sLd, dst, dOff, dLd, rows, cols, batch, sStride, dStride)`: for t < batch,
 * the rows×cols block at `src[sOff + t·sStride]` (row pitch sLd) to `dst[dOff + t·dStride]` (pitch dLd);
 * the spans must not overlap.
 */
export type CopyBlocks = (
  src: Float32Array, sOff: number, sLd: number, dst: Float32Array, dOff: number, dLd: number,
  rows: number, cols: number, batch: number, sStride: number, dStride: number,
) => void;

/** `dotRows(a, aOff, b, bOff, rows, cols, out, outOff, alpha)`: `out[outOff + r] += alpha · Σ_k a[r, k] b[r, k]`. */
export type DotRows = (
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, rows: number, cols: number, out: Float64Array, outOff: number, alpha: number,
) => void;

/**
 * `denseRows(P, c, gc, rows, cols, bias, E, eOff, group)`: with `q = P[r] + bias` (a bias of length
 * 0 is none), `E[eOff + g] −= Σ q ⊙ c[r]` over each group of rows, and `gc[r] −= q`; rows×cols from 0.
 */
export type DenseRows = (
  P: Float32Array, c: Float32Array, gc: Float32Array, rows: number, cols: number, bias: Float32Array, E: Float64Array, eOff: number, group: number,
) => void;

/** `axpy(n, alpha, x, xOff, y, yOff)`: `y[yOff + i] += alpha · x[xOff + i]` for i < n. */
export type Axpy = (n: number, alpha: number, x: Float32Array, xOff: number, y: Float32Array, yOff: number) => void;

/** `sameBits(a, aOff, b, bOff, n)`: whether the n values from each offset have the same bits (NaNs by payload, −0 ≠ +0). */
export type SameBits = (a: Float32Array, aOff: number, b: Float32Array, bOff: number, n: number) => boolean;

/**
 * The elementwise loops of the lean step, where a gemm has them natively (the OpenBLAS addon):
 * sums in float64 as in JavaScript. Absent ones run as the JavaScript twins in step/row-kernels.ts.
 */
export interface RowKernels {
  /** Layer norm's activation and value per row. */
  readonly layernormRows?: LayernormRows;
  /** The tanh Lagrangian's activation and value per row. */
  readonly tanhRows?: TanhRows;
  /** The ReLU² memory's energy and activation per row. */
  readonly reluSquaredRows?: ReluSquaredRows;
  /** Strided block copy between arrays. */
  readonly copyBlocks?: CopyBlocks;
  /** Row-wise dot products. */
  readonly dotRows?: DotRows;
  /** A dense synapse's energy and signal from its product. */
  readonly denseRows?: DenseRows;
  /** `y += alpha·x`. */
  readonly axpy?: Axpy;
  /** Bitwise comparison of two float runs. */
  readonly sameBits?: SameBits;
}

/** A matrix-product implementation (native, wasm or js) with its row kernels. */
export interface Gemm extends RowKernels {
  /** Which implementation: `native`, `wasm` or `js`. */
  readonly name: GemmName;
  /** The float32 matrix product. */
  readonly sgemm: Sgemm;
  /** Row-wise softmax with its log-sum-exp. */
  readonly softmax: SoftmaxRows;
}

/** Plain JavaScript: the reference the other two are tested against, and the last resort. */
export const jsSgemm: Sgemm = (tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC) => {
  for (let t = 0; t < batch; t++) {
    const a0 = aOff + t * sA, b0 = bOff + t * sB, c0 = cOff + t * sC;
    for (let i = 0; i < M; i++) {
      const ci = c0 + i * ldc;
      if (beta === 0) C.fill(0, ci, ci + N);
      else if (beta !== 1) for (let j = 0; j < N; j++) C[ci + j]! *= beta;
      if (!tB) {
        // c[i, :] += (alpha · a[i, k]) b[k, :]
        for (let k = 0; k < K; k++) {
          const a = alpha * A[tA ? a0 + k * lda + i : a0 + i * lda + k]!;
          if (a === 0) continue;
          const bk = b0 + k * ldb;
          for (let j = 0; j < N; j++) C[ci + j]! += a * B[bk + j]!;
        }
      } else {
        for (let j = 0; j < N; j++) {
          const bj = b0 + j * ldb;
          let s = 0;
          if (tA) for (let k = 0; k < K; k++) s += A[a0 + k * lda + i]! * B[bj + k]!;
          else for (let k = 0, ai = a0 + i * lda; k < K; k++) s += A[ai + k]! * B[bj + k]!;
          C[ci + j]! += alpha * s;
        }
      }
    }
  }
};

/** Row-wise softmax of `β·H` with its log-sum-exp, in plain JavaScript. */
export const jsSoftmax: SoftmaxRows = (H, off, rows, cols, beta, lse, lseOff, period) => {
  for (let r = 0; r < rows; r++) {
    const o = off + r * cols, skip = period > 0 ? o + (r % period) : -1;
    let m = -Infinity;
    for (let k = o; k < o + cols; k++) if (k !== skip) m = Math.max(m, beta * H[k]!);
    let z = 0;
    for (let k = o; k < o + cols; k++) {
      const e = k === skip ? 0 : Math.exp(beta * H[k]! - m);
      H[k] = e;
      z += e;
    }
    const inv = 1 / z;
    for (let k = o; k < o + cols; k++) H[k]! *= inv;
    lse[lseOff + r] = m + Math.log(z);
  }
};

/** Up to this many multiply-adds a product runs in plain JS whatever the gemm: calls and copies cost more. */
export const SMALL_GEMM = 8192;

/** The plain-JavaScript `Gemm`, available everywhere. */
export const jsGemm: Gemm = { name: 'js', sgemm: jsSgemm, softmax: jsSoftmax };

/** The last index (plus one) that a rows×cols view with leading dimension ld touches. */
export function extentOf(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/**
 * Throws a RangeError unless every matrix of the call lies inside its array: the guard that keeps a
 * native or wasm product from reading or writing outside its buffers. This package stands below
 * `@hamux-ts/core` and cannot throw its `HamuxError`; hamux-ts computes every call's dimensions
 * itself, so through its public API this fires only on a bug.
 */
export function checkGemmArgs(
  tA: boolean, tB: boolean, M: number, N: number, K: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number, batch: number, sA: number, sB: number, sC: number,
): void {
  const fits = (x: Float32Array, off: number, stride: number, ext: number) =>
    ext === 0 || (off >= 0 && stride >= 0 && off + (batch - 1) * stride + ext <= x.length);
  if (
    !fits(A, aOff, sA, extentOf(tA ? K : M, tA ? M : K, lda)) ||
    !fits(B, bOff, sB, extentOf(tB ? N : K, tB ? K : N, ldb)) ||
    !fits(C, cOff, sC, extentOf(M, N, ldc)) ||
    lda < Math.max(1, tA ? M : K) || ldb < Math.max(1, tB ? K : N) || ldc < Math.max(1, N)
  ) {
    throw new RangeError(`sgemm: a matrix does not fit in its array (M=${M}, N=${N}, K=${K}, batch=${batch})`); // internal invariant
  }
}
