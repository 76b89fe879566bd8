import { describe, expect, it } from 'vitest';
import { deriveKey, hypergraph, lagrangians as L, normalValues, synapses as Y, tf } from '@hamux-ts/core';
import { Trainer, clampedInput, crossEntropy, maskedInput, mse, train } from '@hamux-ts/train';
import { blobs, disposeTree, flatParams, xor } from './support.js';

const xorGraph = () =>
  hypergraph()
    .layer('v', { shape: [4], lagrangian: L.identity() })
    .layer('h', { shape: [16], lagrangian: L.relu() })
    .layer('y', { shape: [2], lagrangian: L.softmax() })
    .synapse('vh', Y.denseBias(), ['v', 'h'])
    .synapse('hy', Y.denseBias(), ['h', 'y'])
    .build({ seed: 1 });

describe('training through the unrolled descent', () => {
  it('learns XOR (not linearly separable) with a hidden layer: loss down 4×, held-out accuracy ≥ 90%', async () => {
    const ham = xorGraph();
    const data = xor(256, 3), test = xor(256, 4);
    const trainer = new Trainer(ham, {
      seed: 0, steps: 6, dt: 0.4, batchSize: 32,
      prepare: clampedInput({ layer: 'v', field: 'x' }),
      loss: crossEntropy({ layer: 'y', field: 'y' }),
      accuracy: { layer: 'y', field: 'y' },
      optimizer: { name: 'adam', learningRate: 0.03 },
    });
    const before = await trainer.evaluate(test);
    expect(before.accuracy).toBeLessThan(0.65);
    const history = await trainer.fit(data, { epochs: 12, validation: test });
    const after = history[history.length - 1]!.validation!;
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(after.loss).toBeLessThan(before.loss / 4);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(trainer.step).toBe(12 * 8);
    // The graph's own parameters are untouched; the trained ones live in the trainer.
    const own = flatParams(ham.params), trained = flatParams(trainer.params);
    expect(own['synapses.vh.W']).not.toEqual(trained['synapses.vh.W']);
    trainer.dispose();
    tf.dispose([...Object.values(data), ...Object.values(test)]);
    ham.dispose();
  });

  it('learns to inpaint: masked-entry reconstruction error falls by more than half', async () => {
    // Each example is one of four prototypes plus a little noise; a hidden layer can store them.
    const prototypes = normalValues(deriveKey(5, 'prototypes'), [4, 10]);
    const make = (n: number, seed: number) => {
      const noise = normalValues(deriveKey(seed, 'noise'), [n, 10], 0, 0.1);
      return { x: tf.tensor2d(noise.map((e, i) => e + prototypes[(Math.floor(i / 10) % 4) * 10 + (i % 10)]!), [n, 10]) };
    };
    const data = make(128, 1), test = make(64, 2);
    const ham = hypergraph()
      .layer('v', { shape: [10], lagrangian: L.identity() })
      .layer('h', { shape: [8], lagrangian: L.softmax({ beta: 2 }) })
      .synapse('vh', Y.dense(), ['v', 'h'])
      .build({ seed: 2 });
    const result = await train(ham, data, {
      seed: 1, steps: 5, dt: 0.5, batchSize: 16, epochs: 10, validation: test,
      prepare: maskedInput({ layer: 'v', field: 'x', fraction: 0.3 }),
      loss: mse({ layer: 'v', field: 'x', on: 'free' }),
      optimizer: { name: 'adam', learningRate: 0.05 },
    });
    const first = result.history[0]!.validation!.loss, last = result.history[result.history.length - 1]!.validation!.loss;
    expect(last).toBeLessThan(first / 2);
    expect(Object.keys(result.params.synapses)).toEqual(['vh']);
    disposeTree(result.params);
    tf.dispose([...Object.values(data), ...Object.values(test)]);
    ham.dispose();
  });

  it('allocates nothing per epoch once the optimizer has its slots (training, validation, checkpoints)', async () => {
    const ham = xorGraph();
    const data = xor(48, 5), test = xor(16, 6);
    const initially = tf.memory().numTensors;
    const trainer = new Trainer(ham, {
      seed: 0, steps: 3, dt: 0.4, batchSize: 16, clipNorm: 1,
      prepare: clampedInput({ layer: 'v', field: 'x', rest: { std: 0.1 } }),
      loss: crossEntropy({ layer: 'y', field: 'y' }),
      accuracy: { layer: 'y', field: 'y' },
      optimizer: { name: 'adam', learningRate: 0.01 },
    });
    const counts: number[] = [];
    await trainer.fit(data, {
      epochs: 5, validation: test,
      checkpoint: { every: 1, save: () => {} },
      onEpochEnd: () => { counts.push(tf.memory().numTensors); },
    });
    expect(counts).toEqual(counts.map(() => counts[0]));
    // The trainer holds its 4 variables, Adam's m and v for each, and Adam's two β powers: nothing else.
    expect(counts[0]).toBe(initially + 4 + 2 * 4 + 2);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(initially);
    tf.dispose([...Object.values(data), ...Object.values(test)]);
    ham.dispose();
  });

  it('clipNorm bounds the global norm of every update', async () => {
    const ham = xorGraph();
    const data = xor(16, 7);
    const trainer = new Trainer(ham, {
      seed: 0, steps: 3, batchSize: 16, clipNorm: 1e-3,
      prepare: clampedInput({ layer: 'v', field: 'x' }),
      loss: crossEntropy({ layer: 'y', field: 'y' }),
      optimizer: { name: 'sgd', learningRate: 1 },
    });
    const { loss, grads } = trainer.gradients(data, 0);
    const norm = Math.sqrt(Object.values(grads).reduce((a, g) => a + tf.sum(tf.square(g)).dataSync()[0]!, 0));
    expect(norm).toBeGreaterThan(1e-2); // so the clip really acts
    const before = flatParams(trainer.params);
    await trainer.trainBatch(data, 0);
    const after = flatParams(trainer.params);
    const moved = Math.sqrt(Object.keys(before).reduce((a, k) => a + before[k]!.reduce((s, v, i) => s + (after[k]![i]! - v) ** 2, 0), 0));
    expect(moved).toBeGreaterThan(0.9e-3);
    expect(moved).toBeLessThan(1.01e-3);
    tf.dispose([loss, ...Object.values(grads), ...Object.values(data)]);
    trainer.dispose();
    ham.dispose();
  });

  it("a cosine schedule anneals each epoch's learning rate: plain SGD moves by −lr_e · ∂loss/∂θ", async () => {
    const ham = xorGraph();
    const data = xor(16, 3);
    const lr = 0.5, epochs = 4;
    const trainer = new Trainer(ham, {
      seed: 0, steps: 2, batchSize: 16, shuffle: false, // one batch per epoch, and clampedInput draws nothing
      prepare: clampedInput({ layer: 'v', field: 'x' }),
      loss: crossEntropy({ layer: 'y', field: 'y' }),
      optimizer: { name: 'sgd', learningRate: lr, schedule: 'cosine' },
    });
    /** The parameters and the gradient at the start of the next epoch. */
    const snapshot = () => {
      const { loss, grads } = trainer.gradients(data, 0);
      const g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
      tf.dispose([loss, ...Object.values(grads)]);
      return { params: flatParams(trainer.params), g };
    };
    let start = snapshot();
    const reports = await trainer.fit(data, {
      epochs,
      onEpochEnd: (r) => {
        const rate = lr * 0.5 * (1 + Math.cos((Math.PI * (r.epoch - 1)) / epochs));
        expect(r.learningRate).toBeCloseTo(rate, 12);
        const now = flatParams(trainer.params);
        for (const [k, g] of Object.entries(start.g)) {
          const b = start.params[k]!, a = now[k]!;
          g.forEach((v, i) => expect(Math.abs(a[i]! - (b[i]! - rate * v))).toBeLessThan(1e-6 * (1 + Math.abs(b[i]!))));
        }
        start = snapshot();
      },
    });
    // ½(1 + cos(π(e − 1)/4)) for e = 1…4: 1, (1 + √½)/2, ½, (1 − √½)/2.
    const want = [1, (1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2].map((f) => lr * f);
    expect(reports).toHaveLength(epochs);
    reports.forEach((r, i) => expect(r.learningRate).toBeCloseTo(want[i]!, 12));
    trainer.dispose();
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('trains only the chosen parameters', async () => {
    const ham = xorGraph();
    const data = blobs(32, 1, { dim: 4, classes: 2 });
    const trainer = new Trainer(ham, {
      seed: 0, steps: 2, batchSize: 16, trainable: ['synapses.hy.W'],
      prepare: clampedInput({ layer: 'v', field: 'x' }),
      loss: crossEntropy({ layer: 'y', field: 'y' }),
      optimizer: { name: 'momentum', learningRate: 0.1 },
    });
    const before = flatParams(trainer.params);
    await trainer.fit(data, { epochs: 1 });
    const after = flatParams(trainer.params);
    for (const k of Object.keys(before)) {
      if (k === 'synapses.hy.W') expect(after[k]).not.toEqual(before[k]);
      else expect(after[k]).toEqual(before[k]);
    }
    trainer.dispose();
    tf.dispose(Object.values(data));
    ham.dispose();
  });
});
