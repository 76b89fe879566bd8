import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import {
  bfloat16ToFloat,
  decodeSafetensors,
  encodeSafetensors,
  halfToFloat,
  loadParams,
  loadStates,
  paramsToSafetensors,
  saveParams,
  saveStates,
} from '@hamux-ts/config';

/** A file from a header (object or raw JSON text) and data bytes, written by hand. */
function rawFile(header: unknown, data: ArrayLike<number> = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes of 16-bit words. */
const u16 = (...words: number[]): number[] => words.flatMap((w) => [w & 0xff, w >> 8]);
const f32 = (...xs: number[]): number[] => [...new Uint8Array(new Float32Array(xs).buffer)];

/** Runs `f`, expects it to throw a HamuxError (or a subclass), and returns it. */
function catchHamux(f: () => unknown): HamuxError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HamuxError);
  return caught as HamuxError;
}

const decodeError = (bytes: Uint8Array, options?: { maxHeaderBytes?: number }) =>
  catchHamux(() => decodeSafetensors(bytes, options));

describe('round trip', () => {
  it('keeps names, shapes, values and metadata, including scalars and zero-size tensors', () => {
    const tensors = {
      matrix: { dtype: 'F32' as const, shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, -0, 1e-30]) },
      scalar: { dtype: 'F32' as const, shape: [], data: new Float32Array([42.25]) },
      empty: { dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
      '__proto__': { dtype: 'F32' as const, shape: [1], data: new Float32Array([7]) },
      '10': { dtype: 'F32' as const, shape: [2], data: new Float32Array([Infinity, -Infinity]) },
      'ünï.cødé': { dtype: 'F32' as const, shape: [1, 1, 1], data: new Float32Array([NaN]) },
    };
    const metadata = { format: 'pt', note: 'ünïcode "quoted"' };
    const bytes = encodeSafetensors(tensors, metadata);
    const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(header % 8).toBe(0); // data starts 8-byte aligned
    const { tensors: back, metadata: meta } = decodeSafetensors(bytes);
    expect(meta).toEqual(metadata);
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    for (const [name, t] of Object.entries(tensors)) {
      expect(Object.hasOwn(back, name)).toBe(true);
      const b = back[name]!;
      expect(b.dtype).toBe('F32');
      expect(b.shape).toEqual(t.shape);
      expect(b.data).toBeInstanceOf(Float32Array);
      expect([...b.data]).toEqual([...t.data]);
    }
  });

  it('round-trips an empty file and metadata alone', () => {
    expect(decodeSafetensors(encodeSafetensors({}))).toEqual({ tensors: {}, metadata: {} });
    expect(decodeSafetensors(encodeSafetensors({}, { a: 'b' }))).toEqual({ tensors: {}, metadata: { a: 'b' } });
  });

  it('reads a Uint8Array that is a view into a larger, unaligned buffer', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) } });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    expect([...decodeSafetensors(big.subarray(1, 1 + bytes.length)).tensors['x']!.data]).toEqual([1, 2, 3]);
  });

  it('refuses to write what the format cannot hold', () => {
    const t = { dtype: 'F32' as const, shape: [2], data: new Float32Array(3) };
    expect(catchHamux(() => encodeSafetensors({ t })).message).toMatch(/safetensors\.t: shape \[2\] has 2 elements, but data has 3/);
    expect(catchHamux(() => encodeSafetensors({ __metadata__: { ...t, data: new Float32Array(2) } })).message).toContain('reserved');
    expect(catchHamux(() => encodeSafetensors({ t: { ...t, shape: [-2] } })).message).toContain('non-negative integers');
    expect(catchHamux(() => encodeSafetensors({}, { a: 1 as unknown as string })).message).toContain('must be strings');
  });
});

