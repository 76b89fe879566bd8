/**
 * The mapping: what a hamux-torch model is in hamux-ts terms, as JSON data. A state dict holds only
 * tensors; the Lagrangians, their constants (kept in Python `partial`s), the layers' shapes, the
 * synapses' constants and the connections live in the model's Python code, and the mapping restates
 * them. packages/torch/README.md has a worked example; in short:
 *
 * ```json
 * {
 *   "neurons": {
 *     "visible": { "lagrangian": "lagr_sigmoid", "shape": [16], "beta": 1.5 },
 *     "hidden": { "lagrangian": "lagr_softmax", "shape": [12], "beta": 3 }
 *   },
 *   "hypersynapses": { "W": { "kind": "dense" } },
 *   "connections": [[["visible", "hidden"], "W"]]
 * }
 * ```
 *
 * Every problem is a `HamuxError` at `mapping.<JSON path>`, all reported at once.
 */
import { z } from 'zod';
import { builtinSynapseKinds } from '@hamux-ts/config';
import { HamuxError, HamuxErrors, didYouMean, type ErrorPath } from '@hamux-ts/core';
import { TORCH_LAGRANGIANS, torchLagrangianNames } from './lagrangians.js';
import { LAYOUT_STEPS } from './layout.js';

/** A value in a message: short JSON, or what kind of value it is. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  if (json !== undefined && json.length <= 40) return json;
  return Array.isArray(value) ? `an array of ${value.length} items` : typeof value === 'string' ? `${JSON.stringify(value.slice(0, 30))}…` : 'an object';
}

/** zod's messages in the project's words: `expected a positive integer, got 2.5`. */
const expected = (what: string) => (issue: { readonly input?: unknown }) =>
  issue.input === undefined ? `missing: expected ${what}` : `expected ${what}, got ${show(issue.input)}`;
const say = (what: string) => ({ error: expected(what) });

function strict<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"${didYouMean(k, known)}`).join(', ')} (expected: ${known.join(', ')})`
        : expected(what)(issue),
  });
}

const number = z.number(say('a finite number'));
const name = z.string(say('a name')).min(1, say('a non-empty name'));
const positiveInteger = z.int(say('a positive integer')).positive(say('a positive integer'));
/** A layer's shape: `[784]`, or `784` as hamux-torch's `NeuronLayer(lagrangian, 784)` allows. */
const shape = z.union([positiveInteger, z.array(positiveInteger).min(1)], say('a shape, such as [784] or 784')).transform((s) => (typeof s === 'number' ? [s] : s));

/** What each hamux-torch keyword argument of a Lagrangian may be; ranges are checked by the config. */
const KEYWORD_VALUES: Readonly<Record<string, z.ZodType>> = {
  beta: number,
  n: number,
  gamma: number,
  delta: z.union([number, z.array(number).min(1)], say('a number or a non-empty array of numbers')),
  dim: z.int(say('an integer axis')),
  eps: number,
};

/** A neuron layer: its hamux-torch Lagrangian with the constants of its `partial`, and its shape. */
function neuronSchema(lagrangian: string) {
  const keywords = Object.keys(TORCH_LAGRANGIANS[lagrangian]!.options);
  return strict(
    {
      lagrangian: z.literal(lagrangian),
      shape,
      ...Object.fromEntries(keywords.map((k) => [k, KEYWORD_VALUES[k]!.optional()])),
      tau: z.number(say('a positive number')).positive(say('a positive number')).optional(),
      clamp: z.boolean(say('true or false')).optional(),
    },
    'a neuron layer { "lagrangian", "shape", … }',
  );
}

