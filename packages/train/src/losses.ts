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
  if (typeof value !== 'string' || value.length === 0) throw new HamuxError(`${kind}.${key}`, `expected a layer or field name, got ${String(value)}`, 'invalid_argument');
  return value;
}

function layerOf<L extends string>(states: States<L>, layer: string, what: string): Tensor {
  const t = Object.hasOwn(states, layer) ? states[layer as L] : undefined;
  if (t === undefined) throw new HamuxError(what, `unknown layer "${layer}" (layers are ${Object.keys(states).map((n) => `"${n}"`).join(', ')})`, 'unknown_name');
  return t;
}

/** Options of the `mse` loss. */
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
  if (on !== 'all' && on !== 'free') throw new HamuxError('mse.on', `expected 'all' or 'free', got ${String(on)}`, 'invalid_argument');
  if (of !== 'activation' && of !== 'state') throw new HamuxError('mse.of', `expected 'activation' or 'state', got ${String(of)}`, 'invalid_argument');
  // Each sample's term, checked: the loss is their mean, and equilibrium propagation's nudge uses them.
  const terms = (outs: States<string>, batch: Batch, prepared: Prepared<string>): Tensor => {
    const out = layerOf(outs, layer, 'mse.layer');
    const target = field(batch, name, 'mse.field');
    if (sizeOf(target.shape) !== sizeOf(out.shape)) {
      throw new HamuxError('mse.field', `field "${name}" of shape ${formatShape(target.shape)} does not match layer "${layer}" of shape ${formatShape(out.shape)}`, 'shape_mismatch');
    }
    const clamp = on === 'free' ? prepared.clamp?.[layer] : undefined;
    if (clamp === true) throw new HamuxError('mse.on', `layer "${layer}" is clamped whole: it has no free entries to score`, 'invalid_argument');
    return msePerSample(out, target, clamp);
  };
  return withForms<N>(
    (activations, batch, { states, prepared }) => tf.tidy(() => tf.mean(terms(of === 'activation' ? activations : states, batch, prepared as Prepared<string>))),
    mseHost(layer, name, on, of),
    of === 'activation' ? (activations, batch, { prepared }) => terms(activations, batch, prepared) : undefined,
  );
}

/**
 * Each sample's term ℓ_b of the mse, whose batch mean is the loss: the mean of its squared errors
 * (every entry), or `B Σ_d m_bd (x̂ − t)²_bd / Σ m` (the free ones; the normaliser is the batch's).
 */
function msePerSample(out: Tensor, target: Tensor, clamp: Tensor | undefined): Tensor {
  return tf.tidy(() => {
    const B = out.shape[0]!;
    const sq = tf.reshape(tf.square(tf.sub(out, tf.reshape(tf.cast(target, 'float32'), out.shape))), [B, -1]);
    if (clamp === undefined) return tf.mean(sq, 1);
    const free = tf.reshape(tf.mul(tf.onesLike(out), tf.sub(1, tf.cast(tf.notEqual(clamp, 0), 'float32'))), [B, -1]);
    // A batch with nothing masked scores 0 rather than 0/0.
    return tf.div(tf.mul(tf.sum(tf.mul(free, sq), 1), B), tf.maximum(tf.sum(free), 1));
  });
}

/** Options of the `crossEntropy` loss. */
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
    throw new HamuxError('crossEntropy.from', `expected 'activation' or 'state', got ${String(from)}`, 'invalid_argument');
  }
  // Each sample's cross-entropy `−Σ_c y_c log p_c`, `[B]`, checked: the loss is their mean, and
  // equilibrium propagation's nudge uses them.
  const terms = (outs: States<string>, batch: Batch): Tensor => {
    const out = layerOf(outs, layer, 'crossEntropy.layer');
    if (out.rank !== 2) throw new HamuxError('crossEntropy.layer', `layer "${layer}" must have shape [C], got [${out.shape.slice(1).join(', ')}]`, 'shape_mismatch');
    const labels = field(batch, name, 'crossEntropy.field');
    if (labels.shape[0] !== out.shape[0]) {
      throw new HamuxError('crossEntropy.field', `field "${name}" has ${labels.shape[0]} examples, the batch ${out.shape[0]}`, 'shape_mismatch');
    }
    return tf.tidy(() => {
      const y = oneHotLabels(labels, out.shape[1]!, 'crossEntropy.field');
      return tf.neg(tf.sum(tf.mul(y, from === 'state' ? tf.logSoftmax(out) : tf.log(tf.maximum(out, TINY))), 1));
    });
  };
  return withForms<N>(
    (activations, batch, { states }) => tf.tidy(() => tf.mean(terms(from === 'activation' ? activations : states, batch))),
    crossEntropyHost(layer, name, from),
    from === 'activation' ? (activations, batch) => terms(activations, batch) : undefined,
  );
}

/** One weighted term of `sumOf`: a loss and its weight. */
export type LossTerm = readonly [Loss<string>, number];

