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
export type OptimizerSpec = {
  /** How the learning rate changes over the epochs (default `'constant'`). */
  readonly schedule?: LearningRateSchedule;
} & (
  | {
      /** Plain stochastic gradient descent (`tf.train.sgd`). */
      readonly name: 'sgd';
      /** Step size. */
      readonly learningRate: number;
    }
  | {
      /** SGD with momentum (`tf.train.momentum`). */
      readonly name: 'momentum';
      /** Step size. */
      readonly learningRate: number;
      /** Momentum coefficient. */
      readonly momentum?: number;
      /** Use Nesterov momentum. */
      readonly nesterov?: boolean;
    }
  | {
      /** Adam (`tf.train.adam`). */
      readonly name: 'adam';
      /** Step size. */
      readonly learningRate: number;
      /** Decay rate of the first-moment estimate. */
      readonly beta1?: number;
      /** Decay rate of the second-moment estimate. */
      readonly beta2?: number;
      /** Added to the denominator for stability. */
      readonly epsilon?: number;
    }
  | {
      /** RMSProp (`tf.train.rmsprop`), uncentred. */
      readonly name: 'rmsprop';
      /** Step size. */
      readonly learningRate: number;
      /** Decay rate of the mean square. */
      readonly decay?: number;
      /** Momentum coefficient. */
      readonly momentum?: number;
      /** Added to the denominator for stability. */
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

/** Gradient clipping before each optimizer step. */
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

// ---------------------------------------------------------------------------------------------
// The same updates on host arrays. On the cpu backend each tfjs op of an update allocates a tensor
// and loops in JS (about ten per parameter for Adam: 60 ms a step for a 200k-parameter model); one
// fused loop per parameter does it in about a millisecond. Each operation is rounded to float32
// exactly where the tfjs kernel rounds (`f`), so both forms give the same bits (tested).

const f = Math.fround;

/** An optimizer slot as tfjs keeps it: a variable per trained variable, by position. */
type Slot = { originalName: string; variable: tf.Variable } | undefined | null;

/** Slot `i` of a tfjs optimizer's list, created as tfjs creates it (zeros, not trainable) when missing. */
function slotOf(slots: Slot[], i: number, value: tf.Variable, suffix: string): tf.Variable {
  const s = slots[i] ?? (slots[i] = { originalName: `${value.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
  return s.variable;
}

/** Replaces a variable's value by a host array (the temporary tensor is freed; the variable keeps its own reference). */
function assignHost(v: tf.Variable, data: Float32Array): void {
  const t = tf.tensor(data, v.shape, 'float32');
  v.assign(t);
  t.dispose();
}

const read = (t: Tensor): Float32Array => t.dataSync() as Float32Array;

/** The fields of tfjs 4.22's optimizers that the host updates read (protected in its typings). */
interface TfjsInternals {
  learningRate: number;
  incrementIterations?: () => void;
  // Adam
  beta1: number; beta2: number; epsilon: number; accBeta1: tf.Variable; accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[]; accumulatedSecondMoment: Slot[];
  // Momentum
  momentum: number; useNesterov: boolean; accumulations: Slot[];
  // RMSProp
  decay: number; centered: boolean; accumulatedMeanSquares: Slot[]; accumulatedMoments: Slot[];
}

/**
 * `optimizer.applyGradients` for `variables[i] ← grads[i]`, computed on host arrays, bit for bit
 * the same (slots, iteration count, Adam's running powers). Returns false, having changed
 * nothing, for an optimizer it does not know (then call `applyGradients`): SGD, momentum, Adam
 * and non-centered RMSProp are known. Worth it where tensors live in host memory (cpu, wasm).
 */
export function applyGradientsOnHost(optimizer: tf.Optimizer, variables: readonly tf.Variable[], grads: readonly Tensor[]): boolean {
  const o = optimizer as unknown as TfjsInternals;
  if (typeof o.incrementIterations !== 'function' || typeof o.learningRate !== 'number') return false;
  const kind = kindOf(optimizer);
  const known = kind === 'SGD' || kind === 'Momentum' || kind === 'Adam' || (kind === 'RMSProp' && !o.centered);
  if (!known || (kind === 'Adam' && !adamPowers(optimizer))) return false;
  const nlr = f(-o.learningRate); // tfjs multiplies by the scalar tensor −lr
  if (kind === 'Adam') {
    const b1 = f(o.beta1), b2 = f(o.beta2), c1 = f(1 - o.beta1), c2 = f(1 - o.beta2), eps = f(o.epsilon);
    const acc1 = read(o.accBeta1)[0]!, acc2 = read(o.accBeta2)[0]!;
    const d1 = f(1 - acc1), d2 = f(1 - acc2);
    variables.forEach((v, i) => {
      const mv = slotOf(o.accumulatedFirstMoment, i, v, 'm'), vv = slotOf(o.accumulatedSecondMoment, i, v, 'v');
      const g = read(grads[i]!), m = read(mv), s = read(vv), x = read(v);
      const m1 = new Float32Array(g.length), s1 = new Float32Array(g.length), x1 = new Float32Array(g.length);
      for (let k = 0; k < g.length; k++) {
        const gk = g[k]!;
        const mk = (m1[k] = f(f(m[k]! * b1) + f(gk * c1))); // m ← β₁m + (1−β₁)g
        const sk = (s1[k] = f(f(s[k]! * b2) + f(f(gk * gk) * c2))); // v ← β₂v + (1−β₂)g²
        // x ← x − lr · m̂ / (√v̂ + ε), with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
        x1[k] = f(f(f(f(mk / d1) / f(f(Math.sqrt(f(sk / d2))) + eps)) * nlr) + x[k]!);
      }
      assignHost(mv, m1);
      assignHost(vv, s1);
      assignHost(v, x1);
    });
    assignHost(o.accBeta1, Float32Array.of(acc1 * b1));
    assignHost(o.accBeta2, Float32Array.of(acc2 * b2));
  } else if (kind === 'SGD') {
    variables.forEach((v, i) => {
      const g = read(grads[i]!), x = read(v), x1 = new Float32Array(g.length);
      for (let k = 0; k < g.length; k++) x1[k] = f(f(nlr * g[k]!) + x[k]!);
      assignHost(v, x1);
    });
  } else if (kind === 'Momentum') {
    const mom = f(o.momentum);
    variables.forEach((v, i) => {
      const av = slotOf(o.accumulations, i, v, 'momentum');
      const g = read(grads[i]!), a = read(av), x = read(v);
      const a1 = new Float32Array(g.length), x1 = new Float32Array(g.length);
      for (let k = 0; k < g.length; k++) {
        const ak = (a1[k] = f(f(mom * a[k]!) + g[k]!)); // a ← μa + g
        // x ← x − lr·(g + μa) (Nesterov) or x − lr·a
        x1[k] = f(f(nlr * (o.useNesterov ? f(g[k]! + f(ak * mom)) : ak)) + x[k]!);
      }
      assignHost(av, a1);
      assignHost(v, x1);
    });
  } else {
    const rho = f(o.decay), c = f(1 - o.decay), mom = f(o.momentum), eps = f(o.epsilon), lr = f(o.learningRate);
    variables.forEach((v, i) => {
      const msv = slotOf(o.accumulatedMeanSquares, i, v, 'rms'), mov = slotOf(o.accumulatedMoments, i, v, 'momentum');
      const g = read(grads[i]!), ms = read(msv), mo = read(mov), x = read(v);
      const ms1 = new Float32Array(g.length), mo1 = new Float32Array(g.length), x1 = new Float32Array(g.length);
      for (let k = 0; k < g.length; k++) {
        const gk = g[k]!;
        const sk = (ms1[k] = f(f(ms[k]! * rho) + f(f(gk * gk) * c))); // s ← ρs + (1−ρ)g²
        const mk = (mo1[k] = f(f(mo[k]! * mom) + f(f(gk * lr) / f(Math.sqrt(f(sk + eps)))))); // m ← μm + lr·g/√(s+ε)
        x1[k] = f(x[k]! - mk);
      }
      assignHost(msv, ms1);
      assignHost(mov, mo1);
      assignHost(v, x1);
    });
  }
  o.incrementIterations();
  return true;
}
