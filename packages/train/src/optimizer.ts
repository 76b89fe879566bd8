import { HamuxError, tf, type Tensor } from '@hamux-ts/core';
import type { SafeTensor } from '@hamux-ts/config';

/**
 * How the learning rate changes over a `fit`: `'constant'` (default), or `'cosine'`, which anneals
 * it from `learningRate` in the first epoch as `lr · ½(1 + cos(π (epoch − 1) / epochs))`, so the
 * last epochs take small steps and the result of the final epoch is not an accident of one large
 * step; `epochs` is the `fit` call's target. It depends on the epoch alone, so a resumed run (the
 * same `fit` target) repeats the original.
 */
export type LearningRateSchedule = 'constant' | 'cosine';

/** A tfjs optimizer given by name and learning rate; the trainer creates it (and disposes it). */
export type OptimizerSpec = { readonly schedule?: LearningRateSchedule } & (
  | { readonly name: 'sgd'; readonly learningRate: number }
  | { readonly name: 'momentum'; readonly learningRate: number; readonly momentum?: number; readonly nesterov?: boolean }
  | { readonly name: 'adam'; readonly learningRate: number; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number }
  | {
      readonly name: 'rmsprop';
      readonly learningRate: number;
      readonly decay?: number;
      readonly momentum?: number;
      readonly epsilon?: number;
      // No `centered`: tfjs 4.22's centered RMSProp divides by sqrt(ms − mg² − ε), NaN wherever a
      // gradient entry is 0 (pass `tf.train.rmsprop(…, true)` yourself if you need it).
    }
);

const NAMES = ['sgd', 'momentum', 'adam', 'rmsprop'] as const;

/**
 * The optimizer to train with: a tfjs optimizer (`tf.train.adam(1e-3)`, yours to dispose) or a
 * spec (`{ name: 'adam', learningRate: 1e-3 }`, created and disposed by the trainer).
 */
export function makeOptimizer(spec: OptimizerSpec | tf.Optimizer, path: string): { optimizer: tf.Optimizer; owned: boolean; rate?: (epoch: number, epochs: number) => number } {
  if (spec instanceof tf.Optimizer) return { optimizer: spec, owned: false };
  if (typeof spec !== 'object' || spec === null) {
    throw new HamuxError(path, `expected a tfjs optimizer or { name: ${NAMES.map((n) => `'${n}'`).join(' | ')}, learningRate }`, 'invalid_argument');
  }
  const name: unknown = (spec as { name?: unknown }).name;
  if (!NAMES.includes(name as (typeof NAMES)[number])) {
    throw new HamuxError(`${path}.name`, `expected one of ${NAMES.map((n) => `'${n}'`).join(', ')}, got ${String(name)}`, 'unknown_name');
  }
  const num = (key: string, v: unknown, ok: (x: number) => boolean, want: string): number | undefined => {
    if (v === undefined) return undefined;
    if (!(typeof v === 'number' && ok(v))) throw new HamuxError(`${path}.${key}`, `expected ${want}, got ${String(v)}`, 'invalid_argument');
    return v;
  };
  const positive = (x: number) => Number.isFinite(x) && x > 0;
  const unit = (x: number) => x >= 0 && x < 1;
  const lr = num('learningRate', spec.learningRate, positive, 'a positive number');
  if (lr === undefined) throw new HamuxError(`${path}.learningRate`, 'required: a positive number', 'invalid_argument');
  const schedule: unknown = spec.schedule ?? 'constant';
  if (schedule !== 'constant' && schedule !== 'cosine') {
    throw new HamuxError(`${path}.schedule`, `expected 'constant' or 'cosine', got ${String(schedule)}`, 'invalid_argument');
  }
  const made = optimizerOf(spec, lr, num, positive, unit);
  return schedule === 'cosine' ? { ...made, rate: (epoch, epochs) => scheduledRate('cosine', lr, epoch, epochs) } : made;
}

function optimizerOf(
  spec: OptimizerSpec,
  lr: number,
  num: (key: string, v: unknown, ok: (x: number) => boolean, want: string) => number | undefined,
  positive: (x: number) => boolean,
  unit: (x: number) => boolean,
): { optimizer: tf.Optimizer; owned: boolean } {
  switch (spec.name) {
    case 'sgd':
      return { optimizer: tf.train.sgd(lr), owned: true };
    case 'momentum':
      return { optimizer: tf.train.momentum(lr, num('momentum', spec.momentum, unit, 'a number in [0, 1)') ?? 0.9, spec.nesterov ?? false), owned: true };
    case 'adam':
      return {
        optimizer: tf.train.adam(
          lr,
          num('beta1', spec.beta1, unit, 'a number in [0, 1)') ?? 0.9,
          num('beta2', spec.beta2, unit, 'a number in [0, 1)') ?? 0.999,
          num('epsilon', spec.epsilon, positive, 'a positive number') ?? 1e-7,
        ),
        owned: true,
      };
    case 'rmsprop':
      return {
        optimizer: tf.train.rmsprop(
          lr,
          num('decay', spec.decay, unit, 'a number in [0, 1)') ?? 0.9,
          num('momentum', spec.momentum, unit, 'a number in [0, 1)') ?? 0,
          num('epsilon', spec.epsilon, positive, 'a positive number') ?? 1e-7,
          false,
        ),
        owned: true,
      };
  }
}