const neuron = z.discriminatedUnion(
  'lagrangian',
  torchLagrangianNames.map(neuronSchema) as unknown as [ReturnType<typeof neuronSchema>, ...ReturnType<typeof neuronSchema>[]],
  {
    error: (issue) => {
      const input = issue.input as Record<string, unknown> | undefined;
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return expected('a neuron layer { "lagrangian", "shape", … }')(issue);
      const given = input['lagrangian'];
      if (given === undefined) return `missing: expected "lagrangian", one of: ${torchLagrangianNames.join(', ')}`;
      const hint = typeof given === 'string' ? didYouMean(given, torchLagrangianNames) : '';
      return `unknown hamux-torch Lagrangian ${show(given)}${hint} (expected one of: ${torchLagrangianNames.join(', ')})`;
    },
  },
);

/** Where one parameter of the hamux-ts synapse comes from: a state-dict key under the synapse, and layout changes. */
const tensorSource = strict(
  {
    key: name.optional(),
    layout: z.array(z.enum(LAYOUT_STEPS, say(`a layout step, one of: ${LAYOUT_STEPS.join(', ')}`)), say('an array of layout steps')).optional(),
  },
  'a tensor source { "key", "layout" }',
);

/** Entries of a hamux-ts synapse config that the importer writes itself. */
const RESERVED_OPTIONS = ['kind', 'connects', 'init', 'seed'];

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), number, z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)], say('JSON data')),
);

const synapse = strict(
  {
    kind: z.enum(builtinSynapseKinds, {
      error: (issue) =>
        issue.input === undefined
          ? `missing: expected a hamux-ts synapse kind, one of: ${builtinSynapseKinds.join(', ')}`
          : `unknown hamux-ts synapse kind ${show(issue.input)}${typeof issue.input === 'string' ? didYouMean(issue.input, builtinSynapseKinds) : ''} (expected one of: ${builtinSynapseKinds.join(', ')})`,
    }),
    options: z.record(z.string(), jsonValue, say('an object of options')).optional(),
    tensors: z.record(z.string(), tensorSource, say('an object of tensor sources by hamux-ts parameter')).optional(),
  },
  'a hypersynapse { "kind", "options", "tensors" }',
).check((ctx) => {
  for (const key of Object.keys(ctx.value.options ?? {}).filter((k) => RESERVED_OPTIONS.includes(k))) {
    ctx.issues.push({ code: 'custom', path: ['options', key], input: key, message: `"${key}" is written by the importer (from the connections and the state dict), not given as an option` });
  }
});

/** `[["a", "b"], "W"]`, as hamux-torch's Python writes it, or `{ "neurons", "synapse", "name" }` to name the hamux-ts synapse. */
const connection = z.union(
  [
    z.tuple([z.array(name).min(1), name]),
    strict({ neurons: z.array(name, say('an array of neuron names')).min(1, say('at least one neuron')), synapse: name, name: name.optional() }, 'a connection'),
  ],
  say('a connection [["neuron", …], "synapse"] or { "neurons", "synapse", "name" }'),
);

const mappingSchema = strict(
  {
    $schema: z.string().optional(),
    prefix: z.string(say('a key prefix such as "model."')).optional(),
    seed: z.int(say('an integer')).optional(),
    neurons: z.record(name, neuron, say('an object of neuron layers by name')),
    hypersynapses: z.record(name, synapse, say('an object of hypersynapses by name')),
    connections: z.array(connection, say('an array of connections')).min(1, say('at least one connection')),
  },
  'a mapping { "neurons", "hypersynapses", "connections" }',
);

/** A validated neuron entry: the hamux-torch Lagrangian, the layer's shape, the `partial`'s constants, τ and clamp. */
export interface NeuronMapping {
  /** hamux-torch's name of the Lagrangian (`lagr_softmax`, `IdentityLagrangian`). */
  readonly lagrangian: string;
  /** The layer's shape, without the batch axis. */
  readonly shape: readonly number[];
  /** hamux-ts's time constant τ (optional). */
  readonly tau?: number | undefined;
  /** Whether hamux-ts holds the layer fixed (optional). */
  readonly clamp?: boolean | undefined;
  /** The hamux-torch keyword arguments given (`beta`, `n`, `gamma`, `delta`, `dim`, `eps`). */
  readonly [keyword: string]: unknown;
}

