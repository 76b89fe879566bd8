import { HamuxError, HamuxErrors, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { DivergenceError } from './errors.js';
import { disposeMasks, freeMasks } from './clamp.js';
import { assertSyncReadback, driveAsync, driveSync } from './drive.js';
import { stepperFor } from './evaluate.js';
import { settingsFrom, type DescendOptions, type Settings } from './options.js';
import { energyTestOn, planFor, tausOf } from './plan.js';
import type { Readback, SampleReport, StopReason } from './report.js';
import type { FreeMask, StepPlan, Stepper, Values } from './stepper.js';

/** What a relaxation takes: the descent's options, less those of the loop around it. */
export type RelaxOptions<L extends string> = Omit<DescendOptions<L>, 'checkEvery' | 'recordStatesEvery' | 'onProgress' | 'signal'>;

/** What a relaxation reports at a reading: enough to draw it, and each sample's stop. */
export interface Reading {
  /** Steps taken so far. */
  readonly step: number;
  /** Every sample's energy (`[B]`) after each step since the last reading; the first row of a new curve is its start. */
  readonly energies: readonly Float32Array[];
  /** True when these energies begin a new curve (the first reading, or the first after `setParams`). */
  readonly restart: boolean;
  /** Largest `|∂E/∂x̂|` over each sample's free neurons. */
  readonly gradNorm: Float32Array;
  /** Each sample's current step (on the fastest level). */
  readonly dt: Float32Array;
  /** Steps each sample took, and steps it refused (they would have raised its energy), in all. */
  readonly accepted: Float32Array;
  /** Steps each sample refused because they would have raised its energy. */
  readonly rejected: Float32Array;
  /** Each sample's report once it has stopped (it then no longer moves), else undefined. */
  readonly reports: readonly (SampleReport | undefined)[];
  /** Samples still descending. */
  readonly active: number;
}

/**
 * One relaxation of `τ_i dx_i/dt = −∂E/∂x̂_i` from `init`, stepped by its caller: the state between
 * steps, the step control, clamping, and at each reading the convergence tests, stop reasons and
 * divergence checks. `descend` runs one to the end; a page that draws the descent as it goes steps
 * one itself (`advance`, then `await read()`), and may change dt, τ or the parameters in between.
 *
 * On cpu and wasm, for graphs of built-in components with fast kernels enabled, the state lives in
 * host arrays and a step is one fused evaluation (`evaluator` says which); otherwise every step is
 * tfjs ops on the backend (on the GPU with webgpu) and a reading is one readback.
 */
export class Relaxation<L extends string, S extends string = string> {
  /** The graph being relaxed. */
  readonly ham: HAM<L, S>;
  /** Samples in the batch. */
  readonly batch: number;
  #options: RelaxOptions<L>;
  #s: Settings;
  #masks: Map<L, FreeMask<Tensor>>;
  #plan: StepPlan<L>;
  #movers: ReadonlySet<L>[];
  #stepper: Stepper<L>;
  #step = 0;
  #series: number[][];
  /** Where each sample's current curve starts in its series (a rise is checked only within a curve). */
  #curveStart: number[];
  #reports: (SampleReport | undefined)[];
  #lastEnergy: ArrayLike<number> | undefined;
  #acceptedAtReading: ArrayLike<number>;
  /** Whether the energy test is made: a positive energy tolerance, and steps long enough for a still energy to prove convergence (plan.ts, `energyTestOn`). */
  #energyTest: boolean;
  #restart = true;
  #initChecked = false;
  #disposed = false;

  /** Starts from `init` (copied; the caller keeps it). */
  constructor(ham: HAM<L, S>, init: States<L>, options: RelaxOptions<L> = {}) {
    this.ham = ham;
    this.#options = options;
    this.#s = settingsFrom(options);
    this.batch = ham.checkStates(init, 'initial states');
    this.#masks = freeMasks(ham, options.clamp, this.batch);
    try {
      this.#plan = this.#planFromOptions(options, this.#s);
      this.#energyTest = energyTestOn(this.#plan, this.#s.energyTol);
      this.#movers = this.#plan.levels.map((lv) => new Set(lv));
      this.#stepper = stepperFor(ham, init, this.#plan, this.#masks, options, this.#s.neuronEnergy);
    } catch (e) {
      disposeMasks(this.#masks);
      throw e;
    }
    this.#series = Array.from({ length: this.batch }, () => []);
    this.#curveStart = Array(this.batch).fill(0);
    this.#reports = Array(this.batch).fill(undefined);
    this.#acceptedAtReading = new Float32Array(this.batch);
  }

  /** Steps taken so far. */
  get step(): number {
    return this.#step;
  }

  /** What computes `E` and `∂E/∂x̂`: `"HAM.energyAndDEdxhat"` or the fast evaluator's name. */
  get evaluator(): string {
    return this.#stepper.evaluator;
  }

  /** The settings in force (defaults filled in). */
  get settings(): Settings {
    return this.#s;
  }

  /** The time constants in force. */
  get tau(): { readonly [K in L]: number } {
    return this.#plan.tau;
  }

  /** Every sample's energies so far, from the start to its last reading. */
  get energies(): readonly (readonly number[])[] {
    return this.#series;
  }

  /** Takes `count` steps (each of the level whose turn it is); nothing is read back. */
  advance(count = 1): void {
    this.#alive();
    const { schedule } = this.#plan;
    for (let k = 0; k < count; k++) {
      const level = schedule[this.#step % schedule.length]!;
      this.#stepper.step(level, this.#movers[level]!);
      this.#step++;
    }
  }

  /**
   * The reading as a generator of readbacks (`descend`'s protocol; use `read` or `readSync`).
   * Throws `DivergenceError` when a sample's state or energy is no longer finite, or (fixed steps)
   * its energy rose; stops the samples that converged or ran out of steps.
   */
  *check(signal?: AbortSignal): Generator<Readback, Reading, Values> {
    this.#alive();
    const { names } = this.#plan;
    const s = this.#s;
    if (!this.#initChecked && this.#step === 0) {
      // The initial states must be finite: a NaN there is the caller's, reported before any step.
      const flags = yield* this.#stepper.nonFinite();
      const bad = names.flatMap((n, i) =>
        [...flags[i]!].flatMap((f, b) => (f ? [new HamuxError(['initial states', n], `sample ${b} has NaN or infinite entries`, 'not_finite')] : [])),
      );
      if (bad.length > 0) throw new HamuxErrors(bad);
    }
    this.#initChecked = true;
    const { energies, gradNorm, dx, underflow, nonFinite, accepted, rejected, dt } = yield* this.#stepper.check();
    const rows = energies.length, step = this.#step;
    let stops = 0;
    for (let b = 0; b < this.batch; b++) {
      if (this.#reports[b]) continue;
      const series = this.#series[b]!;
      for (let r = 0; r < rows; r++) series.push(energies[r]![b]!);
      if (nonFinite[b]) {
        const at = series.findIndex((e) => !Number.isFinite(e));
        const flags = yield* this.#stepper.nonFinite();
        const layer = names.find((_, i) => flags[i]![b]);
        const where = at >= 0 ? at : step;
        throw new DivergenceError(
          `the dynamics diverged: sample ${b} has ${layer ? `NaN or infinite states in layer "${layer}"` : 'a NaN or infinite energy'} by step ${where}` +
            (s.mode === 'fixed' ? ` (fixed steps of dt=${s.dt}; try a smaller dt or mode 'adaptive')` : ''),
          { sample: b, step: where, layer },
        );
      }
      if (s.mode === 'fixed') {
        for (let t = Math.max(1 + this.#curveStart[b]!, series.length - rows); t < series.length; t++) {
          const rise = series[t]! - series[t - 1]!;
          if (rise > s.riseTolerance * (1 + Math.abs(series[t - 1]!))) {
            throw new DivergenceError(
              `the energy of sample ${b} rose from ${series[t - 1]} to ${series[t]} at step ${t} (fixed steps of dt=${s.dt}; try a smaller dt or mode 'adaptive')`,
              { sample: b, step: t },
            );
          }
        }
      }
      const energyNow = series[series.length - 1]!;
      let reason: StopReason | undefined;
      if (gradNorm[b]! <= s.gradTol) reason = 'gradient';
      // Energy and state have stopped changing over a window in which steps were still being
      // accepted: the minimum to the tolerances (and, at the float32 floor, to the resolution of E).
      // Only with steps of at least a tenth of every free layer's τ: with shorter ones (a huge τ, a
      // tiny dt or dtMax) E and x change little, in float32 not at all, whatever the gradient.
      else if (
        this.#energyTest && this.#lastEnergy !== undefined && accepted[b]! > this.#acceptedAtReading[b]! &&
        Math.abs(energyNow - this.#lastEnergy[b]!) <= s.energyTol * (1 + Math.abs(energyNow)) &&
        dx[b]! <= s.stateTol
      ) reason = 'energy';
      else if (s.mode === 'adaptive' && underflow[b]) reason = 'stepUnderflow';
      else if (step >= s.maxSteps) reason = 'maxSteps';
      else if (signal?.aborted) reason = 'cancelled';
      if (reason) {
        this.#reports[b] = {
          converged: reason === 'gradient' || reason === 'energy',
          reason,
          steps: step,
          acceptedSteps: accepted[b]!,
          energy: energyNow,
          gradNorm: gradNorm[b]!,
        };
        stops++;
      }
    }
    if (rows > 0) this.#lastEnergy = energies[rows - 1]!;
    this.#acceptedAtReading = accepted;
    if (stops > 0) this.#stepper.stop(this.#reports.map((r) => (r ? 1 : 0)));
    const restart = this.#restart;
    this.#restart = false;
    return {
      step,
      energies,
      restart,
      gradNorm,
      dt,
      accepted,
      rejected,
      reports: [...this.#reports],
      active: this.#reports.filter((r) => !r).length,
    };
  }

  /** Reads back the energies since the last reading and each sample's diagnostics (no GPU stall). */
  read(signal?: AbortSignal): Promise<Reading> {
    return driveAsync(this.check(signal));
  }

  /** `read`, synchronously (cpu and wasm; webgpu in a browser). */
  readSync(signal?: AbortSignal): Reading {
    assertSyncReadback('readSync', '`await read()` (or `await descend(ham, init, options)`)');
    return driveSync(this.check(signal));
  }

  /** A host copy of every state, as a generator of readbacks (see `check`). */
  record(): Generator<Readback, Record<L, Float32Array>, Values> {
    this.#alive();
    return this.#stepper.record();
  }

  /** The current states as new tensors (the caller's), e.g. to draw their activations. */
  states(): States<L> {
    this.#alive();
    return this.#stepper.states();
  }

  /**
   * Changes the step control or the time constants; every sample's step starts again from the new
   * dt, and every stopped sample descends again (the energy is unchanged).
   */
  configure(changes: Pick<RelaxOptions<L>, 'dt' | 'mode' | 'tau' | 'maxSteps' | 'tolerance' | 'grow' | 'shrink' | 'dtMin' | 'dtMax'>): void {
    this.#alive();
    const options = { ...this.#options, ...changes, tau: { ...this.#options.tau, ...changes.tau } } as RelaxOptions<L>;
    const s = settingsFrom(options);
    const plan = this.#planFromOptions(options, s);
    this.#options = options;
    this.#s = s;
    this.#plan = plan;
    this.#energyTest = energyTestOn(plan, s.energyTol);
    this.#movers = plan.levels.map((lv) => new Set(lv));
    this.#stepper.replan(plan);
    this.#reports = Array(this.batch).fill(undefined);
    this.#stepper.stop(this.#reports.map(() => 0));
  }

  #planFromOptions(options: RelaxOptions<L>, s: Settings): StepPlan<L> {
    const moving = this.ham.layerNames.filter((n) => this.#masks.get(n) !== 'clamped');
    return planFor(this.ham.layerNames, tausOf(this.ham, options.tau), s, options.dtMax !== undefined, this.batch, moving);
  }

  /**
   * Evaluates with other parameters from now on (a new β): the energy function changes, so `E` and
   * `∂E/∂x̂` are recomputed at the current state and the next reading starts a new curve. The caller
   * keeps `params` and must not dispose them while this relaxation uses them.
   */
  setParams(params: Params | undefined): void {
    this.#alive();
    this.#stepper.setParams(params);
    this.#options = { ...this.#options, ...(params ? { params } : {}) };
    this.#restart = true;
    this.#lastEnergy = undefined;
    this.#curveStart = this.#series.map((s) => s.length);
  }

  /** The final states (the caller's); the relaxation is spent. */
  finish(): States<L> {
    this.#alive();
    const states = this.#stepper.finish();
    this.dispose();
    return states;
  }

  /** Frees the relaxation's states and masks; later calls do nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stepper.dispose();
    disposeMasks(this.#masks);
  }

  #alive(): void {
    if (this.#disposed) throw new HamuxError(['relaxation'], 'this relaxation has been finished or disposed', 'disposed');
  }

}
