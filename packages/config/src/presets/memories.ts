import { z } from 'zod';
import { boolean, positiveInteger, positiveParam, strict } from '../schema/primitives.js';
import { expect } from '../schema/messages.js';
import { assemble, commonShape, optionsOf, problem, type CommonOptions, type ParamInput, type PresetDefinition } from './preset.js';

/**
 * One-layer associative memories: a layer of feature neurons `visible` [D] and a memory synapse
 * `memory` holding K patterns ξ [K, D] (math.md §2, §4).
 */

const visible = ['visible'] as const;
const scheduler = { mode: 'adaptive', maxSteps: 500 } as const;
const features = positiveInteger.describe('Number of feature neurons D (the length of a pattern).');
const memories = positiveInteger.describe('Number of stored patterns K.');

export interface DenseAssociativeMemoryOptions extends CommonOptions<'visible'> {
  /** Number of feature neurons D (the length of a pattern). */
  readonly features: number;
  /** Number of stored patterns K. */
  readonly memories: number;
  /** The separation function F: `'polynomial'` (`zⁿ/n`, default) or `'exponential'` (`e^{βz}/β`). */
  readonly separation?: 'polynomial' | 'exponential';
  /** Degree n of a polynomial F, default 3 (2 gives the classical Hopfield energy). */
  readonly degree?: number;
  /** Polynomial F on `max(z, 0)` only (then n may be any number >= 1), default false. */
  readonly rectified?: boolean;
  /** β of an exponential F, default 1. */
  readonly beta?: ParamInput;
  /** Gain of the visible neurons: their Lagrangian is tanh with this β (activations `tanh(gain·x)`), default 1. */
  readonly gain?: ParamInput;
}

const damOptions = optionsOf<DenseAssociativeMemoryOptions>()(
  strict({
    features,
    memories,
    separation: z
      .enum(['polynomial', 'exponential'], { error: expect('"polynomial" or "exponential"') })
      .default('polynomial')
      .describe('F: "polynomial" (zⁿ/n) or "exponential" (e^{βz}/β).'),
    degree: z.number({ error: expect('a number >= 1') }).gte(1, { error: expect('a number >= 1') }).optional().describe('Degree n of a polynomial F, default 3.'),
    rectified: boolean.optional().describe('Polynomial F on max(z, 0), default false.'),
    beta: positiveParam.optional().describe('β of an exponential F, default 1.'),
    gain: positiveParam.default(1).describe("β of the visible layer's tanh, default 1."),
    ...commonShape(visible),
  }, 'the options of denseAssociativeMemory').check((ctx) => {
    const o = ctx.value;
    if (o.separation === 'exponential') {
      if (o.degree !== undefined) problem(ctx, 'degree', o.degree, 'applies to "separation": "polynomial" only');
      if (o.rectified !== undefined) problem(ctx, 'rectified', o.rectified, 'applies to "separation": "polynomial" only');
    } else {
      if (o.beta !== undefined) problem(ctx, 'beta', o.beta, 'applies to "separation": "exponential" only');
      const degree = o.degree ?? 3;
      if (!o.rectified && !Number.isInteger(degree)) problem(ctx, 'degree', degree, `expected an integer (or "rectified": true), got ${degree}`);
    }
  }),
);

/**
 * Dense Associative Memory (Krotov & Hopfield 2016; Demircigil et al. 2017):
 * `E = Σ (x̂⊙x − log cosh(gain·x)/gain) − Σ_μ F(ξ_μ·x̂)`, x̂ = tanh(gain·x) ∈ (−1, 1)ᴰ, so the energy
 * is bounded below for any F. Layer `visible` [D]; synapse `memory` (ξ [K, D]).
 */
export const denseAssociativeMemoryPreset = {
  name: 'denseAssociativeMemory',
  description: 'Dense Associative Memory: tanh feature layer "visible" [D], polynomial or exponential memory synapse "memory" (ξ [K, D]).',
  options: damOptions,
  layers: visible,
  synapses: ['memory'],
  expand: (o) =>
    assemble(
      o,
      { visible: { shape: [o.features], lagrangian: { kind: 'tanh', beta: o.gain } } },
      {
        memory:
          o.separation === 'exponential'
            ? { kind: 'exponentialMemory', connects: ['visible'], memories: o.memories, beta: o.beta ?? 1 }
            : { kind: 'polynomialMemory', connects: ['visible'], memories: o.memories, degree: o.degree ?? 3, rectified: o.rectified ?? false },
      },
      scheduler,
    ),
} as const satisfies PresetDefinition<'denseAssociativeMemory', DenseAssociativeMemoryOptions, z.output<typeof damOptions>, 'visible', 'memory'>;

