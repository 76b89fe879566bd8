/**
 * Names are typed in training as they are in the builder and in `descend`: a loss, an initial-state
 * builder, an accuracy layer or a trainable path that names a layer or synapse the graph lacks is a
 * compile error, and so is a misspelt owner in `ham.params` or `trainer.params`. The
 * `@ts-expect-error` lines are the type tests: `npm run typecheck` (tsc over `src` and `test`) fails
 * if one of them compiles. Names from data (`HAM<string, string>`) compile and are checked at run time.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  HamuxError,
  HamuxErrors,
  hypergraph,
  lagrangians as L,
  synapses as Y,
  tf,
  type GraphBuilder,
  type HAM,
  type ParamPath,
  type Params,
  type TensorMap,
} from '@hamux-ts/core';
import {
  Trainer,
  clampedInput,
  corruptedInput,
  crossEntropy,
  maskedInput,
  mse,
  sumOf,
  train,
  type InputPrepare,
  type Loss,
  type Prepare,
  type TrainerOptions,
} from '@hamux-ts/train';

const classifier = () =>
  hypergraph()
    .layer('input', { shape: [4], lagrangian: L.identity() })
    .layer('hidden', { shape: [3], lagrangian: L.softmax() })
    .layer('labels', { shape: [2], lagrangian: L.softmax() })
    .synapse('encode', Y.dense(), ['input', 'hidden'])
    .synapse('classify', Y.dense(), ['hidden', 'labels'])
    .build({ seed: 0 });

type Layer = 'input' | 'hidden' | 'labels';
type Synapse = 'encode' | 'classify';

const sgd = { name: 'sgd', learningRate: 0.1 } as const;

/** The same graph with its names known only at run time, as from a config file. */
function fromData(names: { input: string; hidden: string; labels: string }): HAM<string, string> {
  let b: GraphBuilder<string, string> = hypergraph();
  b = b.layer(names.input, { shape: [4], lagrangian: L.identity() });
  b = b.layer(names.hidden, { shape: [3], lagrangian: L.softmax() });
  b = b.layer(names.labels, { shape: [2], lagrangian: L.softmax() });
  b = b.synapse('encode', Y.dense(), [names.input, names.hidden]);
  b = b.synapse('classify', Y.dense(), [names.hidden, names.labels]);
  return b.build({ seed: 0 });
}

/** The one problem a call reports (a HamuxError, or a HamuxErrors of one). */
function hamuxError(f: () => unknown): HamuxError {
  try { f(); } catch (e) {
    expect(e).toBeInstanceOf(HamuxError);
    if (!(e instanceof HamuxErrors)) return e as HamuxError;
    expect(e.errors).toHaveLength(1);
    return e.errors[0]!;
  }
  throw new Error('expected a HamuxError');
}

