import { describe, expect, it } from 'vitest';
import { capacity, powerLawExponent, randomPatterns, storedFraction, theoryCapacity } from '../src/capacity.js';

describe('capacity experiment (small)', () => {
  it('stores a single pattern and fails far beyond capacity', () => {
    expect(storedFraction('classical', 32, 1, 1)).toBe(1);
    expect(storedFraction('classical', 32, 64, 1)).toBeLessThan(0.2);
  });
  it('draws ±1 patterns with about half of each sign, reproducibly', () => {
    const a = randomPatterns(16, 64, 7);
    expect([...new Set(a)].sort()).toEqual([-1, 1]);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(randomPatterns(16, 64, 7)).toEqual(a);
  });
  it('agrees with the theory within a factor of two and orders the memories', () => {
    const n = 24;
    const k = (m: 'classical' | 'degree 3' | 'degree 4') => capacity(m, n, { seed: 3, samples: 128 }).k;
    const [k2, k3, k4] = [k('classical'), k('degree 3'), k('degree 4')];
    for (const [measured, d] of [[k2, 2], [k3, 3], [k4, 4]] as const) {
      const theory = theoryCapacity(d, n);
      expect(measured).toBeGreaterThan(theory / 2);
      expect(measured).toBeLessThan(theory * 2);
    }
    expect(k2).toBeLessThan(k3);
    expect(k3).toBeLessThan(k4);
  });
  it('fits power laws exactly on exact data', () => {
    expect(powerLawExponent([2, 4, 8], [3, 12, 48])).toBeCloseTo(2, 10);
  });
});
