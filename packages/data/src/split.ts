import { HamuxError, checkSeed, rng, shuffle, type Rng } from '@hamux-ts/core';
import { pick, type LabelledImages } from './images.js';

/**
 * Seeded splits and subsets of a labelled set. Splits are stratified: every class is divided in the
 * same proportion, so the test set has the class balance of the whole.
 */

function checkCount(what: string, name: string, value: number, max: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new HamuxError([what, name], `must be an integer in [0, ${max}], got ${value}`, 'invalid_argument');
  }
}

/** The indices of each class, in the set's order. */
function indicesByClass(set: LabelledImages): Int32Array[] {
  const classes = set.labels.reduce((m, l) => Math.max(m, l + 1), 0);
  const counts = new Array<number>(classes).fill(0);
  for (const l of set.labels) counts[l]!++;
  const out = counts.map((n) => new Int32Array(n));
  const filled = new Array<number>(classes).fill(0);
  set.labels.forEach((l, i) => (out[l]![filled[l]!++] = i));
  return out;
}

/**
 * How many of each class to take so that the total is `total` and each class gets its share
 * `n_c · total / N`: the floors, then one more to the largest remainders (ties to the lower class).
 */
export function quotas(counts: readonly number[], total: number): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((c) => (n === 0 ? 0 : (c * total) / n));
  const out = exact.map(Math.floor);
  const order = exact.map((e, c) => [e - Math.floor(e), c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let missing = total - out.reduce((a, b) => a + b, 0);
  for (const [, c] of order) {
    if (missing <= 0) break;
    out[c]!++;
    missing--;
  }
  return out;
}

function concat(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Each class's indices shuffled, the first `quota[c]` of class c taken. */
function takeByClass(byClass: readonly Int32Array[], quota: readonly number[], r: Rng): { taken: Int32Array; rest: Int32Array } {
  const shuffled = byClass.map((idx) => shuffle(idx.slice(), r));
  return {
    taken: concat(shuffled.map((idx, c) => idx.subarray(0, quota[c]))),
    rest: concat(shuffled.map((idx, c) => idx.subarray(quota[c]))),
  };
}

/**
 * A seeded, stratified train/test split: `test` images go to the test set (each class in
 * proportion), the rest to the training set; both are in a seeded random order and disjoint.
 *
 * ```ts
 * const { train, test } = split(loadMnist(), { test: 2000, seed: 0 }); // 8000 / 2000
 * ```
 */
export function split(
  set: LabelledImages,
  options: { readonly test: number; readonly seed: number },
): {
  /** The images left for training. */
  train: LabelledImages;
  /** The held-out images, `options.test` of them. */
  test: LabelledImages;
} {
  checkCount('split', 'test', options.test, set.count);
  const r = rng(checkSeed('split', options.seed));
  const byClass = indicesByClass(set);
  const { taken, rest } = takeByClass(byClass, quotas(byClass.map((i) => i.length), options.test), r);
  return { train: pick(set, shuffle(rest, r)), test: pick(set, shuffle(taken, r)) };
}

/** `count` images drawn at random without replacement, in a seeded random order. */
export function subset(set: LabelledImages, count: number, seed: number): LabelledImages {
  checkCount('subset', 'count', count, set.count);
  const r = rng(checkSeed('subset', seed));
  const order = new Int32Array(set.count).map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + r.int(set.count - i);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return pick(set, order.subarray(0, count));
}

/**
 * `perClass` images of every class, drawn at random: all of class 0 first, then class 1, … (so
 * image `i` has label `floor(i / perClass)` when the classes are 0 … C−1).
 */
export function balancedSubset(set: LabelledImages, perClass: number, seed: number): LabelledImages {
  const byClass = indicesByClass(set).filter((idx) => idx.length > 0);
  const smallest = Math.min(...byClass.map((idx) => idx.length));
  checkCount('balancedSubset', 'perClass', perClass, smallest);
  const r = rng(checkSeed('balancedSubset', seed));
  return pick(set, takeByClass(byClass, byClass.map(() => perClass), r).taken);
}
