import { HamuxError } from '@hamux-ts/core';

/**
 * A small seeded generator for the page's corruptions (mulberry32: 32-bit state, period 2³²), so a
 * corruption is repeatable from its seed and the end-to-end tests can name one exactly.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

export function rng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new HamuxError(['rng', 'seed'], `must be an integer, got ${seed}`, 'invalid_argument');
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}

/** `k` distinct indices of `[0, n)` in random order (partial Fisher–Yates). */
export function chooseIndices(k: number, n: number, r: Rng): Int32Array {
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new HamuxError(['chooseIndices', 'k'], `expected 0 <= k <= ${n}, got ${k}`, 'invalid_argument');
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + r.int(n - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, k);
}
