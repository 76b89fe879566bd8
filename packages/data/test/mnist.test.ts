import { describe, expect, it } from 'vitest';
import { balancedSubset, loadMnist, pick, split, subset } from '../src/index.js';
import { quotas } from '../src/split.js';

/** Byte equality of two typed arrays (vitest's deep equality is slow on millions of entries). */
const same = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('loadMnist', () => {
  it('decodes the 10,000 digits of the mnist package, 784 values in [0, 1], about 1,000 per class', () => {
    const set = loadMnist();
    expect(set.count).toBe(10000);
    expect(set.shape).toEqual([28, 28, 1]);
    expect(set.size).toBe(784);
    expect(set.images.length).toBe(10000 * 784);
    expect(set.labels.length).toBe(10000);
    let min = Infinity, max = -Infinity;
    for (const v of set.images) { min = Math.min(min, v); max = Math.max(max, v); }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const counts = new Array<number>(10).fill(0);
    for (const l of set.labels) counts[l]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    // A digit has ink: between 5% and 40% of its pixels above 0.5.
    for (const i of [0, 4321, 9999]) {
      const ink = set.images.subarray(i * 784, (i + 1) * 784).filter((v) => v > 0.5).length;
      expect(ink).toBeGreaterThan(0.05 * 784);
      expect(ink).toBeLessThan(0.4 * 784);
    }
  });

  it('is cached: a second call returns the same arrays', () => {
    expect(loadMnist().images).toBe(loadMnist().images);
  });
});

describe('split', () => {
  const set = loadMnist();
  const { train, test } = split(set, { test: 2000, seed: 0 });

  it('gives 8000 / 2000 disjoint images covering the whole set', () => {
    expect(train.count).toBe(8000);
    expect(test.count).toBe(2000);
    expect(train.images.length).toBe(8000 * 784);
    // Identify images by their pixels: the 10,000 must reappear exactly once between the two sets.
    const key = (s: typeof set, i: number) => `${s.labels[i]}:${Buffer.from(s.images.buffer, s.images.byteOffset + i * 784 * 4, 784 * 4).toString('base64')}`;
    const all = new Map<string, number>();
    for (let i = 0; i < set.count; i++) all.set(key(set, i), (all.get(key(set, i)) ?? 0) + 1);
    const seen = new Map<string, number>();
    for (const s of [train, test]) for (let i = 0; i < s.count; i++) seen.set(key(s, i), (seen.get(key(s, i)) ?? 0) + 1);
    expect(seen).toEqual(all);
  });

  it('is stratified: each class is in the test set in proportion (±1)', () => {
    const count = (labels: Uint8Array, c: number) => labels.filter((l) => l === c).length;
    for (let c = 0; c < 10; c++) {
      expect(Math.abs(count(test.labels, c) - count(set.labels, c) / 5)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic under a seed and changes with it; classes are mixed', () => {
    const again = split(set, { test: 2000, seed: 0 });
    expect(same(again.test.labels, test.labels)).toBe(true);
    expect(same(again.train.images, train.images)).toBe(true);
    const other = split(set, { test: 2000, seed: 1 });
    expect(same(other.test.labels, test.labels)).toBe(false);
    expect(new Set(test.labels.subarray(0, 50)).size).toBeGreaterThan(5);
  });

  it('rejects a test size larger than the set', () => {
    expect(() => split(set, { test: 10001, seed: 0 })).toThrow('split.test: must be an integer in [0, 10000], got 10001');
    expect(() => split(set, { test: 10, seed: 0.5 })).toThrow('split.seed: must be an integer, got 0.5');
  });
});

describe('quotas (largest remainder)', () => {
  it('sums to the total and stays within one of the exact share', () => {
    const counts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    for (const total of [0, 1, 7, 100, 2000, 9999, 10000]) {
      const q = quotas(counts, total);
      expect(q.reduce((a, b) => a + b, 0)).toBe(total);
      q.forEach((n, c) => expect(Math.abs(n - (counts[c]! * total) / 10000)).toBeLessThan(1));
    }
  });
});

describe('subset and balancedSubset', () => {
  const set = loadMnist();

  it('subset draws distinct images, deterministically under a seed', () => {
    const a = subset(set, 50, 3);
    expect(a.count).toBe(50);
    expect(a.images).toEqual(subset(set, 50, 3).images);
    expect(a.images).not.toEqual(subset(set, 50, 4).images);
    const rows = new Set(Array.from({ length: 50 }, (_, i) => a.images.subarray(i * 784, (i + 1) * 784).join(',')));
    expect(rows.size).toBe(50);
  });

  it('balancedSubset takes perClass of each class, grouped by class', () => {
    const b = balancedSubset(set, 3, 0);
    expect(b.count).toBe(30);
    expect(Array.from(b.labels)).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)));
    expect(balancedSubset(set, 3, 0).images).toEqual(b.images);
    expect(() => balancedSubset(set, 900, 0)).toThrow('balancedSubset.perClass: must be an integer in [0, 863], got 900');
  });

  it('pick copies the images at the given indices', () => {
    const p = pick(set, [9999, 0]);
    expect(p.labels[0]).toBe(set.labels[9999]);
    expect(p.images.subarray(784)).toEqual(set.images.subarray(0, 784));
    expect(() => pick(set, [10000])).toThrow('pick.indices[0]: index 10000 is out of range for 10000 images');
  });
});
