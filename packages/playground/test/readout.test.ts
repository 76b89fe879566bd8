import { describe, expect, it } from 'vitest';
import { maskedMse, nearestPattern, neverRises, pattern } from '../src/lib/readout.js';

describe('readouts', () => {
  it('finds the nearest stored ±1 pattern and counts the differing entries', () => {
    const stored = Float32Array.from([1, 1, 1, 1, 1, 1, /**/ 1, -1, 1, -1, 1, -1, /**/ -1, -1, -1, -1, -1, -1]);
    expect(nearestPattern([1, -1, 1, -1, 1, 1], stored)).toEqual({ index: 1, overlap: 4, differing: 1 });
    expect(nearestPattern([-1, -1, -1, -1, -1, -1], stored)).toEqual({ index: 2, overlap: 6, differing: 0 });
    expect(Array.from(pattern(stored, 1, 6))).toEqual([1, -1, 1, -1, 1, -1]);
    expect(() => nearestPattern([1, 1, 1, 1], stored)).toThrow(/18 stored values are not patterns of 4/);
  });

  it('scores a reconstruction on the masked entries only', () => {
    expect(maskedMse([0, 1, 1], [0, 0, 0.5], [0, 1, 1])).toBeCloseTo((1 + 0.25) / 2, 12);
    expect(maskedMse([5], [0], [0])).toBe(0);
  });

  it('tells a falling energy curve from one that rises beyond rounding', () => {
    expect(neverRises([3, 2, 2, 1])).toBe(true);
    expect(neverRises([3, 2, 2.5])).toBe(false);
    expect(neverRises([-100, -100 + 5e-5])).toBe(true); // within 1e-6 · (1 + |E|)
    expect(neverRises([-100, -100 + 5e-5], 0)).toBe(false);
  });
});
