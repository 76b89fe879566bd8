import type { z } from 'zod';
import { boolean, positiveInteger, positiveParam, strict } from '../schema/primitives.js';
import { assemble, commonShape, optionsOf, type CommonOptions, type ParamInput, type PresetDefinition } from './preset.js';

type Layer = 'input' | 'hidden' | 'label';

export interface ClassifierOptions extends CommonOptions<Layer> {
  /** Size of the input layer (784 for flattened MNIST digits). */
  readonly input: number;
  /** Size of the hidden layer. */
  readonly hidden: number;
  /** Number of classes: the size of the label layer. */
  readonly labels: number;
  /** β of the label layer's softmax, default 1. */
  readonly beta?: ParamInput;
  /** Dense synapses with a bias on their second layer (`denseBias`), default true. */
  readonly bias?: boolean;
}

const layers = ['input', 'hidden', 'label'] as const;

const classifierOptions = optionsOf<ClassifierOptions>()(
  strict({
    input: positiveInteger.describe('Size of the input layer.'),
    hidden: positiveInteger.describe('Size of the hidden layer.'),
    labels: positiveInteger.describe('Number of classes (size of the label layer).'),
    beta: positiveParam.default(1).describe("β of the label layer's softmax, default 1."),
    bias: boolean.default(true).describe('Dense synapses with a bias (denseBias), default true.'),
    ...commonShape(layers),
  }, 'the options of classifier'),
);

/**
 * A classifier HAM: `input` [I] (identity, clamped) — `encode` — `hidden` [H] (relu, τ 0.5) —
 * `classify` — `label` [C] (softmax, τ 0.1). With the input clamped, the label layer relaxes to a
 * distribution over classes: `softmax(β · label state)`. Train it by unrolling the dynamics and a
 * cross-entropy on the label activations.
 */
export const classifierPreset = {
  name: 'classifier',
  description: 'Classifier HAM: "input" [I] (identity, clamped), "hidden" [H] (relu), "label" [C] (softmax); synapses "encode", "classify".',
  options: classifierOptions,
  layers,
  synapses: ['encode', 'classify'],
  expand: (o) => {
    const kind = o.bias ? 'denseBias' : 'dense';
    return assemble(
      o,
      {
        input: { shape: [o.input], lagrangian: { kind: 'identity' }, clamp: true },
        hidden: { shape: [o.hidden], lagrangian: { kind: 'relu' }, tau: 0.5 },
        label: { shape: [o.labels], lagrangian: { kind: 'softmax', beta: o.beta }, tau: 0.1 },
      },
      {
        encode: { kind, connects: ['input', 'hidden'] },
        classify: { kind, connects: ['hidden', 'label'] },
      },
      { mode: 'adaptive', maxSteps: 300 },
    );
  },
} as const satisfies PresetDefinition<'classifier', ClassifierOptions, z.output<typeof classifierOptions>, Layer, 'encode' | 'classify'>;
