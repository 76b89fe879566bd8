import type { HAM, States, Tensor } from '@hamux-ts/core';
import type { DescendOptions, Settings } from './options.js';
import { Relaxation, type Reading } from './relaxation.js';
import type { Values } from './stepper.js';

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

/**
 * The descent loop, written once: a relaxation stepped to its end, read every `checkEvery` steps
 * (stop reasons, divergence, progress, cancellation), its states recorded on request. `descendSync`
 * and `descend` drive it, answering its readbacks synchronously or not.
 */
export function* engine<L extends string, S extends string>(
  ham: HAM<L, S>,
  init: States<L>,
  s: Settings,
  options: DescendOptions<L>,
): Generator<Readback, DescendResult<L>, Values> {
  const relax = new Relaxation(ham, init, options);
  try {
    const recorded: { step: number; states: Record<L, Float32Array> }[] = [];
    let reading: Reading | undefined;
    for (;;) {
      const step = relax.step;
      if (s.recordStatesEvery > 0 && step % s.recordStatesEvery === 0) recorded.push({ step, states: yield* relax.record() });
      if (step % s.checkEvery === 0 || step >= s.maxSteps) {
        reading = yield* relax.check(options.signal);
        const energies = relax.energies;
        options.onProgress?.({
          step,
          energies: Float32Array.from(energies, (h) => h[h.length - 1]!),
          gradNorms: Float32Array.from(reading.gradNorm),
          active: reading.active,
          batch: relax.batch,
        });
        if (reading.active === 0) break;
        yield []; // a turn for the event loop (async driver), even when the reading needed no readback
      }
      relax.advance();
    }
    const report = reading.reports as SampleReport[];
    return {
      states: relax.finish(),
      report,
      energies: relax.energies.map((h, b) => Float32Array.from(h.slice(0, report[b]!.steps + 1))),
      recorded,
      steps: relax.step,
      converged: report.every((r) => r.converged),
      evaluator: relax.evaluator,
    };
  } finally {
    relax.dispose();
  }
}
