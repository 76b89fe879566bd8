import { HamuxError, HamuxErrors, formatShape, tf, type HAM, type Tensor } from '@hamux-ts/core';
import type { Clamp } from '@hamux-ts/dynamics';

/**
 * What may move in each layer during an unrolled descent: `'free'`, `'clamped'` (the whole layer
 * is held), or a float mask broadcastable to `[B, ...shape]` with 1 where a neuron is free.
 */
export type Freedom = 'free' | 'clamped' | Tensor;

/**
 * Checks a clamp specification (as in `@hamux-ts/dynamics`: `true` holds a layer, a tensor holds
 * the entries where it is nonzero, shaped `[...shape]` or `[B, ...shape]`) and turns it into
 * per-layer freedom. Masks are new tensors: dispose them with `disposeFreedom`.
 */
export function freedomOf<L extends string, S extends string>(
  ham: HAM<L, S>,
  clamp: { readonly [K in L]?: Clamp } | undefined,
  batch: number,
  path = 'options.clamp',
): Map<L, Freedom> {
  const errors: HamuxError[] = [];
  if (clamp !== undefined && (typeof clamp !== 'object' || clamp === null)) {
    throw new HamuxError(path, 'expected an object mapping layer names to true or a mask tensor');
  }
  for (const name of Object.keys(clamp ?? {})) {
    if (!Object.hasOwn(ham.layers, name)) {
      errors.push(new HamuxError(`${path}.${name}`, `unknown layer (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`));
    }
  }
  const out = new Map<L, Freedom>();
  for (const name of ham.layerNames) {
    const c = clamp?.[name];
    const where = `${path}.${name}`;
    if (c === undefined || (c as unknown) === false) { out.set(name, 'free'); continue; }
    if (c === true) { out.set(name, 'clamped'); continue; }
    const shape = ham.layers[name].shape;
    if (!(c instanceof tf.Tensor) || c.isDisposed) {
      errors.push(new HamuxError(where, 'expected true or a mask tensor (nonzero where the neuron is held fixed)'));
      continue;
    }
    const fits =
      (c.rank === shape.length && c.shape.every((d, i) => d === shape[i])) ||
      (c.rank === shape.length + 1 && c.shape[0] === batch && c.shape.slice(1).every((d, i) => d === shape[i]));
    if (!fits) {
      errors.push(new HamuxError(where, `mask must have shape ${formatShape(shape)} or [${batch}, ${shape.join(', ')}], got ${formatShape(c.shape)}`));
      continue;
    }
    // free = 1 − [mask ≠ 0]
    out.set(name, tf.tidy(() => tf.sub(1, tf.cast(tf.notEqual(c, 0), 'float32'))));
  }
  if (errors.length > 0) {
    disposeFreedom(out);
    throw new HamuxErrors(errors);
  }
  return out;
}

export function disposeFreedom(freedom: ReadonlyMap<string, Freedom>): void {
  for (const f of freedom.values()) if (f instanceof tf.Tensor) f.dispose();
}
