import { HamuxError, HamuxErrors, formatShape, tf, type HAM, type Tensor } from '@hamux-ts/core';
import type { Clamp } from './options.js';

/**
 * Per-layer masks of the neurons that may move: `undefined` for a free layer, `'clamped'` for a
 * layer held whole, or a float tensor broadcastable to `[B, ...shape]` with 1 where a neuron is free.
 */
export type FreeMask = undefined | 'clamped' | Tensor;

export function freeMasks<L extends string, S extends string>(
  ham: HAM<L, S>,
  clamp: { readonly [K in L]?: Clamp } | undefined,
  batch: number,
): Map<L, FreeMask> {
  const errors: HamuxError[] = [];
  const out = new Map<L, FreeMask>();
  for (const name of Object.keys(clamp ?? {})) {
    if (!(name in ham.layers)) {
      errors.push(new HamuxError(`options.clamp.${name}`, `unknown layer (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`));
    }
  }
  for (const name of ham.layerNames) {
    const c = clamp?.[name];
    if (c === undefined || (c as unknown) === false) { out.set(name, undefined); continue; }
    if (c === true) { out.set(name, 'clamped'); continue; }
    const shape = ham.layers[name].shape;
    const path = `options.clamp.${name}`;
    if (!(c instanceof tf.Tensor) || c.isDisposed) {
      errors.push(new HamuxError(path, 'expected true or a mask tensor (1 where the neuron is held fixed)'));
      continue;
    }
    const ok =
      (c.rank === shape.length && c.shape.every((d, i) => d === shape[i])) ||
      (c.rank === shape.length + 1 && c.shape[0] === batch && c.shape.slice(1).every((d, i) => d === shape[i]));
    if (!ok) {
      errors.push(new HamuxError(path, `mask must have shape ${formatShape(shape)} or [${batch}, ${shape.join(', ')}], got ${formatShape(c.shape)}`));
      continue;
    }
    out.set(name, tf.tidy(() => tf.sub(1, tf.cast(tf.cast(c, 'bool'), 'float32'))));
  }
  if (errors.length > 0) {
    disposeMasks(out);
    throw new HamuxErrors(errors);
  }
  return out;
}

export function disposeMasks(masks: Map<string, FreeMask>): void {
  for (const m of masks.values()) if (m instanceof tf.Tensor) m.dispose();
}
