import type { Params, States } from '@hamux-ts/core';
import type { Readback } from './report.js';

/** Host values handed back by the driver, in the order they were asked for. */
export type Values = readonly Float32Array[];

/**
 * A layer's free neurons: `undefined` for a free layer, `'clamped'` for a layer held whole, or a
 * 0/1 mask (1 where the neuron may move) that is `[B, ...shape]` or one `[...shape]` for every sample.
 */
export type FreeMask<M> = undefined | 'clamped' | M;

/** What the loop decided before the first step: which layers move, on which levels, with which steps. */
export interface StepPlan<L extends string> {
  readonly names: readonly L[];
  readonly batch: number;
  readonly mode: 'adaptive' | 'fixed';
  /** Every layer's time constant. */
  readonly tau: { readonly [K in L]: number };
  /** The layers that may move (not clamped whole). */
  readonly moving: readonly L[];
  /** The moving layers by rate level (level 0 the slowest), and the order in which levels step. */
  readonly levels: readonly (readonly L[])[];
  readonly schedule: readonly number[];
  /** Each level's nominal step, its cap (adaptive), and its first step. */
  readonly levelDt: readonly number[];
  readonly levelCap: readonly number[];
  readonly startDt: readonly number[];
  /** Adaptive step control: growth after an accepted step, shrink after a rejected one. */
  readonly grow: number;
  readonly shrink: number;
  /** A sample has underflowed when every level's step is below this fraction of its nominal step. */
  readonly underflowBelow: number;
}

/** Per-sample diagnostics read at a check (each `[B]`). */
export interface CheckValues {
  /** The energies after each step since the last check (at the first check: the initial energy). */
  readonly energies: readonly Float32Array[];
  /** Largest `|∂E/∂x̂|` over the free neurons. */
  readonly gradNorm: Float32Array;
  /** Largest change of a free neuron since the last check. */
  readonly dx: Float32Array;
  /** 1 where every level's step has shrunk past `underflowBelow`. */
  readonly underflow: Float32Array;
  /** 1 where the energy or a state is NaN or infinite. */
  readonly nonFinite: Float32Array;
  /** Steps that moved the sample, in all. */
  readonly accepted: Float32Array;
  /** Steps it refused because they would have raised the energy (adaptive), in all. */
  readonly rejected: Float32Array;
  /** Its current step on the fastest level. */
  readonly dt: Float32Array;
}

/**
 * The per-step arithmetic of a descent: one on tfjs tensors (any backend, any component, the
 * reference) and one on host arrays (cpu and wasm, graphs of built-in components, no tfjs op per
 * step). The loop in engine.ts drives either and owns every decision: schedule, checks, stop
 * reasons, divergence. Reads go through the driver as generators, so that `descend` can await them.
 */
export interface Stepper<L extends string> {
  /** What computes `E` and `∂E/∂x̂`: `"HAM.energyAndDEdxhat"` or the fast evaluator's name. */
  readonly evaluator: string;
  /** One step of the layers in `movers` with level `level`'s steps, for the samples still active. */
  step(level: number, movers: ReadonlySet<L>): void;
  /** The diagnostics since the last check; starts the next window (state and rejections). */
  check(): Generator<Readback, CheckValues, Values>;
  /** Per layer, 1 for each sample whose state there is NaN or infinite. */
  nonFinite(): Generator<Readback, readonly Float32Array[], Values>;
  /** A host copy of every state. */
  record(): Generator<Readback, Record<L, Float32Array>, Values>;
  /** The current states as new tensors (the caller's). */
  states(): States<L>;
  /** Stops these samples (1 = stopped): they no longer move. */
  stop(stopped: ArrayLike<number>): void;
  /** New time constants, steps or mode: every sample's step starts again from the plan's. */
  replan(plan: StepPlan<L>): void;
  /** Evaluates with other parameters from now on: `E` and `∂E/∂x̂` are recomputed at the current state. */
  setParams(params: Params | undefined): void;
  /** The final states as new tensors (the caller's); the stepper is spent. */
  finish(): States<L>;
  /** Frees everything it holds (safe to call after `finish`). */
  dispose(): void;
}

