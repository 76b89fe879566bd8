// The memory a config needs is estimated from its shapes before anything is allocated (issue 15,
// item 3): shapes such as [65536, 65536] or [1e9], presets with a huge `memories`, `hidden` or
// `heads`, and a huge batch stop with a `too_large` error at the layer or synapse that needs the
// most, never with tfjs's "Invalid typed array length" or a multi-gigabyte allocation.
import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, tf } from '@hamux-ts/core';
import { DEFAULT_MAX_BYTES, buildFromConfig, checkMemory, estimateMemory, formatBytes, sizedGraph } from '@hamux-ts/config';

const identity = (shape: number[]) => ({ shape, lagrangian: { kind: 'identity' } });
const chain = (a: number[], b: number[]) => ({
  layers: { a: identity(a), b: identity(b) },
  synapses: { s: { kind: 'dense', connects: ['a', 'b'] } },
  seed: 0,
});

/** The error `f` throws, its single problem when it is a `HamuxErrors` of one. */
function thrown(f: () => unknown): HamuxError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HamuxError);
    return e instanceof HamuxErrors && e.errors.length === 1 ? e.errors[0]! : (e as HamuxError);
  }
  throw new Error('expected a throw');
}

/** Runs `f`, which must throw, and checks that it allocated nothing on the way. */
function refusedWithoutAllocating(f: () => unknown): HamuxError {
  const before = tf.memory();
  const e = thrown(f);
  const after = tf.memory();
  expect(after.numTensors).toBe(before.numTensors);
  expect(after.numBytes).toBe(before.numBytes);
  return e;
}

describe('the estimate', () => {
  it('is the bytes of every parameter the built graph holds, plus states × batch × 4', () => {
    const configs = [
      { preset: 'classifier', options: { input: 12, hidden: 7, labels: 3 } },
      { preset: 'energyTransformer', options: { image: [8, 8, 1], patch: 4, dim: 8, heads: 2 } },
      { preset: 'convHierarchical', options: { image: [10, 10, 1], memories: 5 } },
      { preset: 'denseAssociativeMemory', options: { features: 9, memories: 4 } },
    ];
    for (const config of configs) {
      const ham = buildFromConfig(config);
      const stateEntries = ham.layerNames.reduce((n, l) => n + ham.layers[l]!.shape.reduce((a, b) => a * b, 1), 0);
      for (const batch of [1, 5]) {
        expect(estimateMemory(sizedGraph(ham), batch).bytes, JSON.stringify(config)).toBe(4 * ham.numParams + 4 * batch * stateEntries);
      }
      ham.dispose();
    }
  });

  it('gives each layer its states and parameters, and each synapse its parameters', () => {
    const ham = buildFromConfig(chain([3], [4]));
    const { shares } = estimateMemory(sizedGraph(ham), 2);
    expect(shares).toEqual([
      { path: ['layers', 'a'], bytes: 4 * 2 * 3, largest: 'states [2, 3]' },
      { path: ['layers', 'b'], bytes: 4 * 2 * 4, largest: 'states [2, 4]' },
      { path: ['synapses', 's'], bytes: 4 * 12, largest: 'parameter W [3, 4]' },
    ]);
    ham.dispose();
  });

  it('writes bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(2 ** 31)).toBe('2.00 GiB');
    expect(formatBytes(16 * 2 ** 30)).toBe('16.0 GiB');
    expect(formatBytes(1.5 * 2 ** 20)).toBe('1.50 MiB');
    expect(DEFAULT_MAX_BYTES).toBe(2 ** 31);
  });
});

