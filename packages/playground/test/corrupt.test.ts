import { describe, expect, it } from 'vitest';
import { blankImage, discPixels, draw, erase, flipNoise, gaussianNoise, hideRect, inputImage, randomMask, unmask, visiblePixels } from '../src/lib/corrupt.js';

const digitLike = () => inputImage(Float32Array.from({ length: 784 }, (_, i) => (i % 7 === 0 ? 1 : 0)));
const count = (a: ArrayLike<number>) => Array.from(a).reduce((n, v) => n + (v ? 1 : 0), 0);

describe('corruptions', () => {
  it('flip noise flips exactly round(fraction · n) known pixels, v → 1 − v, repeatably from the seed', () => {
    const img = digitLike();
    const noisy = flipNoise(img, 0.2, 1);
    const changed = Array.from(noisy.pixels).filter((v, i) => v !== img.pixels[i]).length;
    expect(changed).toBe(Math.round(0.2 * 784));
    noisy.pixels.forEach((v, i) => expect(v === img.pixels[i] || v === 1 - img.pixels[i]!).toBe(true));
    expect(flipNoise(img, 0.2, 1).pixels).toEqual(noisy.pixels);
    expect(flipNoise(img, 0.2, 2).pixels).not.toEqual(noisy.pixels);
    expect(img.pixels.filter((v) => v === 1).length).toBe(112); // the input is left alone
  });

  it('flip noise leaves hidden pixels alone and counts only known ones', () => {
    const img = hideRect(digitLike(), 0, 0, 14, 28); // 392 hidden
    const noisy = flipNoise(img, 0.5, 3);
    let changedHidden = 0, changed = 0;
    noisy.pixels.forEach((v, i) => { if (v !== img.pixels[i]) { changed++; if (img.hidden[i]) changedHidden++; } });
    expect(changedHidden).toBe(0);
    expect(changed).toBe(196);
  });

  it('gaussian noise keeps values in [0, 1] and has roughly the asked spread', () => {
    const img = inputImage(new Float32Array(784).fill(0.5));
    const noisy = gaussianNoise(img, 0.1, 4);
    const d = Array.from(noisy.pixels, (v) => v - 0.5);
    const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(std).toBeGreaterThan(0.09);
    expect(std).toBeLessThan(0.11);
    expect(Math.min(...gaussianNoise(img, 5, 4).pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...gaussianNoise(img, 5, 4).pixels)).toBeLessThanOrEqual(1);
  });

  it('random mask hides whole blocks, exactly round(fraction · blocks) of them', () => {
    const masked = randomMask(digitLike(), 0.5, 7, 4);
    expect(count(masked.hidden)).toBe(Math.round(0.5 * 49) * 16);
    for (let by = 0; by < 7; by++) {
      for (let bx = 0; bx < 7; bx++) {
        const cells = [];
        for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) cells.push(masked.hidden[(by * 4 + y) * 28 + bx * 4 + x]);
        expect(new Set(cells).size).toBe(1); // a block is hidden whole or not at all
      }
    }
    expect(count(randomMask(digitLike(), 0.25, 7).hidden)).toBe(196);
    expect(() => randomMask(digitLike(), 0.5, 7, 5)).toThrow(/block 5 does not tile/);
  });

  it('masks keep the values under them, read as 0, and unmask restores them', () => {
    const img = digitLike();
    const masked = hideRect(img, 14, 0, 14, 28);
    expect(count(masked.hidden)).toBe(392);
    expect(masked.pixels).toEqual(img.pixels);
    const seen = visiblePixels(masked);
    for (let i = 392; i < 784; i++) expect(seen[i]).toBe(0);
    expect(unmask(masked).pixels).toEqual(img.pixels);
    expect(count(unmask(masked).hidden)).toBe(0);
  });

  it('the brush covers the pixels whose centres lie in the disc', () => {
    expect(discPixels(28, 28, 14, 14, 1).sort((a, b) => a - b)).toEqual([13 * 28 + 13, 13 * 28 + 14, 14 * 28 + 13, 14 * 28 + 14]);
    expect(discPixels(28, 28, 0.5, 0.5, 0.4)).toEqual([0]);
    expect(discPixels(28, 28, -5, -5, 1)).toEqual([]);
    const erased = erase(blankImage(), 14, 14, 1);
    expect(count(erased.hidden)).toBe(4);
    const drawn = draw(erased, 14, 14, 1);
    expect(count(drawn.hidden)).toBe(0); // ink makes pixels known
    expect(count(drawn.pixels)).toBe(4);
  });

  it('rejects bad arguments with a message naming them', () => {
    expect(() => flipNoise(digitLike(), 1.5, 0)).toThrow(/fraction: must be in \[0, 1\], got 1.5/);
    expect(() => gaussianNoise(digitLike(), -1, 0)).toThrow(/std: must be/);
    expect(() => inputImage(new Float32Array(10))).toThrow(/expected 28×28 = 784 pixels, got 10/);
  });
});
