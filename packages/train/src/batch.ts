import { HamuxError, formatShape, sizeOf, tf, type HAM, type Shape, type States, type Tensor } from '@hamux-ts/core';
import type { Clamp } from '@hamux-ts/dynamics';

/**
 * A data set or a mini-batch: named fields, each a tensor with the examples along its first axis
 * (`{ x: [N, 784], y: [N, 10] }`). Labels may be one-hot / probabilities `[N, C]` or class
 * indices `[N]` (int32).
 */
export type Batch = Readonly<Record<string, Tensor>>;

/** Layers held whole (`true`) or by mask (nonzero where held), as in `@hamux-ts/dynamics`. */
export type ClampMap<L extends string> = { readonly [K in L]?: Clamp };

/** The starting point of one unrolled descent, built from a batch by a `Prepare`. */
export interface Prepared<L extends string> {
  /** Initial states, one per layer, `[b, ...shape]`. */
  readonly states: States<L>;
  /** Layers (or entries, by mask) held fixed during the descent; see `@hamux-ts/dynamics`' `Clamp`. */
  readonly clamp?: ClampMap<L>;
}

/** A field of a batch, checked to exist; `what` names the option that asked for it. */
export function field(batch: Batch, name: string, what: string): Tensor {
  const t = Object.hasOwn(batch, name) ? batch[name] : undefined;
  if (t === undefined) {
    throw new HamuxError(what, `the batch has no field "${name}" (fields are ${Object.keys(batch).map((k) => `"${k}"`).join(', ') || 'none'})`, 'unknown_name');
  }
  return t;
}

/** A field reshaped to `[b, ...shape]` of a layer, as float32; an error names both when sizes differ. */
export function fieldAsLayer(batch: Batch, name: string, shape: Shape, what: string): Tensor {
  const t = field(batch, name, what);
  const per = sizeOf(t.shape.slice(1));
  if (t.rank < 1 || per !== sizeOf(shape)) {
    throw new HamuxError(what, `field "${name}" of shape ${formatShape(t.shape)} does not fit a layer of shape ${formatShape(shape)} (expected ${sizeOf(shape)} values per example)`, 'shape_mismatch');
  }
  return tf.tidy(() => tf.reshape(tf.cast(t, 'float32'), [t.shape[0]!, ...shape]));
}

/** The layer's shape, or an error naming the option that referred to an unknown layer. */
export function layerShape<L extends string>(ham: HAM<L, string>, layer: string, what: string): Shape {
  if (!Object.hasOwn(ham.layers, layer)) {
    throw new HamuxError(what, `unknown layer "${layer}" (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`, 'unknown_name');
  }
  return ham.layers[layer as L].shape;
}

/** Class indices `[b]` (int32) from one-hot / probability labels `[b, C]` or from indices `[b]`. */
export function classIndices(labels: Tensor, what: string): Tensor {
  if (labels.rank === 1) return tf.tidy(() => tf.cast(labels, 'int32'));
  if (labels.rank === 2) return tf.argMax(labels, 1);
  throw new HamuxError(what, `labels must be class indices [b] or one-hot [b, C], got shape ${formatShape(labels.shape)}`, 'shape_mismatch');
}

/** One-hot / probability labels `[b, C]` as float32, from either form. */
export function oneHotLabels(labels: Tensor, classes: number, what: string): Tensor {
  if (labels.rank === 1) {
    return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32'));
  }
  if (labels.rank === 2 && labels.shape[1] === classes) return tf.tidy(() => tf.cast(labels, 'float32'));
  throw new HamuxError(what, `labels must be class indices [b] or one-hot [b, ${classes}], got shape ${formatShape(labels.shape)}`, 'shape_mismatch');
}
