import { HamuxError, formatShape, sizeOf, tf, type States, type Tensor } from '@hamux-ts/core';
import { classIndices, field, oneHotLabels, type Batch, type Prepared } from './batch.js';

/** What a loss sees besides the activations: the final states and how the descent was started. */
export interface LossContext<L extends string> {
  /** Final states `x(T)`. */
  readonly states: States<L>;
  /** The initial states and clamps the descent started from. */
  readonly prepared: Prepared<L>;
}

/**
 * A training loss: a scalar tensor from the final activations `x̂(T)` and the batch, averaged over
 * the batch. Any differentiable tfjs expression works: `(acts, batch) => tf.losses.meanSquaredError(batch.x, acts.v)`.
 *
 * `L` names the layers the loss reads. A graph with more layers can use it: a `Loss<'labels'>` (what
 * `crossEntropy({ layer: 'labels', … })` returns) is a `Loss<'pixels' | 'labels'>`, but not a
 * `Loss<'pixels' | 'hidden'>`, so the `Trainer` of a graph without `labels` rejects it at compile time.
 */
export type Loss<L extends string> = (activations: States<L>, batch: Batch, context: LossContext<L>) => Tensor;

/**
 * The layers a loss is known to read: `'labels'` for a `Loss<'labels'>`, none (`never`) for a
 * `Loss<string>`, whose names are known only at run time (and checked there).
 */
export type LossLayers<F> = F extends Loss<infer N> ? (string extends N ? never : N) : never;

function checkName(kind: string, key: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new HamuxError(`${kind}.${key}`, `expected a layer or field name, got ${String(value)}`);
  return value;
}

function layerOf<L extends string>(states: States<L>, layer: string, what: string): Tensor {
  const t = Object.hasOwn(states, layer) ? states[layer as L] : undefined;
  if (t === undefined) throw new HamuxError(what, `unknown layer "${layer}" (layers are ${Object.keys(states).map((n) => `"${n}"`).join(', ')})`);
  return t;
}

export interface MseOptions<N extends string = string> {
  /** The layer whose final activation (or state) is compared. */
  readonly layer: N;
  /** The batch field holding the target, with as many values per example as the layer. */
  readonly field: string;
  /**
   * `'all'` (default): every entry. `'free'`: only the entries the descent was free to change
   * (not clamped): the masked pixels of an inpainting task.
   */
  readonly on?: 'all' | 'free';
  /** Compare the activation `x̂` (default) or the state `x`. */
  readonly of?: 'activation' | 'state';
}

/**
 * Reconstruction loss: the mean of `(x̂ − target)²` over the chosen entries of the batch,
 * `Σ m ⊙ (x̂ − t)² / Σ m` (m = 1 on every entry, or on the free ones). `[b, ...shape]` → scalar.
 */
export function mse<const N extends string>(options: MseOptions<N>): Loss<N> {
  const layer = checkName('mse', 'layer', options?.layer);
  const name = checkName('mse', 'field', options.field);
  const on = options.on ?? 'all';
  const of = options.of ?? 'activation';
  if (on !== 'all' && on !== 'free') throw new HamuxError('mse.on', `expected 'all' or 'free', got ${String(on)}`);
  if (of !== 'activation' && of !== 'state') throw new HamuxError('mse.of', `expected 'activation' or 'state', got ${String(of)}`);
  return (activations, batch, { states, prepared }) => {
    const out = layerOf(of === 'activation' ? activations : states, layer, 'mse.layer');
    const target = field(batch, name, 'mse.field');
    if (sizeOf(target.shape) !== sizeOf(out.shape)) {
      throw new HamuxError('mse.field', `field "${name}" of shape ${formatShape(target.shape)} does not match layer "${layer}" of shape ${formatShape(out.shape)}`);
    }
    const clamp = on === 'free' ? prepared.clamp?.[layer as N] : undefined;
    if (clamp === true) throw new HamuxError('mse.on', `layer "${layer}" is clamped whole: it has no free entries to score`);
    return tf.tidy(() => {
      const sq = tf.square(tf.sub(out, tf.reshape(tf.cast(target, 'float32'), out.shape)));
      if (clamp === undefined) return tf.mean(sq);
      const free = tf.mul(tf.onesLike(out), tf.sub(1, tf.cast(tf.notEqual(clamp, 0), 'float32')));
      // A batch with nothing masked scores 0 rather than 0/0.
      return tf.div(tf.sum(tf.mul(free, sq)), tf.maximum(tf.sum(free), 1));
    });
  };
}

