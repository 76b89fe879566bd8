import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { imageGrid, loadMnist, patchify, rng, unpatchify, writeImageGrid } from '../src/index.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from '../src/font.js';

describe('imageGrid', () => {
  it('draws rows of images at scale with padding; decoding gives the pixels back', () => {
    // Two rows: 3 and 2 images of 2×3, values in [0, 1].
    const r = rng(0);
    const rows = [Float32Array.from({ length: 18 }, () => r.uniform()), Float32Array.from({ length: 12 }, () => r.uniform())];
    const scale = 3, padding = 2;
    const png = PNG.sync.read(Buffer.from(imageGrid(rows, { shape: [2, 3], scale, padding, background: 7 })));
    expect(png.width).toBe(padding + 3 * (3 * scale + padding));
    expect(png.height).toBe(padding + 2 * (2 * scale + padding));
    const pixel = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4));
    rows.forEach((row, ri) => {
      for (let k = 0; k < row.length / 6; k++) {
        for (let y = 0; y < 2 * scale; y++) {
          for (let x = 0; x < 3 * scale; x++) {
            const v = Math.round(255 * row[k * 6 + Math.floor(y / scale) * 3 + Math.floor(x / scale)]!);
            expect(pixel(padding + k * (3 * scale + padding) + x, padding + ri * (2 * scale + padding) + y)).toEqual([v, v, v, 255]);
          }
        }
      }
    });
    expect(pixel(0, 0)).toEqual([7, 7, 7, 255]);
    // The missing third image of the second row is background.
    expect(pixel(padding + 2 * (3 * scale + padding), padding + 2 * scale + padding)).toEqual([7, 7, 7, 255]);
  });

  it('maps a range, clips, draws RGB, limits columns, and writes a file', () => {
    const png = PNG.sync.read(Buffer.from(imageGrid([new Float32Array([-1, 0, 1, 3, 5, 7])], { shape: [1, 2], range: [-1, 1], scale: 1, padding: 0, columns: 3 })));
    expect(png.width).toBe(6);
    expect(Array.from({ length: 6 }, (_, i) => png.data[i * 4])).toEqual([0, 128, 255, 255, 255, 255]);
    const rgb = PNG.sync.read(Buffer.from(imageGrid([new Float32Array([1, 0, 0.5])], { shape: [1, 1, 3], scale: 1, padding: 0 })));
    expect(Array.from(rgb.data)).toEqual([255, 0, 128, 255]);
    const few = PNG.sync.read(Buffer.from(imageGrid([new Float32Array(5 * 4)], { shape: [2, 2], scale: 1, padding: 1, columns: 2 })));
    expect(few.width).toBe(1 + 2 * 3);
    const dir = mkdtempSync(join(tmpdir(), 'hamux-data-'));
    try {
      const file = join(dir, 'grid.png');
      writeImageGrid(file, [loadMnist().images.subarray(0, 784 * 4)], { shape: [28, 28] });
      expect(PNG.sync.read(readFileSync(file)).width).toBe(2 + 4 * (56 + 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => imageGrid([new Float32Array(5)], { shape: [2, 2] })).toThrow('imageGrid.rows[0]: has 5 values, not a multiple of 2·2·1 = 4');
    expect(() => imageGrid([], { shape: [2, 2] })).toThrow('imageGrid.rows: no images to draw');
  });
});

