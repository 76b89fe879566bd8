import type { HAM, Init, ParamSpecs } from '@hamux-ts/core';
import type { z } from 'zod';
import { makeSynapse } from './builtins.js';
import type { Config, LayerConfig, SynapseConfig } from './config.js';
import { createRegistry, type AnyRegistry } from './registry.js';
import type { schedulerSchema } from './scheduler.js';
import { parseConfig } from './validate.js';

/**
 * A validated config whose layer and synapse names TypeScript knows (a `Config`: the named maps
 * have no string index, so `buildFromConfig` infers the names from them).
 */
export type ConfigOf<L extends string, S extends string> = Omit<Config, 'layers' | 'synapses'> & {
  /** The neuron layers, by name `L`: each its shape, Lagrangian and time constant τ. */
  readonly layers: { readonly [K in L]: LayerConfig };
  /** The hypersynapses, by name `S`: each its kind, the layers it `connects` and its options. */
  readonly synapses: { readonly [K in S]: SynapseConfig };
};

/** Options of `configFromHam`. */
export interface ConfigFromHamOptions<L extends string> {
  /** The seed to record; default the one the HAM was built with (`ham.seed`). */
  readonly seed?: number;
  /** Scheduler settings to record (a HAM has none). */
  readonly scheduler?: z.input<typeof schedulerSchema>;
  /** Layers to mark `"clamp": true`. */
  readonly clamp?: { readonly [K in L]?: boolean };
  /** Where the HAM's user-defined kinds are registered. */
  readonly registry?: AnyRegistry;
}

/**
 * The config of a HAM's architecture, from the `kind` and `options` its Lagrangians and
 * hypersynapses carry, and each parameter's initialiser where it differs from the default. Building
 * the result with the same seed gives the same graph: the same parameters, the same energies. The
 * HAM's current parameter values are not part of a config (save them as weights).
 *
 * ```ts
 * const config = configFromHam(ham);           // records ham.seed
 * const again = buildFromConfig(config);  // same energies as ham
 * ```
 */
export function configFromHam<L extends string, S extends string>(ham: HAM<L, S>, options: ConfigFromHamOptions<L> = {}): ConfigOf<L, S> {
  const registry = options.registry ?? createRegistry();
  const layers = Object.fromEntries(
    ham.layerNames.map((n) => {
      const { shape, lagrangian, tau } = ham.layers[n];
      const clamp = options.clamp?.[n];
      return [n, { shape: [...shape], lagrangian: { ...lagrangian.options, kind: lagrangian.kind }, tau, ...(clamp !== undefined ? { clamp } : {}) }];
    }),
  );
  const synapses = Object.fromEntries(
    ham.synapseNames.map((s) => {
      const { synapse, connects } = ham.synapses[s];
      return [s, { ...synapse.options, kind: synapse.kind, connects: [...connects] }];
    }),
  );
  const scheduler = options.scheduler ? { scheduler: options.scheduler } : {};
  const plain = parseConfig({ layers, synapses, seed: options.seed ?? ham.seed, ...scheduler }, { registry });
  const withInit = Object.fromEntries(
    Object.entries(plain.synapses).map(([s, config]) => {
      const node = ham.synapses[s as S];
      const init = changedInits(ham.paramSpecs.synapses[s as S], makeSynapse(config, registry).params(node.shapes));
      return [s, Object.keys(init).length > 0 ? { ...config, init } : config];
    }),
  );
  return parseConfig({ ...plain, synapses: withInit }, { registry }) as ConfigOf<L, S>;
}

/** The initialisers of `actual` that differ from `defaults`. */
function changedInits(actual: ParamSpecs, defaults: ParamSpecs): Record<string, Init> {
  return Object.fromEntries(
    Object.entries(actual)
      .filter(([p, spec]) => !(Object.hasOwn(defaults, p) && sameData(spec.init, defaults[p]!.init)))
      .map(([p, spec]) => [p, spec.init]),
  );
}

/** Deep equality of plain data (numbers, strings, arrays, objects). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
