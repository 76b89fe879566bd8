import { describe, expect, it } from 'vitest';
import { checkGemmArgs, jsGemm, nativeGemm, wasmGemm, wasmThreadedGemm, type Gemm } from '../src/index.js';
import { uniformValues } from '@hamux-ts/test-support';

/** The same product in float64, straight from the definition. */
function reference(
  tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number, batch: number, sA: number, sB: number, sC: number,
): Float64Array {
  const out = Float64Array.from(C);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const a = A[aOff + t * sA + (tA ? k * lda + i : i * lda + k)]!;
          const b = B[bOff + t * sB + (tB ? j * ldb + k : k * ldb + j)]!;
          s += a * b;
        }
        const c = cOff + t * sC + i * ldc + j;
        out[c] = alpha * s + (beta === 0 ? 0 : beta * C[c]!);
      }
    }
  }
  return out;
}

const gemms: Array<[string, () => Promise<Gemm | string>]> = [
  ['js', async () => jsGemm],
  ['wasm', wasmGemm],
  ['wasm, two threads', wasmThreadedGemm],
  ['native', nativeGemm],
];

// Odd sizes straddle the 4×8 tiles and the 256-deep blocks of the wasm kernel.
// [64, 100, 784] and [300, 9, 800] are large enough to be split between two threads (by columns, by rows).
const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [13, 17, 300], [70, 9, 33], [64, 100, 784], [300, 9, 800]];

describe.each(gemms)('sgemm (%s)', (name, load) => {
  it('matches a float64 reference for every transpose combination and odd sizes', async () => {
    const g = await load();
    if (typeof g === 'string') {
      // Only the native path may be absent (no compiler/OpenBLAS); CI builds it with --strict.
      expect(name).toBe('native');
      expect(process.env['HAMUX_KERNELS_REQUIRE_NATIVE']).not.toBe('1');
      return;
    }
    for (const [M, N, K] of shapes) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const lda = (tA ? M : K) + 2, ldb = (tB ? K : N) + 1, ldc = N + 3;
          const A = uniformValues(3 + (tA ? K : M) * lda, M + 7 * K), B = uniformValues(5 + (tB ? N : K) * ldb, N + 3);
          const C = uniformValues(1 + M * ldc, 11);
          const want = reference(tA, tB, M, N, K, 0.5, A, 3, lda, B, 5, ldb, -2, C, 1, ldc, 1, 0, 0, 0);
          g.sgemm(tA, tB, M, N, K, 0.5, A, 3, lda, B, 5, ldb, -2, C, 1, ldc, 1, 0, 0, 0);
          let worst = 0;
          for (let i = 0; i < C.length; i++) worst = Math.max(worst, Math.abs(C[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
          expect(worst, `${M}×${N}×${K} tA=${tA} tB=${tB}`).toBeLessThan(2e-6 * Math.sqrt(K) + 1e-6);
        }
      }
    }
  });

  it('runs batches with strides, broadcasts a stride of 0, and never reads C when beta = 0', async () => {
    const g = await load();
    if (typeof g === 'string') return;
    // Above SMALL_GEMM (the kernel itself, not the JS shortcut); the second is split by batch entries on two threads.
    for (const [M, N, K, batch] of [[20, 30, 40, 3], [100, 90, 110, 3]] as const)
    for (const [sA, sB] of [[M * K, K * N], [0, K * N], [M * K, 0]] as const) {
      const A = uniformValues(M * K * batch, 1), B = uniformValues(K * N * batch, 2);
      const C = new Float32Array(M * N * batch).fill(Number.NaN);
      const want = reference(false, true, M, N, K, 1, A, 0, K, B, 0, K, 0, new Float32Array(C.length), 0, N, batch, sA, sB, M * N);
      g.sgemm(false, true, M, N, K, 1, A, 0, K, B, 0, K, 0, C, 0, N, batch, sA, sB, M * N);
      for (let i = 0; i < C.length; i++) expect(Math.abs(C[i]! - want[i]!)).toBeLessThan(1e-5);
    }
  });
});

describe.each(gemms)('softmax rows (%s)', (name, load) => {
  it('matches a float64 reference, with and without a left-out entry per row', async () => {
    const g = await load();
    if (typeof g === 'string') return expect(name).toBe('native');
    for (const period of [0, 5]) {
      const [rows, cols, beta] = [10, 7, 1.7];
      const H = uniformValues(3 + rows * cols, 42).map((v) => 20 * v);
      const lse = new Float64Array(rows + 2);
      const want = Float64Array.from(H), wantLse = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        const o = 3 + r * cols, skip = period ? r % period : -1;
        let z = 0;
        for (let k = 0; k < cols; k++) if (k !== skip) z += Math.exp(beta * H[o + k]!);
        for (let k = 0; k < cols; k++) want[o + k] = k === skip ? 0 : Math.exp(beta * H[o + k]!) / z;
        wantLse[r] = Math.log(z);
      }
      g.softmax(H, 3, rows, cols, beta, lse, 2, period);
      for (let i = 3; i < H.length; i++) expect(Math.abs(H[i]! - want[i]!)).toBeLessThan(1e-6);
      for (let r = 0; r < rows; r++) expect(Math.abs(lse[2 + r]! - wantLse[r]!) / (1 + Math.abs(wantLse[r]!))).toBeLessThan(1e-6);
    }
  });
});

describe('checkGemmArgs', () => {
  it('rejects a matrix that overruns its array', () => {
    const a = new Float32Array(16);
    expect(() => checkGemmArgs(false, false, 4, 4, 4, a, 0, 4, a, 0, 4, a, 0, 4, 1, 0, 0, 0)).not.toThrow();
    expect(() => checkGemmArgs(false, false, 4, 4, 4, a, 1, 4, a, 0, 4, a, 0, 4, 1, 0, 0, 0)).toThrow(RangeError);
    expect(() => checkGemmArgs(false, false, 4, 4, 4, a, 0, 4, a, 0, 4, a, 0, 4, 2, 0, 0, 16)).toThrow(RangeError);
    expect(() => checkGemmArgs(true, false, 4, 4, 4, a, 0, 3, a, 0, 4, a, 0, 4, 1, 0, 0, 0)).toThrow(RangeError);
  });

  it('the native addon refuses out-of-bounds calls instead of writing past an array', async () => {
    const g = await nativeGemm();
    if (typeof g === 'string') return;
    for (const n of [4, 32]) { // the JS shortcut for tiny products, and the addon itself
      const a = new Float32Array(n * n);
      expect(() => g.sgemm(false, false, n, n, n, 1, a, 1, n, a, 0, n, 0, a, 0, n, 1, 0, 0, 0)).toThrow(/does not fit/);
      expect(() => g.sgemm(false, false, n, n, n, 1, a, 0, n, a, 0, n, 0, a, 0, n, 2, 0, 0, n * n)).toThrow(/does not fit/);
    }
  });
});
