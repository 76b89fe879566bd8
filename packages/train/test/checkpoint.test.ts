import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, hypergraph, lagrangians as L, learnable, synapses as Y, tf } from '@hamux-ts/core';
import { decodeSafetensors, saveParams } from '@hamux-ts/config';
import { Trainer, corruptedInput, crossEntropy, paramsFromCheckpoint, type OptimizerSpec } from '@hamux-ts/train';
import { blobs, disposeTree, flatParams } from './support.js';

const graph = () =>
  hypergraph()
    .layer('v', { shape: [6], lagrangian: L.identity() })
    .layer('h', { shape: [8], lagrangian: L.tanh({ beta: learnable(1) }) })
    .layer('y', { shape: [3], lagrangian: L.softmax() })
    .synapse('vh', Y.dense(), ['v', 'h'])
    .synapse('hy', Y.denseBias(), ['h', 'y'])
    .build({ seed: 4 });

/** Noisy inputs and a random start for the hidden layer: batch randomness the resume must repeat. */
const trainerFor = (ham: ReturnType<typeof graph>, optimizer: OptimizerSpec, seed = 0, batchSize = 10) =>
  new Trainer(ham, {
    seed, steps: 3, dt: 0.3, batchSize,
    prepare: corruptedInput({ layer: 'v', field: 'x', std: 0.3, rest: { std: 0.2 } }),
    loss: crossEntropy({ layer: 'y', field: 'y' }),
    optimizer,
  });

const optimizers: OptimizerSpec[] = [
  { name: 'adam', learningRate: 0.02 },
  { name: 'sgd', learningRate: 0.1 },
  { name: 'momentum', learningRate: 0.05, momentum: 0.9 },
  { name: 'rmsprop', learningRate: 0.01, momentum: 0.5 },
  { name: 'sgd', learningRate: 0.1, schedule: 'cosine' },
];

