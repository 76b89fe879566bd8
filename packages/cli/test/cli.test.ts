// Runs the built `hamux` as a user would: `node dist/cli.js ...`, checking stdout, stderr and exit codes.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, distCli, hamuxRunner, root } from './built-cli.js';
import { buildFromConfig, decodeSafetensors, loadStates, saveParams, saveStates } from '@hamux-ts/config';

const modelsDir = join(root, 'configs/models');
const models = readdirSync(modelsDir).filter((f) => f.endsWith('.json')).sort();
let tmp: string;

const hamux = hamuxRunner(30_000);
const modelPath = (m: string) => join(modelsDir, m);
const readJson = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

beforeAll(() => {
  buildCli(); // always: the tests are about the current sources
  tmp = mkdtempSync(join(tmpdir(), 'hamux-cli-'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hamux on every config in configs/models', () => {
  it('keeps the shebang in the built file', () => {
    expect(readFileSync(distCli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  for (const model of models) {
    describe(model, () => {
      const config = () => readJson(modelPath(model));

      it('validate: ok with counts', () => {
        const ham = buildFromConfig(config());
        const r = hamux('validate', modelPath(model));
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.trim()).toBe(`ok: ${ham.layerNames.length} layers, ${ham.synapseNames.length} synapses, ${ham.numParams} parameters`);
        ham.dispose();
      });

      it('inspect: lists layers and synapses, draws an svg', () => {
        const ham = buildFromConfig(config());
        const svg = join(tmp, `${model}.svg`);
        const r = hamux('inspect', modelPath(model), '--svg', svg);
        expect(r.status, r.stderr).toBe(0);
        for (const l of ham.layerNames) expect(r.stdout).toContain(l);
        for (const s of ham.synapseNames) expect(r.stdout).toContain(`${s}: ${ham.synapses[s]!.connects.join(' — ')}`);
        expect(r.stdout).toContain(`${ham.numParams} parameters`);
        const text = readFileSync(svg, 'utf8');
        expect(text.startsWith('<svg')).toBe(true);
        expect(text.trimEnd().endsWith('</svg>')).toBe(true);
        for (const l of ham.layerNames) expect(text).toContain(`>${l}<`);
        ham.dispose();
      });

      it('eval: energy.total is the sum of the tree and matches in-process', () => {
        const ham = buildFromConfig(config());
        const states = ham.randomStates(2, 7);
        const statesPath = join(tmp, `${model}.states.safetensors`);
        writeFileSync(statesPath, saveStates(states));
        const out = join(tmp, `${model}.eval.safetensors`);
        const r = hamux('eval', modelPath(model), '--states', statesPath, '--out', out);
        expect(r.status, r.stderr).toBe(0);
        const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(out)));
        const expected = [
          ...ham.layerNames.map((l) => `activation.${l}`),
          ...ham.layerNames.map((l) => `energy.layer.${l}`),
          ...ham.synapseNames.map((s) => `energy.synapse.${s}`),
          'energy.total',
          ...ham.layerNames.map((l) => `dEdxhat.${l}`),
        ];
        expect(Object.keys(tensors).sort()).toEqual([...expected].sort());
        const total = tensors['energy.total']!;
        expect(total.shape).toEqual([2]);
        const parts = Object.keys(tensors).filter((n) => n.startsWith('energy.layer.') || n.startsWith('energy.synapse.'));
        const tree = ham.energyTree(states);
        const inProcess = tree.total.dataSync();
        for (let b = 0; b < 2; b++) {
          const sum = parts.reduce((s, n) => s + tensors[n]!.data[b]!, 0);
          const scale = 1 + Math.abs(total.data[b]!);
          expect(Math.abs(sum - total.data[b]!)).toBeLessThan(1e-4 * scale);
          expect(Math.abs(inProcess[b]! - total.data[b]!)).toBeLessThan(1e-4 * scale);
        }
        for (const l of ham.layerNames) expect(tensors[`dEdxhat.${l}`]!.shape).toEqual([2, ...ham.layers[l]!.shape]);
        // --json gives the same numbers
        const jsonOut = join(tmp, `${model}.eval.json`);
        expect(hamux('eval', modelPath(model), '--states', statesPath, '--out', jsonOut, '--json').status).toBe(0);
        const json = readJson(jsonOut) as Record<string, { shape: number[]; data: number[] }>;
        expect(json['energy.total']!.shape).toEqual([2]);
        expect(json['energy.total']!.data).toEqual(Array.from(total.data));
        for (const t of [...Object.values(states), ...Object.values(tree.layers), ...Object.values(tree.synapses), tree.total]) t.dispose();
        ham.dispose();
      });

      it('run: writes states, report and plot; energies never rise', () => {
        const dir = join(tmp, `${model}.run`);
        const r = hamux('run', modelPath(model), '--batch', '2', '--seed', '3', '--out', dir);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toBe(''); // piped: no progress line
        const report = readJson(join(dir, 'report.json')) as { samples: { converged: boolean; reason: string; steps: number; energy: number; gradNorm: number; energies: number[] }[] };
        expect(report.samples).toHaveLength(2);
        // stdout says why the samples stopped, counted from the report's reasons.
        const converged = report.samples.filter((s) => s.converged).length;
        expect(r.stdout).toContain(`${converged}/2 samples converged in `);
        const count = (reason: string) => report.samples.filter((s) => s.reason === reason).length;
        const said = (reason: string, words: string) => (count(reason) > 0 ? [`${count(reason)} ${words}`] : []);
        const convergedBy = [...said('gradient', 'by gradient'), ...said('energy', 'by energy')];
        const notBy = [...said('maxSteps', 'at maxSteps'), ...said('stepUnderflow', 'by step underflow')];
        expect(r.stdout).toContain(`(converged: ${convergedBy.join(', ') || '0'}; not converged: ${notBy.join(', ') || '0'})\n`);
        expect(r.stdout).toContain(`wrote ${dir}/states.safetensors, report.json, energy.svg\n`);
        for (const s of report.samples) {
          expect(typeof s.converged).toBe('boolean');
          expect(s.energies.length).toBeGreaterThan(1);
          for (let i = 1; i < s.energies.length; i++) expect(s.energies[i]!).toBeLessThanOrEqual(s.energies[i - 1]! + 1e-5 * (1 + Math.abs(s.energies[i - 1]!)));
          expect(s.energy).toBeCloseTo(s.energies.at(-1)!, 2);
        }
        expect(readFileSync(join(dir, 'energy.svg'), 'utf8').startsWith('<svg')).toBe(true);
        // The final states read back have the energies the report gives, below the initial ones.
        const ham = buildFromConfig(config());
        const states = loadStates(new Uint8Array(readFileSync(join(dir, 'states.safetensors'))), ham);
        const energy = ham.energy(states).dataSync();
        const init = ham.randomStates(2, 3);
        const initEnergy = ham.energy(init).dataSync();
        report.samples.forEach((s, b) => {
          expect(Math.abs(energy[b]! - s.energy)).toBeLessThan(1e-3 * (1 + Math.abs(s.energy)));
          expect(energy[b]!).toBeLessThanOrEqual(initEnergy[b]! + 1e-5 * (1 + Math.abs(initEnergy[b]!)));
        });
        for (const t of [...Object.values(states), ...Object.values(init)]) t.dispose();
        ham.dispose();
        // The written states are valid input for another run.
        expect(hamux('run', modelPath(model), '--input', join(dir, 'states.safetensors'), '--out', join(dir, 'again')).status).toBe(0);
      });
    });
  }
});

describe('--weights', () => {
  it('eval uses the parameters of the file, and rejects a file for another graph', () => {
    const config = readJson(modelPath('classifier.json')) as Record<string, unknown>;
    const other = buildFromConfig({ ...config, seed: 123 });
    const weights = join(tmp, 'w.safetensors');
    writeFileSync(weights, saveParams(other));
    const states = other.randomStates(2, 1);
    const statesPath = join(tmp, 'w.states.safetensors');
    writeFileSync(statesPath, saveStates(states));
    const out = join(tmp, 'w.eval.json');
    const r = hamux('eval', modelPath('classifier.json'), '--states', statesPath, '--weights', weights, '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const expected = other.energy(states).dataSync();
    const got = (readJson(out) as Record<string, { data: number[] }>)['energy.total']!.data;
    got.forEach((e, b) => expect(Math.abs(e - expected[b]!)).toBeLessThan(1e-4 * (1 + Math.abs(e))));
    const wrong = hamux('eval', modelPath('hopfield-dense.json'), '--states', statesPath, '--weights', weights, '--out', out);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^hamux: weights ".*w\.safetensors": synapses\./m);
    for (const t of Object.values(states)) t.dispose();
    other.dispose();
  });
});

describe('errors', () => {
  const writeConfig = (name: string, config: unknown) => {
    const p = join(tmp, name);
    writeFileSync(p, JSON.stringify(config));
    return p;
  };
  const good = () => ({
    layers: { a: { shape: [3], lagrangian: { kind: 'identity' } }, b: { shape: [2], lagrangian: { kind: 'tanh' } } },
    synapses: { s: { kind: 'dense', connects: ['a', 'b'] } },
    seed: 0,
  });

  it('an unknown Lagrangian kind: exit 1 with its path', () => {
    const c = good();
    (c.layers.a.lagrangian as { kind: string }).kind = 'nope';
    const r = hamux('validate', writeConfig('kind.json', c));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^hamux: layers\.a\.lagrangian\.kind: unknown Lagrangian kind "nope"/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown layer and every other problem, one per line', () => {
    const c = good();
    c.synapses.s.connects = ['a', 'zz'];
    (c.layers.b.lagrangian as { kind: string }).kind = 'nope';
    const r = hamux('validate', writeConfig('layer.json', c));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('hamux: synapses.s.connects[1]: unknown layer "zz"');
    expect(r.stderr).toContain('hamux: layers.b.lagrangian.kind');
    expect(hamux('inspect', join(tmp, 'layer.json')).status).toBe(1);
    expect(hamux('run', join(tmp, 'layer.json'), '--out', join(tmp, 'x')).status).toBe(1);
  });

  it('a missing or non-JSON file: exit 1 with a clear message', () => {
    const r = hamux('validate', join(tmp, 'missing.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^hamux: cannot read config ".*missing\.json": no such file$/m);
    writeFileSync(join(tmp, 'broken.json'), '{ "layers": ');
    const b = hamux('validate', join(tmp, 'broken.json'));
    expect(b.status).toBe(1);
    expect(b.stderr).toContain('not valid JSON');
    const s = hamux('eval', writeConfig('ok.json', good()), '--states', join(tmp, 'missing.safetensors'), '--out', join(tmp, 'o'));
    expect(s.status).toBe(1);
    expect(s.stderr).toContain('cannot read states');
  });

  it('malformed safetensors: exit 1 with the decoder\'s message', () => {
    const bad = join(tmp, 'bad.safetensors');
    const bytes = new Uint8Array(12);
    new DataView(bytes.buffer).setBigUint64(0, 4n, true);
    bytes.set(new TextEncoder().encode('nope'), 8);
    writeFileSync(bad, bytes);
    const r = hamux('eval', writeConfig('ok.json', good()), '--states', bad, '--out', join(tmp, 'o'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^hamux: states ".*bad\.safetensors": header is not valid JSON: line 1, column 1: /m);
    // states of the wrong shape are named by layer
    const ham = buildFromConfig(readJson(modelPath('classifier.json')));
    const wrong = join(tmp, 'wrong.safetensors');
    const st = ham.randomStates(1, 0);
    writeFileSync(wrong, saveStates(st));
    const w = hamux('eval', join(tmp, 'ok.json'), '--states', wrong, '--out', join(tmp, 'o'));
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/^hamux: /m);
    for (const t of Object.values(st)) t.dispose();
    ham.dispose();
  });

  it('usage errors: exit 2', () => {
    expect(hamux().status).toBe(2);
    const u = hamux('frobnicate');
    expect(u.status).toBe(2);
    expect(u.stderr).toContain('unknown command "frobnicate"');
    expect(hamux('validate').status).toBe(2);
    expect(hamux('validate', 'a.json', 'b.json').status).toBe(2);
    expect(hamux('inspect', 'a.json', '--bogus').status).toBe(2);
    expect(hamux('eval', modelPath('classifier.json'), '--out', join(tmp, 'o')).stderr).toContain('missing option --states');
    expect(hamux('run', modelPath('classifier.json')).status).toBe(2);
    expect(hamux('run', modelPath('classifier.json'), '--out', join(tmp, 'o'), '--batch', 'two').status).toBe(2);
    const b = hamux('run', modelPath('classifier.json'), '--out', join(tmp, 'o'), '--backend', 'webgl');
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('unknown backend "webgl"');
  });

  it('run --backend picks the backend and says which', () => {
    const wasm = hamux('run', modelPath('hopfield-dense.json'), '--out', join(tmp, 'wasm'), '--batch', '2', '--backend', 'wasm');
    expect(wasm.status).toBe(0);
    expect(wasm.stdout).toContain('on wasm');
    // WebGPU by name also runs on a software adapter (Mesa llvmpipe here, through Dawn's OpenGL ES backend).
    const gpu = hamux('run', modelPath('hopfield-dense.json'), '--out', join(tmp, 'gpu'), '--batch', '2', '--backend', 'webgpu');
    expect(gpu.status).toBe(0);
    expect(gpu.stdout).toContain('on webgpu');
  });

  it('--help for every command', () => {
    expect(hamux('--help').stdout).toContain('Commands:');
    for (const cmd of ['validate', 'inspect', 'eval', 'run', 'schema']) {
      const r = hamux(cmd, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: hamux ${cmd}`);
    }
  });
});

describe('schema', () => {
  it('prints the committed JSON Schema', () => {
    const r = hamux('schema');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(readJson(join(root, 'configs/hamux.schema.json')));
  });
});
