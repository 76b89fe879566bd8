/**
 * The input the page feeds a model: a grey image with values in [0, 1] (ink 1, paper 0) and a mask
 * of the pixels that are unknown. Every function here is pure: it returns a new image and leaves
 * its argument alone. Models read unknown pixels as "no information" (0 in their encoding) and let
 * them relax while the known ones are held, where the model calls for it.
 */
import { HamuxError, choose, rng } from '@hamux-ts/core';

/** `k` distinct indices of `[0, n)`, drawn from `seed`. */
const drawIndices = (k: number, n: number, seed: number): Int32Array => choose(k, Int32Array.from({ length: n }, (_, i) => i), rng(seed));

export interface InputImage {
  readonly width: number;
  readonly height: number;
  /** `[height · width]`, row-major, in [0, 1]. */
  readonly pixels: Float32Array;
  /** `[height · width]`: 1 where the pixel is unknown (masked, erased), 0 where it is known. */
  readonly hidden: Uint8Array;
}

/** An image with every pixel known. */
export function inputImage(pixels: ArrayLike<number>, width = 28, height = 28): InputImage {
  if (pixels.length !== width * height) throw new HamuxError(['inputImage', 'pixels'], `expected ${width}×${height} = ${width * height} pixels, got ${pixels.length}`, 'shape_mismatch');
  const copy = Float32Array.from(pixels, (v) => clamp01(v));
  return { width, height, pixels: copy, hidden: new Uint8Array(width * height) };
}

/** A blank (all paper) image. */
export function blankImage(width = 28, height = 28): InputImage {
  return inputImage(new Float32Array(width * height), width, height);
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : Number.isNaN(v) ? 0 : v);

function checkFraction(what: string, fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1)) throw new HamuxError([what, 'fraction'], `must be in [0, 1], got ${fraction}`, 'invalid_argument');
}

/**
 * Flip noise: exactly `round(fraction · n)` of the known pixels, chosen from `seed`, become
 * `1 − v` (on a black-and-white digit: ink ↔ paper, the sign flips of a ±1 pattern).
 */
export function flipNoise(image: InputImage, fraction: number, seed: number): InputImage {
  checkFraction('flipNoise', fraction);
  const known = knownIndices(image);
  const chosen = drawIndices(Math.round(fraction * known.length), known.length, seed);
  const pixels = Float32Array.from(image.pixels);
  for (const k of chosen) pixels[known[k]!] = 1 - pixels[known[k]!]!;
  return { ...image, pixels };
}

/** Gaussian noise: `v + N(0, std²)` on every known pixel, clipped to [0, 1]. */
export function gaussianNoise(image: InputImage, std: number, seed: number): InputImage {
  if (!(std >= 0 && Number.isFinite(std))) throw new HamuxError(['gaussianNoise', 'std'], `must be a finite number >= 0, got ${std}`, 'invalid_argument');
  const r = rng(seed);
  const pixels = Float32Array.from(image.pixels, (v, i) => (image.hidden[i] ? v : clamp01(v + std * r.normal())));
  return { ...image, pixels };
}

/**
 * Random mask: hides exactly `round(fraction · blocks)` of the image's `block × block` squares
 * (block 1: single pixels; the patch side for an Energy Transformer, so whole patches go missing).
 * Already hidden pixels stay hidden; values under the mask are kept (`visiblePixels` reads them as 0).
 */
export function randomMask(image: InputImage, fraction: number, seed: number, block = 1): InputImage {
  checkFraction('randomMask', fraction);
  const { width, height } = image;
  if (!(Number.isInteger(block) && block > 0 && width % block === 0 && height % block === 0)) {
    throw new HamuxError(['randomMask', 'block'], `block ${block} does not tile a ${width}×${height} image`, 'invalid_argument');
  }
  const across = width / block, down = height / block;
  const chosen = drawIndices(Math.round(fraction * across * down), across * down, seed);
  const hidden = Uint8Array.from(image.hidden);
  for (const b of chosen) {
    const by = Math.floor(b / across) * block, bx = (b % across) * block;
    for (let y = by; y < by + block; y++) hidden.fill(1, y * width + bx, y * width + bx + block);
  }
  return withHidden(image, hidden);
}

/** Hides the rectangle of rows `[top, top + rows)` and columns `[left, left + cols)` (clipped to the image). */
export function hideRect(image: InputImage, top: number, left: number, rows: number, cols: number): InputImage {
  const hidden = Uint8Array.from(image.hidden);
  for (let y = Math.max(0, top); y < Math.min(image.height, top + rows); y++) {
    for (let x = Math.max(0, left); x < Math.min(image.width, left + cols); x++) hidden[y * image.width + x] = 1;
  }
  return withHidden(image, hidden);
}

/** The brush of the canvas: a disc of `radius` pixels around `(cx, cy)` (pixel coordinates, fractional allowed). */
export function discPixels(width: number, height: number, cx: number, cy: number, radius: number): number[] {
  const out: number[] = [];
  for (let y = Math.max(0, Math.floor(cy - radius)); y <= Math.min(height - 1, Math.ceil(cy + radius)); y++) {
    for (let x = Math.max(0, Math.floor(cx - radius)); x <= Math.min(width - 1, Math.ceil(cx + radius)); x++) {
      // Distance from the pixel's centre.
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius * radius) out.push(y * width + x);
    }
  }
  return out;
}

/** Eraser brush: hides the pixels of a disc. */
export function erase(image: InputImage, cx: number, cy: number, radius: number): InputImage {
  const hidden = Uint8Array.from(image.hidden);
  for (const i of discPixels(image.width, image.height, cx, cy, radius)) hidden[i] = 1;
  return withHidden(image, hidden);
}

/** Pen: inks (value `ink`, default 1) the pixels of a disc, which become known. */
export function draw(image: InputImage, cx: number, cy: number, radius: number, ink = 1): InputImage {
  const pixels = Float32Array.from(image.pixels);
  const hidden = Uint8Array.from(image.hidden);
  for (const i of discPixels(image.width, image.height, cx, cy, radius)) {
    pixels[i] = clamp01(ink);
    hidden[i] = 0;
  }
  return { ...image, pixels, hidden };
}

/** Every pixel known again (the values under a mask are kept, so unmasking restores them). */
export function unmask(image: InputImage): InputImage {
  return { ...image, hidden: new Uint8Array(image.width * image.height) };
}

/** Hidden pixels read 0: the image as the model sees it. */
export function visiblePixels(image: InputImage): Float32Array {
  return Float32Array.from(image.pixels, (v, i) => (image.hidden[i] ? 0 : v));
}

function withHidden(image: InputImage, hidden: Uint8Array): InputImage {
  return { ...image, hidden };
}

function knownIndices(image: InputImage): Int32Array {
  const out: number[] = [];
  image.hidden.forEach((h, i) => { if (!h) out.push(i); });
  return Int32Array.from(out);
}
