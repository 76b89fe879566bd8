import {
  HamuxError,
  HamuxErrors,
  hypergraph,
  type ErrorPath,
  type HamuxErrorCode,
  type GraphBuilder,
  type HAM,
  type LayerSpec,
  type ParamTree,
} from '@hamux-ts/core';
import { initOf, makeLagrangian, makeSynapse } from './builtins.js';
import { givenParamProblems, initProblems, mergeParams, seededParams, specsOf, type Parts, type PlacedSynapse } from './params.js';
import { createRegistry, type AnyRegistry } from './registry.js';
import { checkConfig, type Checked } from './validate.js';
import { DEFAULT_MAX_BYTES, checkBatch, checkMaxBytes, estimateMemory, memoryProblem } from './memory.js';

/** Any config whose layer and synapse names TypeScript knows (a `defineConfig` result, say). */
export interface NamedConfig<L extends string, S extends string> {
  /** The neuron layers, by name `L` (their entries are validated when the config is built). */
  readonly layers: { readonly [K in L]: unknown };
  /** The hypersynapses, by name `S` (their entries are validated when the config is built). */
  readonly synapses: { readonly [K in S]: unknown };
}

/** Options of `buildFromConfig`. */
export interface BuildFromConfigOptions {
  /** Where the config's user-defined kinds are found. */
  readonly registry?: AnyRegistry;
  /**
   * Parameters to use instead of initialising them (loaded weights); paths in errors start `params.`.
   * They may leave out any parameter (it is then initialised), must lie in the ranges the config
   * allows (β > 0…), and must agree with the config's fixed parameters unless `overrideFixed`.
   */
  readonly params?: ParamTree;
  /** Let `params` replace the config's fixed parameters (a Lagrangian's β not marked learnable). */
  readonly overrideFixed?: boolean;
  /**
   * The most memory the graph may need, in bytes (default `DEFAULT_MAX_BYTES`, 2 GiB): its
   * parameters and `batch` samples of states, float32, estimated from the shapes before anything is
   * allocated. Above it the build stops with a `too_large` error at the layer or synapse that needs
   * the most. `Infinity` for no limit.
   */
  readonly maxBytes?: number;
  /** The samples of states the memory estimate counts (default 1). */
  readonly batch?: number;
}

/**
 * Validates a config and builds the HAM it describes through `hypergraph()`. Every problem is
 * reported at once, as one `HamuxErrors`, each with the JSON path of what is wrong:
 *
 * ```
 * synapses.enc.connects[1]: unknown layer "hiden" (layers are "pixels", "hidden")
 * layers.hidden.lagrangian.beta: expected a positive number, got -1
 * synapses.conv: conv2d between "image" [28, 28, 1] and "features" [24, 24, 8]: … gives [26, 26, 8], …
 * ```
 *
 * When the config has errors, its valid parts are still built once (then freed) so that the
 * graph's own checks, such as shapes, are reported with the rest.
 */
export function buildFromConfig<L extends string, S extends string>(config: NamedConfig<L, S>, options?: BuildFromConfigOptions): HAM<L, S>;
export function buildFromConfig(config: unknown, options?: BuildFromConfigOptions): HAM<string, string>;
export function buildFromConfig(config: unknown, options: BuildFromConfigOptions = {}): HAM<string, string> {
  const registry = options.registry ?? createRegistry();
  const maxBytes = checkMaxBytes(options.maxBytes ?? DEFAULT_MAX_BYTES, ['options', 'maxBytes']);
  const batch = checkBatch(options.batch ?? 1, ['options', 'batch']);
  const checked = checkConfig(config, registry);
  const parts = assemble(checked, registry);
  if (options.params) checked.errors.push(...givenParamProblems(options.params, parts, checked, registry, options.overrideFixed ?? false));
  // Before anything is allocated: even the valid parts of a config with errors are built (below).
  const tooLarge = memoryProblem(estimateMemory(sizedParts(parts), batch), maxBytes);
  if (tooLarge) throw new HamuxErrors([...checked.errors, tooLarge]);
  return compile(checked, parts, options.params);
}

/** The shapes of the valid parts, for the memory estimate. */
function sizedParts({ layers, specs }: Parts) {
  return { layerShapes: new Map([...layers].map(([n, l]) => [n, l.shape] as const)), paramSpecs: specs };
}