describe('a known tiny file, byte by byte', () => {
  // {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 bytes, padded with 2 spaces to 56.
  const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  ';
  const expected = new Uint8Array([
    0x38, 0, 0, 0, 0, 0, 0, 0, // header length 56, u64 little-endian
    ...[...json].map((c) => c.charCodeAt(0)),
    0x00, 0x00, 0x80, 0x3f, // 1.0f
    0x00, 0x00, 0x00, 0xc0, // -2.0f
  ]);

  it('is what encode writes', () => {
    expect(expected.length).toBe(72);
    expect(encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) } })).toEqual(expected);
  });

  it('is what decode reads', () => {
    expect(decodeSafetensors(expected)).toEqual({
      tensors: { a: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) } },
      metadata: {},
    });
  });

  it('reads entries in any order in the JSON, with leading and trailing whitespace', () => {
    const header = ' {"b":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"a":{"shape":[1],"data_offsets":[0,4],"dtype":"F32"}}   ';
    const { tensors } = decodeSafetensors(rawFile(header, f32(5, 6)));
    expect([...tensors['a']!.data]).toEqual([5]);
    expect(tensors['b']!.shape).toEqual([]);
    expect([...tensors['b']!.data]).toEqual([6]);
  });
});

describe('other dtypes', () => {
  it('converts half precision, with subnormals, infinities and NaN', () => {
    const words = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555];
    const { tensors } = decodeSafetensors(rawFile({ h: { dtype: 'F16', shape: [words.length], data_offsets: [0, 2 * words.length] } }, u16(...words)));
    const h = tensors['h']!;
    expect(h.dtype).toBe('F16');
    const v = [...h.data];
    expect(v.slice(0, 8)).toEqual([1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, Infinity, -Infinity]);
    expect(v[8]).toBeNaN();
    expect(Object.is(v[9], -0)).toBe(true);
    expect(v[10]).toBeCloseTo(1 / 3, 3);
    expect(halfToFloat(0x7c01)).toBeNaN();
  });

  it('converts bfloat16', () => {
    const { tensors } = decodeSafetensors(rawFile({ b: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 8] } }, u16(0x3f80, 0xc049, 0x7f80, 0x7fc0)));
    const v = [...tensors['b']!.data];
    expect(v.slice(0, 3)).toEqual([1, -3.140625, Infinity]);
    expect(v[3]).toBeNaN();
    expect(bfloat16ToFloat(0x8000)).toBe(-0);
  });

  it('converts F64 to float32', () => {
    const data = [...new Uint8Array(new Float64Array([0.1, -1e300, 2]).buffer)];
    const { tensors } = decodeSafetensors(rawFile({ d: { dtype: 'F64', shape: [3], data_offsets: [0, 24] } }, data));
    expect([...tensors['d']!.data]).toEqual([Math.fround(0.1), -Infinity, 2]);
  });

  it('rejects other dtypes, naming the tensor', () => {
    const e = decodeError(rawFile({ counts: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }, [1, 0, 0, 0]));
    expect(e.where).toBe('safetensors.counts');
    expect(e.message).toContain('dtype I32 is not supported (expected F32, F16, BF16 or F64)');
    expect(decodeError(rawFile({ x: { dtype: 'F99', shape: [], data_offsets: [0, 4] } }, f32(1))).message).toMatch(/unknown dtype "F99"/);
  });
});

