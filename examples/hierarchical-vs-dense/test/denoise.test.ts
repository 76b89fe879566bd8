import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { tf } from '@hamux-ts/core';
import { gaussianNoise, loadMnist, split, subset } from '@hamux-ts/data';
import {
  NOISE_LEVELS, afterTrainedSteps, atNoiseLevel, denoise, denseHam, exampleDigits, fidelityOf, exampleSizes, hierarchicalHam, markdownTable, meanImage,
  meanSquaredError, noisyCopy, perDigitErrors, PIXELS, shiftBy, trainDenoiser,
  type Sizes,
} from '../src/denoise.js';

describe('hierarchical against dense, denoising MNIST (small)', () => {
  const { train: pool, test: heldOut } = split(subset(loadMnist(), 600, 4), { test: 100, seed: 0 });
  const train = subset(pool, 200, 1), test = subset(heldOut, 30, 2);
  const mean = meanImage(train.images);
  const trainX = shiftBy(train.images, mean, -1), clean = shiftBy(test.images, mean, -1);
  const sizes: Sizes = { ...exampleSizes(false), denseMemories: 32, features: 24, hierarchicalMemories: 64, epochs: 2, steps: 10, batchSize: 10 };
  let runtime: BackendRuntime;
  beforeAll(async () => { runtime = await useBackend('cpu'); }); // the path users run: the fast kernels

  it('both models learn through the dynamics and denoise held-out digits, and no descent raises the energy', async () => {
    const before = tf.memory().numTensors;
    const noisy = gaussianNoise(clean, { std: 0.5, seed: 7 }).data;
    const noisyError = meanSquaredError(noisy, clean);
    expect(noisyError).toBeCloseTo(0.25, 1); // σ² of the added noise
    // The training loss on held-out digits: the error after the T unrolled steps at the training noise.
    const atTrainingNoise = gaussianNoise(clean, { std: sizes.trainStd, seed: 8 }).data;
    for (const ham of [denseHam(sizes), hierarchicalHam(sizes)]) {
      const untrained = afterTrainedSteps(ham, ham.params, atTrainingNoise, clean, sizes).mse;
      const { trainer, reports } = await trainDenoiser(ham, trainX, sizes, runtime, clean);
      expect(reports).toHaveLength(2);
      expect(reports.every((r) => Number.isFinite(r.loss))).toBe(true);
      const trained = afterTrainedSteps(ham, trainer.params, atTrainingNoise, clean, sizes).mse;
      expect(trained).toBeLessThan(0.95 * untrained);
      const converged = await denoise(ham, trainer.params, noisy, clean, runtime, 200);
      expect(converged.mse).toBeLessThan(0.75 * noisyError);
      expect(converged.energyRises).toBe(0);
      expect(converged.converged).toBeGreaterThan(0);
      expect(converged.meanSteps).toBeLessThanOrEqual(converged.maxSteps);
      const stepped = afterTrainedSteps(ham, trainer.params, noisy, clean, sizes);
      expect(stepped.mse).toBeLessThan(0.75 * noisyError);
      expect(stepped.images).toHaveLength(clean.length);
      trainer.dispose();
      ham.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000); // ~18 s of CPU: two trainings and 200-step descents; room for a busy 2-core machine

  it('trained at the fixed point, the hierarchical model denoises at convergence better than the noisy input', async () => {
    const before = tf.memory().numTensors;
    const noisy = gaussianNoise(clean, { std: 0.5, seed: 7 }).data;
    const ham = hierarchicalHam(sizes);
    const { trainer, reports } = await trainDenoiser(ham, trainX, { ...sizes, epochs: 1, fixedPoint: 'implicit' }, runtime, clean);
    expect(trainer.path?.kind).toBe('implicit');
    expect(Number.isFinite(reports[0]!.loss)).toBe(true);
    const converged = await denoise(ham, trainer.params, noisy, clean, runtime, 500);
    expect(converged.mse).toBeLessThan(meanSquaredError(noisy, clean));
    expect(converged.energyRises).toBe(0);
    // At low noise the fidelity, scaled as 1/σ², keeps what the digit says: still better than the input.
    const slight = gaussianNoise(clean, { std: 0.1, seed: 9 }).data;
    const { params, release } = atNoiseLevel(trainer.params, sizes.trainStd, 0.1);
    const atLow = await denoise(ham, params, slight, clean, runtime, 500);
    release();
    expect(atLow.mse).toBeLessThan(meanSquaredError(slight, clean));
    expect(atLow.energyRises).toBe(0);
    trainer.dispose();
    ham.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);

  it('the example pits models of about the same size against each other', () => {
    const s = exampleSizes(false);
    const dense = denseHam(s), hierarchical = hierarchicalHam(s);
    expect(dense.layerNames).toEqual(['visible', 'memories', 'observed']);
    expect(hierarchical.layerNames).toEqual(['visible', 'features', 'memories', 'observed']);
    // W [784, 128] + b [128] + β; W₁ [784, 96] + W₂ [96, 256] + b [256] + the softmax β and the tanh β; both + the fidelity γ.
    expect(dense.numParams).toBe(PIXELS * 128 + 128 + 1 + 1);
    expect(hierarchical.numParams).toBe(PIXELS * 96 + 96 * 256 + 256 + 2 + 1);
    expect(Math.abs(dense.numParams - hierarchical.numParams) / dense.numParams).toBeLessThan(0.01);
    dense.dispose();
    hierarchical.dispose();
  });

  it('at another noise level the fidelity γ is scaled by (σ_train/σ)², as 1/σ² of a MAP estimate', () => {
    const ham = denseHam(exampleSizes(false));
    const before = tf.memory().numTensors;
    const { params, release } = atNoiseLevel(ham.params, 0.3, 0.1);
    expect(fidelityOf(params)).toBeCloseTo(fidelityOf(ham.params) * 9, 5);
    expect(params.synapses['memory']).toBe(ham.params.synapses['memory']); // everything else shared
    release();
    expect(tf.memory().numTensors).toBe(before);
    expect(fidelityOf(ham.params)).toBe(exampleSizes(false).fidelity);
    ham.dispose();
  });

  it('helpers: mean image, centring, errors and the table', () => {
    const images = Float32Array.from({ length: 2 * PIXELS }, (_, i) => (i < PIXELS ? 1 : 3));
    const m = meanImage(images);
    expect(m.every((v) => v === 2)).toBe(true);
    const centred = shiftBy(images, m, -1);
    expect([centred[0], centred[PIXELS]]).toEqual([-1, 1]);
    expect(shiftBy(centred, m, 1)).toEqual(images);
    expect(meanSquaredError([0, 1, 2], [1, 1, 0])).toBeCloseTo(5 / 3, 12);
    expect(() => meanSquaredError([1], [1, 2])).toThrow(/one length/);
    expect(markdownTable(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
    // per-digit errors: one per image, averaging to the overall error
    const clean = new Float32Array(2 * PIXELS), noisy = Float32Array.from(images);
    const perDigit = perDigitErrors(noisy, clean);
    expect([...perDigit]).toEqual([1, 9]);
    expect((perDigit[0]! + perDigit[1]!) / 2).toBeCloseTo(meanSquaredError(noisy, clean), 12);
    expect(() => perDigitErrors(noisy, clean.subarray(PIXELS))).toThrow(/expected as many values/);
  });

  it("the example's digits: centred on the training mean, and one noisy copy per level, the same every time", () => {
    const { train, test, mean, trainX, clean } = exampleDigits(false, split(loadMnist(), { test: 2000, seed: 0 }));
    expect([train.count, test.count]).toEqual([2500, 200]);
    expect(Math.max(...meanImage(trainX).map(Math.abs))).toBeLessThan(1e-5); // centred
    const back = shiftBy(clean, mean, 1); // the held-out digits themselves, to float32 rounding
    expect(back.reduce((m, v, i) => Math.max(m, Math.abs(v - test.images[i]!)), 0)).toBeLessThan(1e-6);
    const noisy = noisyCopy(clean, NOISE_LEVELS.indexOf(0.3));
    expect(noisyCopy(clean, 1)).toEqual(noisy);
    expect(meanSquaredError(noisy, clean)).toBeCloseTo(0.09, 2); // σ² = 0.09
    expect(meanSquaredError(noisyCopy(clean, 3), clean)).toBeCloseTo(0.49, 1);
  });
});
