import { HamuxError, HamuxErrors, didYouMean, type ErrorPath } from '@hamux-ts/core';
import type { z } from 'zod';
import { reservedNames, shellSchema, type Config, type LayerConfig, type SynapseConfig } from './config.js';
import { layerSchema, synapseSchema } from './parts.js';
import { fallbackMessages, issueCode, issuePath, show } from './messages.js';
import { createRegistry, type AnyRegistry } from './registry.js';
import { expandPresetForm, isPresetForm } from '../presets/catalog.js';
import { MAX_JSON_DEPTH } from '../json.js';

/** What validation found: every problem, and the parts that are valid on their own. */
export interface Checked {
  readonly errors: HamuxError[];
  readonly seed: number | undefined;
  readonly scheduler: Config['scheduler'];
  /** Valid layers and synapses, in the config's order. */
  readonly layers: Map<string, LayerConfig>;
  readonly synapses: Map<string, SynapseConfig>;
  /** Every name given in the config, valid or not. */
  readonly declaredLayers: ReadonlySet<string>;
  readonly declaredSynapses: ReadonlySet<string>;
}

type Raw = Readonly<Record<string, unknown>>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property only: a config's inherited keys are never read. */
function own(o: unknown, key: string): unknown {
  return isRecord(o) && Object.hasOwn(o, key) ? o[key] : undefined;
}

function issues<T>(result: z.ZodSafeParseResult<T>, prefix: ErrorPath): HamuxError[] {
  return result.success ? [] : result.error.issues.map((i) => new HamuxError([...prefix, ...issuePath(i.path)], i.message, issueCode(i)));
}

function nameProblem(group: 'layer' | 'synapse', name: string): string | undefined {
  if (name === '') return `a ${group} name must not be empty`;
  if (reservedNames.includes(name)) return `"${name}" cannot be a ${group} name (reserved: ${reservedNames.join(', ')})`;
  return undefined;
}

/**
 * Checks a config piece by piece, so that every problem is found at once and the valid parts can
 * still be built (for the graph's own checks): the top level, each layer, each synapse, and that
 * every name in `connects` is a layer of the config. A config in preset form
 * (`{ "preset", "options" }`) is checked and expanded first.
 */
export function checkConfig(given: unknown, registry: AnyRegistry): Checked {
  // Before anything recursive (zod, the preset forms, messages) walks it: any depth is a stack overflow away.
  const deep = tooDeep(given, MAX_JSON_DEPTH);
  if (deep) return failed([new HamuxError(deep, `nested deeper than ${MAX_JSON_DEPTH} levels (a config needs a handful)`, 'invalid_config')]);
  let input = given;
  if (isPresetForm(given)) {
    // `{ "preset", "options" }`: checked at its own paths, then the config it stands for.
    const { config, problems } = expandPresetForm(given);
    if (!config) return failed(problems.map((p) => new HamuxError(p.path, p.message, p.code)));
    input = config;
  }
  if (!isRecord(input)) {
    return failed([new HamuxError([], `expected a config object { "layers", "synapses", "seed" } or { "preset", "options" }, got ${show(input)}`, 'invalid_config')]);
  }
  const rawLayers = own(input, 'layers');
  const rawSynapses = own(input, 'synapses');
  const shell = shellSchema.safeParse(input, { error: fallbackMessages });
  const checked: Checked = {
    errors: issues(shell, []),
    seed: shell.data?.seed,
    scheduler: shell.data?.scheduler,
    layers: new Map(),
    synapses: new Map(),
    declaredLayers: new Set(isRecord(rawLayers) ? Object.keys(rawLayers) : []),
    declaredSynapses: new Set(isRecord(rawSynapses) ? Object.keys(rawSynapses) : []),
  };
  checkLayers(checked, rawLayers, registry);
  checkSynapses(checked, rawSynapses, registry);
  return checked;
}

/** A container in a value, with how it was reached. */
interface Reached {
  readonly value: object;
  readonly depth: number;
  readonly key: string | number | undefined;
  readonly parent: Reached | undefined;
}

