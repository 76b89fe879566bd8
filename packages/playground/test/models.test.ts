// Model setups from configs and weights: the pretrained models shipped in public/models (made by
// `npm run models` from the examples), the page's own presets, and bad files reported by path.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@hamux-ts/core';
import { decodeDigits, firstPerClass } from '../src/lib/digits.js';
import { PAGE_PRESETS, checkPretrainedIndex, setupFromConfig } from '../src/lib/models.js';
import { digitSubset } from '../build/assets.js';

const publicDir = new URL('../public/', import.meta.url);
const json = (path: string): unknown => JSON.parse(readFileSync(new URL(path, publicDir), 'utf8'));
const bytes = (path: string) => new Uint8Array(readFileSync(new URL(path, publicDir)));
const index = checkPretrainedIndex(json('models/index.json'));
const entry = (name: string) => index.find((e) => e.name === name)!;

async function fromEntry(name: string) {
  const e = entry(name);
  return setupFromConfig(json(e.config), bytes(e.weights), { id: name, title: e.title, description: '', kind: e.kind });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pretrained models shipped with the page', () => {
  it('lists the three examples, each under 2 MB', () => {
    expect(index.map((e) => e.name).sort()).toEqual(['et-inpainting', 'mnist-classifier', 'mnist-completion']);
    for (const e of index) expect(e.bytes).toBeLessThan(2_000_000);
  });

  it('mnist-completion: a memory of 200 ±1 digits on a bipolar pixel layer', async () => {
    const before = tf.memory().numTensors;
    const s = await fromEntry('mnist-completion');
    expect(s.kind).toBe('pixel-memory');
    expect(s.input).toEqual({ layer: 'pixels', encoding: 'bipolar' });
    expect(s.stored).toHaveLength(200 * 784);
    expect(s.stored!.every((v) => v === 1 || v === -1)).toBe(true);
    // The stored patterns are the weights themselves.
    const xi = await s.ham.params.synapses['memory']!['xi']!.data();
    expect(Float32Array.from(xi)).toEqual(s.stored);
    expect(s.scheduler.maxSteps).toBe(400);
    s.ham.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('mnist-classifier: input held whole, labels read from the 10-way layer', async () => {
    const s = await fromEntry('mnist-classifier');
    expect(s.kind).toBe('classifier');
    expect(s.input).toEqual({ layer: 'input', encoding: 'unit' });
    expect(s.clampWhole).toEqual(['input']);
    expect(s.labels).toBe('label');
    expect(s.spec.layers.find((l) => l.name === 'input')!.clamped).toBe(true);
    expect(s.scheduler).toEqual({ dt: 0.1, maxSteps: 8, neuronEnergy: true, mode: 'fixed' });
    s.ham.dispose();
  });

  it('et-inpainting: 4×4 patches as the input layer', async () => {
    const s = await fromEntry('et-inpainting');
    expect(s.kind).toBe('patch-inpainting');
    expect(s.input).toEqual({ layer: 'patches', encoding: 'unit', patch: 4 });
    expect(s.clampWhole).toEqual([]);
    expect(s.spec.synapses.map((x) => x.name).sort()).toEqual(['attention', 'embed', 'hopfield', 'position']);
    s.ham.dispose();
  });

  it('names what is wrong with a bad config or mismatched weights', async () => {
    await expect(setupFromConfig({ layers: { x: { shape: [3], lagrangian: { kind: 'nope' } } }, synapses: {} }, undefined, { id: 'bad', title: '', description: '' }))
      .rejects.toThrow(/layers\.x\.lagrangian\.kind/);
    const before = tf.memory().numTensors;
    const e = entry('mnist-classifier');
    await expect(setupFromConfig(json(entry('mnist-completion').config), bytes(e.weights), { id: 'mix', title: '', description: '' }))
      .rejects.toThrow(/synapses\.memory\.xi|unexpected tensor/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => checkPretrainedIndex({ models: [{ name: 'x' }] })).toThrow(/models\[0\]\.kind/);
  });
});

describe("the page's own presets", () => {
  it('build, store the digits they were given, and free everything', async () => {
    const { bytes: b, labels } = digitSubset(3);
    const digits = decodeDigits({ count: labels.length, size: 784, labels, source: 'test' }, b);
    const stored = firstPerClass(digits, 2);
    const before = tf.memory().numTensors;
    for (const preset of PAGE_PRESETS) {
      const s = await preset.build(digits, stored);
      expect(s.spec.layers.length, preset.id).toBeGreaterThan(0);
      if (s.kind === 'pixel-memory') {
        expect(s.stored, preset.id).toHaveLength(20 * 784);
        expect(s.stored!.subarray(784, 1568)).toEqual(Float32Array.from(digits.pixels.subarray(stored[1]! * 784, (stored[1]! + 1) * 784), (v) => (v >= 0.5 ? 1 : -1)));
        expect(s.input?.encoding, preset.id).toBe('bipolar');
      }
      s.ham.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
