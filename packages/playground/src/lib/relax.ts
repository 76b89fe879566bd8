/**
 * The page's relaxation: `@hamux-ts/dynamics`' `Relaxation` (the same step, step control and stop
 * rules as `descend`), stepped a few steps at a time so the page can draw every layer and the
 * energy as the state descends, pause, single-step, and change dt, τ and β in between. This module
 * only adapts it to the page: clamps given as host masks, one stop for the whole batch, and every
 * layer's activation read back with the energies.
 */
import { HamuxError, tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { Relaxation as Descent, type Clamp, type Runtime } from '@hamux-ts/dynamics';

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
  /** `useBackend`'s runtime, which the descent runs on (none: tfjs ops on the current backend). */
  readonly runtime?: Runtime;
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

export class Relaxation<L extends string> {
  readonly ham: HAM<L, string>;
  readonly batch: number;
  #descent: Descent<L>;
  #masks: Tensor[];
  #dt: number;
  #mode: StepMode;
  #tolerance: number;
  #maxSteps: number;

  /** Starts from `init` (copied; the caller keeps it). */
  constructor(ham: HAM<L, string>, init: States<L>, options: RelaxOptions = {}) {
    this.ham = ham;
    this.batch = ham.checkStates(init, 'initial states');
    this.#dt = options.dt ?? 0.1;
    this.#mode = options.mode ?? 'adaptive';
    this.#tolerance = options.tolerance ?? 1e-3;
    this.#maxSteps = options.maxSteps ?? 1000;
    const clamp = clampsOf(ham, options.clamp ?? {}, this.batch);
    this.#masks = Object.values(clamp).filter((c): c is Tensor => c instanceof tf.Tensor);
    try {
      this.#descent = new Descent(ham, init, {
        ...this.#control(options.tau ?? {}),
        clamp: clamp as { [K in L]?: Clamp },
        neuronEnergy: options.neuronEnergy ?? true,
        ...(options.tau ? { tau: options.tau as { [K in L]?: number } } : {}),
        ...(options.params ? { params: options.params } : {}),
        ...(options.runtime ? { runtime: options.runtime } : {}),
      });
    } catch (e) {
      tf.dispose(this.#masks);
      throw e;
    }
  }

  /**
   * The step control. The page never lets an energy rise: its 'fixed' mode keeps dt but still
   * refuses a rising step and halves dt there (the scheduler's adaptive control with no growth);
   * 'adaptive' grows a step up to 100·dt, but not past the smallest τ unless dt already is.
   */
  #control(tau: Readonly<Record<string, number>>) {
    const taus = this.ham.layerNames.map((n) => tau[n] ?? this.ham.layers[n].tau);
    const fixed = this.#mode === 'fixed';
    const dtMax = fixed ? this.#dt : Math.min(100 * this.#dt, Math.max(this.#dt, Math.min(...taus)));
    return { dt: this.#dt, mode: 'adaptive' as const, grow: fixed ? 1 : 1.5, dtMax, maxSteps: this.#maxSteps, tolerance: { grad: this.#tolerance } };
  }

  get step(): number {
    return this.#descent.step;
  }

  get dt(): number {
    return this.#dt;
  }

  get mode(): StepMode {
    return this.#mode;
  }

  get tau(): Readonly<Record<string, number>> {
    return { ...this.#descent.tau };
  }

  /** Takes `count` steps (queued on the device; nothing is read back). */
  advance(count = 1): void {
    this.#descent.advance(count);
  }

  /** Reads back the energies since the last read, the diagnostics and every layer's activation. */
  async read(): Promise<Reading> {
    const r = await this.#descent.read();
    const acts = tf.tidy(() => {
      const states = this.#descent.states();
      return Object.values<Tensor>(this.ham.activations(states));
    });
    const values = await Promise.all(acts.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(acts);
    const activations = Object.fromEntries(this.ham.layerNames.map((n, i) => [n, values[i]!]));
    const energies = Array.from({ length: this.batch }, (_, b) => r.energies.map((row) => row[b]!));
    const stopped = r.active > 0 ? undefined : r.reports.every((p) => p!.converged) ? 'converged' : r.reports.some((p) => p!.reason === 'maxSteps') ? 'maxSteps' : 'stepUnderflow';
    return { step: r.step, energies, restart: r.restart, gradNorm: r.gradNorm, dt: r.dt, rejected: r.rejected, activations, ...(stopped ? { stopped } : {}) };
  }

  /** Changes the step control (dt restarts at the new value) and the time constants; the energy is unchanged. */
  configure(options: { readonly dt?: number; readonly mode?: StepMode; readonly tau?: Readonly<Record<string, number>>; readonly maxSteps?: number; readonly tolerance?: number }): void {
    const before = [this.#dt, this.#mode, this.#maxSteps, this.#tolerance] as const;
    if (options.dt !== undefined) this.#dt = options.dt;
    if (options.mode !== undefined) this.#mode = options.mode;
    if (options.maxSteps !== undefined) this.#maxSteps = options.maxSteps;
    if (options.tolerance !== undefined) this.#tolerance = options.tolerance;
    try {
      const tau = { ...this.#descent.tau, ...options.tau };
      this.#descent.configure({ ...this.#control(tau), tau: tau as { [K in L]?: number } });
    } catch (e) {
      [this.#dt, this.#mode, this.#maxSteps, this.#tolerance] = before;
      throw e;
    }
  }

  /**
   * Evaluates with other parameters from now on (a new β): the energy function changes, so E and
   * ∂E/∂x̂ are recomputed at the current state and the next read starts a new energy curve.
   * The caller keeps `params` (and must not dispose them while this relaxation uses them).
   */
  setParams(params: Params | undefined): void {
    this.#descent.setParams(params);
  }

  dispose(): void {
    this.#descent.dispose();
    tf.dispose(this.#masks);
  }
}

/**
 * The page's host masks (1 = held) as the scheduler's clamps; names and `true` pass through as
 * they are, so the scheduler's own clamp rule checks them (an unknown layer is its error).
 */
function clampsOf(ham: HAM<string, string>, clamp: Readonly<Record<string, true | Float32Array>>, batch: number): Record<string, true | Tensor> {
  const out: Record<string, true | Tensor> = {};
  for (const [n, c] of Object.entries(clamp)) {
    if (c === true || !ham.layerNames.includes(n)) { out[n] = true; continue; }
    const shape = ham.layers[n]!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(c instanceof Float32Array) || (c.length !== size && c.length !== batch * size)) {
      tf.dispose(Object.values(out).filter((t): t is Tensor => t instanceof tf.Tensor));
      throw new HamuxError(['options', 'clamp', n], `expected true or a Float32Array mask of ${size} or ${batch}·${size} entries (1 = held), got ${c instanceof Float32Array ? `${c.length} entries` : typeof c}`, c instanceof Float32Array ? 'shape_mismatch' : 'invalid_argument');
    }
    out[n] = c.length === size ? tf.tensor(c, [...shape]) : tf.tensor(c, [batch, ...shape]);
  }
  return out;
}
