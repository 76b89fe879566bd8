// Bounded memory and finite results (issue 15, items 3 and 4), through the built `hamux` as a user
// runs it: a config, preset or batch that needs more memory than --max-memory allows stops before
// allocating, naming the layer or synapse and the bytes, and validate and run agree on it; NaN or
// ±∞ in states or weights is refused naming the file, tensor and entry; an energy that is not
// finite (past float32's range, say) exits 1 naming its part and writes nothing, unless
// --allow-non-finite.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, hamuxRunner } from './built-cli.js';
import { HamuxError } from '@hamux-ts/core';
import { buildFromConfig, decodeSafetensors, encodeSafetensors, paramsToSafetensors, type SafeTensor } from '@hamux-ts/config';
import { nonFiniteResults } from '../src/finite.js';
import { bytes } from '../src/args.js';

let tmp: string;

const hamux = hamuxRunner(60_000);

beforeAll(() => {
  buildCli(); // always: the tests are about the current sources
  tmp = mkdtempSync(join(tmpdir(), 'hamux-limits-'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes `content` (JSON for an object) to a new file in the temporary folder. */
function file(name: string, content: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, content instanceof Uint8Array ? content : JSON.stringify(content));
  return path;
}

const identity = (shape: number[]) => ({ shape, lagrangian: { kind: 'identity' } });
const small = {
  layers: { pixels: identity([4]), hidden: { shape: [3], lagrangian: { kind: 'softmax', beta: 2 } } },
  synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'] } },
  seed: 0,
};
const f32 = (shape: number[], values: number[]): SafeTensor => ({ dtype: 'F32', shape, data: Float32Array.from(values) });
const smallStates = (pixels: number[], hidden: number[]) =>
  encodeSafetensors({ pixels: f32([pixels.length / 4, 4], pixels), hidden: f32([hidden.length / 3, 3], hidden) });

describe('memory: estimated before anything is allocated', () => {
  it('validate, inspect and eval refuse [65536, 65536] naming the layer and the bytes, with the flag to raise it', () => {
    const config = file('square.json', { layers: { sq: identity([65536, 65536]) }, synapses: {}, seed: 0 });
    const line = 'hamux: layers.sq: needs 16.0 GiB (states [1, 65536, 65536]); the graph needs 16.0 GiB in all (parameters, and states of 1 sample, float32), more than the limit of 2.00 GiB (--max-memory raises it)';
    for (const args of [['validate', config], ['inspect', config], ['eval', config, '--states', file('any.safetensors', smallStates([0, 0, 0, 0], [0, 0, 0])), '--out', join(tmp, 'sq.out')]]) {
      const r = hamux(...args);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([line]);
    }
    expect(existsSync(join(tmp, 'sq.out'))).toBe(false);
  });

  it('a layer of [1e9] and presets with a huge memories, hidden or heads: exit 1 at the part that needs the most', () => {
    const cases: [unknown, string][] = [
      [{ layers: { huge: identity([1e9]) }, synapses: {}, seed: 0 }, 'layers.huge: needs 3.73 GiB (states [1, 1000000000])'],
      [{ preset: 'classifier', options: { input: 784, hidden: 1e7, labels: 10 } }, 'synapses.encode: needs 29.2 GiB (parameter W [784, 10000000])'],
      [{ preset: 'denseAssociativeMemory', options: { features: 784, memories: 1e8 } }, 'synapses.memory: needs 292 GiB (parameter xi [100000000, 784])'],
      [{ preset: 'energyTransformer', options: { image: [28, 28, 1], patch: 4, heads: 1e8 } }, 'synapses.attention: needs'],
    ];
    cases.forEach(([config, start], i) => {
      const r = hamux('validate', file(`huge-${i}.json`, config));
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`hamux: ${start}`);
      expect(r.stderr).not.toMatch(/Invalid typed array length|RangeError|at /);
    });
  });

  it('run --batch 10000000 stops before allocating, and validate --batch says the same', () => {
    const config = file('classifier.json', { preset: 'classifier', options: { input: 784, hidden: 100, labels: 10 } });
    const out = join(tmp, 'run-big');
    const run = hamux('run', config, '--batch', '10000000', '--out', out, '--backend', 'cpu');
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^hamux: layers\.input: needs 29\.2 GiB \(states \[10000000, 784\]\); .* states of 10000000 samples, float32\), more than the limit of 2\.00 GiB \(--max-memory raises it\)\n$/);
    expect(existsSync(out)).toBe(false);
    const validate = hamux('validate', config, '--batch', '10000000');
    expect(validate.status).toBe(1);
    expect(validate.stderr).toBe(run.stderr);
    expect(hamux('validate', config, '--batch', '1000').status).toBe(0);
  });

  it('--max-memory lowers or raises the limit; eval counts the batch of its states file', () => {
    const config = file('small.json', small);
    expect(hamux('validate', config, '--max-memory', '64').stderr).toMatch(/^hamux: synapses\.enc: needs 48 bytes .* more than the limit of 64 bytes/);
    expect(hamux('validate', config, '--max-memory', '1KiB').status).toBe(0);
    expect(hamux('validate', config, '--max-memory', 'none').status).toBe(0);
    const bad = hamux('validate', config, '--max-memory', 'lots');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max-memory must be a size such as 8GiB');
    // 1000 samples of 7 states: 28,000 bytes with the parameters' 52.
    const states = file('batch1000.safetensors', smallStates(new Array(4000).fill(0), new Array(3000).fill(0)));
    const out = join(tmp, 'e1000.safetensors');
    const r = hamux('eval', config, '--states', states, '--out', out, '--max-memory', '20KiB');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^hamux: layers\.pixels: needs 15\.6 KiB \(states \[1000, 4\]\); the graph needs 27\.4 KiB in all \(parameters, and states of 1000 samples/);
    expect(existsSync(out)).toBe(false);
    expect(hamux('eval', config, '--states', states, '--out', out, '--max-memory', '28KiB').status).toBe(0);
  });

  it('sizes are bytes, decimal or binary units', () => {
    const v = (s: string) => bytes('x', { m: s }, 'm', 0);
    expect([v('4096'), v('1e10'), v('2KiB'), v('2k'), v('1.5G'), v('3MB'), v('none')]).toEqual([4096, 1e10, 2048, 2048, 1.5 * 2 ** 30, 3e6, Infinity]);
    expect(bytes('x', {}, 'm', 7)).toBe(7);
    for (const s of ['', '-1', 'GiB', '2 parsecs', '0x10']) expect(() => v(s)).toThrow(/must be a size/);
  });
});

