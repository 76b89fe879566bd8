import { z } from 'zod';
import { strict, boolean, nonNegativeNumber, positiveInteger, positiveNumber } from './primitives.js';
import { expect } from './messages.js';

/**
 * Settings of the scheduler (`descend` of `@hamux-ts/dynamics`), all optional: what is left out
 * takes the scheduler's own default. Clamping is a property of a layer (`layers.<name>.clamp`).
 */
export const schedulerSchema = strict({
  mode: z
    .enum(['adaptive', 'fixed'], { error: expect('"adaptive" or "fixed"') })
    .optional()
    .describe('"adaptive" (default): per-sample step control, energy never rises. "fixed": HAMUX\'s plain loop.'),
  dt: positiveNumber.optional().describe('Step size (the initial step when adaptive), default 0.1.'),
  multirate: z
    .union(
      [
        boolean,
        strict({
          ratio: z.number({ error: expect('a number > 1') }).gt(1, { error: expect('a number > 1') }).optional(),
          innerSteps: positiveInteger.optional(),
        }),
      ],
      { error: expect('true, false or { ratio, innerSteps }') },
    )
    .optional()
    .describe('Multi-rate integration for stiff hierarchies, default false.'),
  maxSteps: positiveInteger.optional().describe('Stop after this many steps, default 1000.'),
  tolerance: strict({
    grad: nonNegativeNumber.optional(),
    energy: nonNegativeNumber.optional(),
    state: nonNegativeNumber.optional(),
  })
    .optional()
    .describe('Convergence tolerances; defaults grad 1e-3, energy 1e-7, state 1e-6.'),
  checkEvery: positiveInteger.optional().describe('Read values back to the host every this many steps, default 10.'),
  neuronEnergy: boolean.optional().describe('Include the neuron energies (HAMUX, default true) or not (Energy Transformer).'),
}).meta({ id: 'scheduler', description: 'Settings of the scheduler (descend); what is left out takes its default.' });

/** The scheduler settings of a validated config (the `descend` options it fixes). */
export type SchedulerConfig = z.output<typeof schedulerSchema>;
