// Non-finite inputs are refused (issue 15, item 4): weights and states holding NaN or ±∞ are
// refused when read, naming the tensor and its first bad entry; numbers a config gives that float32
// cannot hold (β = 1e-320 rounds to 0, 1e39 to ∞) are refused when the config is validated.
import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, tf } from '@hamux-ts/core';
import {
  buildFromConfig,
  describeNonFinite,
  encodeSafetensors,
  findNonFinite,
  loadParams,
  loadStates,
  paramsToSafetensors,
  parseConfig,
  type SafeTensor,
} from '@hamux-ts/config';

const config = {
  layers: {
    pixels: { shape: [4], lagrangian: { kind: 'identity' } },
    hidden: { shape: [3], lagrangian: { kind: 'softmax', beta: 2 } },
  },
  synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'] } },
  seed: 0,
};

/** Each problem `f` throws, as `[code, message]`. */
function problems(f: () => unknown): [string, string][] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HamuxError);
    return (e instanceof HamuxErrors ? e.errors : [e as HamuxError]).map((x) => [x.code, x.message]);
  }
  throw new Error('expected a throw');
}

const f32 = (shape: number[], values: number[]): SafeTensor => ({ dtype: 'F32', shape, data: Float32Array.from(values) });

describe('findNonFinite', () => {
  it('finds the first NaN or ±∞ as a row-major index, with the count', () => {
    expect(findNonFinite([1, 2, 3], [3])).toBeUndefined();
    expect(findNonFinite([0, 1, 2, 3, NaN, 5, Infinity], [1, 7])).toEqual({ index: [0, 4], value: NaN, count: 2 });
    expect(findNonFinite(Float32Array.from([0, 0, 0, 0, 0, -Infinity]), [2, 3])).toEqual({ index: [1, 2], value: -Infinity, count: 1 });
    expect(findNonFinite([NaN], [])).toEqual({ index: [], value: NaN, count: 1 });
    expect(findNonFinite(new Float32Array(2 * 3 * 4).fill(1).fill(Infinity, 17), [2, 3, 4])!.index).toEqual([1, 1, 1]);
  });

  it('says where, what and how many', () => {
    expect(describeNonFinite({ index: [0, 4], value: NaN, count: 2 })).toBe('entry [0, 4] is NaN (the first of 2 non-finite entries)');
    expect(describeNonFinite({ index: [1], value: -Infinity, count: 1 })).toBe('entry [1] is -Infinity in float32');
    expect(describeNonFinite({ index: [], value: Infinity, count: 1 })).toBe('is Infinity in float32');
  });
});

