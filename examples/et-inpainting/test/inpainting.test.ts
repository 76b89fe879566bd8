import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { deriveKey, tf } from '@hamux-ts/core';
import { balancedSubset, loadMnist, split } from '@hamux-ts/data';
import {
  HIDDEN_FRACTION, energyTransformer, fillHidden, geometry, hiddenMse, hiddenPatches, inpaint, maskedPatches, meanImage, meanPatch,
  toPatches, trainInpainter, visibleMask, type Sizes,
} from '../src/inpainting.js';
import { loadModel, saveModel } from '../../shared/model.js';
import { digitsLabel, mnistDigits } from '../../shared/digits.js';
import { exampleOptions } from '../../shared/options.js';

const sizes: Sizes = {
  patch: 4, dim: 16, heads: 2, headDim: 8, memories: 32, steps: 4, dt: 0.5,
  epochs: 3, batchSize: 16, learningRate: 5e-3, seed: 3,
};

describe('masks, fills and scores', () => {
  it('hides exactly round(fraction·N) patches per image, the same ones for the same key', () => {
    const hidden = hiddenPatches(20, 49, 0.5, 7);
    for (let b = 0; b < 20; b++) expect(hidden.subarray(b * 49, (b + 1) * 49).reduce((a, h) => a + h, 0)).toBe(25);
    expect(hiddenPatches(20, 49, 0.5, 7)).toEqual(hidden);
    expect(hiddenPatches(20, 49, 0.5, 8)).not.toEqual(hidden);
    expect(() => hiddenPatches(1, 4, 1.5, 0)).toThrow(/fraction/);
  });

  it('masks whole patches, fills them, and scores only them', () => {
    const hidden = Uint8Array.from([0, 1, 1, 0]); // 2 images of 2 patches of 3 entries
    expect([...visibleMask(hidden, 3)]).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    const perPosition = Float32Array.from([10, 20, 30, 40, 50, 60]);
    expect([...fillHidden(x, hidden, perPosition, 3)]).toEqual([0, 1, 2, 40, 50, 60, 10, 20, 30, 9, 10, 11]);
    expect([...fillHidden(x, hidden, Float32Array.from([7, 8, 9]), 3)]).toEqual([0, 1, 2, 7, 8, 9, 7, 8, 9, 9, 10, 11]);
    const y = Float32Array.from(x);
    y[0] = 100; // a visible entry: not scored
    y[4] = 6; // hidden: off by 2
    expect(hiddenMse(y, x, hidden, 3)).toBeCloseTo(4 / 6, 12);
    expect([...meanImage(Float32Array.from([1, 2, 3, 5]), 2)]).toEqual([2, 3.5]);
    expect([...meanPatch(Float32Array.from([1, 2, 3, 5]), 2)]).toEqual([2, 3.5]);
  });

  it('the trainer Prepare clamps the visible patches and frees the hidden ones at 0', () => {
    const ham = energyTransformer(sizes);
    const { n, p } = geometry(sizes.patch);
    const x = tf.tensor2d(toPatches(balancedSubset(loadMnist(), 1, 0).images, sizes.patch), [10, n * p]);
    const before = tf.memory().numTensors;
    const prepared = maskedPatches({ field: 'x', fraction: HIDDEN_FRACTION })({ x }, { ham, key: 11, training: true });
    const mask = prepared.clamp!.patches as tf.Tensor;
    const hidden = hiddenPatches(10, n, HIDDEN_FRACTION, deriveKey(11, 'mask'));
    expect([...mask.dataSync()]).toEqual([...visibleMask(hidden, p)]);
    const shown = prepared.states.patches.dataSync(), data = x.dataSync();
    shown.forEach((v, i) => expect(v).toBe(hidden[Math.floor(i / p)] ? 0 : data[i]));
    expect(prepared.states.tokens.shape).toEqual([10, n, sizes.dim]);
    expect(prepared.states.tokens.dataSync().every((v) => v === 0)).toBe(true);
    tf.dispose([prepared.states.patches, prepared.states.tokens, mask]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => maskedPatches({ field: 'y', fraction: 0.5 })({ x }, { ham, key: 0, training: true })).toThrow(/maskedPatches\.field/);
    x.dispose();
    ham.dispose();
  });
});

