import { z } from 'zod';
import { didYouMean } from '@hamux-ts/core';
import { expect, show } from './messages.js';

/**
 * The building blocks of every config schema. Each one says in words what it expects, so a problem
 * reads `expected a positive integer, got 2.5` rather than zod's generic wording.
 */

const say = (what: string) => ({ error: expect(what) });

/** An object that rejects unknown keys, naming the keys it does know. */
export function strict<S extends z.core.$ZodLooseShape>(shape: S, what = 'an object') {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `${show(k)}${didYouMean(k, Object.keys(shape))}`).join(', ')} (expected: ${known})`
        : expect(what)(issue),
  });
}

/**
 * A union told apart by `key` (`kind`, `type`), whose error for an unknown tag lists the known ones:
 * `unknown Lagrangian kind "softmx" (expected one of: identity, relu, …)`.
 */
export function tagged<const T extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]>(
  key: string,
  label: string,
  options: T,
) {
  return z.discriminatedUnion(key, options, {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return expect(`an object with a "${key}"`)(issue);
      const known = ((issue as { options?: unknown[] }).options ?? []).map(String);
      const tags = known.join(', ');
      const input = issue.input as Record<string, unknown> | undefined;
      const tag = input && Object.hasOwn(input, key) ? input[key] : undefined;
      if (tag === undefined) return `missing: expected a ${label}, one of: ${tags}`;
      const hint = typeof tag === 'string' ? didYouMean(tag, known) : '';
      return `unknown ${label} ${show(tag)}${hint} (expected one of: ${tags})`;
    },
  });
}

/**
 * Every number of a config ends up in a float32 tensor: beyond float32's largest value it is ±∞,
 * and a positive number below its smallest normal one (β = 1e-320, say) is 0 or subnormal, which
 * makes 1/β and the energy infinite. Both are refused here, where the config is read.
 */
export const FLOAT32_MAX = 3.4028234663852886e38;
export const FLOAT32_MIN_NORMAL = 2 ** -126;
const inFloat32 = say(`a number within float32's range (at most ${FLOAT32_MAX.toPrecision(8)} in size)`);
const normalFloat32 = say(`a positive number of at least ${FLOAT32_MIN_NORMAL.toPrecision(8)} (float32's smallest normal number)`);

/** Only for a value that passed the sign check: one problem per value. */
const ifPositive = { when: (p: { value: unknown }) => typeof p.value === 'number' && p.value > 0 };
const ifNonNegative = { when: (p: { value: unknown }) => typeof p.value === 'number' && p.value >= 0 };

export const number = z.number(say('a number')).gte(-FLOAT32_MAX, inFloat32).lte(FLOAT32_MAX, inFloat32);
export const positiveNumber = z
  .number(say('a positive number'))
  .positive(say('a positive number'))
  .gte(FLOAT32_MIN_NORMAL, { ...normalFloat32, ...ifPositive })
  .lte(FLOAT32_MAX, { ...inFloat32, ...ifPositive });
export const nonNegativeNumber = z.number(say('a number >= 0')).nonnegative(say('a number >= 0')).lte(FLOAT32_MAX, { ...inFloat32, ...ifNonNegative });
export const integer = z.int(say('an integer'));
export const positiveInteger = z.int(say('a positive integer')).positive(say('a positive integer'));
export const nonNegativeInteger = z.int(say('an integer >= 0')).nonnegative(say('an integer >= 0'));
export const boolean = z.boolean(say('true or false'));

/** Plain JSON data: what the options of a kind registered without a schema may hold (never code). */
export type JsonData = string | number | boolean | null | readonly JsonData[] | { readonly [key: string]: JsonData };
export const jsonData: z.ZodType<JsonData> = z.lazy(() =>
  z.union(
    [z.string(), z.number(), z.boolean(), z.null(), z.array(jsonData), z.record(z.string(), jsonData)],
    say('JSON data (a config never carries code)'),
  ),
);

/** A layer's shape without the batch dimension: `[784]`, `[28, 28, 1]`. */
export const shape = z
  .array(positiveInteger, say('a non-empty array of positive integers'))
  .min(1, say('a non-empty array of positive integers'))
  .describe('Shape of one sample of the layer, without the batch dimension: [784], [28, 28, 1], [16, 64].');

/**
 * A Lagrangian parameter (β, γ, δ): a fixed value, or `{ "value": …, "learnable": true }` to train it
 * with the synapses.
 */
function paramOption<T extends z.ZodType>(id: string, value: T, what: string) {
  const learnable = z.strictObject({ value, learnable: z.boolean() });
  return z.union([value, learnable], say(`${what}, or { "value": ${what}, "learnable": true }`)).meta({
    id,
    description: `${what[0]!.toUpperCase()}${what.slice(1)}, fixed; or { "value": …, "learnable": true } to train it.`,
  });
}
export const positiveParam = paramOption('positiveParam', positiveNumber, 'a positive number');
export const scalarParam = paramOption('scalarParam', number, 'a number');
export const vectorParam = paramOption(
  'vectorParam',
  z.union([number, z.array(number).min(1)]),
  'a number or a non-empty array of numbers',
);

/** How a parameter is initialised (plain data, the same numbers on every backend). */
export const init = tagged('type', 'initialiser type', [
  strict({ type: z.literal('constant'), value: number }).describe('Every entry equal to value.'),
  strict({ type: z.literal('normal'), std: nonNegativeNumber, mean: number.optional() }).describe(
    'Seeded normal samples N(mean, std²); mean defaults to 0.',
  ),
  strict({ type: z.literal('uniform'), low: number, high: number })
    .check((ctx) => {
      if (ctx.value.low > ctx.value.high) {
        ctx.issues.push({ code: 'custom', path: ['high'], input: ctx.value.high, message: `expected high >= low (${ctx.value.low}), got ${ctx.value.high}` });
      }
    })
    .describe('Seeded uniform samples on [low, high).'),
  strict({ type: z.literal('values'), values: z.array(number, say('an array of numbers')) }).describe(
    'Explicit values, row-major; as many as the parameter has entries.',
  ),
]).meta({ id: 'init', description: 'How a parameter is initialised.' });

/** A kernel size or stride: one positive integer for both axes, or `[height, width]`. */
export const pair = z
  .union([positiveInteger, z.tuple([positiveInteger, positiveInteger])], say('a positive integer or a pair [height, width] of them'))
  .meta({ id: 'pair', description: 'One positive integer for both axes, or [height, width].' })
  .transform((v): [number, number] => (typeof v === 'number' ? [v, v] : v));

export const padding = z.union(
  [z.literal('valid'), z.literal('same'), nonNegativeInteger],
  say('"valid", "same" or an integer >= 0'),
).meta({ id: 'padding', description: 'Padding: "valid", "same", or that many zeros on every side.' });

/** The names of the layers a synapse connects, in the order its energy expects. */
export function connects(arity?: number) {
  const what = arity === undefined ? 'a non-empty array of layer names' : `${arity} layer name${arity > 1 ? 's' : ''}`;
  const names = z.array(z.string(say('a layer name')), say(what));
  return (arity === undefined ? names.min(1, say(what)) : names.length(arity, say(what))).describe(
    'Names of the layers this hypersynapse connects, in the order its energy expects.',
  );
}
