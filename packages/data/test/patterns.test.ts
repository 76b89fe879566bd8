import { describe, expect, it } from 'vitest';
import {
  binarize,
  binaryToBipolar,
  bipolarToBinary,
  blockMask,
  flip,
  gaussianNoise,
  invertMask,
  permutation,
  randomBipolar,
  randomMask,
  rng,
  sign,
} from '../src/index.js';

describe('rng', () => {
  it('is deterministic, uniform on [0, 1) and standard normal in its first moments', () => {
    const a = rng(5), b = rng(5), c = rng(6);
    const xs = Array.from({ length: 20000 }, () => a.uniform());
    expect(Array.from({ length: 20000 }, () => b.uniform())).toEqual(xs);
    expect(c.uniform()).not.toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.01);
    const n = rng(1);
    const zs = Array.from({ length: 20000 }, () => n.normal());
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const variance = zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('permutation holds every index once', () => {
    const p = permutation(100, 2);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).toEqual(permutation(100, 2));
    expect(() => permutation(3, 1.5)).toThrow('permutation.seed: must be an integer, got 1.5');
  });
});

describe('random ±1 patterns and conversions', () => {
  it('randomBipolar has the shape, only ±1, about half each, and follows the seed', () => {
    const x = randomBipolar(20, 100, 0);
    expect(x.length).toBe(2000);
    expect(x.every((v) => v === 1 || v === -1)).toBe(true);
    const ones = x.filter((v) => v === 1).length;
    expect(ones).toBeGreaterThan(900);
    expect(ones).toBeLessThan(1100);
    expect(randomBipolar(20, 100, 0)).toEqual(x);
    expect(randomBipolar(20, 100, 1)).not.toEqual(x);
  });

  it('converts between bipolar and binary', () => {
    expect(Array.from(binaryToBipolar([0, 1, 0.5]))).toEqual([-1, 1, 0]);
    expect(Array.from(bipolarToBinary([-1, 1, 0]))).toEqual([0, 1, 0.5]);
    expect(Array.from(sign([0.2, 0.7, 0.5]))).toEqual([-1, 1, -1]);
    expect(Array.from(sign([-0.1, 0.1], 0))).toEqual([-1, 1]);
    expect(Array.from(binarize([-1, 1, 0]))).toEqual([0, 1, 0]);
    const x = randomBipolar(3, 7, 4);
    expect(bipolarToBinary(x).every((v) => v === 0 || v === 1)).toBe(true);
    expect(binaryToBipolar(bipolarToBinary(x))).toEqual(x);
  });
});

describe('corruption', () => {
  const x = randomBipolar(10, 100, 0);

  it('flip changes exactly round(fraction·size) entries per sample, and the mask says which', () => {
    const { data, mask } = flip(x, 100, { fraction: 0.13, seed: 1 });
    for (let s = 0; s < 10; s++) {
      let flipped = 0, marked = 0;
      for (let i = s * 100; i < (s + 1) * 100; i++) {
        if (data[i] !== x[i]) flipped++;
        marked += mask[i]!;
        expect(data[i]).toBe(mask[i] ? -x[i]! : x[i]!);
      }
      expect(flipped).toBe(13);
      expect(marked).toBe(13);
    }
    expect(flip(x, 100, { fraction: 0.13, seed: 1 }).data).toEqual(data);
    expect(flip(x, 100, { fraction: 0.13, seed: 2 }).data).not.toEqual(data);
    expect(x).toEqual(randomBipolar(10, 100, 0)); // input untouched
    const binary = flip([0, 1, 1, 0], 4, { fraction: 1, seed: 0, values: 'binary' });
    expect(Array.from(binary.data)).toEqual([1, 0, 0, 1]);
    expect(() => flip(x, 100, { fraction: 1.5, seed: 0 })).toThrow('flip.fraction: must be in [0, 1], got 1.5');
    expect(() => flip(x, 7, { fraction: 0.5, seed: 0 })).toThrow('flip.data: has 1000 values, not a multiple of size 7');
    expect(() => flip(x, 7, { fraction: 0.5, seed: 0 })).toThrow(expect.objectContaining({ name: 'HamuxError', code: 'shape_mismatch', path: ['flip', 'data'] }));
    expect(() => flip(x, 100, { fraction: 0.5, seed: 0.5 })).toThrow(expect.objectContaining({ code: 'invalid_argument', path: ['flip', 'seed'] }));
  });

  it('gaussianNoise has the requested spread, clips, and marks every entry', () => {
    const zeros = new Float32Array(20000);
    const { data, mask } = gaussianNoise(zeros, { std: 0.5, seed: 3 });
    const sd = Math.sqrt(data.reduce((s, v) => s + v * v, 0) / data.length);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.02);
    expect(mask.every((m) => m === 1)).toBe(true);
    const clipped = gaussianNoise(zeros, { std: 2, seed: 3, clip: [0, 1] }).data;
    expect(clipped.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(gaussianNoise(zeros, { std: 0.5, seed: 3 }).data).toEqual(data);
  });

  it('randomMask hides the requested fraction of every sample with the fill value', () => {
    const images = new Float32Array(4 * 784).fill(0.7);
    const { data, mask } = randomMask(images, 784, { fraction: 0.25, seed: 0, fill: -1 });
    for (let s = 0; s < 4; s++) expect(mask.subarray(s * 784, (s + 1) * 784).reduce((a, b) => a + b, 0)).toBe(196);
    data.forEach((v, i) => expect(v).toBe(mask[i] ? -1 : Math.fround(0.7)));
    expect(randomMask(images, 784, { fraction: 0.25, seed: 0 }).mask).toEqual(mask);
  });

  it('blockMask hides the bottom half, or a seeded random block', () => {
    const images = new Float32Array(2 * 4 * 4 * 2).fill(1);
    const { data, mask } = blockMask(images, [4, 4, 2], { top: 2, left: 0, height: 2, width: 4 });
    // Rows 2 and 3 of every image, both channels.
    const expected = Array.from({ length: 64 }, (_, i) => (Math.floor((i % 32) / 8) >= 2 ? 1 : 0));
    expect(Array.from(mask)).toEqual(expected);
    expect(Array.from(data)).toEqual(expected.map((m) => (m ? 0 : 1)));
    const random = blockMask(new Float32Array(50 * 784), [28, 28, 1], { height: 5, width: 6, seed: 1 });
    for (let s = 0; s < 50; s++) {
      const m = random.mask.subarray(s * 784, (s + 1) * 784);
      expect(m.reduce((a, b) => a + b, 0)).toBe(30);
      const rows = new Set<number>(), cols = new Set<number>();
      m.forEach((v, i) => { if (v) { rows.add(Math.floor(i / 28)); cols.add(i % 28); } });
      expect(rows.size).toBe(5);
      expect(cols.size).toBe(6);
    }
    expect(blockMask(new Float32Array(50 * 784), [28, 28, 1], { height: 5, width: 6, seed: 1 }).mask).toEqual(random.mask);
    expect(() => blockMask(images, [4, 4, 2], { height: 2, width: 2 })).toThrow('blockMask.seed: give top and left, or a seed');
    expect(() => blockMask(images, [4, 4, 2], { top: 3, left: 0, height: 2, width: 2 })).toThrow('blockMask.top: must be an integer in [0, 2]');
  });

  it('invertMask gives the kept entries', () => {
    expect(Array.from(invertMask([1, 0, 0, 1]))).toEqual([0, 1, 1, 0]);
  });
});
