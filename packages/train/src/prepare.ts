import { HamuxError, deriveKey, formatShape, normalValues, sameShape, sizeOf, tf, uniformValues, type HAM, type States, type Tensor } from '@hamux-ts/core';
import { fieldAsLayer, layerShape, type Batch, type ClampMap, type Prepared } from './batch.js';

/** What a `Prepare` is given besides the batch. */
export interface PrepareContext<L extends string, S extends string> {
  /** The graph being trained. */
  readonly ham: HAM<L, S>;
  /**
   * A key for this batch's randomness (noise, masks), derived from the trainer's seed, the epoch and
   * the batch index: use `deriveKey(key, 'what')` and core's `normalValues`/`uniformValues`, never
   * `Math.random`, so that runs (and resumed runs) repeat exactly.
   */
  readonly key: number;
  /** False while evaluating held-out data. */
  readonly training: boolean;
}

/**
 * Builds the initial states (and clamps) of the descent from a batch. Every tensor it returns is
 * handed over: the trainer disposes them after the step.
 */
export type Prepare<L extends string, S extends string = string> = (batch: Batch, context: PrepareContext<L, S>) => Prepared<L>;

/**
 * What `clampedInput`, `corruptedInput` and `maskedInput` return: a `Prepare` for any graph that has
 * the input layer `N` (its other layers `L` and synapses `S` are whatever the graph's are). Made
 * before it meets a graph, it is checked when it does: `new Trainer(ham, { prepare })` does not
 * compile when `ham` has no layer `N`.
 */
export type InputPrepare<N extends string> = <L extends string, S extends string>(
  batch: Batch,
  context: PrepareContext<L | N, S>,
) => Prepared<L | N>;

/** How the layers other than the input start: at zero (default), or `N(0, std²)` seeded by the batch key. */
export type RestInit =
  | 'zeros'
  | {
      /** Standard deviation of the seeded normal values. */
      readonly std: number;
    };

/** Options of `clampedInput`: which layer gets which data field, and how the other layers start. */
export interface InputOptions<N extends string = string> {
  /** The layer that receives the data as its initial state. */
  readonly layer: N;
  /** The batch field with the data, as many values per example as the layer has. */
  readonly field: string;
  /** How every other layer starts. Default `'zeros'`. */
  readonly rest?: RestInit;
}

function checkInput(kind: string, o: InputOptions<string>): void {
  if (typeof o !== 'object' || o === null) throw new HamuxError(kind, 'expected an options object with layer and field', 'invalid_argument');
  if (typeof o.layer !== 'string' || o.layer === '') throw new HamuxError(`${kind}.layer`, `expected a layer name, got ${String(o.layer)}`, 'invalid_argument');
  if (typeof o.field !== 'string' || o.field === '') throw new HamuxError(`${kind}.field`, `expected a field name, got ${String(o.field)}`, 'invalid_argument');
  const rest = o.rest;
  if (rest !== undefined && rest !== 'zeros' && !(typeof rest === 'object' && rest !== null && Number.isFinite(rest.std) && rest.std >= 0)) {
    throw new HamuxError(`${kind}.rest`, `expected 'zeros' or { std: number >= 0 }, got ${JSON.stringify(rest)}`, 'invalid_argument');
  }
}

function probability(kind: string, name: string, v: unknown, open: boolean): number {
  if (!(typeof v === 'number' && v >= 0 && (open ? v < 1 : v <= 1))) {
    throw new HamuxError(`${kind}.${name}`, `expected a number in [0, ${open ? '1)' : '1]'}, got ${String(v)}`, 'invalid_argument');
  }
  return v;
}

/** Initial states: the data (already shaped) in `input`, every other layer from `rest`. */
function statesWith<L extends string, S extends string>(ham: HAM<L, S>, input: string, data: Tensor, rest: RestInit, key: number): States<L> {
  const b = data.shape[0]!;
  return Object.fromEntries(ham.layerNames.map((n) => {
    if (n === input) return [n, data];
    const shape = [b, ...ham.layers[n].shape];
    return [n, rest === 'zeros' ? tf.zeros(shape) : tf.tensor(normalValues(deriveKey(key, `rest.${n}`), shape, 0, rest.std), shape)];
  })) as States<L>;
}

/**
 * The input is the data, clamped whole; every other layer starts from `rest` and is free: the
 * classifier's setting (pixels clamped, label layer free), or a feature extractor's.
 */
export function clampedInput<const N extends string>(options: InputOptions<N>): InputPrepare<N> {
  checkInput('clampedInput', options);
  return <L extends string, S extends string>(batch: Batch, { ham, key }: PrepareContext<L | N, S>): Prepared<L | N> => {
    const shape = layerShape(ham, options.layer, 'clampedInput.layer');
    const data = fieldAsLayer(batch, options.field, shape, 'clampedInput.field');
    return {
      states: statesWith(ham, options.layer, data, options.rest ?? 'zeros', key),
      clamp: { [options.layer]: true } as ClampMap<L | N>,
    };
  };
}

