import { deriveKey, normalValues, tf, type Params, type Tensor } from '@hamux-ts/core';

/** Synthetic classification data: `classes` Gaussian blobs in `dim` dimensions (centres fixed by `centres`). */
export function blobs(n: number, seed: number, o: { dim?: number; classes?: number; spread?: number; centres?: number } = {}) {
  const d = o.dim ?? 8, c = o.classes ?? 3;
  const centres = normalValues(deriveKey(o.centres ?? 99, 'centres'), [c, d], 0, o.spread ?? 1.5);
  const noise = normalValues(deriveKey(seed, 'noise'), [n, d]);
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % c;
    y[i] = k;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[k * d + j]! + noise[i * d + j]!;
  }
  return { x: tf.tensor2d(x, [n, d]), y: tf.tensor1d(y, 'int32') };
}

/**
 * XOR in 4 dimensions: label = [x₀ > 0] xor [x₁ > 0], the other two inputs are noise. No linear
 * read-out of the input separates the classes, so the hidden layer must learn features.
 */
export function xor(n: number, seed: number) {
  const x = normalValues(deriveKey(seed, 'xor'), [n, 4]);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Number(x[i * 4]! > 0) ^ Number(x[i * 4 + 1]! > 0);
  return { x: tf.tensor2d(x, [n, 4]), y: tf.tensor1d(y, 'int32') };
}

/** Every tensor of a parameter tree, as `path → values`. */
export function flatParams(params: Params): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, m] of Object.entries(params[group])) {
      for (const [p, t] of Object.entries(m)) out[`${group}.${owner}.${p}`] = Float32Array.from(t.dataSync());
    }
  }
  return out;
}

export function disposeTree(t: { layers: Record<string, Record<string, Tensor>>; synapses: Record<string, Record<string, Tensor>> } | Params): void {
  for (const g of [t.layers, t.synapses]) for (const m of Object.values(g)) tf.dispose(Object.values(m));
}

/**
 * How far `got` is from `want`, in units of the tolerance `atol + rtol · max|want|`: at most 1
 * means they agree. Returns the worst entry.
 */
export function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number): number {
  if (got.length !== want.length) return Infinity;
  const scale = Math.max(...Array.from(want, Math.abs));
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / (atol + rtol * scale);
    worst = Math.max(worst, Number.isNaN(e) ? Infinity : e);
  }
  return worst;
}

/** Largest relative error `|g − fd| / max|fd|` of one parameter. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const scale = Math.max(...Array.from(want, Math.abs));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  return worst;
}