describe('malformed files', () => {
  const good = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const data = f32(1, 2);

  it('file shorter than 8 bytes', () => {
    const e = decodeError(new Uint8Array(5));
    expect(e.where).toBe('safetensors');
    expect(e.message).toContain('file is 5 bytes long; expected at least 8');
  });

  it('header length beyond the file', () => {
    expect(decodeError(rawFile(good, data, 1000)).message).toMatch(/header length 1000 runs past the end of the file \(\d+ bytes/);
  });

  it('header length over the limit, checked before anything is allocated', () => {
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    expect(decodeError(huge).message).toMatch(/header length 9223372036854776000 exceeds the limit of 100000000 bytes/);
    expect(decodeError(rawFile(good, data), { maxHeaderBytes: 16 }).message).toMatch(/exceeds the limit of 16 bytes/);
    expect(catchHamux(() => decodeSafetensors(rawFile(good, data), { maxHeaderBytes: -1 })).where).toBe('options.maxHeaderBytes');
  });

  it('invalid UTF-8 in the header', () => {
    const bytes = rawFile('{"t":1}');
    bytes[10] = 0xff;
    expect(decodeError(bytes).message).toContain('header is not valid UTF-8');
  });

  it('invalid JSON', () => {
    expect(decodeError(rawFile('{"t": {')).message).toBe('safetensors: header is not valid JSON: line 1, column 8: expected a key in double quotes, got the end of the text');
    expect(decodeError(rawFile('')).message).toBe('safetensors: header is not valid JSON: line 1, column 1: expected a value, got the end of the text');
  });

  it('a tensor named twice, or a header nested too deep', () => {
    const twice = '{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},\n "t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8], "shape": [1]}}';
    const e = decodeError(rawFile(twice, new Array(8).fill(0)));
    expect(e).toBeInstanceOf(HamuxErrors);
    expect((e as HamuxErrors).errors.map((x) => [x.code, x.message])).toEqual([
      ['invalid_file', 'safetensors.t: given twice in the header at line 2, column 2 (first at line 1, column 2); JSON would keep only the last'],
      ['invalid_file', 'safetensors.t.shape: given twice in the header at line 2, column 62 (first at line 2, column 24); JSON would keep only the last'],
    ]);
    const deep = `{"t": ${'['.repeat(300)}${']'.repeat(300)}}`;
    expect(decodeError(rawFile(deep)).message).toBe('safetensors: header at line 1, column 262: nested deeper than 256 levels');
  });

  it('header not an object', () => {
    for (const h of ['[]', '42', 'null', '"x"']) {
      expect(decodeError(rawFile(h)).message).toContain('header must be a JSON object');
    }
  });

  it('metadata that is not a map of strings', () => {
    expect(decodeError(rawFile({ __metadata__: { a: 1 } })).message).toMatch(/safetensors\.__metadata__: value of "a" must be a string, got 1/);
    expect(decodeError(rawFile({ __metadata__: [] })).message).toContain('expected an object of strings');
  });

  it('entries missing fields or with wrong types', () => {
    const cases: [unknown, RegExp][] = [
      [5, /expected an object with dtype, shape and data_offsets, got 5/],
      [{ shape: [2], data_offsets: [0, 8] }, /dtype must be a string such as "F32", got undefined/],
      [{ dtype: 'F32', data_offsets: [0, 8] }, /shape must be an array of non-negative integers, got undefined/],
      [{ dtype: 'F32', shape: '2', data_offsets: [0, 8] }, /shape must be an array .* got "2"/],
      [{ dtype: 'F32', shape: [2] }, /data_offsets must be two non-negative integers \[begin, end\], got undefined/],
      [{ dtype: 'F32', shape: [2], data_offsets: [0, 4, 8] }, /data_offsets must be two .* got \[0, 4, 8\]/],
      [{ dtype: 'F32', shape: [2], data_offsets: ['0', 8] }, /data_offsets must be two/],
    ];
    for (const [entry, message] of cases) {
      const e = decodeError(rawFile({ t: entry }, data));
      expect(e.where).toBe('safetensors.t');
      expect(e.message).toMatch(message);
    }
  });

  it('shapes with negative or non-integer dimensions', () => {
    expect(decodeError(rawFile({ t: { ...good.t, shape: [-2] } }, data)).message).toMatch(/safetensors\.t: shape must be an array of non-negative integers, got \[-2\]/);
    expect(decodeError(rawFile({ t: { ...good.t, shape: [2.5] } }, data)).message).toContain('got [2.5]');
  });

  it('byte size that does not match the shape and dtype', () => {
    const e = decodeError(rawFile({ t: { ...good.t, shape: [3] } }, data));
    expect(e.message).toBe('safetensors.t: shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8');
    expect(decodeError(rawFile({ t: { dtype: 'F16', shape: [2], data_offsets: [0, 8] } }, data)).message).toContain('needs 4 bytes');
  });

  it('offsets out of range or backwards', () => {
    expect(decodeError(rawFile({ t: { ...good.t, data_offsets: [4, 12] } }, data)).message).toContain(
      'data_offsets [4, 12] are out of range: the data buffer has 8 bytes',
    );
    expect(decodeError(rawFile({ t: { ...good.t, data_offsets: [8, 0] } }, data)).message).toContain('begin after they end');
  });

  it('overlapping tensors', () => {
    const h = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    const e = decodeError(rawFile(h, f32(1, 2, 3)));
    expect(e.where).toBe('safetensors.b');
    expect(e.message).toContain('overlaps tensor "a": starts at byte 4, expected 8');
  });

  it('gaps between tensors', () => {
    const h = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
    const e = decodeError(rawFile(h, f32(1, 2, 3)));
    expect(e.where).toBe('safetensors.b');
    expect(e.message).toContain('gap in the data buffer: starts at byte 8, expected 4 (the end of tensor "a")');
    expect(decodeError(rawFile({ b: h.b }, f32(1, 2, 3))).message).toContain('starts at byte 8, expected 0 (the start of the data buffer)');
  });

  it('tensors that do not cover the data buffer exactly', () => {
    const e = decodeError(rawFile(good, f32(1, 2, 3)));
    expect(e.where).toBe('safetensors');
    expect(e.message).toContain('the tensors cover 8 bytes of the data buffer, but it has 12');
  });

  it('huge declared sizes are rejected without allocating them', () => {
    expect(decodeError(rawFile({ t: { dtype: 'F32', shape: [1e18], data_offsets: [0, 8] } }, data)).message).toContain('shape must be an array of non-negative integers');
    expect(decodeError(rawFile({ t: { dtype: 'F32', shape: [2 ** 26, 2 ** 26], data_offsets: [0, 8] } }, data)).message).toContain('needs 18014398509481984 bytes');
    expect(decodeError(rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 1e18] } }, data)).message).toContain('out of range');
    expect(decodeError(rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 1e308 * 10] } }, data)).message).toContain('data_offsets must be two');
  });
});