/** A validated hypersynapse entry. */
export interface SynapseMapping {
  /** The hamux-ts built-in synapse it is. */
  readonly kind: string;
  /** The hamux-ts options besides kind and connects (β, memories, perToken, kernel…). */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  /** Where each hamux-ts parameter comes from; by default the state-dict key of the same name, unchanged. */
  readonly tensors?: Readonly<Record<string, {
    /** The state-dict key under the synapse (`W` for `hypersynapses.<name>.W`); default the parameter's name. */
    readonly key?: string | undefined;
    /** Layout steps applied in order (`transpose`, `normalizeColumns`, `normalizeRows`, `oihwToHwio`). */
    readonly layout?: readonly string[] | undefined;
  }>> | undefined;
}

/** One connection: the neurons, in the order the synapse's energy takes them, the synapse, and the hamux-ts name if given. */
export interface Connection {
  /** The neurons, in the order the synapse's energy takes them. */
  readonly neurons: readonly string[];
  /** The hamux-torch synapse. */
  readonly synapse: string;
  /** The name of the hamux-ts synapse it becomes (by default the synapse's, or `<synapse>_<i>` when tied). */
  readonly name?: string | undefined;
}

/** A validated mapping (what `parseMapping` returns). */
export interface TorchMapping {
  /** A prefix of every state-dict key, stripped before the names are read (a model kept as `model.…`). */
  readonly prefix?: string | undefined;
  /** The hamux-ts config's seed (parameters all come from the state dict; default 0). */
  readonly seed?: number | undefined;
  /** The neuron layers, by the names of the model's `neurons`. */
  readonly neurons: Readonly<Record<string, NeuronMapping>>;
  /** The hypersynapses, by the names of the model's `hypersynapses`. */
  readonly hypersynapses: Readonly<Record<string, SynapseMapping>>;
  /** The model's connections, each as an object. */
  readonly connections: readonly Connection[];
}

const issuePath = (path: readonly PropertyKey[]): ErrorPath => ['mapping', ...path.map((k) => (typeof k === 'symbol' ? String(k) : k))];

/**
 * Validates a mapping (parsed JSON): every problem at once, as `HamuxErrors` at `mapping.<path>`,
 * including connections that name unknown neurons or synapses.
 */
export function parseMapping(json: unknown): TorchMapping {
  const parsed = mappingSchema.safeParse(json);
  if (!parsed.success) {
    throw new HamuxErrors(parsed.error.issues.map((i) => new HamuxError(issuePath(i.path), i.message, i.message.startsWith('unknown') ? 'unknown_name' : 'invalid_config')));
  }
  const { connections: raw, ...rest } = parsed.data;
  const connections: Connection[] = raw.map((c) => (Array.isArray(c) ? { neurons: c[0], synapse: c[1] } : c));
  const errors: HamuxError[] = [];
  const neurons = Object.keys(rest.neurons);
  const synapses = Object.keys(rest.hypersynapses);
  connections.forEach((c, i) => {
    const at = (...p: (string | number)[]) => ['mapping', 'connections', i, ...p];
    const synapseAt = Array.isArray(raw[i]) ? at(1) : at('synapse');
    c.neurons.forEach((n, j) => {
      if (!neurons.includes(n)) errors.push(new HamuxError(Array.isArray(raw[i]) ? at(0, j) : at('neurons', j), `unknown neuron "${n}"${didYouMean(n, neurons)} (neurons are ${neurons.map((x) => `"${x}"`).join(', ') || 'none'})`, 'unknown_name'));
    });
    if (!synapses.includes(c.synapse)) errors.push(new HamuxError(synapseAt, `unknown hypersynapse "${c.synapse}"${didYouMean(c.synapse, synapses)} (hypersynapses are ${synapses.map((x) => `"${x}"`).join(', ') || 'none'})`, 'unknown_name'));
  });
  if (errors.length > 0) throw new HamuxErrors(errors);
  return { ...rest, connections } as TorchMapping;
}