/**
 * Adds losses with weights: `sumOf([crossEntropy(…), 1], [mse(…), 0.1])`. The sum reads the layers
 * of all its terms: `Loss<'labels' | 'pixels'>` for a cross-entropy on `labels` and an MSE on `pixels`
 * (terms written inline, or named from data, add no names: they are checked at run time).
 */
export function sumOf<const T extends readonly LossTerm[]>(...terms: T): Loss<LossLayers<T[number][0]>> {
  if (terms.length === 0) throw new HamuxError('sumOf', 'expected at least one [loss, weight] pair', 'invalid_argument');
  terms.forEach(([l, w], i) => {
    if (typeof l !== 'function') throw new HamuxError(`sumOf[${i}]`, 'expected a loss function', 'invalid_argument');
    if (!Number.isFinite(w)) throw new HamuxError(`sumOf[${i}]`, `weight must be a finite number, got ${w}`, 'invalid_argument');
  });
  const loss: Loss<LossLayers<T[number][0]>> = (activations, batch, context) =>
    tf.tidy(() => tf.addN(terms.map(([l, w]) => tf.mul(l(activations, batch, context), w))));
  const hosts = terms.map(([l, w]) => [hostLossOf(l), w] as const);
  const each = terms.map(([l, w]) => [perSampleLossOf(l), w] as const);
  const perSample = each.every((e): e is readonly [PerSampleLoss, number] => e[0] !== undefined)
    ? (((activations, batch, context) => tf.tidy(() => tf.addN(each.map(([l, w]) => tf.mul(l(activations, batch, context), w))))) as PerSampleLoss)
    : undefined;
  return hosts.every((h): h is readonly [HostLoss, number] => h[0] !== undefined) ? withForms(loss, sumHost(hosts), perSample) : withForms(loss, undefined, perSample);
}

/** Where to read predicted and true labels when counting correct answers. */
export interface AccuracyOptions<N extends string = string> {
  /** The label layer, of shape `[C]`: the prediction is the argmax of its activation. */
  readonly layer: N;
  /** The batch field with the labels (one-hot `[b, C]` or indices `[b]`). */
  readonly field: string;
}

/** How many examples of the batch the label layer classifies right (argmax of `x̂` vs the label), a scalar. */
export function correctCount<L extends string>(activations: States<L>, batch: Batch, options: AccuracyOptions<NoInfer<L>>): Tensor {
  const out = layerOf(activations, options.layer, 'accuracy.layer');
  if (out.rank !== 2) throw new HamuxError('accuracy.layer', `layer "${options.layer}" must have shape [C], got [${out.shape.slice(1).join(', ')}]`, 'shape_mismatch');
  const labels = field(batch, options.field, 'accuracy.field');
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), classIndices(labels, 'accuracy.field')), 'float32')));
}

// ---- Host forms: the same losses on host arrays, for training on the fast path (host-path.ts) ----

/** What a loss's host form reads: the final states and activations, `[B, size]` per layer. */
export interface HostLossInput {
  readonly states: Readonly<Record<string, Float32Array>>;
  readonly activations: Readonly<Record<string, Float32Array>>;
  /** Each layer's shape (without the batch). */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly B: number;
  readonly batch: Batch;
  readonly prepared: Prepared<string>;
}

/** A loss's value and its gradient on the final states and/or activations (new arrays). */
export interface HostLossValue {
  readonly value: number;
  readonly seed: { readonly state: Record<string, Float32Array>; readonly activation: Record<string, Float32Array> };
}

/** A loss on host arrays: its value and gradient, or why not here (then the tfjs form runs, and reports any mistake). */
export type HostLoss = (input: HostLossInput) => HostLossValue | string;

const hostLosses = new WeakMap<object, HostLoss>();

/**
 * A loss sample by sample: `[B]` terms whose batch mean is the loss, from the activations alone
 * (what equilibrium propagation adds to each sample's energy as its nudge).
 */
export type PerSampleLoss = (activations: States<string>, batch: Batch, context: { readonly prepared: Prepared<string> }) => Tensor;

const perSampleLosses = new WeakMap<object, PerSampleLoss>();

/** The host form of a built-in loss (`crossEntropy`, `mse`, `sumOf` of them), or undefined for any other. */
export function hostLossOf(loss: Loss<string>): HostLoss | undefined {
  return hostLosses.get(loss);
}

/** The per-sample form of a built-in loss on activations (`crossEntropy`, `mse`, `sumOf` of them), or undefined. */
export function perSampleLossOf(loss: Loss<string>): PerSampleLoss | undefined {
  return perSampleLosses.get(loss);
}

/** Registers a loss's host form and its per-sample form, where it has them. */
function withForms<N extends string>(loss: Loss<N>, host: HostLoss | undefined, perSample?: PerSampleLoss): Loss<N> {
  if (host) hostLosses.set(loss, host);
  if (perSample) perSampleLosses.set(loss, perSample);
  return loss;
}