describe('checkpoints', () => {
  for (const optimizer of optimizers) {
    it(`${optimizer.name}${optimizer.schedule ? ` (${optimizer.schedule} schedule)` : ''}: resuming from epoch 2 reproduces the uninterrupted run bit for bit`, async () => {
      // 13 batches per epoch, the last one smaller. Enough steps that Adam's β₂ᵗ kept as a running
      // product differs from tfjs's pow(β₂, t) (it does from t = 18 on): without restoring the
      // products themselves, this comparison fails.
      const data = blobs(38, 1, { dim: 6 });
      const saved = new Map<number, Uint8Array>();
      const hamA = graph();
      const a = trainerFor(hamA, optimizer, 0, 3);
      const historyA = await a.fit(data, { epochs: 4, checkpoint: { every: 2, save: (bytes, info) => { saved.set(info.epoch, bytes); } } });
      expect([...saved.keys()]).toEqual([2, 4]);

      const hamB = graph();
      const b = trainerFor(hamB, optimizer, 0, 3);
      await b.restore(saved.get(2)!);
      expect([b.epoch, b.step]).toEqual([2, 26]);
      const historyB = await b.fit(data, { epochs: 4 });
      expect(historyB.map((h) => h.epoch)).toEqual([3, 4]);
      expect(historyB.map((h) => h.loss)).toEqual(historyA.slice(2).map((h) => h.loss));
      expect(flatParams(b.params)).toEqual(flatParams(a.params));
      // Optimizer state included: the two final checkpoints are the same bytes.
      expect(Buffer.from(await b.checkpoint()).equals(Buffer.from(saved.get(4)!))).toBe(true);

      // And training on from there stays in step.
      await Promise.all([a.fit(data, { epochs: 5 }), b.fit(data, { epochs: 5 })]);
      expect(flatParams(b.params)).toEqual(flatParams(a.params));
      a.dispose(); b.dispose(); hamA.dispose(); hamB.dispose();
      tf.dispose(Object.values(data));
    });
  }

  it('writes parameters, optimizer slots and training position into the safetensors file', async () => {
    const data = blobs(20, 2, { dim: 6 });
    const ham = graph();
    const t = trainerFor(ham, { name: 'adam', learningRate: 0.01 }, 7);
    await t.fit(data, { epochs: 1 });
    const bytes = await t.checkpoint();
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual([
      'layers.h.beta', 'layers.y.beta',
      'optimizer.accBeta1', 'optimizer.accBeta2',
      ...Array.from({ length: 8 }, (_, i) => `optimizer.slot.${i}`),
      'synapses.hy.W', 'synapses.hy.b', 'synapses.vh.W',
    ]);
    expect(metadata).toMatchObject({
      format: 'hamux-ts.train-checkpoint', epoch: '1', step: '2', seed: '7', batchSize: '10', examples: '20',
      optimizer: 'Adam', 'optimizer.iterations': '2', 'optimizer.slots': '8',
    });
    expect(JSON.parse(metadata['rng']!)).toMatchObject({ seed: 7, nextEpoch: 2 });
    expect(JSON.parse(metadata['trainable']!)).toEqual(t.trainable);
    // The parameters can be read back as weights for a new graph.
    const params = paramsFromCheckpoint(ham, bytes);
    const rebuilt = hypergraph()
      .layer('v', { shape: [6], lagrangian: L.identity() })
      .layer('h', { shape: [8], lagrangian: L.tanh({ beta: learnable(1) }) })
      .layer('y', { shape: [3], lagrangian: L.softmax() })
      .synapse('vh', Y.dense(), ['v', 'h'])
      .synapse('hy', Y.denseBias(), ['h', 'y'])
      .build({ seed: 123, params });
    expect(flatParams(rebuilt.params)).toEqual(flatParams(t.params));
    disposeTree(params);
    rebuilt.dispose(); t.dispose(); ham.dispose();
    tf.dispose(Object.values(data));
  });

  it('refuses checkpoints that cannot continue this run, naming what differs', async () => {
    const data = blobs(20, 3, { dim: 6 });
    const ham = graph();
    const t = trainerFor(ham, { name: 'adam', learningRate: 0.01 });
    await t.fit(data, { epochs: 1 });
    const bytes = await t.checkpoint();
    const paths = async (p: Promise<unknown>) => {
      const e = await p.then(() => { throw new Error('expected a rejection'); }, (x: unknown) => x);
      expect(e).toBeInstanceOf(HamuxError);
      return e instanceof HamuxErrors ? e.errors.map((x) => x.where) : [(e as HamuxError).where];
    };
    const codes = async (p: Promise<unknown>) => {
      const e = await p.then(() => { throw new Error('expected a rejection'); }, (x: unknown) => x);
      return e instanceof HamuxErrors ? e.errors.map((x) => x.code) : [(e as HamuxError).code];
    };
    const before = tf.memory().numTensors;

    const otherSeed = trainerFor(ham, { name: 'adam', learningRate: 0.01 }, 5);
    expect(await paths(otherSeed.restore(bytes))).toEqual(['checkpoint.metadata.seed']);
    expect(await codes(otherSeed.restore(bytes))).toEqual(['invalid_config']);
    const otherOptimizer = trainerFor(ham, { name: 'sgd', learningRate: 0.01 });
    expect(await paths(otherOptimizer.restore(bytes))).toEqual(['checkpoint.optimizer']);
    expect(await codes(otherOptimizer.restore(bytes))).toEqual(['invalid_config']);
    // A weights file is not a checkpoint.
    expect(await paths(otherOptimizer.restore(saveParams(ham)))).toEqual(['checkpoint.metadata.format']);
    expect(await codes(otherOptimizer.restore(saveParams(ham)))).toEqual(['invalid_file']);
    // A checkpoint of another graph.
    const small = hypergraph()
      .layer('v', { shape: [6], lagrangian: L.identity() })
      .layer('y', { shape: [3], lagrangian: L.softmax() })
      .synapse('hy', Y.dense(), ['v', 'y'])
      .build({ seed: 1 });
    const smallTrainer = new Trainer(small, {
      seed: 0, steps: 1, optimizer: { name: 'adam', learningRate: 0.1 },
      prepare: corruptedInput({ layer: 'v', field: 'x', std: 0 }), loss: crossEntropy({ layer: 'y', field: 'y' }),
    });
    expect(await paths(smallTrainer.restore(bytes))).toEqual(expect.arrayContaining(['checkpoint.synapses.hy.W', 'checkpoint.synapses.vh.W', 'checkpoint.layers.h.beta']));
    const smallCodes = await codes(smallTrainer.restore(bytes));
    expect(smallCodes).toEqual(expect.arrayContaining(['shape_mismatch', 'unknown_name']));
    expect(smallCodes).not.toContain('invalid_argument');
    // A different training set size is caught when training resumes.
    const resumed = trainerFor(ham, { name: 'adam', learningRate: 0.01 });
    await resumed.restore(bytes);
    const fewer = blobs(10, 3, { dim: 6 });
    expect(await paths(resumed.fit(fewer, { epochs: 2 }))).toEqual(['data']);
    expect(await codes(resumed.fit(fewer, { epochs: 2 }))).toEqual(['invalid_argument']);
    // Truncated bytes.
    expect(await paths(resumed.restore(bytes.subarray(0, 100)))).toEqual(['safetensors']);

    for (const x of [otherSeed, otherOptimizer, smallTrainer, resumed]) x.dispose();
    tf.dispose(Object.values(fewer));
    small.dispose();
    expect(tf.memory().numTensors).toBe(before); // failed restores leak nothing
    t.dispose(); ham.dispose();
    tf.dispose(Object.values(data));
  });
});
