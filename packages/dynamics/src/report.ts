// What a descent reports, and the unit of its reads from the device: types that the engine, the
// relaxation and the steppers all use, kept apart so that none of them imports another for them.
import type { States, Tensor } from '@hamux-ts/core';

/** Why a sample stopped. `gradient` and `energy` mean it converged. */
export type StopReason = 'gradient' | 'energy' | 'maxSteps' | 'stepUnderflow' | 'cancelled';

/** How one sample's descent ended: whether and why it stopped, after how many steps, at what energy. */
export interface SampleReport {
  /** True when the sample met the tolerance. */
  readonly converged: boolean;
  /** Why the sample stopped. */
  readonly reason: StopReason;
  /** Steps (energy evaluations) taken while the sample was descending. */
  readonly steps: number;
  /** Of those, the steps that moved it (adaptive mode rejects steps that would raise the energy). */
  readonly acceptedSteps: number;
  /** Its energy at the end. */
  readonly energy: number;
  /** Largest `|∂E/∂x̂|` over its free neurons at the end. */
  readonly gradNorm: number;
}

/** What a descent returns: final states, a report per sample, energies per step, recorded states. */
export interface DescendResult<L extends string> {
  /** Final states (the caller's to dispose). */
  readonly states: States<L>;
  /** How each sample's descent ended, in batch order. */
  readonly report: readonly SampleReport[];
  /** Every sample's energy at every step, from the initial state to the step where it stopped. */
  readonly energies: readonly Float32Array[];
  /** States copied to the host every `recordStatesEvery` steps. */
  readonly recorded: readonly {
    /** The step at which the states were copied. */
    readonly step: number;
    /** Every layer's state then, `[batch, …shape]` flattened. */
    readonly states: Readonly<Record<L, Float32Array>>;
  }[];
  /** Steps taken by the batch (the longest-running sample). */
  readonly steps: number;
  /** True when every sample converged. */
  readonly converged: boolean;
  /** What computed `E` and `∂E/∂x̂`: `"HAM.energyAndDEdxhat"` or the fast evaluator's name. */
  readonly evaluator: string;
}

/**
 * What the engine asks its driver for: the host values of some tensors. The synchronous driver
 * answers with `dataSync`, the asynchronous one with `await data()`, so both share one loop and
 * the GPU is read only at these points.
 */
export type Readback = readonly Tensor[];
