import type { Init } from '@hamux-ts/core';
import type { z } from 'zod';
import type { layerSchema } from './parts.js';
import type { BuiltinLagrangianInput } from './lagrangians.js';
import type { BuiltinSynapseInput } from './synapses.js';
import type { schedulerSchema } from './scheduler.js';
import type { AnyRegistry, Registry } from './registry.js';

/**
 * The types of a config as a user writes it in TypeScript, with the layer names known: a synapse's
 * `connects` may only name layers of the same config.
 */

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The options of the kinds a registry holds, by kind. */
type Kinds<R, G extends 'lagrangians' | 'synapses'> = R extends Registry<infer LK, infer SK> ? (G extends 'lagrangians' ? LK : SK) : {};

type Registered<M, Extra> = { [K in keyof M & string]: { readonly kind: K } & DeepReadonly<M[K]> & Extra }[keyof M & string];

type WithConnects<T, L extends string> = T extends unknown ? Omit<T, 'connects'> & { readonly connects: readonly L[] } : never;

/** A Lagrangian as a user writes it in `defineConfig`: a built-in or a registered kind. */
export type LagrangianInput<R = Registry> = DeepReadonly<BuiltinLagrangianInput> | Registered<Kinds<R, 'lagrangians'>, unknown>;

/** A synapse as a user writes it in `defineConfig`, its `connects` checked against the layer names. */
export type SynapseInput<L extends string, R = Registry> =
  | WithConnects<DeepReadonly<BuiltinSynapseInput>, L>
  | Registered<
      Kinds<R, 'synapses'>,
      {
        /** The layers it joins, in order; only names of the config's layers `L`. */
        readonly connects: readonly L[];
        /** Its own seed for its parameters (default: the config's). */
        readonly seed?: number;
        /** An initialiser per parameter name, instead of the kind's default. */
        readonly init?: Readonly<Record<string, Init>>;
      }
    >;

/** A layer as a user writes it in `defineConfig` (defaults may be left out). */
export type LayerInput<R = Registry> = DeepReadonly<Omit<z.input<ReturnType<typeof layerSchema>>, 'lagrangian'>> & {
  /** The layer's Lagrangian L(x), whose gradient gives its activations `xhat = ∂L/∂x`: a built-in or a registered kind. */
  readonly lagrangian: LagrangianInput<R>;
};

/** Scheduler settings as a user writes them (defaults may be left out). */
export type SchedulerInput = DeepReadonly<z.input<typeof schedulerSchema>>;

/** A config as written, its layer names `L` and synapse names `S` known to TypeScript. */
export interface ConfigInput<L extends string, S extends string, R = Registry> {
  /** Where editors find the JSON Schema. */
  readonly $schema?: string;
  /** The neuron layers, by name. */
  readonly layers: { readonly [K in L]: LayerInput<R> };
  /** The hypersynapses, by name; `connects` must name layers above. */
  readonly synapses: { readonly [K in S]: SynapseInput<L, R> };
  /** Seed of every parameter's initialisation. */
  readonly seed: number;
  /** Scheduler settings. */
  readonly scheduler?: SchedulerInput;
}

/** What `defineConfig` infers from: the layer names from `layers` alone. */
interface Inferring<L extends string, S extends string, R> {
  readonly $schema?: string;
  readonly layers: { readonly [K in L]: LayerInput<R> };
  readonly synapses: { readonly [K in S]: SynapseInput<NoInfer<L>, R> };
  readonly seed: number;
  readonly scheduler?: SchedulerInput;
}

/**
 * Types a config written in TypeScript: a misspelt layer in `connects`, an unknown kind or option
 * is a compile error, and `buildFromConfig` returns a HAM whose layer names are typed. Pass the
 * registry to use its kinds. The config is returned as it is; `buildFromConfig` validates it.
 *
 * ```ts
 * const config = defineConfig({
 *   layers: {
 *     pixels: { shape: [784], lagrangian: { kind: 'identity' } },
 *     hidden: { shape: [256], lagrangian: { kind: 'softmax', beta: 2 } },
 *   },
 *   synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'] } },
 *   seed: 0,
 * });
 * const ham = buildFromConfig(config); // HAM<'pixels' | 'hidden', 'enc'>
 * ```
 */
export function defineConfig<L extends string, S extends string, R extends AnyRegistry = Registry>(
  config: Inferring<L, S, NoInfer<R>>,
  registry?: R,
): ConfigInput<L, S, R> {
  return config;
}
