import { describe, expect, it } from 'vitest';
import { uniformValues } from '@hamux-ts/test-support';
import { HeldOuterSum, HeldProduct, jsGemm, jsSameBits, nativeGemm, type Gemm } from '../src/index.js';

/** jsGemm, counting its calls. */
function counting(): Gemm & { calls: number } {
  const g = { ...jsGemm, calls: 0 };
  g.sgemm = (...args: Parameters<Gemm['sgemm']>) => {
    g.calls++;
    jsGemm.sgemm(...args);
  };
  return g;
}

const product = (A: Float32Array, W: Float32Array, rows: number, k: number, n: number) => {
  const P = new Float32Array(rows * n);
  jsGemm.sgemm(false, false, rows, n, k, 1, A, 0, k, W, 0, n, 0, P, 0, n, 1, 0, 0, 0);
  return P;
};

describe('products with a held operand', () => {
  it('sameBits compares bits (js and native alike): -0 is not +0, a NaN equals itself, only the n entries from each offset count', async () => {
    const native = await nativeGemm();
    for (const same of [jsSameBits, ...(typeof native !== "string" && native.sameBits ? [native.sameBits] : [])]) {
      expect(same(Float32Array.of(1, 2, 3), 0, Float32Array.of(1, 2, 4), 0, 2)).toBe(true);
      expect(same(Float32Array.of(1, 2, 3), 0, Float32Array.of(1, 2, 4), 0, 3)).toBe(false);
      expect(same(Float32Array.of(9, 2, 3), 1, Float32Array.of(2, 3), 0, 2)).toBe(true);
      expect(same(Float32Array.of(0), 0, Float32Array.of(-0), 0, 1)).toBe(false);
      expect(same(Float32Array.of(NaN), 0, Float32Array.of(NaN), 0, 1)).toBe(true);
      expect(same(Float32Array.of(1), 0, Float32Array.of(1, 2), 0, 2)).toBe(false); // past the end: not the same
      const big = new Float32Array(5000).map((_, i) => i), other = Float32Array.from(big);
      expect(same(big, 0, other, 0, 5000)).toBe(true);
      other[4999] = 0;
      expect(same(big, 0, other, 0, 5000)).toBe(false);
    }
  });

  it('HeldProduct multiplies again whenever A changes in any bit, W is another array, or the shape changes; else returns the same product', () => {
    const g = counting(), memo = new HeldProduct();
    const A = uniformValues(6 * 5, 1), W = uniformValues(5 * 4, 2);
    expect(Array.from(memo.product(g, 6, 4, 5, A, W))).toEqual(Array.from(product(A, W, 6, 5, 4)));
    expect(g.calls).toBe(1);
    memo.product(g, 6, 4, 5, Float32Array.from(A), W); // a copy, same bits
    expect(g.calls).toBe(1);
    const A2 = Float32Array.from(A);
    A2[29] = Math.fround(A2[29]! + 1e-7 * Math.abs(A2[29]!) + 1e-30); // the last entry, a few ulps off
    expect(Array.from(memo.product(g, 6, 4, 5, A2, W))).toEqual(Array.from(product(A2, W, 6, 5, 4)));
    expect(g.calls).toBe(2);
    // A written in place after the call: seen
    A2[0] = 7;
    expect(Array.from(memo.product(g, 6, 4, 5, A2, W))).toEqual(Array.from(product(A2, W, 6, 5, 4)));
    expect(g.calls).toBe(3);
    // the same values in another W array: multiplied again (W is compared by identity)
    memo.product(g, 6, 4, 5, A2, Float32Array.from(W));
    expect(g.calls).toBe(4);
    // fewer rows of the same A
    expect(Array.from(memo.product(g, 3, 4, 5, A2, W))).toEqual(Array.from(product(A2, W, 3, 5, 4)));
    expect(g.calls).toBe(5);
    memo.clear();
    memo.product(g, 3, 4, 5, A2, W);
    expect(g.calls).toBe(6);
  });

  it('HeldOuterSum: D += α Aᵀ ΣV in one product while A holds, flushing on a new A, a new D, and at flush()', () => {
    const g = counting(), sum = new HeldOuterSum();
    const rows = 7, m = 5, n = 3;
    const A = uniformValues(rows * m, 3), B = uniformValues(rows * m, 4);
    const Vs = [5, 6, 7, 8].map((s) => uniformValues(rows * n, s));
    const D = new Float32Array(m * n).fill(0.5), want = Float64Array.from(D);
    // three calls with A, one with B: 2 products
    const calls: [Float32Array, Float32Array][] = [[A, Vs[0]!], [Float32Array.from(A), Vs[1]!], [A, Vs[2]!], [B, Vs[3]!]];
    for (const [a, v] of calls) {
      sum.add(g, rows, m, n, -1, a, v, D);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let r = 0; r < rows; r++) want[i * n + j]! -= a[r * m + i]! * v[r * n + j]!;
    }
    expect(g.calls).toBe(1); // A's run flushed when B came
    sum.flush();
    expect(g.calls).toBe(2);
    sum.flush(); // nothing pending
    expect(g.calls).toBe(2);
    D.forEach((d, i) => expect(Math.abs(d - want[i]!)).toBeLessThan(1e-5));
    // another D flushes the first
    const D2 = new Float32Array(m * n);
    sum.add(g, rows, m, n, 1, A, Vs[0]!, D);
    sum.add(g, rows, m, n, 1, A, Vs[0]!, D2);
    expect(g.calls).toBe(3);
    sum.flush();
    expect(g.calls).toBe(4);
    expect(Array.from(D2)).toEqual(Array.from(product(transpose(A, rows, m), Vs[0]!, m, rows, n)));
  });
});

function transpose(A: Float32Array, rows: number, cols: number): Float32Array {
  const T = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) T[c * rows + r] = A[r * cols + c]!;
  return T;
}
