import { z } from 'zod';
import {
  strict,
  init,
  integer,
  boolean,
  connects,
  pair,
  padding,
  positiveInteger,
  positiveParam,
} from './primitives.js';
import { expect } from './messages.js';

/**
 * The built-in hypersynapses of `@hamux-ts/core` as data:
 * `{ "kind": "dense", "connects": ["pixels", "hidden"], "init": { "W": { "type": "normal", "std": 0.05 } } }`.
 * Every one may carry `init` (an initialiser per parameter, instead of the default) and `seed`
 * (its own seed, so its weights do not change with the config's seed).
 */

const seed = integer.optional().describe("This synapse's own seed for its parameters (default: the config's seed).");

/** `init` naming the synapse's parameters, each optional. */
function inits<P extends string>(...names: P[]) {
  const shape = Object.fromEntries(names.map((p) => [p, init.optional()])) as { [K in P]: z.ZodOptional<typeof init> };
  return strict(shape).optional().describe('Initialisers of the parameters, instead of the defaults.');
}

function kind<K extends string, S extends z.core.$ZodLooseShape>(name: K, arity: number, description: string, options: S) {
  return strict({ kind: z.literal(name), connects: connects(arity), ...options, seed }).describe(description);
}

/** An unrectified polynomial memory needs an integer degree. */
function integerDegree(ctx: { value: { degree: number; rectified: boolean }; issues: z.core.$ZodRawIssue[] }): void {
  if (!ctx.value.rectified && !Number.isInteger(ctx.value.degree)) {
    ctx.issues.push({
      code: 'custom',
      path: ['degree'],
      input: ctx.value.degree,
      message: `expected an integer (or "rectified": true), got ${ctx.value.degree}`,
    });
  }
}

const memory = {
  memories: positiveInteger.describe('Number of stored patterns K.'),
  perToken: boolean.default(false).describe('Last axis is the feature axis; every token meets the memories on its own.'),
  init: inits('xi'),
};

export const builtinSynapses = [
  kind('dense', 2, 'E = −x̂₁ᵀ W x̂₂ (both layers flattened), W [size₁, size₂]; with perToken, E = −Σ_n x̂₁[n]ᵀ W x̂₂[n], W [D₁, D₂].', {
    perToken: boolean
      .default(false)
      .describe('Last axes are the feature axes and the leading (token) axes match; one W [D₁, D₂] acts on every token.'),
    init: inits('W'),
  }),
  kind('denseBias', 2, 'E = −x̂₁ᵀ W x̂₂ − b·x̂₂, b of layer₂\'s shape; with perToken, E = −Σ_n (x̂₁[n]ᵀ W x̂₂[n] + b·x̂₂[n]), W [D₁, D₂], b [D₂].', {
    perToken: boolean
      .default(false)
      .describe('Last axes are the feature axes and the leading (token) axes match; one W [D₁, D₂] and one b [D₂] act on every token.'),
    init: inits('W', 'b'),
  }),
  kind('bias', 1, 'E = −b·x̂: a constant input to one layer.', { init: inits('b') }),
  kind('tie', 2, 'E = (γ/2) ‖x̂₁ − x̂₂‖² between two layers of one shape (with the second clamped to an observation: the data-fidelity term of MAP denoising).', {
    gamma: positiveParam.default(1).describe('Strength γ > 0, default 1.'),
  }),
  kind('conv2d', 2, 'E = −Σ x̂₂ ⊙ conv(x̂₁, W), layers [H, W, C].', {
    kernel: pair,
    stride: pair.default([1, 1]),
    padding: padding.default('valid'),
    init: inits('W'),
  }),
  kind('avgPool', 2, 'E = −Σ x̂₂ ⊙ avgPool(x̂₁); stride defaults to the window size.', {
    size: pair,
    stride: pair.optional(),
    padding: padding.default('valid'),
  }).transform(({ stride, ...o }) => ({ ...o, stride: stride ?? o.size })),
  kind('polynomialMemory', 1, 'E = −Σ_μ F(ξ_μ·x̂), F(z) = zⁿ/n (or max(z, 0)ⁿ/n when rectified).', {
    ...memory,
    degree: z.number({ error: expect('a number >= 1') }).gte(1, { error: expect('a number >= 1') }),
    rectified: boolean.default(false),
  }).check(integerDegree),
  kind('exponentialMemory', 1, 'E = −(1/β) Σ_μ exp(β ξ_μ·x̂).', { ...memory, beta: positiveParam.default(1) }),
  kind('modernHopfield', 1, 'E = −(1/β) log Σ_μ exp(β ξ_μ·x̂).', { ...memory, beta: positiveParam.default(1) }),
  kind('reluSquaredMemory', 1, 'E = −½ Σ_μ max(ξ_μ·x̂, 0)².', memory),
  kind('energyAttention', 1, 'Energy Transformer attention on tokens [N, D]; beta defaults to 1/sqrt(headDim).', {
    heads: positiveInteger,
    headDim: positiveInteger,
    beta: positiveParam.optional(),
    maskSelf: boolean.default(false),
    init: inits('Wk', 'Wq'),
  }).transform(({ beta, ...o }) => ({ ...o, beta: beta ?? 1 / Math.sqrt(o.headDim) })),
] as const;

/** A built-in synapse as a validated config gives it (`{ kind: "dense", connects: [...] }`). */
export type BuiltinSynapseConfig = z.output<(typeof builtinSynapses)[number]>;
export type BuiltinSynapseInput = z.input<(typeof builtinSynapses)[number]>;
/** The `kind` of a built-in synapse (`"dense"`, `"modernHopfield"`, …). */
export type BuiltinSynapseKind = BuiltinSynapseConfig['kind'];

/** Every built-in kind (`everySynapseListed` fails to compile, naming it, if one is missing). */
export const builtinSynapseKinds = [
  'dense', 'denseBias', 'bias', 'tie', 'conv2d', 'avgPool',
  'polynomialMemory', 'exponentialMemory', 'modernHopfield', 'reluSquaredMemory', 'energyAttention',
] as const satisfies readonly BuiltinSynapseKind[];
type Unlisted = Exclude<BuiltinSynapseKind, (typeof builtinSynapseKinds)[number]>;
export const everySynapseListed: [Unlisted] extends [never] ? true : Unlisted = true;
