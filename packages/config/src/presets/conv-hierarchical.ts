import { z } from 'zod';
import { padding, positiveInteger, positiveParam, strict } from '../schema/primitives.js';
import { assemble, commonShape, optionsOf, problem, type CommonOptions, type ParamInput, type PresetDefinition } from './preset.js';

type Layer = 'image' | 'features' | 'pooled' | 'memories';
type Shape3 = readonly [number, number, number];

export interface ConvHierarchicalOptions extends CommonOptions<Layer> {
  /** Image shape `[height, width, channels]`. */
  readonly image: Shape3;
  /** Channels of the convolution's feature maps, default 8. */
  readonly channels?: number;
  /** Side of the square convolution kernel, default 3 (stride 1). */
  readonly kernel?: number;
  /** Padding of the convolution: `'valid'` (default), `'same'` or a number of zeros. */
  readonly padding?: 'valid' | 'same' | number;
  /** Side of the square average-pooling window (and its stride), default 2. */
  readonly pool?: number;
  /** Number of memory neurons K at the top, default 64. */
  readonly memories?: number;
  /** β of the memory layer's softmax, default 1. */
  readonly beta?: ParamInput;
}

const layers = ['image', 'features', 'pooled', 'memories'] as const;
const shape3 = z
  .tuple([positiveInteger, positiveInteger, positiveInteger], { error: () => 'expected [height, width, channels], three positive integers' })
    .readonly()
  .describe('Image shape [height, width, channels].');

/**
 * Output length of a window of size k, stride s along an axis of n (core's `synapses.outputLength`,
 * restated so that the JSON Schema script can load the presets without tfjs; the tests build every
 * preset, so core's own shape check confirms it).
 */
function outputLength(n: number, k: number, s: number, padding: 'valid' | 'same' | number): number {
  if (padding === 'same') return Math.ceil(n / s);
  return Math.floor((n + 2 * (padding === 'valid' ? 0 : padding) - k) / s) + 1;
}

/** `[H₁, W₁]` after the convolution and `[H₂, W₂]` after pooling. */
function sizes(o: { image: Shape3; kernel: number; padding: 'valid' | 'same' | number; pool: number }) {
  const conv = [0, 1].map((a) => outputLength(o.image[a]!, o.kernel, 1, o.padding)) as [number, number];
  const pooled = conv.map((n) => outputLength(n, o.pool, o.pool, 'valid')) as [number, number];
  return { conv, pooled };
}

const convOptions = optionsOf<ConvHierarchicalOptions>()(
  strict({
    image: shape3,
    channels: positiveInteger.default(8).describe('Channels of the feature maps, default 8.'),
    kernel: positiveInteger.default(3).describe('Side of the square convolution kernel, default 3.'),
    padding: padding.default('valid'),
    pool: positiveInteger.default(2).describe('Side of the average-pooling window and its stride, default 2.'),
    memories: positiveInteger.default(64).describe('Number of memory neurons K, default 64.'),
    beta: positiveParam.default(1).describe("β of the memory layer's softmax, default 1."),
    ...commonShape(layers),
  }, 'the options of convHierarchical').check((ctx) => {
    const o = ctx.value;
    const { conv, pooled } = sizes(o);
    const image = `[${o.image.join(', ')}]`;
    if (conv.some((n) => n < 1)) problem(ctx, 'kernel', o.kernel, `a ${o.kernel}×${o.kernel} kernel with padding ${o.padding} does not fit in an image ${image}`);
    else if (pooled.some((n) => n < 1)) problem(ctx, 'pool', o.pool, `a ${o.pool}×${o.pool} pool does not fit in the ${conv[0]}×${conv[1]} feature maps of an image ${image}`);
  }),
);

/**
 * A convolutional hierarchical HAM: `image` [H, W, C] (identity, clamped) — `conv` (k×k, stride 1)
 * — `features` [H₁, W₁, F] (relu, τ 0.5) — `pool` (p×p average, stride p) — `pooled` [H₂, W₂, F]
 * (tanh, τ 0.5) — `recall` (dense) — `memories` [K] (softmax, τ 0.1), with
 * `H₁ = outputLength(H, k, 1, padding)` and `H₂ = ⌊H₁ / p⌋` (likewise for widths).
 */
export const convHierarchicalPreset = {
  name: 'convHierarchical',
  description: 'Convolutional HAM: "image" [H, W, C] -conv- "features" (relu) -pool- "pooled" (tanh) -recall- "memories" [K] (softmax).',
  options: convOptions,
  layers,
  synapses: ['conv', 'pool', 'recall'],
  expand: (o) => {
    const { conv, pooled } = sizes(o);
    return assemble(
      o,
      {
        image: { shape: [...o.image], lagrangian: { kind: 'identity' }, clamp: true },
        features: { shape: [...conv, o.channels], lagrangian: { kind: 'relu' }, tau: 0.5 },
        pooled: { shape: [...pooled, o.channels], lagrangian: { kind: 'tanh' }, tau: 0.5 },
        memories: { shape: [o.memories], lagrangian: { kind: 'softmax', beta: o.beta }, tau: 0.1 },
      },
      {
        conv: { kind: 'conv2d', connects: ['image', 'features'], kernel: o.kernel, padding: o.padding },
        pool: { kind: 'avgPool', connects: ['features', 'pooled'], size: o.pool },
        recall: { kind: 'dense', connects: ['pooled', 'memories'] },
      },
      { mode: 'adaptive', maxSteps: 300 },
    );
  },
} as const satisfies PresetDefinition<'convHierarchical', ConvHierarchicalOptions, z.output<typeof convOptions>, Layer, 'conv' | 'pool' | 'recall'>;