/** The learning rate of 1-based `epoch` of `epochs` under a schedule (see `LearningRateSchedule`). */
export function scheduledRate(schedule: LearningRateSchedule, lr: number, epoch: number, epochs: number): number {
  return schedule === 'cosine' ? lr * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs)) : lr;
}

/** Sets a tfjs optimizer's learning rate (SGD and momentum keep it as a tensor, the others as a number). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** An optimizer's state as plain data: what a checkpoint stores. */
export interface OptimizerState {
  /** tfjs class name (`Adam`, `SGD`…); restoring into another kind is refused. */
  readonly kind: string;
  readonly iterations: number;
  /** Slot tensors (moments, accumulators) in the optimizer's own order. */
  readonly slots: readonly SafeTensor[];
  /** Hidden scalars that `getWeights` omits but the update depends on (Adam's `β₁ᵗ`, `β₂ᵗ`). */
  readonly extra: Readonly<Record<string, SafeTensor>>;
}

const kindOf = (o: tf.Optimizer): string => (o.constructor as { className?: string }).className ?? o.constructor.name;

const toSafe = (t: Tensor): SafeTensor => ({ dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as ArrayLike<number>) });

/**
 * Adam keeps `β₁ᵗ` and `β₂ᵗ` as running products; tfjs's `setWeights` recomputes them with `pow`,
 * which differs from the product in the last bits. Saving and restoring the products themselves is
 * what makes a resumed run bitwise equal to an uninterrupted one.
 */
function adamPowers(o: tf.Optimizer): Record<string, tf.Variable> | undefined {
  // By class name: tfjs makes `instanceof` of every optimizer class a duck-typed check that any optimizer passes.
  if (kindOf(o) !== 'Adam') return undefined;
  const powers = { accBeta1: (o as tf.AdamOptimizer)['accBeta1'], accBeta2: (o as tf.AdamOptimizer)['accBeta2'] };
  if (!Object.values(powers).every((v: tf.Variable | undefined) => typeof v?.assign === 'function')) {
    throw new HamuxError('optimizer', 'this version of tfjs keeps Adam\'s state differently: checkpoints of Adam are not supported', 'unsupported');
  }
  return powers;
}

/** Reads the optimizer's complete state (slots, iteration count, hidden products). */
export async function optimizerState(o: tf.Optimizer): Promise<OptimizerState> {
  let weights: Awaited<ReturnType<tf.Optimizer['getWeights']>>;
  try {
    weights = await o.getWeights();
  } catch (e) {
    throw new HamuxError('optimizer', `${kindOf(o)} cannot be checkpointed: ${e instanceof Error ? e.message : String(e)}`, 'unsupported');
  }
  const [iter, ...slots] = weights;
  const iterations = iter ? (iter.tensor.dataSync()[0] ?? 0) : 0;
  iter?.tensor.dispose(); // a fresh scalar; the slots are the optimizer's own variables
  const powers = adamPowers(o);
  return {
    kind: kindOf(o),
    iterations,
    slots: slots.map((s) => toSafe(s.tensor)),
    extra: powers ? Object.fromEntries(Object.entries(powers).map(([k, v]) => [k, toSafe(v)])) : {},
  };
}

/** Puts a saved state back into an optimizer of the same kind (its old slots are freed). */
export async function restoreOptimizer(o: tf.Optimizer, state: OptimizerState): Promise<void> {
  if (kindOf(o) !== state.kind) {
    throw new HamuxError('checkpoint.optimizer', `the checkpoint holds the state of a ${state.kind} optimizer, but training uses ${kindOf(o)}`, 'invalid_config');
  }
  const old = await o.getWeights();
  const fresh = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.slots.map((s, i) => ({ name: `slot${i}`, tensor: tf.tensor(s.data, [...s.shape], 'float32') })),
  ];
  try {
    await o.setWeights(fresh);
  } catch (e) {
    throw new HamuxError('checkpoint.optimizer', `${state.kind} refused the saved state: ${e instanceof Error ? e.message : String(e)}`, 'invalid_config');
  } finally {
    // setWeights made variables of its own from these.
    tf.dispose(fresh.map((w) => w.tensor));
  }
  tf.dispose(old.map((w) => w.tensor));
  const powers = adamPowers(o);
  if (powers) {
    for (const [k, v] of Object.entries(powers)) {
      const saved = state.extra[k];
      if (!saved) throw new HamuxError(`checkpoint.optimizer.${k}`, 'missing from the checkpoint', 'invalid_config');
      tf.tidy(() => v.assign(tf.tensor(saved.data, [...saved.shape], 'float32')));
    }
  }
}

export interface ClipOptions {
  /** Rescale all gradients together so their global L2 norm is at most this. */
  readonly clipNorm?: number;
  /** Clip every gradient entry to `[−clipValue, clipValue]` (applied before `clipNorm`). */
  readonly clipValue?: number;
}

/** Gradient clipping: by value, then by global norm `g ← g · min(1, c / ‖g‖₂)`. Returns new tensors. */
export function clipGradients(grads: readonly Tensor[], options: ClipOptions): Tensor[] {
  return tf.tidy(() => {
    let out = grads.map((g) => (options.clipValue === undefined ? tf.clone(g) : tf.clipByValue(g, -options.clipValue, options.clipValue)));
    if (options.clipNorm !== undefined && out.length > 0) {
      const norm = tf.sqrt(tf.addN(out.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(options.clipNorm, tf.maximum(norm, 1e-30)));
      out = out.map((g) => tf.mul(g, scale));
    }
    return out;
  });
}
