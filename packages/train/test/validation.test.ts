import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, hypergraph, lagrangians as L, learnable, synapses as Y, tf } from '@hamux-ts/core';
import {
  Trainer,
  clampedInput,
  crossEntropy,
  formatEpoch,
  maskedInput,
  mse,
  progressBar,
  type TrainerOptions,
  type TrainProgress,
} from '@hamux-ts/train';
import { flatParams, xor } from './support.js';

const graph = () =>
  hypergraph()
    .layer('v', { shape: [4], lagrangian: L.identity() })
    .layer('h', { shape: [5], lagrangian: L.softmax({ beta: learnable(1) }) })
    .layer('y', { shape: [2], lagrangian: L.softmax() })
    .synapse('vh', Y.dense(), ['v', 'h'])
    .synapse('hy', Y.dense(), ['h', 'y'])
    .build({ seed: 0 });

type Lx = 'v' | 'h' | 'y';
const good: TrainerOptions<Lx, 'vh' | 'hy'> = {
  seed: 0, steps: 2,
  prepare: clampedInput({ layer: 'v', field: 'x' }),
  loss: crossEntropy({ layer: 'y', field: 'y' }),
  optimizer: { name: 'sgd', learningRate: 0.1 },
};

/** The paths of every problem a call reports (one HamuxError, or several at once). */
function paths(f: () => unknown): string[] {
  try { f(); } catch (e) {
    expect(e).toBeInstanceOf(HamuxError);
    return e instanceof HamuxErrors ? e.errors.map((x) => x.where) : [(e as HamuxError).where];
  }
  throw new Error('expected an error');
}
async function rejected(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(() => { throw new Error('expected a rejection'); }, (x: unknown) => x);
  expect(e).toBeInstanceOf(HamuxError);
  return e instanceof HamuxErrors ? e.errors.map((x) => x.where) : [(e as HamuxError).where];
}

/** The codes of every problem a call reports, in the same order as `paths`. */
const codesOf = (e: unknown): string[] => (e instanceof HamuxErrors ? e.errors.map((x) => x.code) : [(e as HamuxError).code]);
function codes(f: () => unknown): string[] {
  try { f(); } catch (e) { return codesOf(e); }
  throw new Error('expected an error');
}
async function rejectedCodes(p: Promise<unknown>): Promise<string[]> {
  return codesOf(await p.then(() => { throw new Error('expected a rejection'); }, (x: unknown) => x));
}