export interface CrossEntropyOptions<N extends string = string> {
  /** The label layer, of shape `[C]`. */
  readonly layer: N;
  /** The batch field with the labels: one-hot / probabilities `[b, C]` or class indices `[b]`. */
  readonly field: string;
  /**
   * `'activation'` (default): the layer's activation is the predicted distribution (a softmax
   * layer: `x̂ = softmax(βx)`), loss `−Σ y log x̂`. `'state'`: the state is a vector of logits,
   * loss `−Σ y log softmax(x)` (for a label layer whose activation is not a distribution).
   */
  readonly from?: 'activation' | 'state';
}

/** Smallest probability whose log is taken: keeps `log 0` out of the loss without biasing it. */
const TINY = 1e-30;

/**
 * Cross-entropy on a label layer, averaged over the batch: `−(1/b) Σ_b Σ_c y_bc log p_bc`, with
 * `p = x̂` (`from: 'activation'`) or `p = softmax(x)` (`from: 'state'`). Labels `[b, C]` or `[b]`.
 */
export function crossEntropy<const N extends string>(options: CrossEntropyOptions<N>): Loss<N> {
  const layer = checkName('crossEntropy', 'layer', options?.layer);
  const name = checkName('crossEntropy', 'field', options.field);
  const from = options.from ?? 'activation';
  if (from !== 'activation' && from !== 'state') {
    throw new HamuxError('crossEntropy.from', `expected 'activation' or 'state', got ${String(from)}`);
  }
  return (activations, batch, { states }) => {
    const out = layerOf(from === 'activation' ? activations : states, layer, 'crossEntropy.layer');
    if (out.rank !== 2) throw new HamuxError('crossEntropy.layer', `layer "${layer}" must have shape [C], got [${out.shape.slice(1).join(', ')}]`);
    const classes = out.shape[1]!;
    const labels = field(batch, name, 'crossEntropy.field');
    if (labels.shape[0] !== out.shape[0]) {
      throw new HamuxError('crossEntropy.field', `field "${name}" has ${labels.shape[0]} examples, the batch ${out.shape[0]}`);
    }
    return tf.tidy(() => {
      const y = oneHotLabels(labels, classes, 'crossEntropy.field');
      const logP = from === 'state' ? tf.logSoftmax(out) : tf.log(tf.maximum(out, TINY));
      return tf.neg(tf.div(tf.sum(tf.mul(y, logP)), out.shape[0]!));
    });
  };
}

/** One weighted term of `sumOf`: a loss and its weight. */
export type LossTerm = readonly [Loss<string>, number];

/**
 * Adds losses with weights: `sumOf([crossEntropy(…), 1], [mse(…), 0.1])`. The sum reads the layers
 * of all its terms: `Loss<'labels' | 'pixels'>` for a cross-entropy on `labels` and an MSE on `pixels`
 * (terms written inline, or named from data, add no names: they are checked at run time).
 */
export function sumOf<const T extends readonly LossTerm[]>(...terms: T): Loss<LossLayers<T[number][0]>> {
  if (terms.length === 0) throw new HamuxError('sumOf', 'expected at least one [loss, weight] pair');
  terms.forEach(([l, w], i) => {
    if (typeof l !== 'function') throw new HamuxError(`sumOf[${i}]`, 'expected a loss function');
    if (!Number.isFinite(w)) throw new HamuxError(`sumOf[${i}]`, `weight must be a finite number, got ${w}`);
  });
  return (activations, batch, context) =>
    tf.tidy(() => tf.addN(terms.map(([l, w]) => tf.mul(l(activations, batch, context), w))));
}

export interface AccuracyOptions<N extends string = string> {
  /** The label layer, of shape `[C]`: the prediction is the argmax of its activation. */
  readonly layer: N;
  /** The batch field with the labels (one-hot `[b, C]` or indices `[b]`). */
  readonly field: string;
}

/** How many examples of the batch the label layer classifies right (argmax of `x̂` vs the label), a scalar. */
export function correctCount<L extends string>(activations: States<L>, batch: Batch, options: AccuracyOptions<NoInfer<L>>): Tensor {
  const out = layerOf(activations, options.layer, 'accuracy.layer');
  if (out.rank !== 2) throw new HamuxError('accuracy.layer', `layer "${options.layer}" must have shape [C], got [${out.shape.slice(1).join(', ')}]`);
  const labels = field(batch, options.field, 'accuracy.field');
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), classIndices(labels, 'accuracy.field')), 'float32')));
}