describe('non-finite inputs are refused, naming the file, tensor and entry', () => {
  it('eval: states with NaN and ±∞, weights with NaN; nothing written', () => {
    const config = file('nf.json', small);
    const out = join(tmp, 'nf.out.safetensors');
    const states = file('nan.safetensors', smallStates([0, 1, NaN, 3], [0, -Infinity, 0]));
    const r = hamux('eval', config, '--states', states, '--out', out);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^hamux: states ".*nan\.safetensors": hidden: entry \[0, 1\] is -Infinity in float32; states must be finite$/m);
    expect(r.stderr).toMatch(/^hamux: states ".*nan\.safetensors": pixels: entry \[0, 2\] is NaN; states must be finite$/m);

    const ham = buildFromConfig(small);
    const tensors = paramsToSafetensors(ham);
    ham.dispose();
    const W = Float32Array.from(tensors['synapses.enc.W']!.data);
    W[4] = NaN;
    const weights = file('nan-weights.safetensors', encodeSafetensors({ ...tensors, 'synapses.enc.W': { ...tensors['synapses.enc.W']!, data: W } }));
    const good = file('good.safetensors', smallStates([0, 1, 2, 3], [0, 0, 0]));
    const w = hamux('eval', config, '--states', good, '--weights', weights, '--out', out);
    expect(w.status, w.stderr).toBe(1);
    expect(w.stderr).toMatch(/^hamux: weights ".*nan-weights\.safetensors": synapses\.enc\.W: entry \[1, 1\] is NaN; weights must be finite$/m);
    expect(existsSync(out)).toBe(false);

    // run with NaN weights names the parameter instead of "diverged at step 0".
    const dir = join(tmp, 'nf-run');
    const run = hamux('run', config, '--weights', weights, '--out', dir, '--backend', 'cpu');
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^hamux: weights ".*nan-weights\.safetensors": synapses\.enc\.W: entry \[1, 1\] is NaN/m);
    expect(run.stderr).not.toContain('diverged');
    expect(existsSync(dir)).toBe(false);
  });

  it('a β that float32 rounds to 0 is refused by validate and by eval', () => {
    const config = file('tiny-beta.json', { ...small, layers: { ...small.layers, hidden: { shape: [3], lagrangian: { kind: 'softmax', beta: 1e-320 } } } });
    for (const r of [hamux('validate', config), hamux('eval', config, '--states', file('s.safetensors', smallStates([0, 1, 2, 3], [0, 0, 0])), '--out', join(tmp, 'tb.out'))]) {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("hamux: layers.hidden.lagrangian.beta: expected a positive number of at least 1.1754944e-38 (float32's smallest normal number), got 1e-320");
    }
  });
});

