import { z } from 'zod';
import type { ConfigInput, LayerInput, SchedulerInput, SynapseInput } from '../schema/define.js';
import { boolean, integer, positiveNumber, strict } from '../schema/primitives.js';
import { schedulerSchema } from '../schema/scheduler.js';

/**
 * What every preset is: a name, a zod schema of its options (checked with errors at
 * `options.<key>`, exported to the JSON Schema), and a pure function from validated options to a
 * config. A preset never runs code from a config: the JSON form `{ "preset", "options" }` only
 * selects one of these definitions and passes it data.
 */
export interface PresetDefinition<N extends string, I, O, L extends string, S extends string> {
  readonly name: N;
  /** One line for the JSON Schema and error messages. */
  readonly description: string;
  /** Options as a user writes them (`I`) and as validated, defaults filled (`O`). */
  readonly options: z.ZodType<O, I>;
  readonly layers: readonly L[];
  readonly synapses: readonly S[];
  readonly expand: (options: O) => ConfigInput<L, S>;
}

/** Any preset definition (options typed `any`: each preset's own type is checked where it is defined). */
export type AnyPreset = PresetDefinition<string, any, any, string, string>;

/** A Lagrangian parameter as a user gives it: a value, or `{ value, learnable: true }` to train it. */
export type ParamInput =
  | number
  | {
      /** The parameter's value (its initial value when learnable). */
      readonly value: number;
      /** Whether training updates it; `false` keeps it fixed. */
      readonly learnable: boolean;
    };

/** A value for some of a preset's layers, by layer name (`{ hidden: 0.5 }`); layers left out keep the preset's default. */
export type PerLayer<L extends string, T> = { readonly [K in L]?: T };

/** The options every preset takes besides its own. */
export interface CommonOptions<L extends string> {
  /** Seed of every parameter's initialisation, default 0. */
  readonly seed?: number;
  /** Scheduler settings (`descend`), replacing the preset's own. */
  readonly scheduler?: SchedulerInput;
  /** Time constants τ by layer name, over the preset's defaults. */
  readonly tau?: PerLayer<L, number>;
  /** Layers held fixed by the scheduler (`"clamp": true`), over the preset's defaults. */
  readonly clamp?: PerLayer<L, boolean>;
}

/** The validated common options. */
export interface Common<L extends string> {
  readonly seed: number;
  readonly scheduler?: SchedulerInput | undefined;
  readonly tau?: { readonly [K in L]?: number | undefined } | undefined;
  readonly clamp?: { readonly [K in L]?: boolean | undefined } | undefined;
}

/** The zod shape of the common options of a preset with these layers. */
export function commonShape<L extends string>(layers: readonly L[]) {
  const byLayer = <T extends z.ZodType>(value: T, what: string) =>
    strict(Object.fromEntries(layers.map((l) => [l, value.optional()])) as { [K in L]: z.ZodOptional<T> }, `an object of ${what} by layer name`);
  return {
    seed: integer.default(0).describe("Seed of every parameter's initialisation, default 0."),
    scheduler: schedulerSchema.optional().describe("Scheduler settings, replacing the preset's own."),
    tau: byLayer(positiveNumber, 'time constants').optional().describe("Time constants by layer, over the preset's defaults."),
    clamp: byLayer(boolean, 'true/false').optional().describe("Layers held fixed by the scheduler, over the preset's defaults."),
  };
}

/**
 * Compile-time check that a schema matches the documented options type `I`: every `I` is accepted,
 * and the schema has no option that `I` does not document (a mismatch fails to type-check here).
 */
export function optionsOf<I>() {
  return <T extends z.ZodType>(
    schema: T &
      ([I] extends [z.input<T>] ? unknown : { accepts_not: I }) &
      ([Exclude<keyof z.input<T>, keyof I>] extends [never] ? unknown : { undocumented: Exclude<keyof z.input<T>, keyof I> }) &
      ([Exclude<keyof I, keyof z.input<T>>] extends [never] ? unknown : { unchecked: Exclude<keyof I, keyof z.input<T>> }),
  ): z.ZodType<z.output<T>, I> => schema as unknown as z.ZodType<z.output<T>, I>;
}

/** The config of a preset's layers and synapses, with the common options applied. */
export function assemble<L extends string, S extends string>(
  common: Common<L>,
  layers: { readonly [K in L]: LayerInput },
  synapses: { readonly [K in S]: SynapseInput<L> },
  scheduler: SchedulerInput,
): ConfigInput<L, S> {
  const withCommon = Object.fromEntries(
    (Object.entries(layers) as [L, LayerInput][]).map(([name, layer]) => {
      const tau = common.tau?.[name] ?? layer.tau;
      const clamp = common.clamp?.[name] ?? layer.clamp;
      const { tau: _t, clamp: _c, ...rest } = layer;
      return [name, { ...rest, ...(tau !== undefined ? { tau } : {}), ...(clamp !== undefined ? { clamp } : {}) }];
    }),
  ) as { [K in L]: LayerInput };
  return { layers: withCommon, synapses, seed: common.seed, scheduler: common.scheduler ?? scheduler };
}

/** Adds an issue at `path` of the options (for checks across options). */
export function problem(ctx: { issues: z.core.$ZodRawIssue[] }, path: string, input: unknown, message: string): void {
  ctx.issues.push({ code: 'custom', path: [path], input, message });
}
