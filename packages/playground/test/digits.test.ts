import { describe, expect, it } from 'vitest';
import { decodeDigits, digit, firstPerClass, gather, splitDigits } from '../src/lib/digits.js';
import { DIGITS_PER_CLASS, digitSubset, serviceWorker } from '../build/assets.js';

describe('the shipped digits', () => {
  const { bytes, labels } = digitSubset();
  const digits = decodeDigits({ count: labels.length, size: 784, labels, source: 'test' }, bytes);

  it('hold DIGITS_PER_CLASS digits of every class, grouped by class, grey in [0, 1]', () => {
    expect(digits.count).toBe(10 * DIGITS_PER_CLASS);
    expect(labels).toEqual(Array.from({ length: 10 * DIGITS_PER_CLASS }, (_, i) => Math.floor(i / DIGITS_PER_CLASS)));
    expect(digits.pixels.reduce((m, v) => Math.min(m, v), Infinity)).toBe(0);
    expect(digits.pixels.reduce((m, v) => Math.max(m, v), -Infinity)).toBe(1);
    // Real digits: some ink, mostly paper.
    for (let i = 0; i < digits.count; i++) {
      const ink = digit(digits, i).filter((v) => v > 0.5).length;
      expect(ink).toBeGreaterThan(20);
      expect(ink).toBeLessThan(400);
    }
  });

  it('pick, split and gather by class', () => {
    const first = firstPerClass(digits, 2);
    expect(first.map((i) => digits.labels[i])).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    const { train, held } = splitDigits(digits, 5);
    expect(held).toHaveLength(50);
    expect(train).toHaveLength(10 * DIGITS_PER_CLASS - 50);
    expect(new Set([...train, ...held]).size).toBe(digits.count);
    const g = gather(digits, [3, 0]);
    expect(g.subarray(0, 784)).toEqual(digit(digits, 3));
    expect(g.subarray(784)).toEqual(digit(digits, 0));
  });

  it('refuses bytes that do not match their index', () => {
    expect(() => decodeDigits({ count: 2, size: 784, labels: [0, 1], source: '' }, new Uint8Array(10))).toThrow(/expected 2×784 = 1568 bytes, got 10/);
    expect(() => digit(digits, digits.count)).toThrow(/outside/);
  });

  it('the service worker precaches the page and every listed file', () => {
    const sw = serviceWorker(['index.html', 'assets/a.js'], 'abc');
    expect(sw).toContain(`const CACHE = 'hamux-playground-abc'`);
    expect(sw).toContain('["./","index.html","assets/a.js"]');
  });
});