describe('HAM parameters', () => {
  const graph = (hidden = 3) =>
    hypergraph()
      .layer('pixels', { shape: [4], lagrangian: L.identity() })
      .layer('hidden', { shape: [hidden], lagrangian: L.softmax({ beta: 2 }) })
      .synapse('enc', Y.dense(), ['pixels', 'hidden'])
      .synapse('mem', Y.modernHopfield({ memories: 5, beta: 1.5 }), ['pixels']);

  it('names every parameter by its path', () => {
    const ham = graph().build({ seed: 1 });
    const t = paramsToSafetensors(ham);
    expect(Object.keys(t).sort()).toEqual(['layers.hidden.beta', 'synapses.enc.W', 'synapses.mem.beta', 'synapses.mem.xi']);
    expect(t['synapses.enc.W']!.shape).toEqual([...ham.params.synapses['enc']!['W']!.shape]);
    expect(t['layers.hidden.beta']!.shape).toEqual([]);
    ham.dispose();
  });

  it('saves, loads and rebuilds a graph with the same energies', () => {
    const ham = graph().build({ seed: 1 });
    const bytes = saveParams(ham, { model: 'test' });
    expect(decodeSafetensors(bytes).metadata).toEqual({ model: 'test' });
    const params = loadParams(ham, bytes);
    const again = graph().build({ seed: 999, params });
    const fresh = graph().build({ seed: 999 });
    const states = ham.randomStates(6, 7);
    const [e1, e2, e3] = [ham.energy(states), again.energy(states), fresh.energy(states)];
    expect([...e2.dataSync()]).toEqual([...e1.dataSync()]);
    expect([...e3.dataSync()]).not.toEqual([...e1.dataSync()]); // the seed alone would give other weights
    for (const t of [e1, e2, e3, ...Object.values<Tensor>(states)]) t.dispose();
    for (const group of [params.layers, params.synapses]) for (const m of Object.values(group)) for (const t of Object.values(m)) t.dispose();
    [ham, again, fresh].forEach((h) => h.dispose());
  });

  it('loads against bare param specs too', () => {
    const ham = graph().build({ seed: 1 });
    const params = loadParams(ham.paramSpecs, saveParams(ham));
    expect([...params.synapses['enc']!['W']!.dataSync()]).toEqual([...ham.params.synapses['enc']!['W']!.dataSync()]);
    for (const group of [params.layers, params.synapses]) for (const m of Object.values(group)) for (const t of Object.values(m)) t.dispose();
    ham.dispose();
  });

  function loadErrors(from: Parameters<typeof saveParams>[0], into: Parameters<typeof loadParams>[0]): HamuxErrors {
    const before = tf.memory().numTensors;
    const e = catchHamux(() => loadParams(into, saveParams(from)));
    expect(e).toBeInstanceOf(HamuxErrors);
    expect(tf.memory().numTensors).toBe(before); // nothing leaks on failure
    return e as HamuxErrors;
  }

  it('reports missing, extra and wrongly shaped parameters by path', () => {
    const full = graph().build({ seed: 1 });
    const noMemory = hypergraph()
      .layer('pixels', { shape: [4], lagrangian: L.identity() })
      .layer('hidden', { shape: [3], lagrangian: L.softmax() })
      .synapse('enc', Y.dense(), ['pixels', 'hidden'])
      .build({ seed: 1 });
    const wider = graph(5).build({ seed: 1 });

    const missing = loadErrors(noMemory, full);
    // The memory's fixed β may be left out (it comes from the graph); its ξ may not. The file's
    // softmax β (1) is not the graph's fixed one (2).
    expect(missing.errors.map((x) => x.where).sort()).toEqual(['layers.hidden.beta', 'synapses.mem.xi']);
    expect(missing.message).toContain('synapses.mem.xi: missing: expected a tensor of shape [5, 4]');
    expect(missing.message).toContain('layers.hidden.beta: the weights give 1, but the graph fixes it at 2');

    const extra = loadErrors(full, noMemory);
    expect(extra.errors.map((x) => x.where).sort()).toEqual(['synapses.mem.beta', 'synapses.mem.xi']);
    expect(extra.message).toContain('synapses.mem.xi: unexpected tensor of shape [5, 4]');

    const shape = loadErrors(wider, full);
    expect(shape.errors.map((x) => x.where)).toEqual(['synapses.enc.W']);
    expect(shape.message).toMatch(/synapses\.enc\.W: expected shape \[\d, \d\], got \[\d, \d\]/);
    expect(shape.message).toContain('5');
    [full, noMemory, wider].forEach((h) => h.dispose());
  });
});

