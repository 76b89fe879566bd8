/**
 * What every task does with a variant before its own work: build the graph from the variant's
 * config, summarise it, and derive the scheduler options, which are the config's own (the model)
 * with the protocol's budget and end point (the same for every variant).
 */
import { descendOptionsFromConfig, type Config } from '@hamux-ts/config';
import { HamuxError, sizeOf, type HAM } from '@hamux-ts/core';
import type { Clamp, DescendOptions } from '@hamux-ts/dynamics';
import type { LayerSummary, VariantResult } from './result.js';
import type { Suite } from './suite-schema.js';

/** The layers and synapses of a config, for the report. */
export function summarise(config: Config): Pick<VariantResult, 'layers' | 'synapses'> {
  return {
    layers: Object.entries(config.layers).map(([name, l]): LayerSummary => ({ name, shape: [...l.shape], lagrangian: l.lagrangian.kind, tau: l.tau })),
    synapses: Object.entries(config.synapses).map(([name, s]) => ({ name, kind: s.kind, connects: [...s.connects] })),
  };
}

/** `784 — 96 — 256`: the layer sizes in the config's order. */
export function layerSizes(layers: readonly LayerSummary[]): string {
  return layers.map((l) => (l.shape.length === 1 ? String(l.shape[0]) : l.shape.join('×'))).join(' — ');
}

/**
 * The scheduler options a variant relaxes with: its config's scheduler settings and clamps (the
 * model), with the protocol's `maxSteps`, `tolerance` and `checkEvery` over them (the budget and
 * the end point, the same for every variant).
 */
export function schedulerOptions(config: Config, protocol: Suite['protocol']): DescendOptions<string> {
  const options = descendOptionsFromConfig(config);
  return {
    ...options,
    maxSteps: protocol.maxSteps,
    ...(protocol.tolerance ? { tolerance: { ...options.tolerance, ...defined(protocol.tolerance) } } : {}),
    ...(protocol.checkEvery ? { checkEvery: protocol.checkEvery } : {}),
  };
}

/** The entries of `o` that are not undefined. */
const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };

/** The options without a clamp on `layer` (a task decides what of its input is held). */
export function withoutClamp(options: DescendOptions<string>, layer: string): DescendOptions<string> {
  if (!options.clamp || !Object.hasOwn(options.clamp, layer)) return options;
  const { [layer]: _dropped, ...rest } = options.clamp;
  const { clamp: _c, ...others } = options;
  return Object.keys(rest).length > 0 ? { ...others, clamp: rest } : others;
}

/** The options with `clamp` added to the config's clamps. */
export function withClamp(options: DescendOptions<string>, clamp: Readonly<Record<string, Clamp>>): DescendOptions<string> {
  const all = { ...(options.clamp ?? {}), ...clamp };
  return Object.keys(all).length > 0 ? { ...options, clamp: all } : options;
}

/** The descend options as plain data for the report (no tensors, no functions). */
export function reportedOptions(options: DescendOptions<string>): Record<string, unknown> {
  const { clamp, params: _p, onProgress: _o, signal: _s, ...rest } = options;
  return { ...rest, ...(clamp ? { clamp: Object.keys(clamp) } : {}) };
}

/** The variant's input layer, checked to exist and (when given) to hold `size` entries. */
export function inputLayer(ham: HAM<string, string>, name: string, path: string, size?: number): string {
  if (!Object.hasOwn(ham.layers, name)) {
    throw new HamuxError(path, `unknown layer "${name}" (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`, 'unknown_name');
  }
  const shape = ham.layers[name]!.shape;
  if (size !== undefined && sizeOf(shape) !== size) {
    throw new HamuxError(path, `layer "${name}" has shape [${shape.join(', ')}] (${sizeOf(shape)} entries), but the task's data has ${size} entries per sample`, 'shape_mismatch');
  }
  return name;
}