describe('weights and states with NaN or ±∞ are refused when read', () => {
  it('loadParams names the parameter and the entry, and allocates nothing', () => {
    const ham = buildFromConfig(config);
    const tensors = paramsToSafetensors(ham);
    const W = tensors['synapses.enc.W']!;
    const data = Float32Array.from(W.data);
    data[5] = NaN; // row 1, column 2 of W [4, 3]
    data[7] = Infinity;
    const before = tf.memory().numTensors;
    expect(problems(() => loadParams(ham, encodeSafetensors({ ...tensors, 'synapses.enc.W': { ...W, data } })))).toEqual([
      ['not_finite', 'synapses.enc.W: entry [1, 2] is NaN (the first of 2 non-finite entries); weights must be finite'],
    ]);
    const beta = { ...tensors, 'layers.hidden.beta': f32([], [-Infinity]) };
    expect(problems(() => loadParams(ham, encodeSafetensors(beta)))).toEqual([
      ['not_finite', 'layers.hidden.beta: is -Infinity in float32; weights must be finite'],
    ]);
    expect(tf.memory().numTensors).toBe(before);
    ham.dispose();
  });

  it('a value past float32 in an F64 file reads as ∞ and is refused', () => {
    const ham = buildFromConfig(config);
    const tensors = paramsToSafetensors(ham);
    // The same file with W as F64, one entry 1e39.
    const names = Object.keys(tensors).sort();
    const header: Record<string, unknown> = {};
    let offset = 0;
    const chunks: Uint8Array[] = [];
    for (const n of names) {
      const t = tensors[n]!;
      const f64 = n === 'synapses.enc.W';
      const bytes = new Uint8Array(t.data.length * (f64 ? 8 : 4));
      const view = new DataView(bytes.buffer);
      t.data.forEach((x, i) => (f64 ? view.setFloat64(8 * i, i === 0 ? 1e39 : x, true) : view.setFloat32(4 * i, x, true)));
      header[n] = { dtype: f64 ? 'F64' : 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
      offset += bytes.length;
      chunks.push(bytes);
    }
    const json = new TextEncoder().encode(JSON.stringify(header));
    const file = new Uint8Array(8 + json.length + offset);
    new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
    file.set(json, 8);
    let at = 8 + json.length;
    for (const c of chunks) { file.set(c, at); at += c.length; }
    expect(problems(() => loadParams(ham, file))).toEqual([['not_finite', 'synapses.enc.W: entry [0, 0] is Infinity in float32; weights must be finite']]);
    ham.dispose();
  });

  it('loadStates names the layer and the entry, every bad layer at once', () => {
    const ham = buildFromConfig(config);
    const before = tf.memory().numTensors;
    const file = encodeSafetensors({
      pixels: f32([2, 4], [0, 1, 2, 3, 4, 5, NaN, 7]),
      hidden: f32([2, 3], [0, 0, 0, 0, Infinity, 0]),
    });
    expect(problems(() => loadStates(file, ham))).toEqual([
      ['not_finite', 'states.hidden: entry [1, 1] is Infinity in float32; states must be finite'],
      ['not_finite', 'states.pixels: entry [1, 2] is NaN; states must be finite'],
    ]);
    expect(tf.memory().numTensors).toBe(before);
    const ok = loadStates(encodeSafetensors({ pixels: f32([1, 4], [0, 1, 2, 3]), hidden: f32([1, 3], [0, 0, 0]) }), ham);
    Object.values(ok).forEach((t) => t.dispose());
    ham.dispose();
  });
});

describe('config numbers that float32 cannot hold are refused', () => {
  const withLayer = (hidden: unknown) => ({ ...config, layers: { ...config.layers, hidden } });
  const messages = (input: unknown) => problems(() => parseConfig(input)).map(([, m]) => m);

  it('β, τ and dt below the smallest normal float32 (they round to 0 or lose their precision)', () => {
    expect(messages(withLayer({ shape: [3], lagrangian: { kind: 'softmax', beta: 1e-320 } }))).toEqual([
      "layers.hidden.lagrangian.beta: expected a positive number of at least 1.1754944e-38 (float32's smallest normal number), got 1e-320",
    ]);
    expect(messages(withLayer({ shape: [3], lagrangian: { kind: 'softmax', beta: { value: 1e-40, learnable: true } } }))[0]).toMatch(/smallest normal number/);
    expect(messages(withLayer({ shape: [3], lagrangian: { kind: 'identity' }, tau: 5e-324 }))[0]).toMatch(/^layers\.hidden\.tau: .*smallest normal number\), got 5e-324/);
    expect(messages({ ...config, scheduler: { dt: 1e-39 } })[0]).toMatch(/^scheduler\.dt: .*smallest normal number/);
    // The smallest normal float32 itself is accepted; 0 and negatives read as before.
    parseConfig(withLayer({ shape: [3], lagrangian: { kind: 'softmax', beta: 2 ** -126 } }));
    expect(messages(withLayer({ shape: [3], lagrangian: { kind: 'softmax', beta: -1 } }))).toEqual(['layers.hidden.lagrangian.beta: expected a positive number, got -1']);
  });

  it('numbers past float32\'s largest (they would be ±∞)', () => {
    expect(messages(withLayer({ shape: [3], lagrangian: { kind: 'softmax', beta: 1e39 } }))).toEqual([
      "layers.hidden.lagrangian.beta: expected a number within float32's range (at most 3.4028235e+38 in size), got 1e+39",
    ]);
    expect(messages(withLayer({ shape: [3], lagrangian: { kind: 'layernorm', gamma: -1e39 } }))[0]).toMatch(/^layers\.hidden\.lagrangian\.gamma: expected a number within float32's range/);
    const init = { ...config, synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'], init: { W: { type: 'constant', value: 1e300 } } } } };
    expect(messages(init)[0]).toMatch(/^synapses\.enc\.init\.W\.value: expected a number within float32's range/);
    parseConfig(withLayer({ shape: [3], lagrangian: { kind: 'layernorm', gamma: 3.4e38 } }));
  });

  it('buildFromConfig refuses them too, before building', () => {
    const e = problems(() => buildFromConfig(withLayer({ shape: [3], lagrangian: { kind: 'softmax', beta: 1e-320 } })));
    expect(e.map(([c]) => c)).toEqual(['invalid_config']);
  });
});
