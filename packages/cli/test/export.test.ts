// hamux export torch, as a user runs it: the round trip hamux-ts → PyTorch → hamux-ts with one
// command per step (export, train in PyTorch, eval with the trained weights), and its errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFromConfig, decodeSafetensors, saveParams, saveStates } from '@hamux-ts/config';
import { tf } from '@hamux-ts/core';
import { buildIfStale, relErrPerEntry } from '@hamux-ts/test-support';
import { buildCli, hamuxRunner, root } from './built-cli.js';
import { requireTorch, runPython } from '../../torch/test/export-python.js';

const hamux = hamuxRunner(60_000);
const configPath = join(root, 'configs/models/energy-transformer.json');
let tmp: string;

beforeAll(() => {
  requireTorch(); // fails, saying to install python3-torch, when there is none
  buildIfStale(join(root, 'packages/torch')); // the built command imports it
  buildCli();
  tmp = mkdtempSync(join(tmpdir(), 'hamux-cli-export-'));
}, 180_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// Loads the exported module, evaluates the states, trains one SGD step through a 3-step descent,
// saves the weights and the energies they give.
const TRAIN = `
import importlib.util, sys, torch
folder, states, trained, energies = sys.argv[1:5]
spec = importlib.util.spec_from_file_location("model", folder + "/model.py")
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
m = mod.load()
xs = mod.load_safetensors(states)
opt = torch.optim.SGD([p for p in m.parameters() if p.requires_grad], lr=0.01)
loss = sum((x ** 2).mean() for x in m.descend(xs, 3).values())
loss.backward()
opt.step()
m.save_weights(trained)
with torch.no_grad():
    mod.save_safetensors(energies, {"energy": m.energy(xs)})
`;

describe('hamux export torch', () => {
  it('round trip: export, one training step in PyTorch, then hamux eval --weights gives its energies', () => {
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    const other = buildFromConfig({ ...config, seed: 123 });
    const weights = join(tmp, 'w.safetensors');
    writeFileSync(weights, saveParams(other));
    const states = other.randomStates(2, 1);
    const statesPath = join(tmp, 'states.safetensors');
    writeFileSync(statesPath, saveStates(states));
    tf.dispose(Object.values(states));
    other.dispose();

    const out = join(tmp, 'exported');
    const r = hamux('export', 'torch', configPath, '--weights', weights, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^exported 1 layers, 2 synapses and \d+ parameters \(\d+ learnable\) to PyTorch\n/);
    expect(readFileSync(join(out, 'model.py'), 'utf8')).toContain('class HamuxModel(torch.nn.Module)');
    // the weights written are the ones given
    const given = decodeSafetensors(readFileSync(weights)).tensors;
    const written = decodeSafetensors(readFileSync(join(out, 'weights.safetensors'))).tensors;
    expect(Object.keys(written).sort()).toEqual(Object.keys(given).sort());
    for (const [name, t] of Object.entries(given)) expect(written[name]!.data, name).toEqual(t.data);

    const trained = join(tmp, 'trained.safetensors');
    const energies = join(tmp, 'torch-energies.safetensors');
    runPython(['-c', TRAIN, out, statesPath, trained, energies], tmp);
    const evalOut = join(tmp, 'eval.safetensors');
    const e = hamux('eval', configPath, '--states', statesPath, '--weights', trained, '--out', evalOut);
    expect(e.status, e.stderr).toBe(0);
    const hamuxEnergy = decodeSafetensors(readFileSync(evalOut)).tensors['energy.total']!.data;
    const torchEnergy = decodeSafetensors(readFileSync(energies)).tensors['energy']!.data;
    expect(relErrPerEntry(torchEnergy, hamuxEnergy)).toBeLessThan(2e-5);
    // and the training step did change the weights
    const after = decodeSafetensors(readFileSync(trained)).tensors;
    expect(Math.max(...Object.entries(given).map(([n, t]) => relErrPerEntry(after[n]!.data, t.data)))).toBeGreaterThan(1e-4);
  });

  it('is listed, and has its help', () => {
    expect(hamux('--help').stdout).toMatch(/^  export +write a config and its weights as a PyTorch module$/m);
    const r = hamux('export', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: hamux export torch CONFIG [--weights W [--override-fixed]] --out DIR');
  });

  it('usage errors: exit 2, nothing written', () => {
    const out = join(tmp, 'never');
    const format = hamux('export', 'onnx', configPath, '--out', out);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain('hamux: export: unknown format "onnx" (expected one of: torch)');
    const noOut = hamux('export', 'torch', configPath);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toContain('missing option --out');
    const noConfig = hamux('export', 'torch', '--out', out);
    expect(noConfig.status).toBe(2);
    expect(noConfig.stderr).toContain('missing argument CONFIG');
    expect(existsSync(out)).toBe(false);
  });

  it('a config with problems, or weights for another graph: exit 1 naming them, nothing written', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ layers: { a: { shape: [3], lagrangian: { kind: 'cubic' } } }, synapses: {}, seed: 0 }));
    const out = join(tmp, 'not-written');
    const r = hamux('export', 'torch', bad, '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^hamux: layers\.a\.lagrangian\.kind: /m);
    const otherGraph = buildFromConfig(JSON.parse(readFileSync(join(root, 'configs/models/hopfield-dense.json'), 'utf8')));
    const weights = join(tmp, 'other.safetensors');
    writeFileSync(weights, saveParams(otherGraph));
    otherGraph.dispose();
    const w = hamux('export', 'torch', configPath, '--weights', weights, '--out', out);
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/^hamux: weights ".*other\.safetensors": /m);
    expect(existsSync(out)).toBe(false);
  });
});