describe('input validation', () => {
  it('reports every bad trainer option at once, by path, and allocates nothing', () => {
    const ham = graph();
    const before = tf.memory().numTensors;
    expect(paths(() => new Trainer(ham, {
      ...good, seed: 1.5, steps: -1, dt: -2, batchSize: 0, clipNorm: -1, method: 'exact' as 'auto',
      prepare: undefined as never, loss: 'ce' as never,
    }))).toEqual(['options.steps', 'options.dt', 'options.method', 'options.seed', 'options.prepare', 'options.loss', 'options.batchSize', 'options.clipNorm']);
    // The misspelt names below are compile errors; the run-time checks are for names from data.
    // @ts-expect-error: no synapse 'zz'
    expect(paths(() => new Trainer(ham, { ...good, trainable: ['synapses.vh.W', 'synapses.vh.W', 'synapses.zz.W', 'layers.y.beta'] })))
      .toEqual(['options.trainable[1]', 'options.trainable[2]', 'options.trainable[3]']);
    // @ts-expect-error: no synapse 'zz'
    expect(codes(() => new Trainer(ham, { ...good, trainable: ['synapses.vh.W', 'synapses.vh.W', 'synapses.zz.W', 'layers.y.beta'] })))
      .toEqual(['invalid_argument', 'unknown_name', 'invalid_argument']);
    expect(paths(() => new Trainer(ham, { ...good, trainable: [] }))).toEqual(['options.trainable']);
    // @ts-expect-error: no layer 'z'
    expect(paths(() => new Trainer(ham, { ...good, accuracy: { layer: 'z', field: 'y' } }))).toEqual(['options.accuracy.layer']);
    expect(paths(() => new Trainer(ham, { ...good, optimizer: { name: 'lion', learningRate: 1 } as never }))).toEqual(['options.optimizer.name']);
    expect(codes(() => new Trainer(ham, { ...good, optimizer: { name: 'lion', learningRate: 1 } as never }))).toEqual(['unknown_name']);
    expect(codes(() => new Trainer(ham, { ...good, optimizer: { name: 'adam', learningRate: 0 } }))).toEqual(['invalid_argument']);
    expect(paths(() => new Trainer(ham, { ...good, optimizer: { name: 'adam', learningRate: 0 } }))).toEqual(['options.optimizer.learningRate']);
    expect(paths(() => new Trainer(ham, { ...good, optimizer: { name: 'adam', learningRate: 1, beta1: 1 } }))).toEqual(['options.optimizer.beta1']);
    expect(paths(() => new Trainer(ham, { ...good, optimizer: { name: 'adam', learningRate: 1, schedule: 'linear' as never } }))).toEqual(['options.optimizer.schedule']);
    expect(tf.memory().numTensors).toBe(before);
    ham.dispose();
  });

  it('checks fit options and data sets', async () => {
    const ham = graph();
    const t = new Trainer(ham, good);
    const data = xor(8, 1);
    expect(await rejected(t.fit(data, { epochs: -1, checkpoint: { every: 0, save: 'x' as never } })))
      .toEqual(['options.epochs', 'options.checkpoint.every', 'options.checkpoint.save']);
    expect(await rejected(t.fit({ x: data.x, y: tf.zeros([7]) }, { epochs: 1 }))).toEqual(['data.y']);
    expect(await rejectedCodes(t.fit({ x: data.x, y: tf.zeros([7]) }, { epochs: 1 }))).toEqual(['shape_mismatch']);
    expect(await rejected(t.fit({}, { epochs: 1 }))).toEqual(['data']);
    expect(await rejected(t.fit(data.x as never, { epochs: 1 }))).toEqual(['data']);
    expect(await rejected(t.fit(data, { epochs: 1, validation: { x: 'no' as never } }))).toEqual(['options.validation.x']);
    t.dispose();
    expect(await rejected(t.fit(data, { epochs: 1 }))).toEqual(['trainer']);
    expect(await rejectedCodes(t.fit(data, { epochs: 1 }))).toEqual(['disposed']);
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('names the loss or prepare option, field and layer when a batch does not fit', async () => {
    const ham = graph();
    const data = xor(8, 1);
    const run = (o: Partial<TrainerOptions<Lx, 'vh' | 'hy'>>) => {
      const t = new Trainer(ham, { ...good, ...o });
      return rejected(t.trainBatch(data).finally(() => t.dispose()));
    };
    expect(await run({ loss: crossEntropy({ layer: 'y', field: 'label' }) })).toEqual(['crossEntropy.field']);
    expect(await run({ loss: crossEntropy({ layer: 'h', field: 'x' }) })).toEqual(['crossEntropy.field']); // [8, 4] labels, 5 units
    // @ts-expect-error: no layer 'w' (the run-time check is for names from data)
    expect(await run({ loss: mse({ layer: 'w', field: 'x' }) })).toEqual(['mse.layer']);
    expect(await run({ loss: mse({ layer: 'h', field: 'x' }) })).toEqual(['mse.field']);
    const runCodes = (o: Partial<TrainerOptions<Lx, 'vh' | 'hy'>>) => {
      const t = new Trainer(ham, { ...good, ...o });
      return rejectedCodes(t.trainBatch(data).finally(() => t.dispose()));
    };
    expect(await runCodes({ loss: crossEntropy({ layer: 'y', field: 'label' }) })).toEqual(['unknown_name']);
    // @ts-expect-error: no layer 'w'
    expect(await runCodes({ loss: mse({ layer: 'w', field: 'x' }) })).toEqual(['unknown_name']);
    expect(await runCodes({ loss: mse({ layer: 'h', field: 'x' }) })).toEqual(['shape_mismatch']);
    expect(await run({ loss: mse({ layer: 'v', field: 'x', on: 'free' }) })).toEqual(['mse.on']); // v is clamped whole
    expect(await run({ loss: (acts) => acts.y })).toEqual(['options.loss']);
    expect(await run({ prepare: clampedInput({ layer: 'v', field: 'pixels' }) })).toEqual(['clampedInput.field']);
    expect(await run({ prepare: clampedInput({ layer: 'h', field: 'x' }) })).toEqual(['clampedInput.field']);
    // @ts-expect-error: no layer 'q' (the run-time check is for names from data)
    expect(await run({ prepare: clampedInput({ layer: 'q', field: 'x' }) })).toEqual(['clampedInput.layer']);
    expect(await run({ prepare: () => ({ states: { v: tf.zeros([8, 4]) } }) as never })).toEqual(['initial states.h', 'initial states.y']);
    expect(paths(() => maskedInput({ layer: 'v', field: 'x', fraction: 2 }))).toEqual(['maskedInput.fraction']);
    expect(paths(() => crossEntropy({ layer: 'y', field: 'y', from: 'logits' as never }))).toEqual(['crossEntropy.from']);
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('a non-finite loss stops training before the parameters change', async () => {
    const ham = graph();
    const t = new Trainer(ham, { ...good, loss: (acts) => tf.div(tf.sum(acts.y), 0) });
    const data = xor(8, 1);
    const before = flatParams(t.params);
    expect(await rejected(t.fit(data, { epochs: 1 }))).toEqual(['loss']);
    expect(await rejectedCodes(t.fit(data, { epochs: 1 }))).toEqual(['diverged']);
    expect(flatParams(t.params)).toEqual(before);
    expect(t.step).toBe(0);
    t.dispose();
    tf.dispose(Object.values(data));
    ham.dispose();
  });
});

describe('progress', () => {
  it('reports every batch with a running mean and throughput, and draws a bar on a TTY stream', async () => {
    const ham = graph();
    const data = xor(20, 2);
    const t = new Trainer(ham, { ...good, batchSize: 8 });
    const seen: TrainProgress[] = [];
    const written: string[] = [];
    const bar = progressBar({ isTTY: true, write: (s: string) => written.push(s) }, { interval: 0, width: 10 });
    const history = await t.fit(data, {
      epochs: 2,
      validation: data,
      onProgress: (p) => { seen.push(p); bar.onProgress(p); },
      onEpochEnd: bar.onEpochEnd,
    });
    expect(seen.map((p) => [p.epoch, p.batch, p.batches, p.step])).toEqual([[1, 1, 3, 1], [1, 2, 3, 2], [1, 3, 3, 3], [2, 1, 3, 4], [2, 2, 3, 5], [2, 3, 3, 6]]);
    const e1 = seen.slice(0, 3);
    expect(e1[2]!.meanLoss).toBeCloseTo((8 * e1[0]!.loss + 8 * e1[1]!.loss + 4 * e1[2]!.loss) / 20, 6);
    expect(history[0]!.loss).toBeCloseTo(e1[2]!.meanLoss, 10);
    expect(seen.every((p) => p.examplesPerSecond > 0)).toBe(true);
    expect(written[0]).toMatch(/^\repoch 1\/2 \[###-------\] 1\/3 loss \d\.\d{4} \d+ ex\/s/);
    expect(written.filter((w) => w.endsWith('\n'))).toHaveLength(2);
    expect(written.find((w) => w.endsWith('\n'))).toMatch(/epoch 1\/2 loss \d\.\d{4} \| val loss \d\.\d{4} \| [\d.]+ s, \d+ ex\/s/);
    // Not a TTY: only the epoch summaries.
    const plain: string[] = [];
    const quiet = progressBar({ write: (s: string) => plain.push(s) });
    await t.fit(data, { epochs: 3, ...quiet });
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatch(/^epoch 3\/3 loss \d\.\d{4} \| [\d.]+ s, \d+ ex\/s\n$/);
    expect(formatEpoch({ epoch: 2, loss: 0.5, seconds: 1.25, examplesPerSecond: 99.6, validation: { loss: 0.25, accuracy: 0.9123, examples: 10 } }, 4))
      .toBe('epoch 2/4 loss 0.5000 | val loss 0.2500 acc 91.23% | 1.3 s, 100 ex/s');
    t.dispose();
    tf.dispose(Object.values(data));
    ham.dispose();
  });
});