describe('non-finite results exit 1 naming their part, unless --allow-non-finite', () => {
  // W = 1e30 everywhere and states of 1e5: x̂ᵀWx̂ = 12·1e40, past float32's range.
  const overflowing = {
    ...small,
    layers: { pixels: identity([4]), hidden: identity([3]) },
    synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'], init: { W: { type: 'constant', value: 1e30 } } } },
  };

  it('eval: the synapse whose energy is past float32 range, and nothing written', () => {
    const config = file('overflow.json', overflowing);
    const states = file('big-states.safetensors', smallStates([1e5, 1e5, 1e5, 1e5, 1, 1, 1, 1], [1e5, 1e5, 1e5, 1, 1, 1]));
    const out = join(tmp, 'overflow.out.safetensors');
    const r = hamux('eval', config, '--states', states, '--out', out);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'hamux: synapses.enc: energy is -Infinity in float32 for sample 0',
      'hamux: nothing written: the results are not finite (--allow-non-finite writes them anyway)',
    ]);
    expect(existsSync(out)).toBe(false);

    const allowed = hamux('eval', config, '--states', states, '--out', out, '--allow-non-finite');
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stderr).toBe('hamux: warning: synapses.enc: energy is -Infinity in float32 for sample 0\n');
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(out)));
    const [first, second] = tensors['energy.synapse.enc']!.data;
    expect(first).toBe(-Infinity);
    expect(second! / -1.2e31).toBeCloseTo(1, 6);
  });

  it('run: a non-finite energy at the initial states is named, not reported as a divergence', () => {
    const config = file('overflow-run.json', overflowing);
    const states = file('big-init.safetensors', smallStates([1e5, 1e5, 1e5, 1e5], [1e5, 1e5, 1e5]));
    const dir = join(tmp, 'overflow-run');
    const r = hamux('run', config, '--input', states, '--out', dir, '--backend', 'cpu');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('hamux: synapses.enc: energy is -Infinity in float32 for sample 0 at the initial states\n');
    expect(r.stderr).not.toContain('diverged');
    expect(existsSync(dir)).toBe(false);
  });
});

describe('nonFiniteResults', () => {
  const part = (path: string[], what: string, data: number[], shape = [data.length]) => ({ path, what, shape, data });

  it('names each part once, in the order given (a layer whose x̂ is NaN before the synapses it feeds)', () => {
    const problems = nonFiniteResults([
      part(['layers', 'h'], 'activation x̂', [0, NaN, 0, 0], [2, 2]),
      part(['layers', 'h'], 'energy', [NaN, 1]),
      part(['synapses', 's'], 'energy', [1, Infinity, NaN]),
      part(['synapses', 't'], 'energy', [1, 2]),
    ]);
    expect(problems.every((p) => p instanceof HamuxError && p.code === 'not_finite')).toBe(true);
    expect(problems.map((p) => p.message)).toEqual([
      'layers.h: activation x̂ entry [0, 1] is NaN',
      'synapses.s: energy is Infinity in float32 for sample 1 (the first of 2 samples)',
    ]);
  });

  it('names the total only when every term is finite and their sum is not', () => {
    const total = part(['energy', 'total'], 'the total energy', [-Infinity]);
    expect(nonFiniteResults([part(['synapses', 's'], 'energy', [-3e38]), part(['synapses', 't'], 'energy', [-3e38])], total).map((p) => p.message)).toEqual([
      "energy.total: the total energy is -Infinity in float32 for sample 0: every term is finite, but their sum is past float32's range",
    ]);
    expect(nonFiniteResults([part(['synapses', 's'], 'energy', [NaN])], part(['energy', 'total'], 'the total energy', [NaN])).map((p) => p.where)).toEqual(['synapses.s']);
    expect(nonFiniteResults([part(['synapses', 's'], 'energy', [1])], part(['energy', 'total'], 'the total energy', [1]))).toEqual([]);
  });
});
