import { describe, expect, it } from 'vitest';
import { choose, deriveKey, permutation, rng, shuffle, uniformGenerator } from '@hamux-ts/core';

describe('permutation', () => {
  it('is a seeded shuffle of 0…n−1, the same for the same seed', () => {
    const a = permutation(100, 2), b = permutation(100, 2), c = permutation(100, 3);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(permutation(0, 1)).toEqual(new Int32Array(0));
    expect(permutation(1, 1)).toEqual(Int32Array.of(0));
  });

  it('is Fisher–Yates on uniformGenerator(seed) (sfc32), pinned', () => {
    // Position i (from the last down) swaps with ⌊u·(i+1)⌋, u the generator's next double.
    const u = uniformGenerator(7);
    const want = Array.from({ length: 10 }, (_, i) => i);
    for (let i = 9; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [want[i], want[j]] = [want[j]!, want[i]!];
    }
    expect(Array.from(permutation(10, 7))).toEqual(want);
    // The order `@hamux-ts/data` has always given for this seed: examples keep their shuffles.
    expect(Array.from(permutation(10, 7))).toEqual([5, 1, 3, 0, 7, 6, 4, 2, 9, 8]);
    // Keys from deriveKey (the trainer's shuffles) are seeds like any other; negative seeds are taken mod 2³².
    expect(permutation(10, deriveKey(1, 'shuffle.1'))).toEqual(permutation(10, deriveKey(1, 'shuffle.1')));
    expect(permutation(10, -1)).toEqual(permutation(10, 2 ** 32 - 1));
  });

  it('puts every element first about equally often over seeds', () => {
    const counts = new Array<number>(10).fill(0);
    for (let s = 0; s < 4000; s++) counts[permutation(10, deriveKey(s, 'p'))[0]!]!++;
    for (const c of counts) expect(Math.abs(c - 400)).toBeLessThan(80);
  });

  it('rejects a seed that is not an integer and a bad length', () => {
    expect(() => permutation(3, 1.5)).toThrow('permutation.seed: must be an integer, got 1.5');
    expect(() => permutation(-1, 0)).toThrow('permutation.n: must be an integer >= 0, got -1');
    expect(() => permutation(2.5, 0)).toThrow(expect.objectContaining({ name: 'HamuxError', code: 'invalid_argument', path: ['permutation', 'n'] }));
    expect(() => deriveKey(0.5, 'p')).toThrow(expect.objectContaining({ code: 'invalid_argument', path: ['deriveKey', 'seed'] }));
  });
});

describe('rng, shuffle and choose: the one seeded stream every package draws from', () => {
  it('rng: uniforms in [0, 1) with mean ½, integers in range, normals with mean 0 and variance 1, repeatable', () => {
    const r = rng(9);
    const u = Array.from({ length: 20000 }, () => r.uniform());
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(u.reduce((s, v) => s + v, 0) / u.length - 0.5)).toBeLessThan(0.01);
    const ints = Array.from({ length: 5000 }, () => r.int(7));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    const z = Array.from({ length: 20000 }, () => r.normal());
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length - 1)).toBeLessThan(0.05);
    expect([rng(3).uniform(), rng(3).normal()]).toEqual([rng(3).uniform(), rng(3).normal()]);
    expect(() => rng(1.5)).toThrow(/rng\.seed: must be an integer/);
  });

  it('permutation is shuffle driven by rng(seed); choose draws k distinct indices, repeatably', () => {
    expect(Array.from(permutation(50, 4))).toEqual(Array.from(shuffle(Int32Array.from({ length: 50 }, (_, i) => i), rng(4))));
    const pick = (seed: number) => Array.from(choose(10, Int32Array.from({ length: 50 }, (_, i) => i), rng(seed)));
    const a = pick(5);
    expect(new Set(a).size).toBe(10);
    expect(a.every((i) => i >= 0 && i < 50)).toBe(true);
    expect(pick(5)).toEqual(a);
    expect(pick(6)).not.toEqual(a);
    expect(Array.from(choose(3, Int32Array.of(0, 1, 2), rng(1))).sort()).toEqual([0, 1, 2]);
    expect(() => choose(4, Int32Array.of(0, 1, 2), rng(1))).toThrow(/choose\.k: expected an integer in \[0, 3\], got 4/);
  });
});