describe('states', () => {
  const ham = () =>
    hypergraph()
      .layer('pixels', { shape: [4], lagrangian: L.identity() })
      .layer('hidden', { shape: [2, 3], lagrangian: L.softmax() })
      .synapse('enc', Y.dense(), ['pixels', 'hidden'])
      .build({ seed: 0 });

  it('round-trips named states and checks them against a graph', () => {
    const h = ham();
    const states = h.randomStates(3, 11);
    const back = loadStates(saveStates(states), h);
    expect(Object.keys(back).sort()).toEqual(['hidden', 'pixels']);
    for (const n of h.layerNames) {
      expect(back[n]!.shape).toEqual(states[n].shape);
      expect([...back[n]!.dataSync()]).toEqual([...states[n].dataSync()]);
    }
    [...Object.values<Tensor>(states), ...Object.values(back)].forEach((t) => t.dispose());
    h.dispose();
  });

  it('rejects states that do not fit the graph, and frees them', () => {
    const h = ham();
    const wrong = { pixels: tf.zeros([2, 4]), hidden: tf.zeros([2, 5]) };
    const bytes = saveStates(wrong);
    Object.values(wrong).forEach((t) => t.dispose());
    const before = tf.memory().numTensors;
    const e = catchHamux(() => loadStates(bytes, h));
    expect(e.message).toContain('states.hidden: expected shape [batch, 2, 3], got [2, 5]');
    expect(tf.memory().numTensors).toBe(before);
    expect(catchHamux(() => saveStates({ x: 3 as unknown as Tensor })).where).toBe('states.x');
    h.dispose();
  });
});
