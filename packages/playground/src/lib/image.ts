/**
 * Conversions between the page's images and the tensors of a model, and from a layer's values to
 * pixels on a canvas. Pure functions on typed arrays (no tensors, no DOM).
 */
import { HamuxError } from '@hamux-ts/core';
import type { InputImage } from './corrupt.js';

/**
 * How a grey image in [0, 1] enters an input layer: `'bipolar'` thresholds it at ½ to ±1 (the
 * stored patterns of a Hopfield memory of black-and-white digits), `'unit'` keeps the grey values.
 * Unknown pixels read 0 in both: neither ink nor paper for ±1, "nothing seen" for grey values.
 */
export type Encoding = 'bipolar' | 'unit';

export function encode(image: InputImage, encoding: Encoding): Float32Array {
  return Float32Array.from(image.pixels, (v, i) => (image.hidden[i] ? 0 : encoding === 'bipolar' ? (v >= 0.5 ? 1 : -1) : v));
}

/** The inverse of `encode` for display and comparison: ±1 (or any sign) → 1 / 0; grey values clipped. */
export function decode(values: ArrayLike<number>, encoding: Encoding): Float32Array {
  return Float32Array.from(values as ArrayLike<number>, (v) => (encoding === 'bipolar' ? (v >= 0 ? 1 : 0) : v < 0 ? 0 : v > 1 ? 1 : v));
}

/** `sign(v)` as ±1 (0 counts as +1), the recalled pattern of a bipolar memory. */
export function signs(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values as ArrayLike<number>, (v) => (v >= 0 ? 1 : -1));
}

function checkTiling(what: string, length: number, height: number, width: number, patch: number): void {
  if (!(Number.isInteger(patch) && patch > 0 && height % patch === 0 && width % patch === 0)) {
    throw new HamuxError([what, 'patch'], `patch ${patch} does not tile a ${height}×${width} image`, 'invalid_argument');
  }
  if (length !== height * width) throw new HamuxError([what, 'values'], `expected ${height * width} values, got ${length}`, 'shape_mismatch');
}

/**
 * One single-channel image `[height, width]` as patches `[N, p·p]`: patch `n = i·(width/p) + j`
 * holds rows `i·p…i·p+p−1`, columns `j·p…j·p+p−1`, row-major (the `energyTransformer` preset's order).
 */
export function patchify(image: ArrayLike<number>, height: number, width: number, patch: number): Float32Array {
  checkTiling('patchify', image.length, height, width, patch);
  const out = new Float32Array(image.length);
  const across = width / patch;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const n = Math.floor(y / patch) * across + Math.floor(x / patch);
      out[n * patch * patch + (y % patch) * patch + (x % patch)] = image[y * width + x]!;
    }
  }
  return out;
}

/** The inverse of `patchify`: patches `[N, p·p]` back to an image `[height, width]`. */
export function unpatchify(patches: ArrayLike<number>, height: number, width: number, patch: number): Float32Array {
  checkTiling('unpatchify', patches.length, height, width, patch);
  const out = new Float32Array(patches.length);
  const across = width / patch;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const n = Math.floor(y / patch) * across + Math.floor(x / patch);
      out[y * width + x] = patches[n * patch * patch + (y % patch) * patch + (x % patch)]!;
    }
  }
  return out;
}

/** How a layer's values are drawn. */
export type LayerView =
  /** A picture: `tiles` images of `tileHeight × tileWidth` side by side (channels of a conv layer), or one. */
  | { readonly kind: 'image'; readonly tileWidth: number; readonly tileHeight: number; readonly tiles: number; readonly patch?: number }
  /** A heat map of `rows × cols` cells (row-major, the last row padded). */
  | { readonly kind: 'heat'; readonly rows: number; readonly cols: number }
  /** One bar per entry (labels, small layers). */
  | { readonly kind: 'bars'; readonly count: number };

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const isSquare = (n: number): boolean => Number.isInteger(Math.sqrt(n));

/**
 * Chooses the drawing of a layer from its shape (batch dimension excluded): an image when it is
 * image-shaped (784 → 28×28; `[H, W, C]` → C tiles; `[N, p·p]` patches of a square image when
 * `patch` is given, unpatchified), bars when it is small, else a heat strip.
 */
