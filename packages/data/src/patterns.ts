import { HamuxError, checkSeed, rng } from '@hamux-ts/core';

/** Random ±1 patterns and conversions between bipolar (±1) and binary (0/1) values. */

function checkShape(what: string, count: number, size: number): void {
  for (const [name, v] of [['count', count], ['size', size]] as const) {
    if (!(Number.isInteger(v) && v >= 0)) throw new HamuxError([what, name], `must be an integer >= 0, got ${v}`, 'invalid_argument');
  }
}

/**
 * `count` random patterns of `size` entries, each ±1 with probability ½ (row-major
 * `[count, size]`): the patterns of the capacity experiments.
 *
 * ```ts
 * const xi = randomBipolar(20, 100, 0); // 20 patterns of 100 spins
 * ```
 */
export function randomBipolar(count: number, size: number, seed: number): Float32Array {
  checkShape('randomBipolar', count, size);
  const r = rng(checkSeed('randomBipolar', seed));
  const out = new Float32Array(count * size);
  for (let i = 0; i < out.length; i++) out[i] = r.uniform() < 0.5 ? -1 : 1;
  return out;
}

/** `2x − 1`: 0/1 to ∓1, and [0, 1] onto [−1, 1]. */
export function binaryToBipolar(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values, (v) => 2 * v - 1);
}

/** `(x + 1) / 2`: ±1 to 1/0, and [−1, 1] onto [0, 1]. */
export function bipolarToBinary(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values, (v) => (v + 1) / 2);
}

/** `+1` where the value is above `threshold`, else `−1` (default 0.5: grey images to spins). */
export function sign(values: ArrayLike<number>, threshold = 0.5): Float32Array {
  return Float32Array.from(values, (v) => (v > threshold ? 1 : -1));
}

/** `1` where the value is above `threshold`, else `0` (default 0: spins to bits). */
export function binarize(values: ArrayLike<number>, threshold = 0): Float32Array {
  return Float32Array.from(values, (v) => (v > threshold ? 1 : 0));
}