describe('buildFromConfig refuses a graph above the limit before allocating', () => {
  it('a synapse of [65536, 65536] parameters, named with its bytes', () => {
    const e = refusedWithoutAllocating(() => buildFromConfig(chain([65536], [65536])));
    expect(e.code).toBe('too_large');
    expect(e.path).toEqual(['synapses', 's']);
    expect(e.message).toBe(
      'synapses.s: needs 16.0 GiB (parameter W [65536, 65536]); the graph needs 16.0 GiB in all ' +
        '(parameters, and states of 1 sample, float32), more than the limit of 2.00 GiB',
    );
  });

  it('a layer of [1e9] or [65536, 65536], named by its states', () => {
    const big = refusedWithoutAllocating(() => buildFromConfig({ layers: { huge: identity([1e9]) }, synapses: {}, seed: 0 }));
    expect([big.code, big.path]).toEqual(['too_large', ['layers', 'huge']]);
    expect(big.message).toMatch(/^layers\.huge: needs 3\.73 GiB \(states \[1, 1000000000\]\)/);
    const square = refusedWithoutAllocating(() => buildFromConfig({ layers: { sq: identity([65536, 65536]) }, synapses: {}, seed: 0 }));
    expect([square.code, square.path]).toEqual(['too_large', ['layers', 'sq']]);
  });

  it('presets with a huge memories, hidden or heads', () => {
    const cases: [unknown, string[]][] = [
      [{ preset: 'classifier', options: { input: 784, hidden: 1e7, labels: 10 } }, ['synapses', 'encode']],
      [{ preset: 'denseAssociativeMemory', options: { features: 784, memories: 1e8 } }, ['synapses', 'memory']],
      [{ preset: 'modernHopfield', options: { features: 784, memories: 1e8 } }, ['synapses', 'memory']],
      [{ preset: 'convHierarchical', options: { image: [28, 28, 1], memories: 1e9 } }, ['synapses', 'recall']],
      [{ preset: 'energyTransformer', options: { image: [28, 28, 1], patch: 4, memories: 1e9 } }, ['synapses', 'hopfield']],
      [{ preset: 'energyTransformer', options: { image: [28, 28, 1], patch: 4, heads: 1e8 } }, ['synapses', 'attention']],
    ];
    for (const [config, path] of cases) {
      const e = refusedWithoutAllocating(() => buildFromConfig(config));
      expect([e.code, e.path], JSON.stringify(config)).toEqual(['too_large', path]);
    }
  });

  it('a huge batch, at the layer whose states need the most', () => {
    const config = { preset: 'classifier', options: { input: 784, hidden: 100, labels: 10 } };
    const e = refusedWithoutAllocating(() => buildFromConfig(config, { batch: 1e7 }));
    expect([e.code, e.path]).toEqual(['too_large', ['layers', 'input']]);
    expect(e.message).toMatch(/needs 29\.2 GiB \(states \[10000000, 784\]\); .* states of 10000000 samples/);
    buildFromConfig(config, { batch: 100 }).dispose();
  });

  it('reports the config\'s other problems with it, and builds none of its valid parts', () => {
    const config = { ...chain([65536], [65536]), layers: { ...chain([65536], [65536]).layers, c: { shape: [2], lagrangian: { kind: 'softmx' } } } };
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      buildFromConfig(config);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HamuxErrors);
    expect((caught as HamuxErrors).errors.map((x) => [x.code, x.where])).toEqual([
      ['unknown_name', 'layers.c.lagrangian.kind'],
      ['too_large', 'synapses.s'],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('maxBytes sets the limit: lower refuses, higher or Infinity builds; a bad value is an invalid argument', () => {
    const config = chain([100], [100]); // W: 40,000 bytes; states: 800
    expect(thrown(() => buildFromConfig(config, { maxBytes: 40_799 })).code).toBe('too_large');
    buildFromConfig(config, { maxBytes: 40_800 }).dispose();
    buildFromConfig(chain([65536], [4]), { maxBytes: Infinity }).dispose();
    for (const bad of [-1, NaN, '2GiB']) {
      const e = thrown(() => buildFromConfig(config, { maxBytes: bad as number }));
      expect([e.code, e.where]).toEqual(['invalid_argument', 'options.maxBytes']);
    }
    const e = thrown(() => buildFromConfig(config, { batch: 1.5 }));
    expect([e.code, e.where]).toEqual(['invalid_argument', 'options.batch']);
  });
});

describe('checkMemory', () => {
  it('checks a built graph for a batch known later (states read from a file)', () => {
    const ham = buildFromConfig(chain([1000], [10]));
    checkMemory(ham, { batch: 1000 });
    const e = thrown(() => checkMemory(ham, { batch: 1e6 }));
    expect([e.code, e.path]).toEqual(['too_large', ['layers', 'a']]);
    expect(e.message).toMatch(/states \[1000000, 1000\]/);
    checkMemory(ham, { batch: 1e6, maxBytes: 2 ** 33 });
    ham.dispose();
  });
});