export function layerView(shape: readonly number[], options: { readonly patch?: number } = {}): LayerView {
  const n = sizeOf(shape);
  const p = options.patch;
  if (p !== undefined && shape.length === 2 && shape[1] === p * p && isSquare(shape[0]!)) {
    const side = Math.sqrt(shape[0]!) * p;
    return { kind: 'image', tileWidth: side, tileHeight: side, tiles: 1, patch: p };
  }
  if (shape.length === 1 && n === 784) return { kind: 'image', tileWidth: 28, tileHeight: 28, tiles: 1 };
  if (shape.length === 2 && shape[0]! >= 8 && shape[1]! >= 8 && n <= 4096 && shape[0] === shape[1]) {
    return { kind: 'image', tileWidth: shape[1]!, tileHeight: shape[0]!, tiles: 1 };
  }
  if (shape.length === 3 && shape[0]! >= 4 && shape[1]! >= 4) return { kind: 'image', tileWidth: shape[1]!, tileHeight: shape[0]!, tiles: shape[2]! };
  if (n <= 32) return { kind: 'bars', count: n };
  if (shape.length === 2) return { kind: 'heat', rows: shape[0]!, cols: shape[1]! };
  const cols = Math.min(n, 32);
  return { kind: 'heat', rows: Math.ceil(n / cols), cols };
}

/** Grid of the picture a view draws: its size in cells, with a one-cell gap between tiles. */
export function viewGrid(view: LayerView): { width: number; height: number; tileColumns: number } {
  if (view.kind === 'bars') return { width: view.count, height: 1, tileColumns: 1 };
  if (view.kind === 'heat') return { width: view.cols, height: view.rows, tileColumns: 1 };
  const tileColumns = Math.ceil(Math.sqrt(view.tiles));
  const tileRows = Math.ceil(view.tiles / tileColumns);
  return { width: tileColumns * (view.tileWidth + 1) - 1, height: tileRows * (view.tileHeight + 1) - 1, tileColumns };
}

/**
 * Lays a layer's values out on the view's grid (`NaN` in gaps and padding): patches unpatchified,
 * channels-last tensors `[H, W, C]` split into one tile per channel.
 */
export function arrange(values: ArrayLike<number>, view: LayerView): Float32Array {
  const { width, height, tileColumns } = viewGrid(view);
  if (view.kind !== 'image') {
    const out = new Float32Array(width * height).fill(NaN);
    out.set(values as ArrayLike<number>);
    return out;
  }
  const { tileWidth: w, tileHeight: h, tiles } = view;
  if (values.length !== w * h * tiles) throw new HamuxError(['arrange', 'values'], `expected ${w * h * tiles} values, got ${values.length}`, 'shape_mismatch');
  if (view.patch !== undefined) return unpatchify(values, h, w, view.patch);
  const out = new Float32Array(width * height).fill(NaN);
  for (let c = 0; c < tiles; c++) {
    const ox = (c % tileColumns) * (w + 1), oy = Math.floor(c / tileColumns) * (h + 1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(oy + y) * width + ox + x] = values[(y * w + x) * tiles + c]!;
  }
  return out;
}

/**
 * Grey levels as RGBA: `lo` → black, `hi` → white; `NaN` (gaps) transparent; entries marked in
 * `hidden` tinted, so a masked pixel is visibly unknown.
 */
export function greyRgba(values: ArrayLike<number>, lo: number, hi: number, hidden?: ArrayLike<number>): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(values.length * 4);
  const span = hi - lo || 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const g = Math.round((255 * (v - lo)) / span);
    const masked = hidden?.[i] ? 1 : 0;
    out[4 * i] = masked ? Math.round(0.55 * g + 0.45 * 200) : g;
    out[4 * i + 1] = masked ? Math.round(0.55 * g + 0.45 * 60) : g;
    out[4 * i + 2] = masked ? Math.round(0.55 * g + 0.45 * 60) : g;
    out[4 * i + 3] = 255;
  }
  return out;
}

/**
 * A diverging map for values of either sign: −s blue, 0 white, +s red, with `s` the largest |v|
 * (or `scale`); `NaN` transparent.
 */
export function divergingRgba(values: ArrayLike<number>, scale?: number): Uint8ClampedArray<ArrayBuffer> {
  let s = scale ?? 0;
  if (scale === undefined) for (let i = 0; i < values.length; i++) if (Math.abs(values[i]!) > s) s = Math.abs(values[i]!);
  s = s || 1;
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const t = Math.max(-1, Math.min(1, v / s));
    const fade = Math.round(255 * (1 - Math.abs(t)));
    out[4 * i] = t >= 0 ? 255 : fade;
    out[4 * i + 1] = fade;
    out[4 * i + 2] = t <= 0 ? 255 : fade;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Index of the largest value (the first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