/** Options of `corruptedInput`: as `clampedInput`, with Gaussian noise added to the input. */
export interface CorruptedInputOptions<N extends string = string, O extends string = never> extends InputOptions<N> {
  /** Standard deviation of the Gaussian noise added to the input. */
  readonly std: number;
  /**
   * A layer of the input's shape that also gets the noisy input, clamped: the observation, which a
   * `tie` from `layer` turns into the data-fidelity term of MAP denoising. Default: none.
   */
  readonly observed?: O;
}

/**
 * The input is the data plus Gaussian noise `N(0, std²)` (seeded by the batch key) and is free to
 * move: the denoising setting, with `mse({ layer, field })` against the clean data.
 */
export function corruptedInput<const N extends string, const O extends string = never>(options: CorruptedInputOptions<N, O>): InputPrepare<N | O> {
  checkInput('corruptedInput', options);
  if (!(typeof options.std === 'number' && Number.isFinite(options.std) && options.std >= 0)) {
    throw new HamuxError('corruptedInput.std', `expected a number >= 0, got ${String(options.std)}`, 'invalid_argument');
  }
  const observed: string | undefined = options.observed;
  if (observed !== undefined && (typeof observed !== 'string' || observed === '' || observed === options.layer)) {
    throw new HamuxError('corruptedInput.observed', `expected the name of a layer other than ${JSON.stringify(options.layer)}, got ${JSON.stringify(observed)}`, 'invalid_argument');
  }
  return <L extends string, S extends string>(batch: Batch, { ham, key }: PrepareContext<L | N | O, S>): Prepared<L | N | O> => {
    const shape = layerShape(ham, options.layer, 'corruptedInput.layer');
    if (observed !== undefined) {
      const seen = layerShape(ham, observed, 'corruptedInput.observed');
      if (!sameShape(seen, shape)) {
        throw new HamuxError('corruptedInput.observed', `layer ${JSON.stringify(observed)} is ${formatShape(seen)}, expected the shape of ${JSON.stringify(options.layer)}, ${formatShape(shape)}`, 'invalid_argument');
      }
    }
    const clean = fieldAsLayer(batch, options.field, shape, 'corruptedInput.field');
    const noisy = tf.tidy(() => tf.add(clean, tf.tensor(normalValues(deriveKey(key, 'noise'), clean.shape, 0, options.std), clean.shape)));
    clean.dispose();
    const states = statesWith(ham, options.layer, noisy, options.rest ?? 'zeros', key);
    if (observed === undefined) return { states };
    const k = observed as L | N | O;
    states[k].dispose();
    // its own copy: the trainer disposes every state it is handed
    return { states: { ...states, [k]: tf.clone(noisy) }, clamp: { [observed]: true } as ClampMap<L | N | O> };
  };
}

/** Options of `maskedInput`: as `clampedInput`, with a random fraction of entries hidden and left free. */
export interface MaskedInputOptions<N extends string = string> extends InputOptions<N> {
  /** Probability that an entry is hidden (drawn per entry and example, seeded by the batch key). */
  readonly fraction: number;
  /** Value the hidden entries start from. Default 0. */
  readonly fill?: number;
}

/**
 * Hides a random `fraction` of the input's entries (they start at `fill` and are free), and clamps
 * the visible ones: the inpainting setting, with `mse({ layer, field, on: 'free' })` scoring the
 * hidden entries only. The clamp mask is `[b, ...shape]`, 1 where visible.
 */
export function maskedInput<const N extends string>(options: MaskedInputOptions<N>): InputPrepare<N> {
  checkInput('maskedInput', options);
  const fraction = probability('maskedInput', 'fraction', options.fraction, false);
  const fill = options.fill ?? 0;
  if (!Number.isFinite(fill)) throw new HamuxError('maskedInput.fill', `expected a finite number, got ${String(fill)}`, 'invalid_argument');
  return <L extends string, S extends string>(batch: Batch, { ham, key }: PrepareContext<L | N, S>): Prepared<L | N> => {
    const shape = layerShape(ham, options.layer, 'maskedInput.layer');
    const data = fieldAsLayer(batch, options.field, shape, 'maskedInput.field');
    const full = [data.shape[0]!, ...shape];
    const u = uniformValues(deriveKey(key, 'mask'), full);
    const visible = new Float32Array(sizeOf(full));
    for (let i = 0; i < u.length; i++) visible[i] = u[i]! < fraction ? 0 : 1;
    const mask = tf.tensor(visible, full);
    const start = tf.tidy(() => tf.add(tf.mul(data, mask), tf.mul(tf.sub(1, mask), fill)));
    data.dispose();
    return {
      states: statesWith(ham, options.layer, start, options.rest ?? 'zeros', key),
      clamp: { [options.layer]: mask } as ClampMap<L | N>,
    };
  };
}
