import { tf } from '@hamux-ts/core';

/** `tf.tidy` for any object of tensors (tfjs's own typing wants an index signature). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