export interface ModernHopfieldOptions extends CommonOptions<'visible'> {
  /** Number of feature neurons D (the length of a pattern). */
  readonly features: number;
  /** Number of stored patterns K. */
  readonly memories: number;
  /** Inverse temperature β of the softmax over memories, default 1. */
  readonly beta?: ParamInput;
}

const hopfieldOptions = optionsOf<ModernHopfieldOptions>()(
  strict({
    features,
    memories,
    beta: positiveParam.default(1).describe('Inverse temperature β, default 1.'),
    ...commonShape(visible),
  }, 'the options of modernHopfield'),
);

/**
 * Modern Hopfield memory (Ramsauer et al. 2021; Krotov & Hopfield 2020 "Model B"):
 * `E = ½‖x‖² − (1/β) log Σ_μ exp(β ξ_μ·x)`, whose fixed point is `x = ξᵀ softmax(β ξ x)`.
 * Layer `visible` [D] (identity Lagrangian); synapse `memory` (ξ [K, D]).
 */
export const modernHopfieldPreset = {
  name: 'modernHopfield',
  description: 'Modern Hopfield memory: identity feature layer "visible" [D], softmax memory synapse "memory" (ξ [K, D], β).',
  options: hopfieldOptions,
  layers: visible,
  synapses: ['memory'],
  expand: (o) =>
    assemble(
      o,
      { visible: { shape: [o.features], lagrangian: { kind: 'identity' } } },
      { memory: { kind: 'modernHopfield', connects: ['visible'], memories: o.memories, beta: o.beta } },
      scheduler,
    ),
} as const satisfies PresetDefinition<'modernHopfield', ModernHopfieldOptions, z.output<typeof hopfieldOptions>, 'visible', 'memory'>;

export interface HiddenMemoryOptions extends CommonOptions<'visible' | 'hidden'> {
  /** Number of feature neurons D. */
  readonly features: number;
  /** Number of memory neurons K (each one stores a pattern: a column of W). */
  readonly memories: number;
  /** Lagrangian of the memory neurons: `'softmax'` (default, Model B) or `'relu'` (Model A with F(z) = ½max(z, 0)²). */
  readonly hidden?: 'softmax' | 'relu';
  /** β of a softmax hidden layer, default 1. */
  readonly beta?: ParamInput;
}

const hiddenOptions = optionsOf<HiddenMemoryOptions>()(
  strict({
    features,
    memories: positiveInteger.describe('Number of memory neurons K.'),
    hidden: z.enum(['softmax', 'relu'], { error: expect('"softmax" or "relu"') }).default('softmax').describe('Lagrangian of the memory neurons.'),
    beta: positiveParam.optional().describe('β of a softmax hidden layer, default 1.'),
    ...commonShape(['visible', 'hidden'] as const),
  }, 'the options of hiddenMemory').check((ctx) => {
    if (ctx.value.hidden === 'relu' && ctx.value.beta !== undefined) problem(ctx, 'beta', ctx.value.beta, 'applies to "hidden": "softmax" only');
  }),
);

/**
 * A feature layer and a layer of memory neurons (Krotov & Hopfield 2020): `visible` [D] (identity)
 * and `hidden` [K] (softmax or relu, τ = 0.1: the memory neurons are fast) joined by the dense
 * synapse `memory`, `E_syn = −x̂_vᵀ W x̂_h` with W [D, K]: column μ of W is the stored pattern ξ_μ.
 * Integrating `hidden` out gives `modernHopfield` (softmax) or Model A (relu). With relu the
 * energy is bounded below only while W's largest singular value is below 1.
 */
export const hiddenMemoryPreset = {
  name: 'hiddenMemory',
  description: 'Feature layer "visible" [D] and memory layer "hidden" [K] (softmax or relu) joined by the dense synapse "memory" (W [D, K]).',
  options: hiddenOptions,
  layers: ['visible', 'hidden'],
  synapses: ['memory'],
  expand: (o) =>
    assemble(
      o,
      {
        visible: { shape: [o.features], lagrangian: { kind: 'identity' } },
        hidden: {
          shape: [o.memories],
          lagrangian: o.hidden === 'relu' ? { kind: 'relu' } : { kind: 'softmax', beta: o.beta ?? 1 },
          tau: 0.1,
        },
      },
      { memory: { kind: 'dense', connects: ['visible', 'hidden'] } },
      scheduler,
    ),
} as const satisfies PresetDefinition<'hiddenMemory', HiddenMemoryOptions, z.output<typeof hiddenOptions>, 'visible' | 'hidden', 'memory'>;
