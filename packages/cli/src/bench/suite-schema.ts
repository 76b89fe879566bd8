/**
 * The suite file of `hamux bench`: a task, one protocol, and the variants it compares, as plain
 * JSON data checked by these zod schemas (the JSON Schema of `benchmarks/suites/suite.schema.json`
 * is generated from them). Variants are architecture configs (a file path relative to the suite
 * file, or inline, in full or preset form); a suite never carries code.
 */
import { z } from 'zod';

/** `expected <what>, got <value>`, the wording of every problem. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  if (json === undefined) return typeof value;
  return json.length <= 40 ? json : Array.isArray(value) ? `an array of ${value.length} items` : typeof value === 'string' ? `${json.slice(0, 30)}…"` : 'an object';
}
const expect = (what: string) => ({
  error: (issue: { readonly input?: unknown }) => (issue.input === undefined ? `missing: expected ${what}` : `expected ${what}, got ${show(issue.input)}`),
});

/** An object that rejects unknown keys, naming the keys it knows. */
function strict<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (expected: ${known})`
        : expect(what).error(issue),
  });
}

const positiveInt = z.int(expect('a positive integer')).positive(expect('a positive integer'));
const nonNegativeInt = z.int(expect('an integer >= 0')).nonnegative(expect('an integer >= 0'));
const positive = z.number(expect('a positive number')).positive(expect('a positive number'));
const nonNegative = z.number(expect('a number >= 0')).nonnegative(expect('a number >= 0'));
const fraction = z.number(expect('a number in [0, 1]')).min(0, expect('a number in [0, 1]')).max(1, expect('a number in [0, 1]'));
const openFraction = z.number(expect('a number in [0, 1)')).min(0, expect('a number in [0, 1)')).lt(1, expect('a number in [0, 1)'));
const layerName = z.string(expect('a layer name')).min(1, expect('a layer name'));
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, expect(what)).min(1, expect(what));

/** How the input of a completion task is corrupted: Gaussian noise, or a random fraction hidden. */
export const corruptionSchema = z.discriminatedUnion(
  'kind',
  [
    strict({ kind: z.literal('noise'), std: nonNegative.describe('Standard deviation of the Gaussian noise added to every pixel.') }, 'a corruption { "kind": "noise", "std" }'),
    strict({ kind: z.literal('mask'), fraction: openFraction.describe('Fraction of pixels hidden (set to the mean image, free); the rest are clamped.') }, 'a corruption { "kind": "mask", "fraction" }'),
  ],
  expect('a corruption { "kind": "noise", "std" } or { "kind": "mask", "fraction" }'),
).meta({ id: 'corruption', description: 'Gaussian noise on every pixel, or a random fraction of pixels hidden.' });
export type Corruption = z.output<typeof corruptionSchema>;

/** Scheduler settings a variant or the protocol may set (checked in full with the variant's config). */
const schedulerPatch = z
  .record(z.string(), z.unknown(), expect('an object of scheduler settings'))
  .describe('Scheduler settings merged over the config\'s own (mode, dt, multirate, …); checked with the config.');

const toleranceSchema = strict({ grad: nonNegative.optional(), energy: nonNegative.optional(), state: nonNegative.optional() }, 'an object { grad, energy, state }')
  .describe('Convergence tolerances of the scheduler, the same for every variant.');

export const protocolSchema = strict({
  runs: positiveInt.default(3).describe('Timed relaxations per variant (median and spread reported), default 3.'),
  warmup: nonNegativeInt.default(1).describe('Untimed relaxations before the timed ones, default 1.'),
  batch: positiveInt.default(32).describe('Samples in the timed relaxation, default 32.'),
  maxSteps: positiveInt.default(300).describe('Step budget of every relaxation, default 300.'),
  tolerance: toleranceSchema.optional(),
  checkEvery: positiveInt.optional().describe('Scheduler host checks every this many steps (default: the scheduler\'s).'),
}, 'a protocol object').describe('How every variant is measured: the same for all.');

const trainSchema = strict({
  epochs: positiveInt.describe('Epochs of training through the unrolled dynamics.'),
  batchSize: positiveInt.default(50),
  steps: positiveInt.describe('Unrolled Euler steps T per example.'),
  dt: positive.default(0.4).describe('Step size of the unrolled descent.'),
  learningRate: positive.default(5e-3).describe('Adam learning rate.'),
  clipNorm: positive.optional().describe('Rescale each step\'s gradients to at most this global L2 norm.'),
  corruption: corruptionSchema.describe('How the training inputs are corrupted.'),
  fixedPoint: strict({
    method: z.enum(['implicit', 'equilibrium'], expect('"implicit" or "equilibrium"')).describe('Implicit differentiation at the fixed point, or equilibrium propagation.'),
    beta: positive.optional().describe('Equilibrium propagation\'s nudge strength β (default 0.05).'),
    dt: positive.optional().describe('Euler step of the relaxations (default: train.dt).'),
    tolerance: positive.optional().describe('A relaxation has converged when every |∂E/∂x̂| is below this (default 1e-5).'),
    maxSteps: positiveInt.optional().describe('The most steps a relaxation may take (default 5000).'),
  }, 'a fixedPoint object').optional().describe('Train where the dynamics come to rest instead of through `steps` unrolled steps (which remain the length of the after-T-steps readout).'),
}, 'a training object').describe('One training budget for every variant: same digits, corruption, epochs, optimizer.');

const completionTask = strict({
  kind: z.literal('completion'),
  data: z.enum(['mnist', 'mnist-standard'], expect('"mnist" or "mnist-standard"')).describe('"mnist": the 10,000 digits of the mnist package, 2,000 of them held out; "mnist-standard": MNIST\'s standard split, training digits from its 60,000 and test digits from its 10,000.'),
  input: layerName.default('visible').describe('The image layer (784 entries); a variant may name its own.'),
  trainImages: positiveInt.describe('Training digits (from the 8,000 left after holding out 2,000, or from the standard 60,000).'),
  testImages: positiveInt.describe('Held-out digits the quality is measured on.'),
  train: trainSchema,
  noise: z.array(nonNegative, expect('an array of noise levels')).default([]).describe('Noise levels σ of the quality curve.'),
  mask: z.array(openFraction, expect('an array of fractions in [0, 1)')).default([]).describe('Hidden fractions of the quality curve.'),
  timed: corruptionSchema.describe('The corruption of the timed relaxation.'),
}, 'a completion task').describe('MNIST completion: train each variant through its dynamics, then restore corrupted held-out digits.');

const capacityTask = strict({
  kind: z.literal('capacity'),
  input: layerName.default('visible').describe('The layer holding a pattern; a variant may name its own.'),
  features: positiveInt.describe('Pattern length N: "$N" in the variants\' configs.'),
  threshold: fraction.default(0.9).describe('Capacity: the largest K at which at least this fraction of tested patterns is stored (every single flip raises the energy).'),
  tested: positiveInt.default(32).describe('Patterns tested at each K (at most K).'),
  samples: positiveInt.default(64).describe('At least this many patterns tested at each K (small K: several pattern sets).'),
  maxK: positiveInt.default(4096).describe('Largest K tried: a capacity above it is reported as "> maxK".'),
  load: positiveInt.describe('K of the recall curve and of the timed relaxation ("$K").'),
  flips: list(openFraction, 'a non-empty array of fractions in [0, 1)').describe('Fractions of flipped bits of the recall curve.'),
  timedFlip: openFraction.default(0.1).describe('Fraction of flipped bits in the timed relaxation.'),
}, 'a capacity task').describe('Random ±1 patterns stored in each variant; recall from flipped bits, and the largest K recalled.');

const relaxationTask = strict({
  kind: z.literal('relaxation'),
  initStd: positive.default(1).describe('Standard deviation of the random initial states.'),
}, 'a relaxation task').describe('Relaxation from seeded random states: steps, time and end point.');

export const taskSchema = z.discriminatedUnion('kind', [completionTask, capacityTask, relaxationTask], {
  error: (issue) => {
    const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
    return kind === undefined ? 'missing: expected a task with "kind": "completion", "capacity" or "relaxation"' : `unknown task kind ${show(kind)} (expected one of: completion, capacity, relaxation)`;
  },
}).meta({ id: 'task', description: 'What every variant is asked to do.' });
export type Task = z.output<typeof taskSchema>;
export type CompletionTask = Extract<Task, { kind: 'completion' }>;
export type CapacityTask = Extract<Task, { kind: 'capacity' }>;
export type RelaxationTask = Extract<Task, { kind: 'relaxation' }>;

export const storeSchema = strict({
  param: z.string(expect('a parameter path')).regex(/^synapses\.[^.]+\.[^.]+$/, expect('a parameter path "synapses.<synapse>.<param>"')).describe('The parameter that receives the K stored vectors: [K, n] (rows) or [n, K] (columns).'),
  from: layerName.optional().describe('Store what this layer shows when the input is clamped at a pattern (with the parameter zeroed); default: the pattern itself.'),
  scale: positive.default(1).describe('Multiplies the stored vectors.'),
  layout: z.enum(['rows', 'columns'], expect('"rows" or "columns"')).optional()
    .describe('One stored vector per row ([K, n]) or per column ([n, K]); needed where the parameter is square (K = n), read from its shape elsewhere.'),
}, 'a store object { "param", "from", "scale", "layout" }').describe('Capacity task: where the patterns are written.');

export const variantSchema = strict({
  name: z.string(expect('a variant name')).regex(/^[A-Za-z0-9][A-Za-z0-9 ._+-]*$/, expect('a name of letters, digits, spaces and . _ + -')),
  description: z.string(expect('a string')).optional(),
  config: z.union([z.string(), z.record(z.string(), z.unknown())], expect('a config file path or an inline config object'))
    .describe('A config file (relative to the suite file) or an inline config (full or preset form). Capacity: "$N" and "$K" stand for numbers.'),
  input: layerName.optional().describe('This variant\'s input layer (default: the task\'s).'),
  observed: layerName.optional().describe('Completion: a layer of the input\'s shape that receives a clamped copy of the corrupted input, in training and when restoring (the observation a tie to the input makes a data-fidelity term).'),
  scheduler: schedulerPatch.optional(),
  store: storeSchema.optional(),
  freeze: z.array(z.string(expect('a parameter path')).regex(/^(layers|synapses)\.[^.]+\.[^.]+$/, expect('a parameter path "synapses.<synapse>.<param>" or "layers.<layer>.<param>"')), expect('an array of parameter paths'))
    .optional().describe('Completion: learnable parameters held at their initial values while training (the report says so).'),
  tags: z.record(z.string(), z.union([z.string(), z.number()]), expect('an object of strings and numbers')).optional()
    .describe('Free labels, for plots: { "ratio": 100, "integrator": "multi-rate" }.'),
}, 'a variant { "name", "config" }').meta({ id: 'variant', description: 'One architecture run through the protocol.' });
export type Variant = z.output<typeof variantSchema>;

export const metricNames = ['steps', 'batchSteps', 'wallMs', 'msPerStep', 'flopsPerStep', 'params', 'peakBytes', 'converged', 'capacity', 'finalEnergy'] as const;
export type MetricName = (typeof metricNames)[number];

export const plotSchema = strict({
  name: z.string(expect('a file name')).regex(/^[a-z0-9-]+$/, expect('lowercase letters, digits and -')),
  title: z.string().optional(),
  x: z.string(expect('a tag name')).describe('The tag on the x axis (a number).'),
  series: z.string(expect('a tag name')).optional().describe('The tag that splits variants into lines.'),
  y: z.enum(metricNames, expect(`one of ${metricNames.join(', ')}`)),
  logX: z.boolean().default(false),
  logY: z.boolean().default(false),
}, 'a plot { "name", "x", "y" }').describe('A plot of a measured metric against a numeric tag.');

const fullSchema = strict({
  task: z.record(z.string(), z.unknown(), expect('an object')).optional(),
  protocol: z.record(z.string(), z.unknown(), expect('an object')).optional(),
}, 'an object { "task", "protocol" }').describe('With --full: values merged over task and protocol (objects merged key by key).');

const suiteShape = {
  $schema: z.string().optional(),
  name: z.string(expect('a suite name')).regex(/^[a-z0-9][a-z0-9-]*$/, expect('a name of lowercase letters, digits and -')).describe('Names the report files: <name>-<backend>.md/.json.'),
  title: z.string(expect('a title')).min(1, expect('a title')),
  description: z.string().optional(),
  seed: z.int(expect('an integer')).describe('Seed of the data, corruptions and initial states (each part derives its own).'),
  task: taskSchema,
  protocol: protocolSchema.default({ runs: 3, warmup: 1, batch: 32, maxSteps: 300 }),
  variants: list(variantSchema, 'a non-empty array of variants'),
  plots: z.array(plotSchema, expect('an array of plots')).default([]),
  full: fullSchema.optional(),
};

/** A whole suite file (variant names must differ). */
export const suiteSchema = strict(suiteShape, 'a suite { "name", "title", "seed", "task", "variants" }')
  .check((ctx) => {
    const seen = new Map<string, number>();
    ctx.value.variants.forEach((v, i) => {
      const first = seen.get(v.name);
      if (first !== undefined) ctx.issues.push({ code: 'custom', path: ['variants', i, 'name'], input: v.name, message: `variant name "${v.name}" is already used by variants[${first}]` });
      else seen.set(v.name, i);
    });
  })
  .meta({ id: 'suite', title: 'hamux bench suite', description: 'Variants of one task, measured by one protocol.' });
export type Suite = z.output<typeof suiteSchema>;

/** The JSON Schema (draft 2020-12) of a suite file, what editors use to complete and check it. */
export function suiteJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(suiteSchema, { io: 'input' }), title: 'hamux bench suite' };
}

/** `['variants', 2, 'config']` → `variants[2].config`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Fallback wording for the issues a schema above does not word itself. */
export const messages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return expect(issue.expected === 'record' || issue.expected === 'object' ? 'an object' : `a ${issue.expected}`).error(issue);
    case 'invalid_value':
      return expect(`one of ${issue.values.map((v) => show(v)).join(', ')}`).error(issue);
    default:
      return issue.input === undefined ? 'missing' : `invalid value ${show(issue.input)}`;
  }
};
