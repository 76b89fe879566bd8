// Messages that say where (issue 15, items 5 and 6), as a user sees them from the built `hamux`:
// which file, which line and column, which key, layer or option, and the exit code.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, hamuxRunner, type Result } from './built-cli.js';
import { tf } from '@hamux-ts/core';
import { buildFromConfig, decodeSafetensors, encodeSafetensors, saveParams, saveStates, type SafeTensor } from '@hamux-ts/config';

let tmp: string;

const hamux = hamuxRunner(60_000);
/** The exit code and stderr, which must never be a stack trace or Node's own wording. */
function failed(r: Result, status: number): string {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr).not.toMatch(/\n\s+at |RangeError|Maximum call stack|parseArgs|ERR_PARSE_ARGS|Cannot infer/);
  return r.stderr;
}

beforeAll(() => {
  buildCli(); // always: the tests are about the current sources
  tmp = mkdtempSync(join(tmpdir(), 'hamux-where-'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, content: string | Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};
const good = (beta: unknown = 1) => ({
  layers: { pixels: { shape: [4], lagrangian: { kind: 'identity' } }, hidden: { shape: [3], lagrangian: { kind: 'softmax', beta } } },
  synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'] } },
  seed: 0,
});

describe('options and commands', () => {
  it('an unknown option is a usage error with the nearest known one, exit 2', () => {
    const c = file('ok.json', JSON.stringify(good()));
    expect(failed(hamux('run', c, '--bacth', '2', '--out', join(tmp, 'o')), 2)).toBe('hamux: run: unknown option --bacth (did you mean --batch?) (see hamux run --help)\n');
    expect(failed(hamux('inspect', c, '--bogus'), 2)).toBe('hamux: inspect: unknown option --bogus (see hamux inspect --help)\n');
    expect(failed(hamux('eval', c, '--states'), 2)).toContain('eval: option --states needs a value');
    expect(failed(hamux('evl'), 2)).toContain('unknown command "evl" (did you mean "eval"?)');
    expect(failed(hamux('run', c, '--out', join(tmp, 'o'), '--backend', 'webgpy'), 2)).toContain('unknown backend "webgpy" (did you mean "webgpu"?)');
  });

  it('a batch of 0, negative or fractional names --batch, exit 2', () => {
    const c = file('ok.json', JSON.stringify(good()));
    for (const bad of ['0', '-1', '1.5']) {
      expect(failed(hamux('run', c, '--out', join(tmp, 'o'), '--batch', bad), 2)).toBe(`hamux: run: --batch must be an integer ≥ 1, got "${bad}"\n`);
    }
  });
});

describe('config files', () => {
  it('a key given twice names the key path, line and column; exit 1', () => {
    const text = '{\n  "layers": {\n    "pixels": { "shape": [4], "lagrangian": { "kind": "identity" } },\n    "hidden": { "shape": [3], "lagrangian": { "kind": "softmax", "beta": 1, "beta": 2 } }\n  },\n  "synapses": {},\n  "seed": 0\n}';
    const c = file('dup.json', text);
    expect(failed(hamux('validate', c), 1)).toBe(`hamux: ${c}: layers.hidden.lagrangian.beta: duplicate key at line 4, column 77 (first at line 4, column 66); JSON would keep only the last\n`);
  });

  it('a syntax error names the file, line and column; exit 1', () => {
    const c = file('syntax.json', '{\n  "layers": {\n    "a": [1 2]\n  }\n}');
    expect(failed(hamux('validate', c), 1)).toBe(`hamux: ${c}: not valid JSON: line 3, column 13: expected "," or "]" after a value, got "2"\n`);
  });

  it('a value nested 100,000 deep is refused in every command, without a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const c = file('deep.json', JSON.stringify(good()).replace('"softmax"', deep));
    const out = join(tmp, 'deep-out');
    const states = file('deep.states.safetensors', saveStates({ pixels: tf.zeros([1, 4]), hidden: tf.zeros([1, 3]) }));
    for (const args of [['validate', c], ['inspect', c], ['eval', c, '--states', states, '--out', join(out, 'e')], ['run', c, '--out', out]]) {
      expect(failed(hamux(...args), 1)).toMatch(/^hamux: .*deep\.json: line 1, column \d+: nested deeper than 256 levels\n$/);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('a misspelt kind or layer gets a "did you mean"', () => {
    const c = good() as ReturnType<typeof good> & { synapses: { enc: { connects: string[] } } };
    c.layers.hidden.lagrangian.kind = 'Softmax';
    c.synapses.enc.connects = ['pixels', 'hiden'];
    const err = failed(hamux('validate', file('names.json', JSON.stringify(c))), 1);
    expect(err).toContain('hamux: layers.hidden.lagrangian.kind: unknown Lagrangian kind "Softmax" (did you mean "softmax"?)');
    expect(err).toContain('hamux: synapses.enc.connects[1]: unknown layer "hiden" (did you mean "hidden"?)');
  });
});

describe('states and weights files', () => {
  const odd = {
    layers: { hasOwnProperty: { shape: [3], lagrangian: { kind: 'identity' } }, toString: { shape: [2], lagrangian: { kind: 'tanh' } } },
    synapses: { s: { kind: 'dense', connects: ['hasOwnProperty', 'toString'] } },
    seed: 0,
  };

  it('a missing tensor for a layer named hasOwnProperty says so, naming the states file', () => {
    const c = file('odd.json', JSON.stringify(odd));
    const s = file('odd.states.safetensors', saveStates({ toString: tf.zeros([1, 2]) }));
    expect(failed(hamux('eval', c, '--states', s, '--out', join(tmp, 'odd.out')), 1)).toBe(
      `hamux: states "${s}": hasOwnProperty: missing: no tensor for layer "hasOwnProperty" (expected shape [batch, 3])\n`,
    );
  });

  it('states of batch 0 are refused, naming the file', () => {
    const c = file('odd.json', JSON.stringify(odd));
    const s = file('zero.states.safetensors', saveStates({ hasOwnProperty: tf.zeros([0, 3]), toString: tf.zeros([0, 2]) }));
    expect(failed(hamux('eval', c, '--states', s, '--out', join(tmp, 'zero.out')), 1)).toBe(
      `hamux: states "${s}": batch size 0 (layer "hasOwnProperty"): expected at least one sample\n`,
    );
    expect(failed(hamux('run', c, '--input', s, '--out', join(tmp, 'zero.run')), 1)).toContain('batch size 0');
  });

  it('a broken safetensors header says whether the states or the weights are at fault', () => {
    const c = file('ok.json', JSON.stringify(good()));
    const broken = new Uint8Array(12);
    new DataView(broken.buffer).setUint32(0, 999, true);
    const bad = file('broken.safetensors', broken);
    const ham = buildFromConfig(good());
    const states = file('ok.states.safetensors', saveStates(ham.randomStates(1, 0)));
    const weights = file('ok.weights.safetensors', saveParams(ham));
    ham.dispose();
    const header = 'header length 999 runs past the end of the file (4 bytes after the length field)';
    expect(failed(hamux('eval', c, '--states', bad, '--weights', weights, '--out', join(tmp, 'b1')), 1)).toBe(`hamux: states "${bad}": ${header}\n`);
    expect(failed(hamux('eval', c, '--states', states, '--weights', bad, '--out', join(tmp, 'b2')), 1)).toBe(`hamux: weights "${bad}": ${header}\n`);
  });

  /** The config's weights file with some tensors replaced (a number) or left out (null). */
  function weights(name: string, changes: Record<string, number | null>): string {
    const ham = buildFromConfig(good());
    const { tensors } = decodeSafetensors(saveParams(ham));
    ham.dispose();
    const out: Record<string, SafeTensor> = Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));
    for (const [n, v] of Object.entries(changes)) {
      if (v === null) delete out[n];
      else out[n] = { dtype: 'F32', shape: [], data: new Float32Array([v]) };
    }
    return file(name, encodeSafetensors(out));
  }

  it('weights out of the config\'s range are refused, naming the file and the parameter', () => {
    const c = file('learnable.json', JSON.stringify(good({ value: 1, learnable: true })));
    const ham = buildFromConfig(good());
    const s = file('w.states.safetensors', saveStates(ham.randomStates(2, 0)));
    ham.dispose();
    const w = weights('minus.safetensors', { 'layers.hidden.beta': -3 });
    expect(failed(hamux('eval', c, '--states', s, '--weights', w, '--out', join(tmp, 'm')), 1)).toBe(`hamux: weights "${w}": layers.hidden.beta: expected a positive number, got -3\n`);
  });

  it('a fixed parameter that differs is an error naming both values, unless --override-fixed; it may be left out', () => {
    const c = file('fixed.json', JSON.stringify(good()));
    const ham = buildFromConfig(good());
    const states = ham.randomStates(2, 0);
    const s = file('f.states.safetensors', saveStates(states));
    const two = weights('two.safetensors', { 'layers.hidden.beta': 2 });
    const err = failed(hamux('eval', c, '--states', s, '--weights', two, '--out', join(tmp, 'f1.json'), '--json'), 1);
    expect(err).toBe(`hamux: weights "${two}": layers.hidden.beta: the weights give 2, but the graph fixes it at 1 (to use the weights' value, allow overriding fixed parameters (overrideFixed: true; hamux --override-fixed))\n`);
    expect(existsSync(join(tmp, 'f1.json'))).toBe(false);

    // Overridden: the activations are softmax(2x), as with a config of β = 2.
    const r = hamux('eval', c, '--states', s, '--weights', two, '--override-fixed', '--out', join(tmp, 'f2.json'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const withTwo = buildFromConfig(good(2), { params: { synapses: { enc: { W: ham.params.synapses['enc']!['W']! } } } });
    const expected = withTwo.activations(states)['hidden']!.dataSync();
    const got = (JSON.parse(readFileSync(join(tmp, 'f2.json'), 'utf8')) as Record<string, { data: number[] }>)['activation.hidden']!.data;
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
    withTwo.dispose();

    // Left out: β comes from the config.
    const none = weights('none.safetensors', { 'layers.hidden.beta': null });
    expect(hamux('eval', c, '--states', s, '--weights', none, '--out', join(tmp, 'f3.json'), '--json').status).toBe(0);
    expect(failed(hamux('eval', c, '--states', s, '--override-fixed', '--out', join(tmp, 'f4.json')), 2)).toContain('--override-fixed applies to the values of --weights');
    Object.values(states).forEach((t) => t.dispose());
    ham.dispose();
  });
});
