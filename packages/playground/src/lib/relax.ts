/**
 * A relaxation the page can watch, pause and single-step: explicit Euler on the dynamics
 *
 *   τ_i dx_i/dt = −∂E/∂x̂_i,   x_i ← x_i − (dt/τ_i) · m_i ⊙ ∂E/∂x̂_i
 *
 * (m_i = 1 where layer i is free, 0 where clamped), with the step controlled so that no sample's
 * energy ever rises: a step that would raise it is not taken and that sample's dt is halved; an
 * accepted step grows dt by `grow` up to `dtMax` (`'adaptive'`), or keeps it (`'fixed'`).
 *
 * Unlike `descend` (which runs to the end), every step is a call, the state stays on the device
 * between calls (accept/reject is decided there, so a step never waits for the GPU), and `read()`
 * brings back, asynchronously, the energies of the steps since the last read and every layer's
 * activation for display. The time constants, dt and parameters (β) can change between steps.
 * Shapes: states `[B, ...shape]`; energies per sample.
 */
import { HamuxError, tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';

export type StepMode = 'adaptive' | 'fixed';

/** Why a relaxation stopped: converged (`|∂E/∂x̂| ≤ tolerance`), or gave up. */
export type StopReason = 'converged' | 'stepUnderflow' | 'maxSteps';

export interface RelaxOptions {
  /** First step (and in fixed mode every step): layer i moves by `(dt/τ_i)·(−∂E/∂x̂_i)`. Default 0.1. */
  readonly dt?: number;
  readonly mode?: StepMode;
  /** Time constants by layer, over the graph's own. */
  readonly tau?: Readonly<Record<string, number>>;
  /** Held layers: `true` for the whole layer, or a mask `[B · size]` / `[size]` with 1 where held. */
  readonly clamp?: Readonly<Record<string, true | Float32Array>>;
  /** Include the neuron energies `Σ x̂⊙x − L(x)` (default true). */
  readonly neuronEnergy?: boolean;
  /** Parameters to evaluate with (β overrides), default the graph's own. Not taken over. */
  readonly params?: Params;
  /** Converged when the largest `|∂E/∂x̂|` over free neurons is at most this. Default 1e-3. */
  readonly tolerance?: number;
  /** Stop after this many steps. Default 1000. */
  readonly maxSteps?: number;
}

export interface Reading {
  /** Steps taken so far. */
  readonly step: number;
  /** Each sample's energies after every step since the last read (with the start at the first read or after `setParams`). */
  readonly energies: readonly number[][];
  /** True when these energies begin a new curve (the first read, or the first after the energy function changed). */
  readonly restart: boolean;
  /** Largest `|∂E/∂x̂|` over each sample's free neurons. */
  readonly gradNorm: Float32Array;
  /** Each sample's current step size. */
  readonly dt: Float32Array;
  /** Steps not taken (they would have raised the energy), per sample, in total. */
  readonly rejected: Float32Array;
  /** Every layer's activation `x̂`, `[B · size]`. */
  readonly activations: Readonly<Record<string, Float32Array>>;
  /** Set once every sample has stopped. */
  readonly stopped?: StopReason;
}

type Free = 'clamped' | Tensor | undefined;

const column = (v: Tensor, rank: number): Tensor => (rank === 1 ? v : tf.reshape(v, [-1, ...Array<number>(rank - 1).fill(1)]));

export class Relaxation<L extends string> {
  readonly ham: HAM<L, string>;
  readonly batch: number;
  #x: Record<string, Tensor>;
  #E: Tensor;
  #g: Record<string, Tensor>;
  #dt: Tensor;
  #rejected: Tensor;
  #history: Tensor[] = [];
  #restart = true;
  #free: Map<string, Free>;
  #tau: Record<string, number>;
  #dt0: number;
  #mode: StepMode;
  #params: Params | undefined;
  #neuronEnergy: boolean;
  #tolerance: number;
  #maxSteps: number;
  #step = 0;
  #disposed = false;

  /** Starts from `init` (copied; the caller keeps it). */
  constructor(ham: HAM<L, string>, init: States<L>, options: RelaxOptions = {}) {
    this.ham = ham;
    this.batch = ham.checkStates(init, 'initial states');
    const dt = options.dt ?? 0.1;
    checkPositive('options.dt', dt);
    this.#dt0 = dt;
    this.#mode = checkMode(options.mode ?? 'adaptive');
    this.#tau = tausOf(ham, options.tau);
    this.#params = options.params;
    this.#neuronEnergy = options.neuronEnergy ?? true;
    this.#tolerance = options.tolerance ?? 1e-3;
    this.#maxSteps = options.maxSteps ?? 1000;
    this.#free = freeMasks(ham, options.clamp ?? {}, this.batch);
    this.#x = Object.fromEntries(ham.layerNames.map((n) => [n, tf.clone(init[n])]));
    const { energy, dEdxhat } = ham.energyAndDEdxhat(this.#x as States<L>, this.#evalOptions());
    this.#E = energy;
    this.#g = dEdxhat;
    this.#dt = tf.fill([this.batch], dt);
    this.#rejected = tf.zeros([this.batch]);
    this.#history = [tf.clone(energy)];
  }

  get step(): number {
    return this.#step;
  }

  get dt(): number {
    return this.#dt0;
  }

  get mode(): StepMode {
    return this.#mode;
  }

  get tau(): Readonly<Record<string, number>> {
    return { ...this.#tau };
  }

  /** The largest step an adaptive step may grow to: 100·dt, and dt/τ ≤ 1 for every free layer when the neuron energies are on (beyond it Euler overshoots the leak). */
  get dtMax(): number {
    if (this.#mode === 'fixed') return this.#dt0;
    const moving = this.ham.layerNames.filter((n) => this.#free.get(n) !== 'clamped').map((n) => this.#tau[n]!);
    const tauMin = moving.length > 0 ? Math.min(...moving) : Infinity;
    return this.#neuronEnergy ? Math.min(100 * this.#dt0, Math.max(this.#dt0, tauMin)) : 100 * this.#dt0;
  }

  /** Takes `count` steps (queued on the device; nothing is read back). */
  advance(count = 1): void {
    this.#alive();
    const names = this.ham.layerNames;
    const grow = this.#mode === 'adaptive' ? 1.5 : 1;
    const cap = this.dtMax;
    for (let k = 0; k < count; k++) {
      const x = this.#x, g = this.#g, E = this.#E, dt = this.#dt, rejected = this.#rejected;
      const next = tf.tidy(() => {
        const xNew: Record<string, Tensor> = {};
        for (const n of names) {
          const free = this.#free.get(n);
          if (free === 'clamped') { xNew[n] = x[n]!; continue; }
          const signal = free === undefined ? g[n]! : tf.mul(g[n]!, free);
          xNew[n] = tf.sub(x[n]!, tf.mul(column(tf.div(dt, this.#tau[n]!), x[n]!.rank), signal));
        }
        const out = this.ham.energyAndDEdxhat(xNew as States<L>, this.#evalOptions());
        // A step is taken only where the energy did not rise (and stayed finite).
        const ok = tf.logicalAnd(tf.lessEqual(out.energy, E), tf.isFinite(out.energy));
        const pick = (a: Tensor, b: Tensor) => (a === b ? a : tf.where(column(ok, a.rank), a, b));
        return {
          x: Object.fromEntries(names.map((n) => [n, pick(xNew[n]!, x[n]!)])),
          E: tf.where(ok, out.energy, E),
          g: Object.fromEntries(names.map((n) => [n, pick(out.dEdxhat[n], g[n]!)])),
          dt: tf.where(ok, tf.minimum(tf.mul(dt, grow), cap), tf.mul(dt, 0.5)),
          rejected: tf.add(rejected, tf.cast(tf.logicalNot(ok), 'float32')),
        };
      });
      for (const n of names) if (next.x[n] !== x[n]) x[n]!.dispose();
      tf.dispose([...Object.values(g), E, dt, rejected]);
      this.#x = next.x;
      this.#g = next.g;
      this.#E = next.E;
      this.#dt = next.dt;
      this.#rejected = next.rejected;
      this.#history.push(tf.clone(next.E));
      this.#step++;
    }
  }

  /** Reads back the energies since the last read, the diagnostics and every layer's activation. */
  async read(): Promise<Reading> {
    this.#alive();
    const names = this.ham.layerNames;
    const rows = this.#history.length;
    const restart = this.#restart;
    const [flat, ...acts] = tf.tidy(() => {
      const moving = names.filter((n) => this.#free.get(n) !== 'clamped');
      const perSample = (t: Tensor) => (t.rank === 1 ? t : tf.max(tf.reshape(t, [this.batch, -1]), 1));
      const gradNorm = moving.length === 0
        ? tf.zeros([this.batch])
        : tf.max(tf.stack(moving.map((n) => {
          const free = this.#free.get(n);
          return perSample(tf.abs(free instanceof tf.Tensor ? tf.mul(this.#g[n]!, free) : this.#g[n]!));
        })), 0);
      const xhat = this.ham.activations(this.#x as States<L>, this.#evalOptions());
      const summary = tf.concat([...this.#history, gradNorm, this.#dt, this.#rejected].map((t) => tf.reshape(t, [1, this.batch])), 0);
      return [summary, ...names.map((n) => xhat[n])];
    });
    tf.dispose(this.#history);
    this.#history = [];
    this.#restart = false;
    const [values, ...layerValues] = await Promise.all([flat!, ...acts].map(async (t) => Float32Array.from(await t.data())));
    tf.dispose([flat!, ...acts]);
    const row = (r: number) => values!.subarray(r * this.batch, (r + 1) * this.batch);
    const energies = Array.from({ length: this.batch }, (_, b) => Array.from({ length: rows }, (_, r) => row(r)[b]!));
    const gradNorm = Float32Array.from(row(rows));
    const dt = Float32Array.from(row(rows + 1));
    const rejected = Float32Array.from(row(rows + 2));
    const activations = Object.fromEntries(names.map((n, i) => [n, layerValues[i]!]));
    const stopped = this.#stopReason(gradNorm, dt);
    return { step: this.#step, energies, restart, gradNorm, dt, rejected, activations, ...(stopped ? { stopped } : {}) };
  }

  #stopReason(gradNorm: Float32Array, dt: Float32Array): StopReason | undefined {
    if (gradNorm.every((g) => g <= this.#tolerance)) return 'converged';
    if (dt.every((d, b) => d < this.#dt0 * 1e-6 || gradNorm[b]! <= this.#tolerance)) return 'stepUnderflow';
    if (this.#step >= this.#maxSteps) return 'maxSteps';
    return undefined;
  }

  /** Changes the step control (dt restarts at the new value) and the time constants; the energy is unchanged. */
  configure(options: { readonly dt?: number; readonly mode?: StepMode; readonly tau?: Readonly<Record<string, number>>; readonly maxSteps?: number; readonly tolerance?: number }): void {
    this.#alive();
    if (options.dt !== undefined) checkPositive('options.dt', options.dt);
    if (options.mode !== undefined) this.#mode = checkMode(options.mode);
    if (options.tau !== undefined) this.#tau = tausOf(this.ham, { ...this.#tau, ...options.tau });
    if (options.maxSteps !== undefined) this.#maxSteps = options.maxSteps;
    if (options.tolerance !== undefined) this.#tolerance = options.tolerance;
    if (options.dt !== undefined) {
      this.#dt0 = options.dt;
      this.#dt.dispose();
      this.#dt = tf.fill([this.batch], options.dt);
    }
  }

  /**
   * Evaluates with other parameters from now on (a new β): the energy function changes, so E and
   * ∂E/∂x̂ are recomputed at the current state and the next read starts a new energy curve.
   * The caller keeps `params` (and must not dispose them while this relaxation uses them).
   */
  setParams(params: Params | undefined): void {
    this.#alive();
    this.#params = params;
    const { energy, dEdxhat } = this.ham.energyAndDEdxhat(this.#x as States<L>, this.#evalOptions());
    tf.dispose([this.#E, ...Object.values(this.#g), ...this.#history]);
    this.#E = energy;
    this.#g = dEdxhat;
    this.#history = [tf.clone(energy)];
    this.#restart = true;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    tf.dispose([...Object.values(this.#x), ...Object.values(this.#g), this.#E, this.#dt, this.#rejected, ...this.#history]);
    for (const f of this.#free.values()) if (f instanceof tf.Tensor) f.dispose();
  }

  #evalOptions() {
    return { neuronEnergy: this.#neuronEnergy, ...(this.#params ? { params: this.#params } : {}) };
  }

  #alive(): void {
    if (this.#disposed) throw new HamuxError('relaxation', 'this relaxation has been disposed');
  }
}

function checkPositive(path: string, v: number): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new HamuxError(path, `expected a positive number, got ${String(v)}`);
}

function checkMode(mode: string): StepMode {
  if (mode !== 'adaptive' && mode !== 'fixed') throw new HamuxError('options.mode', `expected 'adaptive' or 'fixed', got ${String(mode)}`);
  return mode;
}

function tausOf(ham: HAM<string, string>, given: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(given ?? {})) {
    if (!ham.layerNames.includes(name)) throw new HamuxError(`options.tau.${name}`, `unknown layer (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`);
  }
  for (const n of ham.layerNames) {
    const t = given?.[n] ?? ham.layers[n]!.tau;
    checkPositive(`options.tau.${n}`, t);
    out[n] = t;
  }
  return out;
}

/** Per layer: free (undefined), held whole, or a float mask `[B, ...shape]` with 1 where free. */
function freeMasks(ham: HAM<string, string>, clamp: Readonly<Record<string, true | Float32Array>>, batch: number): Map<string, Free> {
  const out = new Map<string, Free>();
  for (const name of Object.keys(clamp)) {
    if (!ham.layerNames.includes(name)) throw new HamuxError(`options.clamp.${name}`, `unknown layer (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`);
  }
  for (const n of ham.layerNames) {
    const c = clamp[n];
    if (c === undefined) { out.set(n, undefined); continue; }
    if (c === true) { out.set(n, 'clamped'); continue; }
    const shape = ham.layers[n]!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(c instanceof Float32Array) || (c.length !== size && c.length !== batch * size)) {
      for (const f of out.values()) if (f instanceof tf.Tensor) f.dispose();
      throw new HamuxError(`options.clamp.${n}`, `expected true or a Float32Array mask of ${size} or ${batch}·${size} entries (1 = held), got ${c instanceof Float32Array ? `${c.length} entries` : typeof c}`);
    }
    const held = c.length === size ? tf.tidy(() => tf.tile(tf.tensor(c, [1, ...shape]), [batch, ...shape.map(() => 1)])) : tf.tensor(c, [batch, ...shape]);
    out.set(n, tf.tidy(() => tf.sub(1, tf.cast(tf.notEqual(held, 0), 'float32'))));
    held.dispose();
  }
  return out;
}