describe('Energy Transformer inpainting on MNIST (small)', () => {
  // The wasm backend: the unrolled training is about 10× faster there than on cpu.
  let runtime: BackendRuntime;
  beforeAll(async () => { runtime = await useBackend('wasm'); });
  const { train: pool, test: heldOut } = split(loadMnist(), { test: 200, seed: 0 });
  const { n, p } = geometry(sizes.patch);
  const train = toPatches(balancedSubset(pool, 40, 1).images, sizes.patch); // 400 digits
  const test = toPatches(heldOut.images, sizes.patch); // 200 held-out digits

  it('learns to fill hidden patches better than the mean patch, and the descent never raises the energy', async () => {
    const before = tf.memory().numTensors;
    const hidden = hiddenPatches(200, n, HIDDEN_FRACTION, 99);
    const { trainer, reports } = await trainInpainter(train, test.subarray(0, 100 * n * p), sizes, runtime);
    // The loss falls: the training loss and the held-out loss of the last epoch are below the first's.
    expect(reports).toHaveLength(sizes.epochs);
    expect(reports.at(-1)!.loss).toBeLessThan(0.9 * reports[0]!.loss);
    expect(reports.at(-1)!.validation!.loss).toBeLessThan(reports[0]!.validation!.loss);

    // The trained dynamics (T steps of dt, no growth) beat filling with the mean patch.
    const asTrained = await inpaint(trainer.ham, test, hidden, { params: trainer.params, dt: sizes.dt, grow: 1, maxSteps: sizes.steps, runtime });
    const model = hiddenMse(asTrained.patches, test, hidden, p);
    const meanFill = hiddenMse(fillHidden(test, hidden, meanPatch(train, p), p), test, hidden, p);
    const blank = hiddenMse(fillHidden(test, hidden, new Float32Array(p), p), test, hidden, p);
    expect(model).toBeLessThan(0.85 * meanFill);
    expect(meanFill).toBeLessThan(blank);
    // Visible patches are clamped: returned exactly as given.
    const mask = visibleMask(hidden, p);
    mask.forEach((m, i) => { if (m) expect(asTrained.patches[i]).toBe(test[i]); });
    // The untrained network's reconstruction is worse than the trained one's.
    const untrained = energyTransformer(sizes);
    const fresh = await inpaint(untrained, test, hidden, { params: untrained.params, dt: sizes.dt, grow: 1, maxSteps: sizes.steps, runtime });
    expect(hiddenMse(fresh.patches, test, hidden, p)).toBeGreaterThan(model);
    untrained.dispose();

    // The scheduler's energies never rise, neither in the T trained steps nor on the way to a minimum.
    const some = test.subarray(0, 20 * n * p), someHidden = hidden.subarray(0, 20 * n);
    const toMinimum = await inpaint(trainer.ham, some, someHidden, { params: trainer.params, dt: sizes.dt, maxSteps: 60, runtime });
    for (const run of [asTrained, toMinimum]) {
      for (const e of run.energies) {
        expect(e.length).toBeGreaterThan(1);
        for (let t = 1; t < e.length; t++) expect(e[t]!).toBeLessThanOrEqual(e[t - 1]!);
        expect(e.at(-1)!).toBeLessThan(e[0]!);
      }
    }
    expect(toMinimum.steps).toBeGreaterThan(sizes.steps);
    trainer.dispose();
    trainer.ham.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains at the fixed point (implicit differentiation) and fills hidden patches at convergence better than blank', async () => {
    const before = tf.memory().numTensors;
    const few = train.subarray(0, 64 * n * p), held = test.subarray(0, 16 * n * p);
    const { trainer, reports } = await trainInpainter(few, held, { ...sizes, epochs: 1, fixedPoint: 'implicit' }, runtime);
    expect(trainer.path?.kind).toBe('implicit');
    expect(Number.isFinite(reports[0]!.loss)).toBe(true);
    const hidden = hiddenPatches(16, n, HIDDEN_FRACTION, 5);
    const atMinimum = await inpaint(trainer.ham, held, hidden, { params: trainer.params, dt: sizes.dt, maxSteps: 300, runtime });
    const blank = hiddenMse(fillHidden(held, hidden, new Float32Array(p), p), held, hidden, p);
    expect(hiddenMse(atMinimum.patches, held, hidden, p)).toBeLessThan(blank);
    for (const e of atMinimum.energies) for (let t = 1; t < e.length; t++) expect(e[t]!).toBeLessThanOrEqual(e[t - 1]!);
    trainer.dispose();
    trainer.ham.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});

describe('starting from a saved model (--init)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hamux-et-init-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let runtime: BackendRuntime;
  beforeAll(async () => { runtime = await useBackend('wasm'); });

  it('trains from the saved weights, not the preset\'s, and leaks no tensor', async () => {
    const saved = energyTransformer({ ...sizes, seed: 9 }); // other initial weights than the preset's seed 3
    saveModel(dir, saved);
    const before = tf.memory().numTensors;
    const few = toPatches(balancedSubset(loadMnist(), 2, 0).images, sizes.patch); // 20 digits
    const { trainer } = await trainInpainter(few, few, { ...sizes, epochs: 1 }, runtime, {}, (preset) => loadModel(dir, preset));
    // the graph training started from holds the saved weights, bit for bit
    for (const [synapse, params] of Object.entries(saved.params.synapses)) {
      for (const [name, t] of Object.entries(params)) {
        expect([...trainer.ham.params.synapses[synapse as keyof typeof trainer.ham.params.synapses]![name]!.dataSync()], `${synapse}.${name}`).toEqual([...t.dataSync()]);
      }
    }
    expect(trainer.step).toBe(Math.ceil(20 / sizes.batchSize));
    trainer.dispose();
    trainer.ham.dispose();
    expect(tf.memory().numTensors).toBe(before); // the preset's graph was disposed
    saved.dispose();
  }, 60_000);

  it('refuses the weights of another architecture, naming the parameter', () => {
    const other = energyTransformer({ ...sizes, dim: 8 });
    saveModel(dir, other);
    other.dispose();
    const preset = energyTransformer(sizes);
    expect(() => loadModel(dir, preset)).toThrow(/synapses\.embed\.W.*expected shape/s);
    preset.dispose();
  });

  it('takes its digits from the small set, or with --standard from the standard split', () => {
    const small = mnistDigits(false), standard = mnistDigits(true);
    expect([small.train.count, small.test.count]).toEqual([loadMnist().count - 2000, 2000]);
    expect([standard.train.count, standard.test.count]).toEqual([60000, 10000]);
    expect(digitsLabel(true)).toMatch(/standard split/);
  });

  it('reads --init, --epochs and --standard, and names a bad value or one the example does not take', () => {
    const here = pathToFileURL(`${dir}/`);
    const ALL = ['--fixed-point', '--epochs', '--standard', '--init'] as const;
    const o = exampleOptions(here, { learns: ALL, argv: ['--init', dir, '--epochs', '3', '--out', join(dir, 'out')] });
    expect(o.init).toBe(dir);
    expect(o.epochs).toBe(3);
    expect(exampleOptions(here, { learns: ALL, argv: ['--out', join(dir, 'out')] })).not.toHaveProperty('epochs');
    expect(exampleOptions(here, { learns: ALL, argv: ['--out', join(dir, 'out')] }).standard).toBe(false);
    expect(exampleOptions(here, { learns: ALL, argv: ['--standard', '--out', join(dir, 'out')] }).standard).toBe(true);
    expect(() => exampleOptions(here, { learns: ALL, argv: ['--epochs', '0'] })).toThrow(/--epochs: expected a positive integer, got 0/);
    expect(() => exampleOptions(here, { learns: ALL, argv: ['--epochs', '2.5'] })).toThrow(/--epochs/);
    expect(() => exampleOptions(here, { learns: ALL, argv: ['--init'] })).toThrow(/--init: expected the folder of a saved model/);
    // an example that does not learn, or not from a saved model, refuses the option instead of ignoring it
    expect(() => exampleOptions(here, { argv: ['--fixed-point', 'implicit'] })).toThrow(/^--fixed-point: this example does not take it$/);
    expect(() => exampleOptions(here, { learns: ['--fixed-point', '--epochs', '--standard'], argv: ['--init', dir] }))
      .toThrow('--init: this example does not take it (it takes --fixed-point, --epochs, --standard)');
  });
});
