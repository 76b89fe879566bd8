import { HamuxError, checkSeed, choose, rng, type Rng } from '@hamux-ts/core';

/**
 * Seeded corruptions of a batch (row-major `[count, size]`). Each returns the corrupted copy and a
 * `mask` of the same length, 1 where an entry was corrupted and 0 where it was kept; the input is
 * left unchanged. To clamp the known entries while the rest relax, clamp `invertMask(mask)`.
 */
export interface Corrupted {
  /** The corrupted copy, the same length as the input. */
  readonly data: Float32Array;
  /** 1 where the entry was corrupted (flipped, noised, hidden), 0 where it was kept. */
  readonly mask: Uint8Array;
}

function checkBatch(what: string, data: ArrayLike<number>, size: number): number {
  if (!(Number.isInteger(size) && size > 0)) throw new HamuxError([what, 'size'], `must be a positive integer, got ${size}`, 'invalid_argument');
  if (data.length % size !== 0) throw new HamuxError([what, 'data'], `has ${data.length} values, not a multiple of size ${size}`, 'shape_mismatch');
  return data.length / size;
}

function checkFraction(what: string, fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1)) throw new HamuxError([what, 'fraction'], `must be in [0, 1], got ${fraction}`, 'invalid_argument');
}

/** Marks exactly `round(fraction · size)` entries of every sample, chosen at random. */
function chooseEntries(count: number, size: number, fraction: number, r: Rng): Uint8Array {
  const k = Math.round(fraction * size);
  const mask = new Uint8Array(count * size);
  const scratch = new Int32Array(size).map((_, i) => i);
  for (let s = 0; s < count; s++) for (const i of choose(k, scratch, r)) mask[s * size + i] = 1;
  return mask;
}

/**
 * Flips exactly `round(fraction · size)` entries of every sample: `x → −x` for bipolar data
 * (default), `x → 1 − x` for binary data.
 *
 * ```ts
 * const { data, mask } = flip(patterns, 100, { fraction: 0.1, seed: 1 }); // 10 spins per pattern
 * ```
 */
export function flip(
  data: ArrayLike<number>,
  size: number,
  options: { readonly fraction: number; readonly seed: number; readonly values?: 'bipolar' | 'binary' },
): Corrupted {
  const count = checkBatch('flip', data, size);
  checkFraction('flip', options.fraction);
  const mask = chooseEntries(count, size, options.fraction, rng(checkSeed('flip', options.seed)));
  const binary = (options.values ?? 'bipolar') === 'binary';
  const out = Float32Array.from(data, (v, i) => (mask[i] ? (binary ? 1 - v : -v) : v));
  return { data: out, mask };
}

/** Adds `N(0, std²)` noise to every entry, optionally clipped to `[low, high]`; the mask is all ones. */
export function gaussianNoise(
  data: ArrayLike<number>,
  options: { readonly std: number; readonly seed: number; readonly clip?: readonly [number, number] },
): Corrupted {
  if (!(options.std >= 0 && Number.isFinite(options.std))) throw new HamuxError(['gaussianNoise', 'std'], `must be a finite number >= 0, got ${options.std}`, 'invalid_argument');
  const r = rng(checkSeed('gaussianNoise', options.seed));
  const [low, high] = options.clip ?? [-Infinity, Infinity];
  if (!(low <= high)) throw new HamuxError(['gaussianNoise', 'clip'], `must be [low, high] with low <= high, got [${low}, ${high}]`, 'invalid_argument');
  const out = Float32Array.from(data, (v) => Math.min(high, Math.max(low, v + options.std * r.normal())));
  return { data: out, mask: new Uint8Array(data.length).fill(1) };
}

/** Hides exactly `round(fraction · size)` entries of every sample, chosen at random, setting them to `fill` (default 0). */
export function randomMask(
  data: ArrayLike<number>,
  size: number,
  options: { readonly fraction: number; readonly seed: number; readonly fill?: number },
): Corrupted {
  const count = checkBatch('randomMask', data, size);
  checkFraction('randomMask', options.fraction);
  const mask = chooseEntries(count, size, options.fraction, rng(checkSeed('randomMask', options.seed)));
  const fill = options.fill ?? 0;
  return { data: Float32Array.from(data, (v, i) => (mask[i] ? fill : v)), mask };
}

/** Where a block lies: a fixed row/column, or (left out) a seeded random one per sample. */
export interface BlockOptions {
  /** Rows of the block. */
  readonly height: number;
  /** Columns of the block. */
  readonly width: number;
  /** First row of the block; left out, a random row per sample (needs `seed`). */
  readonly top?: number;
  /** First column of the block; left out, a random column per sample (needs `seed`). */
  readonly left?: number;
  /** Seed of the random positions (required when `top` or `left` is left out). */
  readonly seed?: number;
  /** Value of the hidden entries, default 0. */
  readonly fill?: number;
}

/**
 * Hides a `height × width` block (every channel) of every image `[H, W, C]`. The bottom half of
 * 28×28 digits: `blockMask(images, [28, 28, 1], { top: 14, left: 0, height: 14, width: 28 })`;
 * a random 10×10 square per image: `{ height: 10, width: 10, seed: 3 }`.
 */
export function blockMask(data: ArrayLike<number>, shape: readonly [number, number, number], options: BlockOptions): Corrupted {
  const [H, W, C] = shape;
  const count = checkBatch('blockMask', data, H * W * C);
  const { height, width } = options;
  if (!(Number.isInteger(height) && height >= 0 && height <= H)) throw new HamuxError(['blockMask', 'height'], `must be an integer in [0, ${H}], got ${height}`, 'invalid_argument');
  if (!(Number.isInteger(width) && width >= 0 && width <= W)) throw new HamuxError(['blockMask', 'width'], `must be an integer in [0, ${W}], got ${width}`, 'invalid_argument');
  for (const [name, v, max] of [['top', options.top, H - height], ['left', options.left, W - width]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= max)) {
      throw new HamuxError(['blockMask', name], `must be an integer in [0, ${max}] for a block of ${height}×${width} in ${H}×${W}, got ${v}`, 'invalid_argument');
    }
  }
  const random = options.top === undefined || options.left === undefined;
  if (random && options.seed === undefined) throw new HamuxError(['blockMask', 'seed'], 'give top and left, or a seed to place the block at random', 'invalid_argument');
  const r = random ? rng(checkSeed('blockMask', options.seed)) : undefined;
  const mask = new Uint8Array(data.length);
  for (let s = 0; s < count; s++) {
    const top = options.top ?? r!.int(H - height + 1);
    const left = options.left ?? r!.int(W - width + 1);
    for (let y = top; y < top + height; y++) mask.fill(1, ((s * H + y) * W + left) * C, ((s * H + y) * W + left + width) * C);
  }
  const fill = options.fill ?? 0;
  return { data: Float32Array.from(data, (v, i) => (mask[i] ? fill : v)), mask };
}

/** `1 − mask`: the entries that were kept (what to clamp while the corrupted ones relax). */
export function invertMask(mask: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(mask, (m) => (m ? 0 : 1));
}