/**
 * The path (its first keys) to a container nested deeper than `maxDepth` in `value`, if any: an
 * explicit stack, no recursion. A container reached again no deeper than before is not walked again,
 * so shared parts cost little, and a cycle is refused as deep.
 */
export function tooDeep(value: unknown, maxDepth: number): ErrorPath | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const seen = new Map<object, number>();
  const stack: Reached[] = [{ value, depth: 1, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (at.depth > maxDepth) {
      const path: (string | number)[] = [];
      for (let r: Reached | undefined = at; r?.parent; r = r.parent) path.push(r.key!);
      return path.reverse().slice(0, 8);
    }
    if ((seen.get(at.value) ?? 0) >= at.depth) continue;
    seen.set(at.value, at.depth);
    const entries: [string | number, unknown][] = Array.isArray(at.value)
      ? at.value.map((v, i) => [i, v])
      : Object.keys(at.value).map((k) => [k, (at.value as Raw)[k]]);
    for (const [key, v] of entries) {
      if (typeof v === 'object' && v !== null) stack.push({ value: v, depth: at.depth + 1, key, parent: at });
    }
  }
  return undefined;
}

function failed(errors: HamuxError[]): Checked {
  return { errors, seed: undefined, scheduler: undefined, layers: new Map(), synapses: new Map(), declaredLayers: new Set(), declaredSynapses: new Set() };
}

function checkLayers({ errors, layers, declaredLayers }: Checked, raw: unknown, registry: AnyRegistry): void {
  const schema = layerSchema(registry);
  for (const name of declaredLayers) {
    const problem = nameProblem('layer', name);
    if (problem) { errors.push(new HamuxError(['layers', name], problem, 'invalid_config')); continue; }
    const parsed = schema.safeParse(own(raw, name), { error: fallbackMessages });
    errors.push(...issues(parsed, ['layers', name]));
    if (parsed.success) layers.set(name, parsed.data);
  }
}

function checkSynapses({ errors, synapses, declaredLayers, declaredSynapses }: Checked, raw: unknown, registry: AnyRegistry): void {
  const schema = synapseSchema(registry);
  const known = [...declaredLayers].filter((n) => !nameProblem('layer', n));
  const knownSet = new Set(known);
  const layersAre = known.map((n) => `"${n}"`).join(', ') || 'none';
  for (const name of declaredSynapses) {
    const problem = nameProblem('synapse', name);
    if (problem) { errors.push(new HamuxError(['synapses', name], problem, 'invalid_config')); continue; }
    const entry = own(raw, name);
    const parsed = schema.safeParse(entry, { error: fallbackMessages });
    errors.push(...issues(parsed, ['synapses', name]));
    const unknown = unknownLayers(own(entry, 'connects'), knownSet);
    for (const [i, layer] of unknown) {
      errors.push(new HamuxError(['synapses', name, 'connects', i], `unknown layer ${show(layer)}${didYouMean(layer, known)} (layers are ${layersAre})`, 'unknown_name'));
    }
    if (parsed.success && unknown.length === 0) synapses.set(name, parsed.data);
  }
}

/** The entries of `connects` (when it is an array) that name no layer, with their index. */
function unknownLayers(connects: unknown, layers: ReadonlySet<string>): [number, string][] {
  if (!Array.isArray(connects)) return [];
  return connects.flatMap((l, i): [number, string][] => (typeof l === 'string' && !layers.has(l) ? [[i, l]] : []));
}

/**
 * Validates a config and fills in every default, without building it; throws one `HamuxErrors`
 * listing every problem, each with its JSON path. Checks that need the layers' shapes (a synapse
 * between layers of the wrong shapes) are made by `buildFromConfig`.
 */
export function parseConfig(input: unknown, options: { readonly registry?: AnyRegistry } = {}): Config {
  const checked = checkConfig(input, options.registry ?? createRegistry());
  if (checked.errors.length > 0) throw new HamuxErrors(checked.errors);
  return {
    layers: Object.fromEntries(checked.layers),
    synapses: Object.fromEntries(checked.synapses),
    seed: checked.seed!,
    ...(checked.scheduler ? { scheduler: checked.scheduler } : {}),
  };
}