/** The components of every valid part; what their factories reject is reported at its path. */
function assemble(checked: Checked, registry: AnyRegistry): Parts {
  const layers = new Map<string, LayerSpec>();
  for (const [name, layer] of checked.layers) {
    const lagrangian = attempt(checked.errors, ['layers', name, 'lagrangian'], layer.lagrangian.kind, () => makeLagrangian(layer.lagrangian, registry));
    if (lagrangian) layers.set(name, { shape: layer.shape, lagrangian, tau: layer.tau });
  }
  const synapses = new Map<string, PlacedSynapse>();
  for (const [name, config] of checked.synapses) {
    if (!config.connects.every((l) => layers.has(l))) continue; // that layer's problem is reported
    const synapse = attempt(checked.errors, ['synapses', name], config.kind, () => makeSynapse(config, registry));
    if (synapse) synapses.set(name, { synapse, connects: config.connects, config });
  }
  const parts: Parts = { layers, synapses, specs: specsOf(layers, synapses) };
  checked.errors.push(...initProblems(parts));
  return parts;
}

function attempt<T>(errors: HamuxError[], path: ErrorPath, kind: string, make: () => T): T | undefined {
  try {
    return make();
  } catch (e) {
    errors.push(placed(e, path, kind));
    return undefined;
  }
}

/** In a config, a bad value is the config's problem: `invalid_argument` reads `invalid_config`; other codes stay. */
function inConfig(code: HamuxErrorCode): HamuxErrorCode {
  return code === 'invalid_argument' ? 'invalid_config' : code;
}

/**
 * What a factory threw, at the entry that made it: an option it names as `[kind, option]` (as the
 * built-ins do) at that option of the entry, anything else at the entry with its whole message.
 */
function placed(e: unknown, path: ErrorPath, kind: string): HamuxError {
  if (!(e instanceof HamuxError)) return new HamuxError(path, e instanceof Error ? e.message : String(e), 'invalid_config');
  if (e.path.length > 1 && e.path[0] === kind) return new HamuxError([...path, ...e.path.slice(1)], e.detail, inConfig(e.code));
  return new HamuxError(path, e.message, inConfig(e.code));
}

function compile(checked: Checked, parts: Parts, given: ParamTree | undefined): HAM<string, string> {
  let builder: GraphBuilder<string, string> = hypergraph();
  for (const [name, spec] of parts.layers) builder = builder.layer(name, spec);
  for (const [name, { synapse, connects }] of parts.synapses) builder = builder.synapse(name, synapse, connects);
  const { errors } = checked;
  const valid = errors.length === 0;
  const seeded = valid ? seededParams(parts) : {};
  const params = valid ? mergeParams(given, seeded) : undefined;
  try {
    const ham = builder.build({ seed: checked.seed ?? 0, isolatedLayers: valid ? 'warn' : 'allow', ...(params ? { params } : {}) });
    if (valid) return ham;
    ham.dispose(); // built only to find the graph's own problems
  } catch (e) {
    if (!(e instanceof HamuxErrors)) throw e;
    const paths = configPaths(checked);
    errors.push(...e.errors.map((err) => rehome(err, paths.get(err.where))));
  } finally {
    for (const owner of Object.values(seeded)) for (const t of Object.values(owner)) t.dispose();
  }
  throw new HamuxErrors(errors);
}

/**
 * Where the graph's own paths sit in the config: a Lagrangian parameter `layers.h.beta` is set at
 * `layers.h.lagrangian.beta`, a synapse parameter `synapses.s.W` is initialised at `synapses.s.init.W`.
 */
function configPaths(checked: Checked): Map<string, ErrorPath> {
  const paths = new Map<string, ErrorPath>();
  for (const [name, layer] of checked.layers) {
    for (const p of Object.keys(layer.lagrangian)) paths.set(`layers.${name}.${p}`, ['layers', name, 'lagrangian', p]);
  }
  for (const [name, synapse] of checked.synapses) {
    for (const p of Object.keys(initOf(synapse))) paths.set(`synapses.${name}.${p}`, ['synapses', name, 'init', p]);
  }
  return paths;
}

/** A graph's problem at its place in the config, as a config problem (its code kept unless it was `invalid_argument`). */
function rehome(error: HamuxError, path: ErrorPath | undefined): HamuxError {
  return new HamuxError(path ?? error.path, error.detail, inConfig(error.code));
}
