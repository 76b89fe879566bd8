import { HamuxError, type ErrorPath } from '@hamux-ts/core';
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { drawText, FONT_CHARACTERS, GLYPH_HEIGHT, textWidth, undrawable } from './font.js';

/**
 * Image grids as PNG files: one row per batch (original / corrupted / recalled, say), one column
 * per image, each pixel drawn as a `scale × scale` square, images separated by `padding` pixels.
 */
export interface GridOptions {
  /** `[height, width]` (grey) or `[height, width, channels]` with 1 (grey) or 3 (RGB) channels. */
  readonly shape: readonly [number, number] | readonly [number, number, number];
  /** Pixels per image entry along each axis, default 2. */
  readonly scale?: number;
  /** Pixels between images and around the grid, default 2. */
  readonly padding?: number;
  /** The values drawn black and white, default `[0, 1]`; `[-1, 1]` for bipolar images. Values outside are clipped. */
  readonly range?: readonly [number, number];
  /** At most this many images per row (default: every image of the longest row). */
  readonly columns?: number;
  /** Grey level of the padding, 0–255, default 128. */
  readonly background?: number;
  /**
   * One label per row ('original', 'corrupted', 'recalled', say), drawn left of the row in a built-in
   * 5 × 7 pixel font: capitals (lower case is drawn as upper case), digits, space and `.,:-_/%()+='!?#<>*→×`.
   */
  readonly rowLabels?: readonly string[];
  /** Pixels per font pixel of the row labels, default `max(1, round(height · scale / 28))`. */
  readonly labelScale?: number;
}

function positiveInteger(path: ErrorPath, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) throw new HamuxError(['imageGrid', ...path], `must be a positive integer, got ${v}`, 'invalid_argument');
  return v;
}

/**
 * A PNG (its bytes) of `rows`, each a batch of images `[count, height · width · channels]`
 * row-major; shorter rows leave their end blank.
 *
 * ```ts
 * writeFileSync('recall.png', imageGrid([original, corrupted, recalled], {
 *   shape: [28, 28], columns: 10, scale: 3, rowLabels: ['original', 'corrupted', 'recalled'],
 * }));
 * ```
 */
export function imageGrid(rows: readonly ArrayLike<number>[], options: GridOptions): Uint8Array {
  const [h, w, c = 1] = options.shape;
  positiveInteger(['shape', 0], h); // the height
  positiveInteger(['shape', 1], w); // the width
  if (c !== 1 && c !== 3) throw new HamuxError(['imageGrid', 'shape', 2], `channels must be 1 (grey) or 3 (RGB), got ${c}`, 'invalid_argument');
  const scale = positiveInteger(['scale'], options.scale ?? 2);
  const padding = options.padding ?? 2;
  if (!(Number.isInteger(padding) && padding >= 0)) throw new HamuxError(['imageGrid', 'padding'], `must be an integer >= 0, got ${padding}`, 'invalid_argument');
  const [lo, hi] = options.range ?? [0, 1];
  if (!(hi > lo)) throw new HamuxError(['imageGrid', 'range'], `must be [low, high] with low < high, got [${lo}, ${hi}]`, 'invalid_argument');
  const size = h * w * c;
  rows.forEach((row, r) => {
    if (row.length % size !== 0) throw new HamuxError(['imageGrid', 'rows', r], `has ${row.length} values, not a multiple of ${h}·${w}·${c} = ${size}`, 'shape_mismatch');
  });
  const longest = Math.max(0, ...rows.map((row) => row.length / size));
  const columns = options.columns === undefined ? longest : Math.min(positiveInteger(['columns'], options.columns), longest);
  if (rows.length === 0 || columns === 0) throw new HamuxError(['imageGrid', 'rows'], 'no images to draw', 'invalid_argument');
  const background = options.background ?? 128;
  const labels = options.rowLabels;
  if (labels !== undefined) {
    if (labels.length !== rows.length) throw new HamuxError(['imageGrid', 'rowLabels'], `has ${labels.length} labels for ${rows.length} rows`, 'shape_mismatch');
    labels.forEach((label, r) => {
      const missing = undrawable(label);
      if (missing.length > 0) {
        throw new HamuxError(['imageGrid', 'rowLabels', r], `cannot draw ${missing.map((ch) => JSON.stringify(ch)).join(', ')} (the label font has ${FONT_CHARACTERS})`, 'invalid_argument');
      }
    });
  }
  const labelScale = positiveInteger(['labelScale'], options.labelScale ?? Math.max(1, Math.round((h * scale) / 28)));
  // The label column (then a gap of `padding` and two font pixels) and each row's height.
  const labelWidth = labels === undefined ? 0 : Math.max(...labels.map((l) => textWidth(l, labelScale))) + padding + 2 * labelScale;
  const rowHeight = labels === undefined ? h * scale : Math.max(h * scale, GLYPH_HEIGHT * labelScale);

  const width = padding + labelWidth + columns * (w * scale + padding);
  const height = padding + rows.length * (rowHeight + padding);
  const png = new PNG({ width, height });
  png.data.fill(background);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  // Black text on a light background, white on a dark one; each label centred on its row.
  labels?.forEach((label, r) => {
    const y = padding + r * (rowHeight + padding) + Math.floor((rowHeight - GLYPH_HEIGHT * labelScale) / 2);
    drawText(png.data, width, padding, y, label, { scale: labelScale, ink: background < 128 ? 255 : 0 });
  });
  const level = (v: number) => Math.round((255 * (Math.min(hi, Math.max(lo, v)) - lo)) / (hi - lo));
  rows.forEach((row, r) => {
    const images = Math.min(columns, row.length / size);
    for (let k = 0; k < images; k++) {
      const x0 = padding + labelWidth + k * (w * scale + padding);
      const y0 = padding + r * (rowHeight + padding);
      for (let y = 0; y < h * scale; y++) {
        for (let x = 0; x < w * scale; x++) {
          const src = k * size + (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
          const dst = ((y0 + y) * width + x0 + x) * 4;
          for (let ch = 0; ch < 3; ch++) png.data[dst + ch] = level(row[src + (c === 3 ? ch : 0)]!);
        }
      }
    }
  });
  return new Uint8Array(PNG.sync.write(png));
}

/** Writes `imageGrid(rows, options)` to `path`. */
export function writeImageGrid(path: string, rows: readonly ArrayLike<number>[], options: GridOptions): void {
  const png = imageGrid(rows, options);
  try {
    writeFileSync(path, png);
  } catch (e) {
    throw new HamuxError(['writeImageGrid', 'path'], `cannot write "${path}": ${e instanceof Error ? e.message : String(e)}`, 'io');
  }
}
