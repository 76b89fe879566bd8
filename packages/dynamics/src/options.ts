import { HamuxError, HamuxErrors, type GradMethod, type Params, type States, type Tensor } from '@hamux-ts/core';
import type { Runtime } from './runtime.js';

/** Hold a whole layer fixed (`true`), or the entries where a mask is 1 (`[B, ...shape]` or `[...shape]`). */
export type Clamp = true | Tensor;

/** Progress reported every `checkEvery` steps: enough for a progress bar or a live energy plot. */
export interface Progress {
  /** Steps (energy evaluations) taken so far. */
  readonly step: number;
  /** Current energy of every sample. */
  readonly energies: Float32Array;
  /** Largest `|∂E/∂x̂|` over each sample's free neurons. */
  readonly gradNorms: Float32Array;
  /** How many samples are still descending. */
  readonly active: number;
  /** Samples in the batch. */
  readonly batch: number;
}

/** When a sample counts as converged. */
export interface Tolerance {
  /**
   * Converged when the largest `|∂E/∂x̂|` over the free neurons is at most this. Default 1e-3: in
   * float32 an energy of size 1 stops resolving steps once `|∂E/∂x̂|` is about 1e-4 (its rounding
   * noise is ~1e-7). The adaptive step accepts a step by comparing energies, so below that it
   * accepts and halves steps by rounding noise: a much tighter tolerance ends in `stepUnderflow`
   * or `maxSteps` rather than convergence. Fixed steps (`mode: 'fixed'`) of a stable `dt` keep
   * contracting and reach it (fixed-point training relaxes that way, to 1e-4 and below).
   */
  readonly grad?: number;
  /**
   * Converged when, over the last `checkEvery` steps, the energy changed by at most
   * `energy · (1 + |E|)` and no free neuron moved more than `state`. Defaults 1e-7 and 1e-6.
   * `energy: 0` turns this test off (a float32 energy can stand exactly still only because the
   * steps have become too small to register): the descent then converges by `grad` alone.
   *
   * Only claimed when every free layer can move by at least a tenth of its time constant in one
   * step: `step / τ ≥ 0.1`, with step the cap of the adaptive step (`dtMax`, at most the smallest τ
   * when neuron energies are on) or dt in fixed mode, on the layer's own level with `multirate`.
   * With shorter steps the state moves by little whatever the gradient (with τ = 1e308, by nothing
   * at all in float32), and an energy that stands still in float32 proves nothing; such a descent
   * converges only by `grad`, and otherwise stops with `maxSteps` or `stepUnderflow`, unconverged.
   * A larger dt (or `dtMax`), or `multirate` for layers of very different τ, restores the test.
   */
  readonly energy?: number;
  /** With `energy`: the most any free neuron may have moved over the last `checkEvery` steps. */
  readonly state?: number;
}