/** A batch field's values as float32 (a copy), or undefined when the batch has no such field. */
function hostField(batch: Batch, name: string): Float32Array | undefined {
  const t = Object.hasOwn(batch, name) ? batch[name] : undefined;
  return t === undefined ? undefined : Float32Array.from(t.dataSync());
}

// crossEntropy: ℓ = −(1/B) Σ y log p. From the activation p = x̂: ∂ℓ/∂x̂ = −y/(B x̂) where x̂ ≥ TINY (0 below,
// as tf.maximum's gradient). From the state, p = softmax(x): ∂ℓ/∂x = (p Σ_c y − y)/B.
function crossEntropyHost(layer: string, name: string, from: 'activation' | 'state'): HostLoss {
  return ({ states, activations, shapes, B, batch }) => {
    const shape = shapes[layer];
    if (shape?.length !== 1) return `crossEntropy: layer "${layer}" is not a layer of shape [C]`;
    const C = shape[0]!;
    const labels = Object.hasOwn(batch, name) ? batch[name] : undefined;
    if (labels === undefined || labels.shape[0] !== B || !(labels.rank === 1 || (labels.rank === 2 && labels.shape[1] === C))) {
      return `crossEntropy: field "${name}" does not hold ${B} labels of ${C} classes`;
    }
    const y = tf.tidy(() => oneHotLabels(labels, C, 'crossEntropy.field').dataSync() as Float32Array);
    const out = (from === 'activation' ? activations : states)[layer]!;
    const g = new Float32Array(B * C);
    let value = 0;
    for (let b = 0; b < B; b++) {
      const o = b * C;
      if (from === 'activation') {
        for (let c = o; c < o + C; c++) {
          const p = out[c]!;
          value -= y[c]! * Math.log(Math.max(p, TINY));
          g[c] = p >= TINY ? -y[c]! / (B * p) : 0;
        }
      } else {
        let m = -Infinity;
        for (let c = o; c < o + C; c++) m = Math.max(m, out[c]!);
        let z = 0, ySum = 0;
        for (let c = o; c < o + C; c++) {
          z += Math.exp(out[c]! - m);
          ySum += y[c]!;
        }
        const lse = m + Math.log(z);
        for (let c = o; c < o + C; c++) {
          value -= y[c]! * (out[c]! - lse);
          g[c] = (Math.exp(out[c]! - lse) * ySum - y[c]!) / B;
        }
      }
    }
    return { value: value / B, seed: from === 'activation' ? { state: {}, activation: { [layer]: g } } : { state: { [layer]: g }, activation: {} } };
  };
}

// mse: ℓ = Σ f (o − t)² / N with f = 1 and N the count of entries, or f the free mask and N = max(Σ f, 1);
// ∂ℓ/∂o = 2 f (o − t)/N
function mseHost(layer: string, name: string, on: 'all' | 'free', of: 'activation' | 'state'): HostLoss {
  return ({ states, activations, shapes, B, batch, prepared }) => {
    const shape = shapes[layer];
    if (shape === undefined) return `mse: unknown layer "${layer}"`;
    const n = B * sizeOf(shape);
    const target = hostField(batch, name);
    if (target === undefined || target.length !== n) return `mse: field "${name}" does not match layer "${layer}"`;
    let free: Float32Array | undefined;
    if (on === 'free') {
      const clamp = prepared.clamp?.[layer];
      if (clamp === true) return `mse: layer "${layer}" is clamped whole`;
      if (clamp instanceof tf.Tensor) {
        const c = clamp.dataSync();
        if (n % c.length !== 0) return `mse: the clamp mask of layer "${layer}" does not fit its states`;
        free = new Float32Array(n);
        for (let i = 0; i < n; i++) free[i] = c[i % c.length] !== 0 ? 0 : 1;
      }
    }
    const out = (of === 'activation' ? activations : states)[layer]!;
    let count = n;
    if (free) {
      count = 0;
      for (let i = 0; i < n; i++) count += free[i]!;
      count = Math.max(count, 1);
    }
    const g = new Float32Array(n);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const f = free ? free[i]! : 1, d = out[i]! - target[i]!;
      value += f * d * d;
      g[i] = (2 * f * d) / count;
    }
    return { value: value / count, seed: of === 'activation' ? { state: {}, activation: { [layer]: g } } : { state: { [layer]: g }, activation: {} } };
  };
}

// sumOf: Σ w_k ℓ_k, seeds added with the same weights
function sumHost(terms: readonly (readonly [HostLoss, number])[]): HostLoss {
  return (input) => {
    let value = 0;
    const seed = { state: {} as Record<string, Float32Array>, activation: {} as Record<string, Float32Array> };
    for (const [host, w] of terms) {
      const r = host(input);
      if (typeof r === 'string') return r;
      value += w * r.value;
      for (const part of ['state', 'activation'] as const) {
        for (const [layer, g] of Object.entries(r.seed[part])) {
          const acc = (seed[part][layer] ??= new Float32Array(g.length));
          for (let i = 0; i < g.length; i++) acc[i]! += w * g[i]!;
        }
      }
    }
    return { value, seed };
  };
}
