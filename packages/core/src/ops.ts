import { tf, type Tensor } from './tf.js';

/** Sums every axis but the leading batch axis: `[B, ...] → [B]`. */
export function sumPerSample(t: Tensor): Tensor {
  if (t.rank === 1) return t;
  return tf.sum(t, Array.from({ length: t.rank - 1 }, (_, i) => i + 1));
}

/** Reshapes a vector of length D so that it broadcasts along `axis` of a `[B, ...shape]` tensor. */
export function alongAxis(v: Tensor, axis: number, rank: number): Tensor {
  const shape = Array.from({ length: rank }, () => 1);
  shape[axis] = v.size;
  return tf.reshape(v, shape);
}

/** Flattens everything but the batch axis: `[B, ...] → [B, D]`. */
export function flatten(t: Tensor): Tensor {
  return tf.reshape(t, [t.shape[0]!, -1]);
}

/** `tf.tidy` for any object of tensors (tfjs's own typing wants an index signature). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
