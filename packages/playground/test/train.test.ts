import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@hamux-ts/core';
import { decodeDigits, splitDigits } from '../src/lib/digits.js';
import { TrainingSession } from '../src/lib/train.js';
import { digitSubset } from '../build/assets.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('training in the page', () => {
  it('lowers the loss of a small classifier on the shipped digits, and frees its tensors', async () => {
    const { bytes, labels } = digitSubset(12);
    const digits = decodeDigits({ count: labels.length, size: 784, labels, source: 'test' }, bytes);
    const { train, held } = splitDigits(digits, 2);
    const before = tf.memory().numTensors;
    const session = new TrainingSession(digits, train, held, { hidden: 16, steps: 3, dt: 0.2, batchSize: 20, learningRate: 1e-2, seed: 3 });
    const first = await session.evaluate();
    for (let i = 0; i < 40; i++) await session.next();
    const last = await session.evaluate();
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(session.step).toBe(40);
    expect(session.epoch).toBe(Math.ceil((40 * 20) / train.length));
    expect(mean(session.losses.slice(-5))).toBeLessThan(0.7 * mean(session.losses.slice(0, 5)));
    expect(last.loss).toBeLessThan(first.loss);
    expect(last.accuracy).toBeGreaterThan(first.accuracy);
    const trained = session.trained();
    expect(trained.layerNames).toEqual(['input', 'hidden', 'label']);
    trained.dispose();
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
