/** What the page reads off a relaxed state: recall, class, reconstruction error. Pure functions. */
import { HamuxError } from '@hamux-ts/core';

export interface NearestPattern {
  /** The stored pattern with the largest overlap. */
  readonly index: number;
  /** `ξ_index · s` for the recalled signs s (784 = identical). */
  readonly overlap: number;
  /** Entries where the recalled signs differ from that pattern. */
  readonly differing: number;
}

/** The stored ±1 pattern (`stored` `[K · size]`) nearest to the ±1 signs `recalled` `[size]`. */
export function nearestPattern(recalled: ArrayLike<number>, stored: ArrayLike<number>): NearestPattern {
  const size = recalled.length;
  if (size === 0 || stored.length % size !== 0) throw new HamuxError(['nearestPattern', 'stored'], `${stored.length} stored values are not patterns of ${size}`, 'shape_mismatch');
  let index = -1, overlap = -Infinity;
  for (let k = 0; k < stored.length / size; k++) {
    let o = 0;
    for (let j = 0; j < size; j++) o += recalled[j]! * stored[k * size + j]!;
    if (o > overlap) { overlap = o; index = k; }
  }
  return { index, overlap, differing: Math.round((size - overlap) / 2) };
}

/** Pattern `k` of `[K · size]`. */
export function pattern(stored: Float32Array, k: number, size = 784): Float32Array {
  return stored.subarray(k * size, (k + 1) * size);
}

/** Mean squared error over the entries marked in `mask` (0 when none is). */
export function maskedMse(a: ArrayLike<number>, b: ArrayLike<number>, mask: ArrayLike<number>): number {
  if (a.length !== b.length || a.length !== mask.length) throw new HamuxError(['maskedMse'], `lengths ${a.length}, ${b.length}, ${mask.length} differ`, 'shape_mismatch');
  let sum = 0, n = 0;
  for (let i = 0; i < a.length; i++) if (mask[i]) { sum += (a[i]! - b[i]!) ** 2; n++; }
  return n === 0 ? 0 : sum / n;
}

/** Whether a sequence never rises by more than `tolerance · (1 + |previous|)` (float32 rounding). */
export function neverRises(values: readonly number[], tolerance = 1e-6): boolean {
  for (let t = 1; t < values.length; t++) if (values[t]! - values[t - 1]! > tolerance * (1 + Math.abs(values[t - 1]!))) return false;
  return true;
}
