/**
 * Weights against what a config (or a graph) says about them. A weights file holds values, but the
 * config is where a parameter is declared fixed or learnable and where its range is checked; these
 * checks keep the two from disagreeing in silence:
 * - a fixed parameter (a Lagrangian's β, say) given in the weights must equal the config's value,
 *   unless fixed parameters may be overridden (`overrideFixed`);
 * - a parameter that is also a config option (β, γ, δ) must lie in the option's range, checked by
 *   the same schema and factory as the config itself.
 */
import { HamuxError, tf, type ErrorPath, type ParamSpec, type ParamSpecTree, type Tensor } from '@hamux-ts/core';
import type { z } from 'zod';
import { makeLagrangian, makeSynapse } from './schema/builtins.js';
import type { LagrangianConfig, SynapseConfig } from './schema/config.js';
import { lagrangianSchema, synapseSchema } from './schema/parts.js';
import { fallbackMessages, show } from './schema/messages.js';
import type { AnyRegistry } from './schema/registry.js';

/** What each owner's config entry is: `layers` by their Lagrangian entry, `synapses` by their whole entry. */
export interface ConfigEntries {
  readonly layers: ReadonlyMap<string, LagrangianConfig>;
  readonly synapses: ReadonlyMap<string, SynapseConfig>;
}

/** Given tensors by group and owner (only those whose shape already fits their spec). */
export type GivenTree = Readonly<Record<'layers' | 'synapses', Readonly<Record<string, Readonly<Record<string, Tensor>>>>>>;

/** A fixed parameter's values, when its spec gives them without a seed (a constant or explicit values). */
export function fixedValues(spec: ParamSpec): Float32Array | undefined {
  if (spec.learnable) return undefined;
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.init.type === 'constant') return new Float32Array(size).fill(spec.init.value);
  if (spec.init.type === 'values' && spec.init.values.length === size) return Float32Array.from(spec.init.values);
  return undefined;
}

/** A fixed parameter's tensor from its spec (the caller disposes it), or undefined when it needs a seed. */
export function fixedTensor(spec: ParamSpec): Tensor | undefined {
  const values = fixedValues(spec);
  return values && tf.tensor(values, [...spec.shape], 'float32');
}

const shown = (x: number): string => (Object.is(x, -0) ? '0' : String(x));

/**
 * Fixed parameters whose given values differ from their spec's (compared as float32, as they are
 * stored): `layers.hidden.beta: the weights give 2, but the config fixes it at 1 (…)`.
 */
export function fixedProblems(specs: ParamSpecTree, given: GivenTree, prefix: ErrorPath, source: 'config' | 'graph'): HamuxError[] {
  const errors: HamuxError[] = [];
  const advice = "to use the weights' value, allow overriding fixed parameters (overrideFixed: true; hamux --override-fixed)";
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, tensors] of Object.entries(given[group])) {
      if (!Object.hasOwn(specs[group], owner)) continue;
      const ownerSpecs = specs[group][owner]!;
      for (const [p, t] of Object.entries(tensors)) {
        const expected = Object.hasOwn(ownerSpecs, p) ? fixedValues(ownerSpecs[p]!) : undefined;
        if (!expected) continue;
        const got = t.dataSync();
        const i = expected.findIndex((x, k) => got[k] !== x); // both float32; NaN never equals
        if (i < 0) continue;
        const entry = t.rank === 0 ? '' : `entry ${i} `;
        errors.push(new HamuxError([...prefix, group, owner, p], `the weights give ${entry}${shown(got[i]!)}, but the ${source} fixes it at ${shown(expected[i]!)} (${advice})`, 'invalid_config'));
      }
    }
  }
  return errors;
}

/** Keys of an entry that configure it and are never parameters. */
const NOT_PARAMS = new Set(['kind', 'connects', 'seed', 'init']);

/**
 * Given parameters that are also options of their owner's config entry (β, γ, δ), checked by the
 * same schema and factory as the config: `layers.hidden.beta: expected a positive number, got -3`.
 * An entry that is not valid on its own (an unregistered kind) is not checked here.
 */
export function rangeProblems(entries: ConfigEntries, given: GivenTree, registry: AnyRegistry, prefix: ErrorPath): HamuxError[] {
  const errors: HamuxError[] = [];
  const schemas = { layers: lagrangianSchema(registry), synapses: synapseSchema(registry) };
  const make = {
    layers: (c: unknown) => makeLagrangian(c as LagrangianConfig, registry),
    synapses: (c: unknown) => makeSynapse(c as SynapseConfig, registry),
  };
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, tensors] of Object.entries(given[group])) {
      const entry = entries[group].get(owner) as Readonly<Record<string, unknown>> | undefined;
      if (!entry || !schemas[group].safeParse(entry, { error: fallbackMessages }).success) continue;
      for (const [p, t] of Object.entries(tensors)) {
        if (NOT_PARAMS.has(p) || !Object.hasOwn(entry, p)) continue;
        const path = [...prefix, group, owner, p];
        const data = Array.from(t.dataSync());
        const value = t.rank === 0 ? data[0]! : data;
        const parsed = schemas[group].safeParse({ ...entry, [p]: value }, { error: fallbackMessages }) as z.ZodSafeParseResult<unknown>;
        if (!parsed.success) {
          const issue = parsed.error.issues.find((i) => i.path[0] === p) ?? parsed.error.issues[0]!;
          errors.push(new HamuxError(path, weightsWording(issue.message, value), 'invalid_config'));
          continue;
        }
        try {
          make[group](parsed.data);
        } catch (e) {
          errors.push(new HamuxError(path, e instanceof HamuxError ? e.detail : String(e), 'invalid_config'));
        }
      }
    }
  }
  return errors;
}

/**
 * A config option's message, for a value from the weights: the `{ "value", "learnable" }` form a
 * config may write is no business of a weights file, and the value is shown whole when short.
 */
function weightsWording(message: string, value: number | number[]): string {
  return message.replace(/, or \{ "value": .*, "learnable": true \}(?=, got )/, '').replace(/, got .*$/, `, got ${show(value)}`);
}
