/**
 * Relaxation from seeded random states: how many steps and how much time each variant's scheduler
 * needs to reach the protocol's end point (its tolerance), and where it ends. The stiffness suite
 * uses it to compare time-constant ratios and integrators.
 */
import { deriveKey } from '@hamux-ts/core';
import { countWork, disposeStates, median, timeRelaxation } from '../measure.js';
import type { RelaxationTask, Suite } from '../suite-schema.js';
import type { TaskOutput, TaskRunner, VariantInput } from './task.js';

export function relaxationRunner(suite: Suite, task: RelaxationTask): TaskRunner {
  const p = suite.protocol;
  const text =
    `Each variant relaxes a batch of ${p.batch} seeded random states (N(0, ${task.initStd}²) in every layer, the same numbers for layers of the same name and shape) with its own scheduler settings ` +
    `(the config's, and the variant's integrator) until every sample meets the protocol's end point${p.tolerance ? ` (tolerance ${JSON.stringify(p.tolerance)})` : ''} or ${p.maxSteps} steps. ` +
    `"Steps" counts energy evaluations, the unit of cost. Timed: ${p.runs} relaxations after ${p.warmup} warm-up.`;
  return {
    text,
    async run({ ham, options, log, load }: VariantInput): Promise<TaskOutput> {
      const init = ham.randomStates(p.batch, deriveKey(suite.seed, 'init'), task.initStd);
      try {
        const work = await countWork(ham, init, options, undefined);
        const timed = await timeRelaxation(ham, init, options, p, load);
        disposeStates(timed.last.states);
        const r = timed.timing;
        log(`relaxed in ${r.wallMs.median.toFixed(0)} ms (${r.stepsPerSample.median} steps per sample, ${r.converged}/${r.batch} converged)`);
        return {
          preparation: { kind: 'none' },
          work,
          relaxation: r,
          quality: {
            kind: 'relaxation',
            finalEnergy: median(timed.last.report.map((s) => s.energy)),
            finalGradNorm: median(timed.last.report.map((s) => s.gradNorm)),
          },
        };
      } finally {
        disposeStates(init);
      }
    },
    dispose: () => undefined,
  };
}