/** Options of `descend`, `descendSync` and `Relaxation`: step control, clamps, tolerances, progress. */
export interface DescendOptions<L extends string> {
  /**
   * `'adaptive'` (default): every sample has its own step, grown after an accepted step and halved
   * when a step would raise its energy, so the energy of every sample never rises.
   * `'fixed'`: HAMUX's plain loop `x_i ← x_i − (dt/τ_i) ∂E/∂x̂_i`; a rise in energy is an error.
   */
  readonly mode?: 'adaptive' | 'fixed';
  /** Step size: layer i moves by `(dt/τ_i) · (−∂E/∂x̂_i)`. Default 0.1 (the initial step when adaptive). */
  readonly dt?: number;
  /**
   * Multi-rate integration for stiff hierarchies: layers whose time constants differ by at least
   * `ratio` (default 10) are put on separate levels, and the faster levels relax for `innerSteps`
   * steps (default 3) before every step of a slower one. Each level steps with its own dt scaled by
   * its smallest τ, so the cost no longer grows with the ratio of time constants. Default false.
   */
  readonly multirate?: boolean | {
    /** Time constants at least this far apart go on separate levels (default 10). */
    readonly ratio?: number;
    /** Steps of a faster level per step of the next slower one (default 3). */
    readonly innerSteps?: number;
  };
  /** Include the neuron energies (HAMUX, default true) or not (the Energy Transformer's update). */
  readonly neuronEnergy?: boolean;
  /** Stop after this many steps (energy evaluations). Default 1000. */
  readonly maxSteps?: number;
  /** When a sample counts as converged (by `grad`, or by `energy` and `state` together). */
  readonly tolerance?: Tolerance;
  /** Read values back to the host (convergence, progress) every this many steps. Default 10. */
  readonly checkEvery?: number;
  /**
   * Time constants by layer, over the graph's own. A τ much larger than dt makes that layer slow to
   * move, and an energy that stops changing then proves nothing: see `tolerance.energy`.
   */
  readonly tau?: { readonly [K in L]?: number };
  /** Layers, or parts of layers, held fixed. */
  readonly clamp?: { readonly [K in L]?: Clamp };
  /** Record every state every this many steps into the result (host memory). Default: never. */
  readonly recordStatesEvery?: number;
  /** Called every `checkEvery` steps with the batch's progress (steps, energies, samples still running). */
  readonly onProgress?: (progress: Progress) => void;
  /** Cancels the run at the next check; the result so far is returned with reason `'cancelled'`. */
  readonly signal?: AbortSignal;
  /** Parameters to descend with instead of the graph's own (weights under test, or during training). */
  readonly params?: Params;
  /** How `∂E/∂x̂` is computed: `'auto'` (closed forms of built-ins, default) or `'autodiff'`. */
  readonly method?: GradMethod;
  /**
   * An energy term added to the graph's for this descent, a differentiable function of the
   * activations giving one energy per sample (`[B]`): equilibrium propagation's nudge `β · loss`.
   * The descent then minimises `E + nudge`, still falling all the way (math.md §6); its gradient
   * comes by tfjs autodiff, so the descent runs in tfjs ops.
   */
  readonly nudge?: (activations: States<L>) => Tensor;
  /**
   * What to run on: `useBackend`'s result. With a runtime that has fast kernels (cpu and wasm under
   * Node), graphs of built-in components descend on host arrays; without one, in tfjs ops.
   */
  readonly runtime?: Runtime;
  /**
   * Run on host arrays with the runtime's evaluator when it takes the graph and backend (the lean
   * step for graphs of built-in components), else in tfjs ops with `HAM.energyAndDEdxhat`. Default
   * true; `false`, or `method: 'autodiff'`, always uses `HAM.energyAndDEdxhat`. The result says which ran.
   */
  readonly fastPath?: boolean;
  /** Adaptive step control: growth after an accepted step (1.5), shrink after a rejected one (0.5), bounds. */
  readonly grow?: number;
  /** Adaptive step control: factor applied to a sample's step after a rejected one (default 0.5). */
  readonly shrink?: number;
  /** Adaptive step control: the smallest step; a sample that needs a smaller one stops with `stepUnderflow`. */
  readonly dtMin?: number;
  /** Adaptive step control: the largest step a sample may grow to. */
  readonly dtMax?: number;
  /** Fixed mode: a rise larger than this times `1 + |E|` is divergence. Default 1e-5. */
  readonly riseTolerance?: number;
}