describe('imageGrid row labels', () => {
  const pixel = (png: PNG, x: number, y: number) => png.data[(y * png.width + x) * 4]!;

  it('draws each label left of its row in the label font, and moves the images right by the label column', () => {
    const rows = [new Float32Array(4).fill(1), new Float32Array(4).fill(1)]; // one white 2×2 image per row
    const labels = ['ab', 'recalled'];
    const scale = 5, padding = 2, labelScale = 1;
    const png = PNG.sync.read(Buffer.from(imageGrid(rows, { shape: [2, 2], scale, padding, background: 128, rowLabels: labels, labelScale })));
    const labelWidth = textWidth('recalled') + padding + 2 * labelScale; // a gap of padding and two font pixels
    const rowHeight = Math.max(2 * scale, GLYPH_HEIGHT); // 10 pixels of image, 7 of text
    expect(png.width).toBe(padding + labelWidth + (2 * scale + padding));
    expect(png.height).toBe(padding + 2 * (rowHeight + padding));
    labels.forEach((label, r) => {
      const top = padding + r * (rowHeight + padding) + Math.floor((rowHeight - GLYPH_HEIGHT) / 2);
      // Every font pixel of every character, black where the glyph has ink, background elsewhere.
      [...label].forEach((ch, i) => {
        const g = glyph(ch)!;
        for (let fy = 0; fy < GLYPH_HEIGHT; fy++) {
          for (let fx = 0; fx < GLYPH_WIDTH; fx++) {
            expect(pixel(png, padding + i * (GLYPH_WIDTH + 1) + fx, top + fy), `${label}[${i}] (${fx}, ${fy})`).toBe(g[fy * GLYPH_WIDTH + fx] ? 0 : 128);
          }
        }
      });
      // The image, white, starts after the label column.
      const y0 = padding + r * (rowHeight + padding);
      expect(pixel(png, padding + labelWidth, y0)).toBe(255);
      expect(pixel(png, padding + labelWidth - 1, y0)).toBe(128);
      expect(pixel(png, padding + labelWidth + 2 * scale - 1, y0 + 2 * scale - 1)).toBe(255);
    });
  });

  it('scales labels with the images, draws white on a dark background, and refuses labels it cannot draw', () => {
    const mnist = [new Float32Array(784 * 2), new Float32Array(784 * 2)];
    const plain = PNG.sync.read(Buffer.from(imageGrid(mnist, { shape: [28, 28] })));
    const labelled = PNG.sync.read(Buffer.from(imageGrid(mnist, { shape: [28, 28], rowLabels: ['original', 'recalled'] })));
    expect(labelled.width - plain.width).toBe(textWidth('original', 2) + 2 + 2 * 2); // 28 · 2 / 28 = 2 pixels per font pixel
    expect(labelled.height).toBe(plain.height);
    const dark = PNG.sync.read(Buffer.from(imageGrid([new Float32Array(4)], { shape: [2, 2], background: 20, rowLabels: ['I'], labelScale: 1 })));
    expect(Array.from({ length: dark.width * dark.height }, (_, i) => dark.data[i * 4]).filter((v) => v === 255)).toHaveLength(glyph('I')!.filter((v) => v).length);
    expect(() => imageGrid(mnist, { shape: [28, 28], rowLabels: ['one'] })).toThrow('imageGrid.rowLabels: has 1 labels for 2 rows');
    expect(() => imageGrid(mnist, { shape: [28, 28], rowLabels: ['ok', 'β = 0.1 é'] })).toThrow('imageGrid.rowLabels[1]: cannot draw "β", "é" (the label font has A–Z');
    expect(() => imageGrid(mnist, { shape: [28, 28], rowLabels: ['a', 'b'], labelScale: 0 })).toThrow('imageGrid.labelScale: must be a positive integer, got 0');
  });
});

describe('patchify / unpatchify', () => {
  it('cuts patches in row-major patch order, each patch row-major [p, p, C]', () => {
    // One 4×4×1 image holding 0…15; patches of 2.
    const image = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(patchify(image, [4, 4, 1], 2))).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
    // Two channels: pixel (y, x) holds [10y + x, −(10y + x)].
    const two = Float32Array.from({ length: 2 * 2 * 2 }, (_, i) => (i % 2 ? -1 : 1) * (10 * Math.floor(i / 4) + (Math.floor(i / 2) % 2)));
    expect(Array.from(patchify(two, [2, 2, 2], 1))).toEqual(Array.from(two));
  });

  it('patch n, entry (dy, dx, c) is pixel (i·p + dy, j·p + dx, c), and unpatchify inverts it', () => {
    const [H, W, C, p, B] = [6, 9, 2, 3, 2];
    const r = rng(1);
    const images = Float32Array.from({ length: B * H * W * C }, () => r.uniform());
    const patches = patchify(images, [H, W, C], p);
    const N = (H / p) * (W / p), P = p * p * C;
    for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let e = 0; e < P; e++) {
      const i = Math.floor(n / (W / p)), j = n % (W / p);
      const dy = Math.floor(e / (p * C)), dx = Math.floor(e / C) % p, c = e % C;
      expect(patches[(b * N + n) * P + e]).toBe(images[((b * H + i * p + dy) * W + j * p + dx) * C + c]);
    }
    expect(unpatchify(patches, [H, W, C], p)).toEqual(images);
    const mask = Uint8Array.from({ length: H * W * C }, (_, i) => i % 3 === 0 ? 1 : 0);
    const masked = patchify(mask, [H, W, C], p);
    expect(masked).toBeInstanceOf(Uint8Array);
    expect(unpatchify(masked, [H, W, C], p)).toEqual(mask);
  });

  it('rejects a patch that does not tile the image', () => {
    expect(() => patchify(new Float32Array(784), [28, 28, 1], 5)).toThrow('patchify.patch: 5 does not tile an image of 28×28');
    expect(() => unpatchify(new Float32Array(10), [28, 28, 1], 7)).toThrow('unpatchify.data: 10 values are not a whole number of 28×28×1 images');
  });
});
