import { HamuxError, HamuxErrors, formatShape, parsePath, type ErrorPath, tf, type HAM, type Tensor } from '@hamux-ts/core';
import type { Clamp } from './options.js';

/**
 * Per-layer masks of the neurons that may move: `undefined` for a free layer, `'clamped'` for a
 * layer held whole, or a float tensor broadcastable to `[B, ...shape]` with 1 where a neuron is free.
 */
export type FreeMask = undefined | 'clamped' | Tensor;

/**
 * The one clamp rule, for descents and for training alike: `true` holds a layer whole, a tensor
 * holds the entries where it is nonzero (shaped `[...shape]` or `[B, ...shape]`). Every problem is
 * reported at once, at `path.<layer>`. The masks are new tensors: free them with `disposeMasks`.
 */
export function freeMasks<L extends string, S extends string>(
  ham: HAM<L, S>,
  clamp: { readonly [K in L]?: Clamp } | undefined,
  batch: number,
  path: string | ErrorPath = ['options', 'clamp'],
): Map<L, FreeMask> {
  const at = typeof path === 'string' ? parsePath(path) : path;
  if (clamp !== undefined && (typeof clamp !== 'object' || clamp === null)) {
    throw new HamuxError(at, 'expected an object mapping layer names to true or a mask tensor', 'invalid_argument');
  }
  const errors: HamuxError[] = [];
  const out = new Map<L, FreeMask>();
  for (const name of Object.keys(clamp ?? {})) {
    if (!Object.hasOwn(ham.layers, name)) {
      errors.push(new HamuxError([...at, name], `unknown layer (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`, 'unknown_name'));
    }
  }
  for (const name of ham.layerNames) {
    const c = clamp?.[name];
    if (c === undefined || (c as unknown) === false) { out.set(name, undefined); continue; }
    if (c === true) { out.set(name, 'clamped'); continue; }
    const shape = ham.layers[name].shape;
    const where = [...at, name];
    if (!(c instanceof tf.Tensor) || c.isDisposed) {
      const disposed = c instanceof tf.Tensor;
      errors.push(new HamuxError(where, 'expected true or a mask tensor (nonzero where the neuron is held fixed)', disposed ? 'disposed' : 'invalid_argument'));
      continue;
    }
    const ok =
      (c.rank === shape.length && c.shape.every((d, i) => d === shape[i])) ||
      (c.rank === shape.length + 1 && c.shape[0] === batch && c.shape.slice(1).every((d, i) => d === shape[i]));
    if (!ok) {
      errors.push(new HamuxError(where, `mask must have shape ${formatShape(shape)} or [${batch}, ${shape.join(', ')}], got ${formatShape(c.shape)}`, 'shape_mismatch'));
      continue;
    }
    // free = 1 − [mask ≠ 0]
    out.set(name, tf.tidy(() => tf.sub(1, tf.cast(tf.notEqual(c, 0), 'float32'))));
  }
  if (errors.length > 0) {
    disposeMasks(out);
    throw new HamuxErrors(errors);
  }
  return out;
}

/** Frees the mask tensors made by `freeMasks`. */
export function disposeMasks(masks: Map<string, FreeMask>): void {
  for (const m of masks.values()) if (m instanceof tf.Tensor) m.dispose();
}