/** The scheduler settings with every default filled in, as the descent uses them. */
export interface Settings {
  /** `DescendOptions.mode`. */
  readonly mode: 'adaptive' | 'fixed';
  /** `DescendOptions.dt`. */
  readonly dt: number;
  /** The levels' `ratio` and `innerSteps` with multi-rate integration; undefined without. */
  readonly multirate:
    | {
        /** `DescendOptions.multirate.ratio`. */
        readonly ratio: number;
        /** `DescendOptions.multirate.innerSteps`. */
        readonly innerSteps: number;
      }
    | undefined;
  /** `DescendOptions.neuronEnergy`. */
  readonly neuronEnergy: boolean;
  /** `DescendOptions.maxSteps`. */
  readonly maxSteps: number;
  /** `Tolerance.grad`. */
  readonly gradTol: number;
  /** `Tolerance.energy`. */
  readonly energyTol: number;
  /** `Tolerance.state`. */
  readonly stateTol: number;
  /** `DescendOptions.checkEvery`. */
  readonly checkEvery: number;
  /** `DescendOptions.recordStatesEvery`; 0 records nothing. */
  readonly recordStatesEvery: number;
  /** `DescendOptions.grow`. */
  readonly grow: number;
  /** `DescendOptions.shrink`. */
  readonly shrink: number;
  /** `DescendOptions.dtMin`. */
  readonly dtMin: number;
  /** `DescendOptions.dtMax`. */
  readonly dtMax: number;
  /** `DescendOptions.riseTolerance`. */
  readonly riseTolerance: number;
}

/** Fills in defaults and checks every option, reporting all problems at once. */
export function settingsFrom<L extends string>(o: DescendOptions<L>): Settings {
  const errors: HamuxError[] = [];
  const num = (name: string, v: number | undefined, fallback: number, ok: (x: number) => boolean, want: string) => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !ok(v)) errors.push(new HamuxError(['options', ...name.split('.')], `expected ${want}, got ${v}`, 'invalid_argument'));
    return v;
  };
  const positive = (x: number) => Number.isFinite(x) && x > 0;
  const count = (x: number) => Number.isInteger(x) && x > 0;
  const mode = o.mode ?? 'adaptive';
  if (mode !== 'adaptive' && mode !== 'fixed') errors.push(new HamuxError(['options', 'mode'], `expected 'adaptive' or 'fixed', got ${String(mode)}`, 'invalid_argument'));
  const dt = num('dt', o.dt, 0.1, positive, 'a positive number');
  const mr = o.multirate === true ? {} : o.multirate || undefined;
  const multirate = mr && {
    ratio: num('multirate.ratio', mr.ratio, 10, (x) => Number.isFinite(x) && x > 1, 'a number > 1'),
    innerSteps: num('multirate.innerSteps', mr.innerSteps, 3, count, 'a positive integer'),
  };
  const settings: Settings = {
    mode,
    dt,
    multirate,
    neuronEnergy: o.neuronEnergy ?? true,
    maxSteps: num('maxSteps', o.maxSteps, 1000, count, 'a positive integer'),
    gradTol: num('tolerance.grad', o.tolerance?.grad, 1e-3, (x) => x >= 0, 'a number >= 0'),
    energyTol: num('tolerance.energy', o.tolerance?.energy, 1e-7, (x) => x >= 0, 'a number >= 0'),
    stateTol: num('tolerance.state', o.tolerance?.state, 1e-6, (x) => x >= 0, 'a number >= 0'),
    checkEvery: num('checkEvery', o.checkEvery, 10, count, 'a positive integer'),
    recordStatesEvery: num('recordStatesEvery', o.recordStatesEvery, 0, count, 'a positive integer'),
    grow: num('grow', o.grow, 1.5, (x) => Number.isFinite(x) && x >= 1, 'a number >= 1'),
    shrink: num('shrink', o.shrink, 0.5, (x) => x > 0 && x < 1, 'a number in (0, 1)'),
    dtMin: num('dtMin', o.dtMin, dt * 1e-6, positive, 'a positive number'),
    dtMax: num('dtMax', o.dtMax, dt * 100, positive, 'a positive number'),
    riseTolerance: num('riseTolerance', o.riseTolerance, 1e-5, (x) => x >= 0, 'a number >= 0'),
  };
  if (errors.length > 0) throw new HamuxErrors(errors);
  return settings;
}
