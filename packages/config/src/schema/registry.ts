import { z } from 'zod';
import { HamuxError, type Hypersynapse, type Init, type Lagrangian } from '@hamux-ts/core';
import { builtinLagrangianKinds } from './lagrangians.js';
import { builtinSynapseKinds } from './synapses.js';
import { connects, init, integer, jsonData } from './primitives.js';

/**
 * Where user-defined Lagrangians and hypersynapses are found by `kind`. A config only names a kind;
 * the code that builds it lives in the user's program and is registered here, so loading a config
 * never evaluates anything from it.
 *
 * ```ts
 * const registry = createRegistry()
 *   .lagrangian('cubic', ({ scale }) => cubic(scale), z.strictObject({ scale: z.number().positive() }))
 *   .synapse('pairwise', () => pairwise());
 * buildFromConfig(json, { registry });
 * ```
 */

type Options = Record<string, unknown>;

/** A user-defined Lagrangian's config entry: its registered kind and its options. */
export interface CustomLagrangianConfig {
  /** The registered kind's name. */
  readonly kind: string;
  readonly [option: string]: unknown;
}

/** A user-defined hypersynapse's config entry. */
export interface CustomSynapseConfig {
  /** The registered kind's name. */
  readonly kind: string;
  /** The layers it joins, in order. */
  readonly connects: readonly string[];
  /** Its own seed for its parameters (default: the config's). */
  readonly seed?: number | undefined;
  /** An initialiser per parameter, instead of the default. */
  readonly init?: Readonly<Record<string, Init>> | undefined;
  readonly [option: string]: unknown;
}

/** The schema of one kind's config entries. */
export type KindSchema<C> = z.ZodType<C> & z.core.$ZodTypeDiscriminable;

/** A registered kind: the schema of its config entry (`kind` included) and its factory. */
export interface RegisteredKind<T, C> {
  /** The name a config entry gives in its `kind` field. */
  readonly kind: string;
  /** The zod schema that validates an entry of this kind, `kind` included. */
  readonly schema: KindSchema<C>;
  /** Called with the entry's options: everything but `kind` (and, for a synapse, `connects`, `seed`, `init`). */
  readonly build: (options: Options) => T;
}


/** The keys every synapse entry has, whatever its kind. */
const synapseKeys = {
  connects: connects(),
  seed: integer.optional(),
  init: z.record(z.string(), init).optional(),
};

const reserved = new Set(['__proto__', 'constructor', 'prototype', '']);

/** A kind that can be registered: at path `['registry', 'kind']` (`registry.kind: "softmax" is a built-in …`). */
function checkKind(what: string, kind: string, builtin: readonly string[], registered: ReadonlyMap<string, unknown>): void {
  const at = ['registry', 'kind'];
  if (typeof kind !== 'string' || reserved.has(kind)) throw new HamuxError(at, `${JSON.stringify(kind)} is not a valid ${what} kind`, 'invalid_argument');
  if (builtin.includes(kind)) throw new HamuxError(at, `"${kind}" is a built-in ${what} kind`, 'invalid_argument');
  if (registered.has(kind)) throw new HamuxError(at, `${what} kind "${kind}" is already registered`, 'invalid_argument');
}

/** An immutable set of user-defined kinds; each registration returns a new registry. */
export class Registry<LK extends object = {}, SK extends object = {}> {
  /** Type-level record of the registered kinds and their options (for `defineConfig`); never set. */
  declare readonly __kinds?: {
    /** The registered Lagrangian kinds' options, by kind. */
    readonly lagrangians: LK;
    /** The registered hypersynapse kinds' options, by kind. */
    readonly synapses: SK;
  };
  /** The registered Lagrangian kinds, by kind name. */
  readonly lagrangians: ReadonlyMap<string, RegisteredKind<Lagrangian, CustomLagrangianConfig>>;
  /** The registered hypersynapse kinds, by kind name. */
  readonly synapses: ReadonlyMap<string, RegisteredKind<Hypersynapse, CustomSynapseConfig>>;

  private constructor(
    lagrangians: ReadonlyMap<string, RegisteredKind<Lagrangian, CustomLagrangianConfig>>,
    synapses: ReadonlyMap<string, RegisteredKind<Hypersynapse, CustomSynapseConfig>>,
  ) {
    this.lagrangians = lagrangians;
    this.synapses = synapses;
    Object.freeze(this);
  }

  /** @internal Use `createRegistry()`. */
  static empty(): Registry {
    return new Registry(new Map(), new Map());
  }

  /**
   * Registers a Lagrangian kind. With `options` (a zod object schema) its options are validated and
   * appear in the JSON Schema; without, they may be any JSON data.
   */
  lagrangian<K extends string>(kind: K, factory: (options: Options) => Lagrangian): Registry<LK & { [P in K]: Options }, SK>;
  lagrangian<K extends string, T extends z.ZodObject>(
    kind: K,
    factory: (options: z.output<T>) => Lagrangian,
    options: T,
  ): Registry<LK & { [P in K]: z.input<T> }, SK>;
  lagrangian(kind: string, factory: (options: Options) => Lagrangian, options?: z.ZodObject): Registry<object, SK> {
    checkKind('Lagrangian', kind, builtinLagrangianKinds, this.lagrangians);
    const literal = { kind: z.literal(kind) };
    const schema = entrySchema<CustomLagrangianConfig>(options ? options.safeExtend(literal) : z.object(literal).catchall(jsonData));
    const build = (o: Options) => factory(without(o, ['kind']));
    return new Registry(new Map([...this.lagrangians, [kind, { kind, schema, build }]]), this.synapses);
  }

  /** Registers a hypersynapse kind; its entries also take `connects`, `seed` and `init`. */
  synapse<K extends string>(kind: K, factory: (options: Options) => Hypersynapse): Registry<LK, SK & { [P in K]: Options }>;
  synapse<K extends string, T extends z.ZodObject>(
    kind: K,
    factory: (options: z.output<T>) => Hypersynapse,
    options: T,
  ): Registry<LK, SK & { [P in K]: z.input<T> }>;
  synapse(kind: string, factory: (options: Options) => Hypersynapse, options?: z.ZodObject): Registry<LK, object> {
    checkKind('hypersynapse', kind, builtinSynapseKinds, this.synapses);
    const common = { kind: z.literal(kind), ...synapseKeys };
    const schema = entrySchema<CustomSynapseConfig>(options ? options.safeExtend(common) : z.object(common).catchall(jsonData));
    const build = (o: Options) => factory(without(o, ['kind', 'connects', 'seed', 'init']));
    return new Registry(this.lagrangians, new Map([...this.synapses, [kind, { kind, schema, build }]]));
  }
}

/** Any registry, whatever kinds it holds. */
export type AnyRegistry = Registry<object, object>;

/** An empty registry: `createRegistry().lagrangian('cubic', factory)`. */
export function createRegistry(): Registry {
  return Registry.empty();
}

/** zod types a user's object schema as a plain record; its shape holds the `kind` literal (and `connects`). */
function entrySchema<C>(schema: z.ZodObject): KindSchema<C> {
  return schema as KindSchema<C>;
}

function without(o: Options, keys: readonly string[]): Options {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}
