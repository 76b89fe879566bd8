/**
 * Seeded randomness for data: the same seed gives the same numbers on every platform. The uniform
 * stream is core's generator (sfc32 seeded through splitmix32, so nearby seeds give unrelated streams).
 */
import { HamuxError, uniformGenerator } from '@hamux-ts/core';

/** A stream of seeded random numbers. */
export interface Rng {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Checks a seed is an integer; `what` names the function (the error is at `[what, 'seed']`). */
export function checkSeed(what: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new HamuxError([what, 'seed'], `must be an integer, got ${String(seed)}`, 'invalid_argument');
  }
  return seed;
}

/** A seeded generator: `const r = rng(0); r.uniform(); r.normal(); r.int(10)`. */
export function rng(seed: number): Rng {
  checkSeed('rng', seed);
  const uniform = uniformGenerator(seed >>> 0);
  let spare: number | undefined;
  return {
    uniform,
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const r = Math.sqrt(-2 * Math.log(1 - uniform()));
      const theta = 2 * Math.PI * uniform();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    int: (n) => Math.floor(uniform() * n),
  };
}

/** Shuffles `items` in place (Fisher–Yates) and returns it. */
export function shuffle(items: Int32Array, r: Rng): Int32Array {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/** `0 … n−1` in a seeded random order: core's `permutation`, the one every package shares. */
export { permutation } from '@hamux-ts/core';

/**
 * Chooses `k` distinct indices of `0 … n−1` (a partial Fisher–Yates on `scratch`, which must hold
 * `0 … n−1` in any order and is left in some order of them).
 */
export function choose(k: number, scratch: Int32Array, r: Rng): Int32Array {
  const n = scratch.length;
  for (let i = 0; i < k; i++) {
    const j = i + r.int(n - i);
    const t = scratch[i]!;
    scratch[i] = scratch[j]!;
    scratch[j] = t;
  }
  return scratch.subarray(0, k);
}
