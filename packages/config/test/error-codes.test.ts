// Errors as data: configs, presets and safetensors files report problems with a stable code and their
// path as keys and indices (issue 14, item 6), the message kept for people.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '@hamux-ts/test-support';
import { HamuxError, HamuxErrors, hypergraph, lagrangians as L, synapses as Y } from '@hamux-ts/core';
import { buildFromConfig, createRegistry, decodeSafetensors, encodeSafetensors, loadParams, parseConfig, presets, saveParams } from '@hamux-ts/config';

const thrown = (f: () => unknown): HamuxError => thrownBy(f, HamuxError);

/** Each problem as `[code, path]`. */
const problems = (e: HamuxError) => (e instanceof HamuxErrors ? e.errors : [e]).map((x) => [x.code, x.path]);

/** A safetensors file with this header (JSON text or a value) and data bytes. */
function rawFile(header: unknown, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const config = {
  layers: {
    pixels: { shape: [4], lagrangian: { kind: 'identity' } },
    hidden: { shape: [3], lagrangian: { kind: 'softmax', beta: 2 } },
  },
  synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'] } },
  seed: 0,
};

describe('config errors are data', () => {
  it('an unknown kind and an unknown layer are unknown names; other schema problems are invalid configs', () => {
    const bad = {
      ...config,
      layers: { ...config.layers, hidden: { shape: [-3], lagrangian: { kind: 'softmx' } } },
      synapses: { enc: { kind: 'dense', connects: ['pixels', 'hiden'] } },
    };
    const e = thrown(() => parseConfig(bad));
    expect(problems(e)).toEqual([
      ['invalid_config', ['layers', 'hidden', 'shape', 0]],
      ['unknown_name', ['layers', 'hidden', 'lagrangian', 'kind']],
      ['unknown_name', ['synapses', 'enc', 'connects', 1]],
    ]);
    expect(e.code).toBe('multiple');
    expect((e as HamuxErrors).errors[2]!.message).toBe('synapses.enc.connects[1]: unknown layer "hiden" (did you mean "hidden"?) (layers are "pixels", "hidden")');
  });

  it('shapes that do not fit are shape mismatches, at the synapse', () => {
    const e = thrown(() => buildFromConfig({ ...config, synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'], init: { W: { type: 'values', values: [1, 2] } } } } }));
    expect(problems(e)).toEqual([['shape_mismatch', ['synapses', 'enc', 'init', 'W']]]);
  });

  it("a registered factory's rejection is an invalid config, at its entry", () => {
    const registry = createRegistry().lagrangian('cubic', () => {
      throw new RangeError('cubic: scale is too large');
    });
    const e = thrown(() => buildFromConfig({ ...config, layers: { ...config.layers, pixels: { shape: [4], lagrangian: { kind: 'cubic' } } } }, { registry }));
    expect(problems(e)).toEqual([['invalid_config', ['layers', 'pixels', 'lagrangian']]]);
    expect(problems(thrown(() => createRegistry().lagrangian('softmax', () => L.identity())))).toEqual([['invalid_argument', ['registry', 'kind']]]);
  });

  it("a preset's options are arguments: invalid ones are invalid arguments at options.<key>", () => {
    const e = thrown(() => presets.denseAssociativeMemory({ features: 0, memories: 2 }));
    expect(problems(e)).toEqual([['invalid_argument', ['options', 'features']]]);
    // The same preset in a config file is the file's problem.
    expect(problems(thrown(() => parseConfig({ preset: 'denseAssociativeMemory', options: { features: 0, memories: 2 } })))).toEqual([
      ['invalid_config', ['options', 'features']],
    ]);
    expect(problems(thrown(() => parseConfig({ preset: 'denseMemory', options: {} })))).toEqual([['unknown_name', ['preset']]]);
  });
});

describe('safetensors errors are data', () => {
  it('a malformed header is an invalid file at safetensors; a bad entry at its tensor, whose name keeps its dots', () => {
    const notJson = thrown(() => decodeSafetensors(rawFile('{"a": ')));
    expect([notJson.code, notJson.path]).toEqual(['invalid_file', ['safetensors']]);
    expect(notJson.message).toMatch(/^safetensors: header is not valid (UTF-8|JSON)/);
    const short = thrown(() => decodeSafetensors(new Uint8Array(3)));
    expect([short.code, short.path]).toEqual(['invalid_file', ['safetensors']]);
    const entry = thrown(() => decodeSafetensors(rawFile({ 'synapses.enc.W': { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0])));
    expect([entry.code, entry.path, entry.where]).toEqual(['invalid_file', ['safetensors', 'synapses.enc.W'], 'safetensors.synapses.enc.W']);
    const unsupported = thrown(() => decodeSafetensors(rawFile({ t: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])));
    expect([unsupported.code, unsupported.path]).toEqual(['unsupported', ['safetensors', 't']]);
    const option = thrown(() => decodeSafetensors(new Uint8Array(8), { maxHeaderBytes: -1 }));
    expect([option.code, option.path]).toEqual(['invalid_argument', ['options', 'maxHeaderBytes']]);
    const writing = thrown(() => encodeSafetensors({ t: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }));
    expect([writing.code, writing.path]).toEqual(['shape_mismatch', ['safetensors', 't']]);
  });

  it('weights that do not fit the graph: missing is an invalid config, wrong shapes and strangers say so', () => {
    const build = (hidden: number) =>
      hypergraph()
        .layer('pixels', { shape: [4], lagrangian: L.identity() })
        .layer('hidden', { shape: [hidden], lagrangian: L.softmax() })
        .synapse('enc', Y.dense(), ['pixels', 'hidden'])
        .build({ seed: 0 });
    const small = build(3), large = build(5);
    const bytes = saveParams(small);
    expect(problems(thrown(() => loadParams(large, bytes)))).toEqual([['shape_mismatch', ['synapses', 'enc', 'W']]]);
    expect(thrown(() => loadParams(large, bytes)).message).toMatch(/^synapses\.enc\.W: expected shape \[/);
    const extra = encodeSafetensors({ ...decodeSafetensors(bytes).tensors, stray: { dtype: 'F32', shape: [1], data: new Float32Array(1) } });
    expect(problems(thrown(() => loadParams(small, extra)))).toEqual([['unknown_name', ['stray']]]);
    const none = encodeSafetensors({});
    // A fixed parameter (β) may be left out; a learnable one may not.
    expect(problems(thrown(() => loadParams(small, none)))).toEqual([['invalid_config', ['synapses', 'enc', 'W']]]);
    small.dispose();
    large.dispose();
  });
});
