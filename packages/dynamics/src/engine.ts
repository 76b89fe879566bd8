import type { HAM, States } from '@hamux-ts/core';
import type { DescendOptions, Settings } from './options.js';
import { Relaxation, type Reading } from './relaxation.js';
import type { DescendResult, Readback, SampleReport } from './report.js';
import type { Values } from './stepper.js';


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
