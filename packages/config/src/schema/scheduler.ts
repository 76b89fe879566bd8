import { z } from 'zod';
import { strict, boolean, nonNegativeNumber, positiveInteger, positiveNumber } from './primitives.js';
import { expect } from './messages.js';

/**
 * Settings of the scheduler (`descend` of `@hamux-ts/dynamics`), all optional: what is left out
 * takes the scheduler's own default. Clamping is a property of a layer (`layers.<name>.clamp`).
 */
export const schedulerSchema = strict({
  /** `'adaptive'` (default): per-sample step control, the energy never rises; `'fixed'`: HAMUX's plain loop. */
  mode: z
    .enum(['adaptive', 'fixed'], { error: expect('"adaptive" or "fixed"') })
    .optional()
    .describe('"adaptive" (default): per-sample step control, energy never rises. "fixed": HAMUX\'s plain loop.'),
  /** Step size (the initial step when adaptive), default 0.1. */
  dt: positiveNumber.optional().describe('Step size (the initial step when adaptive), default 0.1.'),
  /** Multi-rate integration for stiff hierarchies, default false. */
  multirate: z
    .union(
      [
        boolean,
        strict({
          /** Time constants at least this far apart go on separate levels. */
          ratio: z.number({ error: expect('a number > 1') }).gt(1, { error: expect('a number > 1') }).optional(),
          /** Steps of a faster level per step of the next slower one. */
          innerSteps: positiveInteger.optional(),
        }),
      ],
      { error: expect('true, false or { ratio, innerSteps }') },
    )
    .optional()
    .describe('Multi-rate integration for stiff hierarchies, default false.'),
  /** Stop after this many steps, default 1000. */
  maxSteps: positiveInteger.optional().describe('Stop after this many steps, default 1000.'),
  /** Convergence tolerances; defaults grad 1e-3, energy 1e-7, state 1e-6. */
  tolerance: strict({
    /** Converged when the largest `|∂E/∂x̂|` over the free neurons is at most this. */
    grad: nonNegativeNumber.optional(),
    /** With `state`: converged when the energy changes by at most this times `1 + |E|` between checks. */
    energy: nonNegativeNumber.optional(),
    /** With `energy`: the most any free neuron may move between checks. */
    state: nonNegativeNumber.optional(),
  })
    .optional()
    .describe('Convergence tolerances; defaults grad 1e-3, energy 1e-7, state 1e-6.'),
  /** Read values back to the host every this many steps, default 10. */
  checkEvery: positiveInteger.optional().describe('Read values back to the host every this many steps, default 10.'),
  /** Include the neuron energies (HAMUX, default true) or not (the Energy Transformer). */
  neuronEnergy: boolean.optional().describe('Include the neuron energies (HAMUX, default true) or not (Energy Transformer).'),
}).meta({ id: 'scheduler', description: 'Settings of the scheduler (descend); what is left out takes its default.' });

/** The scheduler settings of a validated config (the `descend` options it fixes). */
export type SchedulerConfig = z.output<typeof schedulerSchema>;
