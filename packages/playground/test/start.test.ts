// From a picture to a model's starting states and clamps, and β overrides: checked on real setups.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@hamux-ts/core';
import { findBetas, withBetas } from '../src/lib/betas.js';
import { flipNoise, hideRect, inputImage, randomMask } from '../src/lib/corrupt.js';
import { decodeDigits, digit, firstPerClass } from '../src/lib/digits.js';
import { PAGE_PRESETS, setupFromConfig } from '../src/lib/models.js';
import { describeState, startFrom } from '../src/lib/start.js';
import { digitSubset } from '../build/assets.js';

const { bytes, labels } = digitSubset(3);
const digits = decodeDigits({ count: labels.length, size: 784, labels, source: 'test' }, bytes);
const stored = firstPerClass(digits, 1);
const preset = (id: string) => PAGE_PRESETS.find((p) => p.id === id)!.build(digits, stored);
const publicFile = (path: string) => readFileSync(new URL(`../public/${path}`, import.meta.url));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('starting a model from a picture', () => {
  it('a memory: ±1 pixels, unknown ones 0 and free, the known ones held', async () => {
    const setup = await preset('page-hopfield');
    const image = hideRect(inputImage(digit(digits, stored[4]!)), 0, 0, 7, 28);
    const before = tf.memory().numTensors;
    const { states, clamp } = startFrom(setup, image);
    const x = await states['pixels']!.data();
    for (let i = 0; i < 784; i++) expect(x[i]).toBe(i < 196 ? 0 : image.pixels[i]! >= 0.5 ? 1 : -1);
    const held = clamp['pixels'] as Float32Array;
    expect(held.reduce((s, v) => s + v, 0)).toBe(784 - 196);
    expect(held[0]).toBe(0);
    expect(held[783]).toBe(1);
    // With nothing unknown, nothing is held: flipped pixels must be free to flip back.
    const noisy = startFrom(setup, flipNoise(inputImage(digit(digits, stored[4]!)), 0.2, 1));
    expect(noisy.clamp).toEqual({});
    tf.dispose([...Object.values(states), ...Object.values(noisy.states)]);
    expect(tf.memory().numTensors).toBe(before);
    // The state reads back as the picked pattern exactly.
    const near = describeState(setup, { pixels: Float32Array.from(setup.stored!.subarray(4 * 784, 5 * 784)) }, image, image, { source: 'stored', index: 4 });
    expect(near).toEqual(['nearest stored pattern: #4, 784/784 pixels agree — the pattern that was picked, exactly']);
    const other = describeState(setup, { pixels: Float32Array.from(setup.stored!.subarray(2 * 784, 3 * 784)) }, image, image, { source: 'stored', index: 4 });
    expect(other[0]).toMatch(/^nearest stored pattern: #2, 784\/784 pixels agree — not the picked pattern #4$/);
    setup.ham.dispose();
  });

  it('an Energy Transformer: grey patches in the preset order, known patch entries held, tokens at 0', async () => {
    const index = JSON.parse(publicFile('models/index.json').toString()) as { models: { name: string; config: string; weights: string }[] };
    const et = index.models.find((m) => m.name === 'et-inpainting')!;
    const setup = await setupFromConfig(JSON.parse(publicFile(et.config).toString()), new Uint8Array(publicFile(et.weights)), { id: 'et', title: '', description: '', kind: 'patch-inpainting' });
    const image = randomMask(inputImage(digit(digits, 5)), 0.5, 2, 4);
    const { states, clamp } = startFrom(setup, image);
    const patches = await states['patches']!.data();
    expect(states['patches']!.shape).toEqual([1, 49, 16]);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const k = (7 * Math.floor(r / 4) + Math.floor(c / 4)) * 16 + 4 * (r % 4) + (c % 4);
        const i = r * 28 + c;
        expect(patches[k]).toBe(image.hidden[i] ? 0 : image.pixels[i]);
        expect((clamp['patches'] as Float32Array)[k]).toBe(image.hidden[i] ? 0 : 1);
      }
    }
    expect(Array.from(await states['tokens']!.data()).every((v) => v === 0)).toBe(true);
    // The error on the unknown pixels: 0 for the original itself, the mean square of the hidden ink for a blank fill.
    const original = inputImage(digit(digits, 5));
    const asPatches = Float32Array.from(patches, (_, k) => {
      const n = Math.floor(k / 16), j = k % 16;
      return original.pixels[(4 * Math.floor(n / 7) + Math.floor(j / 4)) * 28 + 4 * (n % 7) + (j % 4)]!;
    });
    const picked = { source: 'digits', index: 5 };
    expect(describeState(setup, { patches: asPatches }, image, original, picked)).toEqual(['error on the unknown pixels against the picture before masking: MSE 0.0000']);
    let blank = 0, n = 0;
    image.hidden.forEach((h, i) => { if (h) { blank += original.pixels[i]! ** 2; n++; } });
    expect(describeState(setup, { patches: new Float32Array(784) }, image, original, picked)[0]).toBe(`error on the unknown pixels against the picture before masking: MSE ${(blank / n).toFixed(4)}`);
    tf.dispose(Object.values(states));
    setup.ham.dispose();
  });

  it('a classifier: the whole input held, labels read out', async () => {
    const setup = await preset('preset-classifier');
    const image = hideRect(inputImage(digit(digits, 7)), 0, 0, 14, 28);
    const { states, clamp } = startFrom(setup, image);
    expect(clamp).toEqual({ input: true });
    const label = Float32Array.from({ length: 10 }, (_, i) => (i === 3 ? 0.9 : 0.01));
    expect(describeState(setup, { label }, image, image, { source: 'digits', index: 7 })).toEqual(['class read from "label": 3 (activation 0.900)']);
    tf.dispose(Object.values(states));
    setup.ham.dispose();
  });
});

describe('β overrides', () => {
  it('finds every scalar β and replaces only those, leaving the graph its own', async () => {
    const setup = await preset('page-hopfield');
    const betas = await findBetas(setup.ham);
    expect(betas.map((b) => [b.path, Number(b.value.toFixed(6))])).toEqual([['layers.pixels.beta', 1], ['synapses.memory.beta', 0.1]]);
    const before = tf.memory().numTensors;
    const { tree, owned } = withBetas(setup.ham.params, betas.map((b) => (b.owner === 'synapses' ? { ...b, value: 2 } : b)));
    expect(owned).toHaveLength(2);
    expect((await tree.synapses['memory']!['beta']!.data())[0]).toBe(2);
    expect(tree.synapses['memory']!['xi']).toBe(setup.ham.params.synapses['memory']!['xi']);
    expect((await setup.ham.params.synapses['memory']!['beta']!.data())[0]).toBeCloseTo(0.1, 7);
    tf.dispose(owned);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => withBetas(setup.ham.params, [{ ...betas[0]!, value: -1 }])).toThrow(/layers\.pixels\.beta: β must be a positive number, got -1/);
    setup.ham.dispose();
  });
});
