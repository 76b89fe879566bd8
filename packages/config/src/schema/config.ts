import { z } from 'zod';
import type { BuiltinLagrangianConfig } from './lagrangians.js';
import type { BuiltinSynapseConfig } from './synapses.js';
import { schedulerSchema, type SchedulerConfig } from './scheduler.js';
import { strict, integer } from './primitives.js';
import { createRegistry, type AnyRegistry, type CustomLagrangianConfig, type CustomSynapseConfig } from './registry.js';
import { layerSchema, synapseSchema } from './parts.js';
import { expandValidForm, presetFormSchema } from '../presets/catalog.js';

/**
 * A whole architecture as data: named neuron layers, named hypersynapses between them, the seed of
 * their parameters, and the scheduler's settings.
 *
 * ```json
 * {
 *   "layers": {
 *     "pixels": { "shape": [784], "lagrangian": { "kind": "identity" }, "clamp": true },
 *     "hidden": { "shape": [256], "lagrangian": { "kind": "softmax", "beta": 2 }, "tau": 0.1 }
 *   },
 *   "synapses": { "enc": { "kind": "dense", "connects": ["pixels", "hidden"] } },
 *   "seed": 0
 * }
 * ```
 */

export type LagrangianConfig = BuiltinLagrangianConfig | CustomLagrangianConfig;
/** A synapse in a config: a built-in kind or a kind registered by the user. */
export type SynapseConfig = BuiltinSynapseConfig | CustomSynapseConfig;

/** A neuron layer in a config: shape, Lagrangian, time constant and clamp. */
export interface LayerConfig {
  /** Shape of one sample's state. */
  readonly shape: readonly number[];
  /** The layer's Lagrangian, by kind and options. */
  readonly lagrangian: LagrangianConfig;
  /** Time constant τ (default 1). */
  readonly tau: number;
  /** Held fixed while the other layers relax. */
  readonly clamp?: boolean | undefined;
}

/** A validated config, every default filled in (what `parseConfig` returns). */
export interface Config {
  /** The neuron layers, by name. */
  readonly layers: Readonly<Record<string, LayerConfig>>;
  /** The hypersynapses, by name. */
  readonly synapses: Readonly<Record<string, SynapseConfig>>;
  /** Seed of every parameter's initialisation. */
  readonly seed: number;
  /** Scheduler settings; what is left out takes the scheduler's default. */
  readonly scheduler?: SchedulerConfig | undefined;
}

/** Names no layer or synapse may have: they would clash with every JavaScript object's own. */
export const reservedNames: readonly string[] = ['__proto__', 'constructor', 'prototype'];

const seed = integer.describe("Seed of every parameter's initialisation; each parameter gets its own stream by path.");
const $schema = z.string().optional().describe('Where editors find this JSON Schema.');

/** The top level, with layers and synapses left unparsed (they are checked one by one). */
export const shellSchema = strict({
  $schema,
  layers: z.record(z.string(), z.unknown(), { error: () => 'expected an object of named layers' }),
  synapses: z.record(z.string(), z.unknown(), { error: () => 'expected an object of named hypersynapses' }),
  seed,
  scheduler: schedulerSchema.optional(),
});

/**
 * The zod schema of a whole config, with the kinds of `registry` beside the built-in ones: the full
 * form, or a preset form `{ "preset", "options" }` (expanded to the full form it stands for).
 */
export function configSchema(registry: AnyRegistry = createRegistry()): z.ZodType<Config> {
  const full = strict({
    $schema,
    layers: z.record(z.string(), layerSchema(registry)).describe('Neuron layers by name.'),
    synapses: z.record(z.string(), synapseSchema(registry)).describe('Hypersynapses by name.'),
    seed,
    scheduler: schedulerSchema.optional(),
  })
    .describe('A hamux-ts architecture: neuron layers, hypersynapses between them, a seed and scheduler settings.')
    .transform(({ $schema: _, ...config }) => config);
  const preset = presetFormSchema
    .describe('A ready architecture: a preset and its options.')
    .transform((form): unknown => expandValidForm(form))
    .pipe(full);
  return z.union([full, preset]).describe('A hamux-ts architecture, in full or as a preset.');
}