describe('typing of names in training', () => {
  it('builders made before the trainer carry their layer names', () => {
    expectTypeOf(crossEntropy({ layer: 'labels', field: 'y' })).toEqualTypeOf<Loss<'labels'>>();
    expectTypeOf(mse({ layer: 'input', field: 'x' })).toEqualTypeOf<Loss<'input'>>();
    expectTypeOf(sumOf([crossEntropy({ layer: 'labels', field: 'y' }), 1], [mse({ layer: 'input', field: 'x' }), 0.1]))
      .toEqualTypeOf<Loss<'labels' | 'input'>>();
    // Names from data add nothing to check at compile time: the sum fits any graph.
    const fromConfig: string = JSON.parse('"labels"');
    expectTypeOf(crossEntropy({ layer: fromConfig, field: 'y' })).toEqualTypeOf<Loss<string>>();
    expectTypeOf(sumOf([crossEntropy({ layer: fromConfig, field: 'y' }), 1])).toEqualTypeOf<Loss<never>>();
    expectTypeOf(sumOf([crossEntropy({ layer: fromConfig, field: 'y' }), 1])).toMatchTypeOf<Loss<Layer>>();
    expectTypeOf(clampedInput({ layer: 'input', field: 'x' })).toEqualTypeOf<InputPrepare<'input'>>();
    expectTypeOf(corruptedInput({ layer: 'input', field: 'x', std: 0.1 })).toEqualTypeOf<InputPrepare<'input'>>();
    expectTypeOf(corruptedInput({ layer: 'input', field: 'x', std: 0.1, observed: 'seen' })).toEqualTypeOf<InputPrepare<'input' | 'seen'>>();
    expectTypeOf(maskedInput({ layer: 'input', field: 'x', fraction: 0.5 })).toEqualTypeOf<InputPrepare<'input'>>();
    // A builder for one layer fits any graph that has it.
    expectTypeOf(crossEntropy({ layer: 'labels', field: 'y' })).toMatchTypeOf<Loss<Layer>>();
    expectTypeOf(clampedInput({ layer: 'input', field: 'x' })).toMatchTypeOf<Prepare<Layer, Synapse>>();
    expectTypeOf(clampedInput({ layer: 'input', field: 'x' })).not.toMatchTypeOf<Prepare<'pixels' | 'labels', Synapse>>();
  });

  it('accepts the graph\'s own names, given inline or made beforehand', () => {
    const ham = classifier();
    const prepare = clampedInput({ layer: 'input', field: 'x' });
    const loss = sumOf([crossEntropy({ layer: 'labels', field: 'y' }), 1], [mse({ layer: 'hidden', field: 'h' }), 0.1]);
    const trainer = new Trainer(ham, {
      seed: 0, steps: 1, optimizer: sgd,
      prepare,
      evalPrepare: corruptedInput({ layer: 'input', field: 'x', std: 0.1 }),
      loss,
      accuracy: { layer: 'labels', field: 'y' },
      trainable: ['synapses.encode.W', 'synapses.classify.W'],
    });
    expectTypeOf(trainer).toEqualTypeOf<Trainer<Layer, Synapse>>();
    expectTypeOf(trainer.params).toEqualTypeOf<Params<Layer, Synapse>>();
    expect(trainer.trainable).toEqual(['synapses.encode.W', 'synapses.classify.W']);
    trainer.dispose();

    // A loss written inline sees the graph's states; a hand-written Prepare is typed by the graph.
    const own: Prepare<Layer, Synapse> = (_, { ham: g }) => ({ states: g.zeros(2), clamp: { input: true } });
    const inline = new Trainer(ham, { seed: 0, steps: 1, optimizer: sgd, prepare: own, loss: (acts) => tf.mean(acts.labels) });
    inline.dispose();
    ham.dispose();
  });

  it('makes a misspelt layer in a loss a compile error', () => {
    const ham = classifier();
    const base: Omit<TrainerOptions<Layer, Synapse>, 'loss'> = { seed: 0, steps: 1, optimizer: sgd, prepare: clampedInput({ layer: 'input', field: 'x' }) };
    // @ts-expect-error no layer 'lable'
    const t1 = new Trainer(ham, { ...base, loss: crossEntropy({ layer: 'lable', field: 'y' }) });
    const early = crossEntropy({ layer: 'lable', field: 'y' });
    // @ts-expect-error no layer 'lable', though the loss was made before the trainer saw the graph
    const t2 = new Trainer(ham, { ...base, loss: early });
    // @ts-expect-error no layer 'hiden'
    const t3 = new Trainer(ham, { ...base, loss: mse({ layer: 'hiden', field: 'x' }) });
    // @ts-expect-error no layer 'lable' in one term of the sum
    const t4 = new Trainer(ham, { ...base, loss: sumOf([mse({ layer: 'hidden', field: 'h' }), 1], [early, 1]) });
    // A term written inline does not hide the others' names.
    const mixed = sumOf([(acts) => tf.mean(acts['labels']!), 1], [early, 1]);
    expectTypeOf(mixed).toEqualTypeOf<Loss<'lable'>>();
    // @ts-expect-error no layer 'lable' beside an inline term
    const t5 = new Trainer(ham, { ...base, loss: mixed });
    for (const t of [t1, t2, t3, t4, t5]) t.dispose();
    ham.dispose();
  });

  it('makes a misspelt layer in an initial-state builder or accuracy a compile error, and a run-time error too', () => {
    const ham = classifier();
    const base: Omit<TrainerOptions<Layer, Synapse>, 'prepare'> = { seed: 0, steps: 1, optimizer: sgd, loss: crossEntropy({ layer: 'labels', field: 'y' }) };
    // @ts-expect-error no layer 'inptu'
    const t1 = new Trainer(ham, { ...base, prepare: clampedInput({ layer: 'inptu', field: 'x' }) });
    const early = maskedInput({ layer: 'inptu', field: 'x', fraction: 0.5 });
    // @ts-expect-error no layer 'inptu', though the builder was made before the trainer saw the graph
    const t2 = new Trainer(ham, { ...base, prepare: early });
    // @ts-expect-error no layer 'inptu'
    const t3 = new Trainer(ham, { ...base, prepare: clampedInput({ layer: 'input', field: 'x' }), evalPrepare: corruptedInput({ layer: 'inptu', field: 'x', std: 1 }) });
    const batch = { x: tf.zeros([2, 4]), y: tf.zeros([2], 'int32') };
    expect(hamuxError(() => t1.lossOf(batch)).where).toBe('clampedInput.layer');
    for (const t of [t1, t2, t3]) t.dispose();
    // @ts-expect-error no layer 'lables'
    const e = hamuxError(() => new Trainer(ham, { ...base, prepare: clampedInput({ layer: 'input', field: 'x' }), accuracy: { layer: 'lables', field: 'y' } }));
    expect(e.message).toContain('unknown layer "lables"');
    tf.dispose(Object.values(batch));
    ham.dispose();
  });

  it('makes a misspelt owner in a trainable path a compile error', () => {
    const ham = classifier();
    const base: TrainerOptions<Layer, Synapse> = { seed: 0, steps: 1, optimizer: sgd, prepare: clampedInput({ layer: 'input', field: 'x' }), loss: crossEntropy({ layer: 'labels', field: 'y' }) };
    // @ts-expect-error no synapse 'nope'
    expect(hamuxError(() => new Trainer(ham, { ...base, trainable: ['synapses.nope.W'] })).message).toContain('unknown parameter "synapses.nope.W"');
    // @ts-expect-error no layer 'hiden'
    expect(() => new Trainer(ham, { ...base, trainable: ['layers.hiden.beta'] })).toThrow(HamuxError);
    // @ts-expect-error neither a layer nor a synapse path
    expect(() => new Trainer(ham, { ...base, trainable: ['encode.W'] })).toThrow(HamuxError);
    // @ts-expect-error no synapse 'nope', in the one-call `train` as well
    void (() => train(ham, { x: tf.zeros([1, 4]) }, { ...base, epochs: 1, trainable: ['synapses.nope.W'] }));
    expectTypeOf<'synapses.encode.W'>().toMatchTypeOf<ParamPath<Layer, Synapse>>();
    expectTypeOf<'layers.hidden.beta'>().toMatchTypeOf<ParamPath<Layer, Synapse>>();
    expectTypeOf<'synapses.encod.W'>().not.toMatchTypeOf<ParamPath<Layer, Synapse>>();
    ham.dispose();
  });

  it('types ham.params and trainer.params by the graph\'s names', () => {
    const ham = classifier();
    expectTypeOf(ham.params).toEqualTypeOf<Params<Layer, Synapse>>();
    expectTypeOf(ham.params.synapses.encode).toEqualTypeOf<TensorMap>();
    expect(ham.params.synapses.encode['W']!.shape).toEqual([...ham.paramSpecs.synapses.encode['W']!.shape]);
    // @ts-expect-error no synapse 'encod'
    expect(ham.params.synapses.encod).toBeUndefined();
    // @ts-expect-error no layer 'xyz'
    expect(ham.params.layers.xyz).toBeUndefined();
    const trainer = new Trainer(ham, { seed: 0, steps: 1, optimizer: sgd, prepare: clampedInput({ layer: 'input', field: 'x' }), loss: crossEntropy({ layer: 'labels', field: 'y' }) });
    // @ts-expect-error no synapse 'clasify'
    expect(trainer.params.synapses.clasify).toBeUndefined();
    // Typed parameters are still parameters: every option that takes `Params` takes them.
    const wide: Params = trainer.params;
    const acts = ham.activations(ham.zeros(1), { params: wide });
    expect(acts.labels.shape).toEqual([1, 2]);
    tf.dispose(Object.values(acts));
    trainer.dispose();
    ham.dispose();
  });

  it('compiles with names from data and checks them at run time', () => {
    const ham = fromData(JSON.parse('{ "input": "input", "hidden": "hidden", "labels": "labels" }'));
    const names: { input: string; labels: string; typo: string; path: string } = JSON.parse('{ "input": "input", "labels": "labels", "typo": "lable", "path": "synapses.nope.W" }');
    expectTypeOf(ham.params.synapses['anything']).toEqualTypeOf<TensorMap | undefined>();
    const options: TrainerOptions<string, string> = {
      seed: 0, steps: 1, optimizer: sgd,
      prepare: clampedInput({ layer: names.input, field: 'x' }),
      loss: crossEntropy({ layer: names.typo, field: 'y' }),
    };
    expect(hamuxError(() => new Trainer(ham, { ...options, trainable: [names.path] })).where).toBe('options.trainable[0]');
    const trainer = new Trainer(ham, options);
    const batch = { x: tf.zeros([2, 4]), y: tf.zeros([2], 'int32') };
    const e = hamuxError(() => trainer.lossOf(batch));
    expect(e.where).toBe('crossEntropy.layer');
    expect(e.message).toContain('unknown layer "lable"');
    trainer.dispose();
    // Names from data also fit a graph whose names are known.
    const typed = classifier();
    const t = new Trainer(typed, { seed: 0, steps: 1, optimizer: sgd, prepare: clampedInput({ layer: names.input, field: 'x' }), loss: mse({ layer: names.labels, field: 'y' }) });
    t.dispose();
    typed.dispose();
    tf.dispose(Object.values(batch));
    ham.dispose();
  });
});
