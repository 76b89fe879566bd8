import { describe, expect, it } from 'vitest';
import { jsAxpy, jsCopyBlocks, jsDenseRows, jsDotRows, jsLayernormRows, jsReluSquaredRows, jsTanhRows, nativeGemm, type NativeGemm } from '../src/index.js';
import { relErr, uniformValues } from '@hamux-ts/test-support';

/** The addon; under CI it is built with --strict, so only a machine without a compiler lacks it. */
async function addon(): Promise<NativeGemm | undefined> {
  const g = await nativeGemm();
  return typeof g === 'string' ? undefined : g;
}

describe('native row routines against their JavaScript twins', () => {
  it('layernormRows: x̂ and the Lagrangian summed per group of rows, from an offset', async () => {
    const g = await addon();
    if (!g) return;
    const D = 37, rows = 12, group = 3, off = 5;
    const x = uniformValues(off + rows * D + 4, 1, 2);
    const delta = uniformValues(D, 2, 0.3);
    const [ya, yb] = [new Float32Array(x.length).fill(7), new Float32Array(x.length).fill(7)];
    const [La, Lb] = [new Float64Array(6).fill(-1), new Float64Array(6).fill(-1)];
    g.layernormRows(x, ya, off, rows, D, 1.3, delta, 1e-5, La, 1, group);
    jsLayernormRows(x, yb, off, rows, D, 1.3, delta, 1e-5, Lb, 1, group);
    expect(relErr(ya, yb)).toBeLessThan(1e-6);
    expect(relErr(La, Lb)).toBeLessThan(1e-12);
    // Outside the rows and the groups nothing was written.
    expect(ya[off - 1]).toBe(7);
    expect(ya[off + rows * D]).toBe(7);
    expect([La[0], La[5]]).toEqual([-1, -1]);
  });

  it('reluSquaredRows: rectifies in place and adds −½ Σ max(h, 0)² per group', async () => {
    const g = await addon();
    if (!g) return;
    const K = 53, rows = 8, group = 4, off = 3;
    const H = uniformValues(off + rows * K + 2, 3);
    const [Ha, Hb] = [Float32Array.from(H), Float32Array.from(H)];
    const [Ea, Eb] = [Float64Array.from([0.5, 1, 2]), Float64Array.from([0.5, 1, 2])];
    g.reluSquaredRows(Ha, off, rows, K, Ea, 1, group);
    jsReluSquaredRows(Hb, off, rows, K, Eb, 1, group);
    expect(Array.from(Ha)).toEqual(Array.from(Hb));
    expect(relErr(Ea, Eb)).toBeLessThan(1e-12);
    expect(Ea[0]).toBe(0.5);
    expect(Ea[1]).toBeLessThan(1);
  });

  it('tanhRows: x̂ and the log coshes per group of rows, across the series switch and in saturation', async () => {
    const g = await addon();
    if (!g) return;
    const cols = 41, rows = 6, group = 3, off = 2;
    const x = uniformValues(off + rows * cols + 1, 5).map((v, i) => (i % 7 === 0 ? v * 1e-5 : i % 11 === 0 ? v * 60 : v * 3));
    const [ya, yb] = [new Float32Array(x.length).fill(7), new Float32Array(x.length).fill(7)];
    const [La, Lb] = [new Float64Array(4).fill(-1), new Float64Array(4).fill(-1)];
    g.tanhRows(x, ya, off, rows, cols, 1.7, La, 1, group);
    jsTanhRows(x, yb, off, rows, cols, 1.7, Lb, 1, group);
    expect(relErr(ya, yb)).toBeLessThan(1e-7);
    expect(relErr(La, Lb)).toBeLessThan(3e-7); // the addon computes in float32
    expect([ya[off - 1], ya[off + rows * cols], La[0], La[3]]).toEqual([7, 7, -1, -1]);
    // against float64 tanh and log cosh (its series below 1e-2; log(cosh z) above keeps ~11 digits)
    const logCosh = (z: number) => (Math.abs(z) < 1e-2 ? (z * z) / 2 - z ** 4 / 12 + z ** 6 / 45 : Math.abs(z) > 20 ? Math.abs(z) - Math.LN2 : Math.log(Math.cosh(z)));
    for (let i = off; i < off + rows * cols; i++) {
      expect(Math.abs(yb[i]! - Math.tanh(1.7 * x[i]!))).toBeLessThan(1e-7);
      expect(Math.abs(ya[i]! - Math.tanh(1.7 * x[i]!))).toBeLessThan(4e-7); // a few float32 ulps
    }
    for (let g = 0; g < 2; g++) {
      let want = 0;
      for (let i = off + g * group * cols; i < off + (g + 1) * group * cols; i++) want += logCosh(1.7 * x[i]!) / 1.7;
      expect(Math.abs(Lb[1 + g]! - want) / want).toBeLessThan(1e-11);
      expect(Math.abs(La[1 + g]! - want) / want).toBeLessThan(3e-7);
    }
    // entry by entry, where the two log cosh forms meet (|z| = ½) and in the series range
    const z = Float32Array.from([1e-8, 1e-4, 3e-3, 0.49999, 0.5, 0.50001, 2, 9, 40, -0.5, -1e-3]);
    for (let i = 0; i < z.length; i++) {
      const one = z.subarray(i, i + 1), L1 = new Float64Array(1), L2 = new Float64Array(1);
      g.tanhRows(one, new Float32Array(1), 0, 1, 1, 1, L1, 0, 1);
      jsTanhRows(one, new Float32Array(1), 0, 1, 1, 1, L2, 0, 1);
      const want = logCosh(z[i]!);
      expect(Math.abs(L2[0]! - want) / want).toBeLessThan(1e-11);
      expect(Math.abs(L1[0]! - want) / want).toBeLessThan(4e-7);
    }
  });

  it('copyBlocks: strided blocks, within one array too', async () => {
    const g = await addon();
    if (!g) return;
    // [H, R, Y] head-major → [R, H·Y], as energy attention does, inside one array
    const H = 3, R = 5, Y = 4, src = 2, dst = 2 + H * R * Y + 1;
    const a = uniformValues(dst + R * H * Y + 3, 4), b = Float32Array.from(a);
    g.copyBlocks(a, src, Y, a, dst, H * Y, R, Y, H, R * Y, Y);
    jsCopyBlocks(b, src, Y, b, dst, H * Y, R, Y, H, R * Y, Y);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[dst + 1 * H * Y + 2 * Y + 3]).toBe(a[src + 2 * R * Y + 1 * Y + 3]);
  });

  it('dotRows, denseRows (with and without a bias, in groups) and axpy', async () => {
    const g = await addon();
    if (!g) return;
    const rows = 6, cols = 41;
    const a = uniformValues(rows * cols + 9, 5), b = uniformValues(rows * cols + 4, 6);
    const [oa, ob] = [Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8])];
    g.dotRows(a, 9, b, 4, rows, cols, oa, 2, -0.5);
    jsDotRows(a, 9, b, 4, rows, cols, ob, 2, -0.5);
    expect(relErr(oa, ob)).toBeLessThan(1e-12);
    expect(oa[1]).toBe(2);

    for (const bias of [new Float32Array(0), uniformValues(cols, 7)]) {
      const P = uniformValues(rows * cols, 8), c = uniformValues(rows * cols, 9);
      const [ga, gb] = [uniformValues(rows * cols, 10), uniformValues(rows * cols, 10)];
      const [Ea, Eb] = [new Float64Array(4), new Float64Array(4)];
      g.denseRows(P, c, ga, rows, cols, bias, Ea, 1, 2);
      jsDenseRows(P, c, gb, rows, cols, bias, Eb, 1, 2);
      expect(relErr(ga, gb)).toBeLessThan(1e-6);
      expect(relErr(Ea, Eb)).toBeLessThan(1e-12);
      expect(Ea[0]).toBe(0);
      expect(Ea[1]).not.toBe(0);
    }

    const x = uniformValues(100, 11), [ya, yb] = [uniformValues(120, 12), uniformValues(120, 12)];
    g.axpy(90, -0.25, x, 10, ya, 20);
    jsAxpy(90, -0.25, x, 10, yb, 20);
    expect(relErr(ya, yb)).toBeLessThan(1e-6);
    expect(ya[19]).toBe(yb[19]);
    expect(ya[110]).toBe(yb[110]);
  });

  it('refuses wrong array types, wrong argument counts, and rows that overrun their arrays', async () => {
    const g = await addon();
    if (!g) return;
    const f = new Float32Array(64), d = new Float64Array(8);
    const call = (fn: unknown, ...args: unknown[]) => () => (fn as (...a: unknown[]) => void)(...args);
    // types
    expect(call(g.layernormRows, new Float64Array(64), f, 0, 4, 16, 1, f, 1e-5, d, 0, 1)).toThrow(/layernormRows: x must be a Float32Array/);
    expect(call(g.layernormRows, f, f, 0, 4, 16, 1, f, 1e-5, new Float32Array(8), 0, 1)).toThrow(/layernormRows: L must be a Float64Array/);
    expect(call(g.reluSquaredRows, [1, 2], 0, 1, 2, d, 0, 1)).toThrow(/reluSquaredRows: H must be a Float32Array/);
    expect(call(g.dotRows, f, 0, f, 0, 2, 2, d, 'x', 1)).toThrow(/dotRows: outOff must be a number/);
    expect(call(g.axpy, 4, 1, f, 0)).toThrow(/axpy takes 6 arguments, got 4/);
    // extents
    expect(call(g.layernormRows, f, f, 1, 4, 16, 1, f, 1e-5, d, 0, 1)).toThrow(/do not fit in x and xhat/);
    expect(call(g.layernormRows, f, f, 0, 4, 16, 1, new Float32Array(8), 1e-5, d, 0, 1)).toThrow(/delta is shorter than a row/);
    expect(call(g.layernormRows, f, f, 0, 4, 16, 1, f, 1e-5, d, 0, 3)).toThrow(/multiple of group/);
    expect(call(g.reluSquaredRows, f, 0, 8, 8, d, 1, 1)).toThrow(/do not fit in E/);
    expect(call(g.reluSquaredRows, f, -1, 1, 8, d, 0, 1)).toThrow(/do not fit in H/);
    expect(call(g.copyBlocks, f, 0, 4, f, 40, 4, 4, 4, 2, 16, 16)).toThrow(/does not fit/);
    expect(call(g.copyBlocks, f, 0, 4, f, 8, 4, 4, 4, 1, 16, 16)).toThrow(/overlap/);
    expect(call(g.copyBlocks, f, 0, 2, f, 32, 4, 4, 4, 1, 16, 16)).toThrow(/leading dimension/);
    expect(call(g.dotRows, f, 1, f, 0, 8, 8, d, 0, 1)).toThrow(/do not fit in a and b/);
    expect(call(g.denseRows, f, f, f, 4, 16, new Float32Array(3), d, 0, 1)).toThrow(/bias is shorter than a row/);
    expect(call(g.denseRows, f, f, new Float32Array(63), 4, 16, new Float32Array(0), d, 0, 1)).toThrow(/do not fit in P, c and gc/);
    expect(call(g.axpy, 60, 1, f, 5, f, 0)).toThrow(/do not fit in x and y/);
    // nothing was written by the refused calls
    expect(f.every((v) => v === 0) && d.every((v) => v === 0)).toBe(true);
  });
});
