import { HamuxError } from './errors.js';
import type { Shape } from './shape.js';
import { sizeOf } from './shape.js';

/**
 * Seeded randomness that gives the same numbers on every backend and platform: values are drawn on
 * the host in JavaScript, from a key derived from the user's seed and the parameter's path
 * (`synapses.enc.W`), so adding a synapse never changes another synapse's weights.
 */

/** 32-bit FNV-1a hash of a string, for turning a parameter path into a key. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 finaliser: scrambles a 32-bit integer. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A key for one parameter: `deriveKey(seed, 'synapses.enc.W')`. */
export function deriveKey(seed: number, path: string): number {
  if (!Number.isInteger(seed)) throw new HamuxError(['deriveKey', 'seed'], `must be an integer, got ${seed}`, 'invalid_argument');
  return mix32(mix32(seed >>> 0) ^ hashString(path));
}

/** A uniform generator on [0, 1) (sfc32 seeded from a key). */
export function uniformGenerator(key: number): () => number {
  let a = mix32(key), b = mix32(a), c = mix32(b), d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** `size` standard normal samples (Box–Muller) from a key. */
export function normalValues(key: number, shape: Shape, mean = 0, std = 1): Float32Array {
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  const u = uniformGenerator(key);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    out[i] = mean + std * r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(theta);
  }
  return out;
}

/** `size` uniform samples on [low, high) from a key. */
export function uniformValues(key: number, shape: Shape, low = 0, high = 1): Float32Array {
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  const u = uniformGenerator(key);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * u();
  return out;
}

/** A stream of seeded random numbers: `const r = rng(0); r.uniform(); r.normal(); r.int(10)`. */
export interface Rng {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller, both values of each pair used). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Checks that a seed is an integer; `what` names the function (the error is at `[what, 'seed']`). */
export function checkSeed(what: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new HamuxError([what, 'seed'], `must be an integer, got ${String(seed)}`, 'invalid_argument');
  }
  return seed;
}

/** A seeded stream on `uniformGenerator(seed)`: the same seed gives the same numbers on every platform. */
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

/** Shuffles `items` in place (Fisher–Yates from the last position down, position i swapped with `r.int(i + 1)`) and returns it. */
export function shuffle(items: Int32Array, r: Rng): Int32Array {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/**
 * Chooses `k` distinct indices of `0 … n−1` (a partial Fisher–Yates on `scratch`, which must hold
 * `0 … n−1` in any order and is left in some order of them): a view of its first k entries.
 */
export function choose(k: number, scratch: Int32Array, r: Rng): Int32Array {
  const n = scratch.length;
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new HamuxError(['choose', 'k'], `expected an integer in [0, ${n}], got ${String(k)}`, 'invalid_argument');
  for (let i = 0; i < k; i++) {
    const j = i + r.int(n - i);
    const t = scratch[i]!;
    scratch[i] = scratch[j]!;
    scratch[j] = t;
  }
  return scratch.subarray(0, k);
}

/**
 * `0 … n−1` in a seeded random order: `shuffle` driven by `rng(seed)` (sfc32 seeded through
 * splitmix32, whose uniforms are 32-bit fractions in double precision). The same seed gives the
 * same order on every backend and platform. `seed` is any integer (a user's seed, or a key from `deriveKey`).
 */
export function permutation(n: number, seed: number): Int32Array {
  if (!(Number.isInteger(n) && n >= 0)) throw new HamuxError(['permutation', 'n'], `must be an integer >= 0, got ${String(n)}`, 'invalid_argument');
  checkSeed('permutation', seed);
  return shuffle(Int32Array.from({ length: n }, (_, i) => i), rng(seed));
}
