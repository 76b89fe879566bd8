import { describe, expect, it } from 'vitest';
import { hideRect, inputImage } from '../src/lib/corrupt.js';
import { argmax, arrange, decode, divergingRgba, encode, greyRgba, layerView, patchify, signs, unpatchify, viewGrid } from '../src/lib/image.js';

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('image conversions', () => {
  it('patchify follows the preset order: patch n = i·(W/p) + j, rows then columns inside', () => {
    const img = ramp(784);
    const p = 4;
    const patches = patchify(img, 28, 28, p);
    // Independent reference: entry (n, k) of the patches is pixel (row, col) below.
    for (let n = 0; n < 49; n++) {
      for (let k = 0; k < 16; k++) {
        const row = Math.floor(n / 7) * p + Math.floor(k / p), col = (n % 7) * p + (k % p);
        expect(patches[n * 16 + k]).toBe(row * 28 + col);
      }
    }
    expect(unpatchify(patches, 28, 28, p)).toEqual(img);
    expect(unpatchify(patchify(img, 28, 28, 7), 28, 28, 7)).toEqual(img);
    expect(() => patchify(img, 28, 28, 5)).toThrow(/patch 5 does not tile a 28×28 image/);
  });

  it('encodes a picture as ±1 or grey, unknown pixels as 0, and back', () => {
    const img = hideRect(inputImage(Float32Array.from({ length: 784 }, (_, i) => (i % 3) / 2)), 0, 0, 1, 28);
    const bip = encode(img, 'bipolar');
    const unit = encode(img, 'unit');
    for (let i = 0; i < 784; i++) {
      const v = (i % 3) / 2;
      expect(bip[i]).toBe(i < 28 ? 0 : v >= 0.5 ? 1 : -1);
      expect(unit[i]).toBe(i < 28 ? 0 : v);
    }
    expect(Array.from(decode([-0.3, 0.2, -1, 1], 'bipolar'))).toEqual([0, 1, 0, 1]);
    expect(Array.from(decode([-0.3, 0.2, 1.5], 'unit'))).toEqual([0, Math.fround(0.2), 1]);
    expect(Array.from(signs([-0.1, 0, 3]))).toEqual([-1, 1, 1]);
  });

  it('chooses a picture for image-shaped layers, bars for small ones, a heat strip otherwise', () => {
    expect(layerView([784])).toEqual({ kind: 'image', tileWidth: 28, tileHeight: 28, tiles: 1 });
    expect(layerView([28, 28])).toEqual({ kind: 'image', tileWidth: 28, tileHeight: 28, tiles: 1 });
    expect(layerView([28, 28, 1])).toEqual({ kind: 'image', tileWidth: 28, tileHeight: 28, tiles: 1 });
    expect(layerView([49, 16], { patch: 4 })).toEqual({ kind: 'image', tileWidth: 28, tileHeight: 28, tiles: 1, patch: 4 });
    expect(layerView([24, 24, 4])).toEqual({ kind: 'image', tileWidth: 24, tileHeight: 24, tiles: 4 });
    expect(layerView([10])).toEqual({ kind: 'bars', count: 10 });
    expect(layerView([128])).toEqual({ kind: 'heat', rows: 4, cols: 32 });
    expect(layerView([200])).toEqual({ kind: 'heat', rows: 7, cols: 32 });
    expect(layerView([49, 32])).toEqual({ kind: 'heat', rows: 49, cols: 32 });
  });

  it('arranges channels as tiles with one-cell gaps, and patches back into the image', () => {
    const view = layerView([3, 4, 2].map((d, i) => (i < 2 ? d * 2 : d))); // [6, 8, 2]
    expect(viewGrid(view)).toEqual({ width: 17, height: 6, tileColumns: 2 });
    const values = ramp(6 * 8 * 2);
    const out = arrange(values, view);
    expect(out[0]).toBe(0); // channel 0 at (0, 0)
    expect(out[9]).toBe(1); // channel 1 at (0, 0), after 8 cells and a gap
    expect(Number.isNaN(out[8]!)).toBe(true);
    expect(out[17 * 5 + 7]).toBe(((5 * 8 + 7) * 2)); // channel 0, last cell
    const patches = patchify(ramp(784), 28, 28, 4);
    expect(arrange(patches, layerView([49, 16], { patch: 4 }))).toEqual(ramp(784));
    const heat = arrange(ramp(128), layerView([128]));
    expect(heat.length).toBe(128);
    expect(arrange(ramp(100), layerView([100])).length).toBe(128);
  });

  it('maps values to colours: grey from lo to hi, diverging around 0, gaps transparent, masked tinted', () => {
    const grey = greyRgba([-1, 0, 1, NaN], -1, 1);
    expect(Array.from(grey.subarray(0, 4))).toEqual([0, 0, 0, 255]);
    expect(Array.from(grey.subarray(4, 8))).toEqual([128, 128, 128, 255]);
    expect(Array.from(grey.subarray(8, 12))).toEqual([255, 255, 255, 255]);
    expect(grey[15]).toBe(0);
    const tinted = greyRgba([0], 0, 1, [1]);
    expect(tinted[0]).toBeGreaterThan(tinted[1]!); // red-ish
    const div = divergingRgba([-2, 0, 2]);
    expect(Array.from(div.subarray(0, 4))).toEqual([0, 0, 255, 255]);
    expect(Array.from(div.subarray(4, 8))).toEqual([255, 255, 255, 255]);
    expect(Array.from(div.subarray(8, 12))).toEqual([255, 0, 0, 255]);
    expect(argmax([0.1, 0.7, 0.7, 0.2])).toBe(1);
  });
});
