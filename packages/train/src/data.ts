import { HamuxError, HamuxErrors, formatShape, tf, type Tensor } from '@hamux-ts/core';
import type { Batch } from './batch.js';

/**
 * Checks a data set (named fields, examples along the first axis, all with the same count) and
 * returns the number of examples.
 */
export function checkData(data: unknown, path: string): number {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof tf.Tensor) {
    throw new HamuxError(path, 'expected an object of named tensors, e.g. { x: [N, 784], y: [N, 10] }', 'invalid_argument');
  }
  const entries = Object.entries(data as Record<string, unknown>);
  if (entries.length === 0) throw new HamuxError(path, 'expected at least one field', 'invalid_argument');
  const errors: HamuxError[] = [];
  let n: number | undefined;
  let from = '';
  for (const [name, t] of entries) {
    const where = `${path}.${name}`;
    if (!(t instanceof tf.Tensor)) { errors.push(new HamuxError(where, 'expected a tensor', 'invalid_argument')); continue; }
    if (t.isDisposed) { errors.push(new HamuxError(where, 'the tensor has been disposed', 'disposed')); continue; }
    if (t.rank < 1) { errors.push(new HamuxError(where, 'expected examples along the first axis, got a scalar', 'shape_mismatch')); continue; }
    if (t.dtype !== 'float32' && t.dtype !== 'int32') { errors.push(new HamuxError(where, `expected dtype float32 or int32, got ${t.dtype}`, 'invalid_argument')); continue; }
    if (n === undefined) { n = t.shape[0]!; from = name; }
    else if (t.shape[0] !== n) {
      errors.push(new HamuxError(where, `has ${t.shape[0]} examples (shape ${formatShape(t.shape)}), but "${from}" has ${n}`, 'shape_mismatch'));
    }
  }
  if (errors.length > 0) throw new HamuxErrors(errors);
  if (n === 0) throw new HamuxError(path, 'the data set is empty', 'invalid_argument');
  return n!;
}

/** The examples at `indices` of every field (new tensors, the caller's to dispose). */
export function gatherBatch(data: Batch, indices: Int32Array): Batch {
  return tf.tidy(() => {
    const at = tf.tensor1d(indices, 'int32');
    return Object.fromEntries(Object.entries(data).map(([k, t]) => [k, tf.gather(t, at)]));
  }) as Batch;
}

/** Contiguous slices `[start, start + size)` of every field (new tensors). */
export function sliceBatch(data: Batch, start: number, size: number): Batch {
  return tf.tidy(() => Object.fromEntries(Object.entries(data).map(([k, t]): [string, Tensor] => [k, tf.slice(t, start, size)]))) as Batch;
}

export function disposeBatch(batch: Batch): void {
  for (const t of Object.values(batch)) t.dispose();
}
