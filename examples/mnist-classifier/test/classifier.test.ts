import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { tf } from '@hamux-ts/core';
import { balancedSubset, loadMnist, split } from '@hamux-ts/data';
import { trainFeedForward, trainHam, type Sizes } from '../src/classifier.js';

describe('MNIST classifier trained through the dynamics (small)', () => {
  const { train, test } = split(balancedSubset(loadMnist(), 60, 3), { test: 100, seed: 0 });
  const sizes: Sizes = { hidden: 32, steps: 4, epochs: 2, batchSize: 50, learningRate: 3e-3, seed: 2 };
  let runtime: BackendRuntime;
  beforeAll(async () => { runtime = await useBackend('cpu'); }); // the path users run: gradients on the host

  it('learns well above chance, and so does the feed-forward yardstick', { timeout: 240_000 }, async () => {
    const before = tf.memory().numTensors;
    const ham = await trainHam(train, test, sizes, runtime);
    ham.trainer.dispose();
    ham.trainer.ham.dispose();
    const ff = await trainFeedForward(train, test, sizes);
    expect(ham.reports).toHaveLength(2);
    expect(ham.reports[1]!.loss).toBeLessThan(ham.reports[0]!.loss);
    expect(ham.reports[1]!.validation!.accuracy).toBeGreaterThan(0.6);
    expect(ff.reports[1]!.validation!.accuracy).toBeGreaterThan(0.6);
    expect(ham.numParams).toBe(ff.numParams + 1); // the same network, plus the label softmax's β
    expect(tf.memory().numTensors).toBe(before);
  });

  it('learns at the fixed point too, in both modes, with accuracy measured at convergence', { timeout: 240_000 }, async () => {
    const before = tf.memory().numTensors;
    for (const fixedPoint of ['implicit', 'equilibrium'] as const) {
      const ham = await trainHam(train, test, { ...sizes, fixedPoint }, runtime);
      expect(ham.trainer.path?.kind).toBe(fixedPoint);
      expect(ham.reports[1]!.loss).toBeLessThan(ham.reports[0]!.loss);
      expect(ham.reports[1]!.validation!.accuracy).toBeGreaterThan(0.6);
      ham.trainer.dispose();
      ham.trainer.ham.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
