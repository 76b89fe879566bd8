// `hamux import torch`: the hamux-torch fixtures of packages/torch become a config and a weights file
// that hamux's own loader reads back, with hamux-torch's energies; a bad input writes nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFromConfig, loadParams } from '@hamux-ts/config';
import { HamuxErrors, tf } from '@hamux-ts/core';
import type { Io } from '../src/command.js';
import { importCommand } from '../src/commands/import.js';
import { UsageError } from '../src/errors.js';

const fixtures = resolve(import.meta.dirname, '../../torch/test/fixtures');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hamux-import-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the command in-process, collecting what it prints. */
async function hamuxImport(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stderrIsTTY: false };
  await importCommand.run(args, io);
  return { stdout, stderr };
}

/** The HamuxErrors' lines that `f` rejects with. */
async function problems(f: Promise<unknown>): Promise<string[]> {
  const e = await f.then(() => undefined, (x: unknown) => x);
  if (e instanceof HamuxErrors) return e.errors.map((x) => x.message);
  throw e ?? new Error('expected the command to fail');
}

describe('hamux import torch', () => {
  it('writes a config and weights that hamux loads, with the energies hamux-torch recorded', async () => {
    const out = join(tmp, 'tied');
    const { stdout, stderr } = await hamuxImport('torch', join(fixtures, 'tied.safetensors'), '--mapping', join(fixtures, 'tied.mapping.json'), '--out', out);
    expect(stdout).toBe(`imported 5 layers and 4 synapses; wrote ${out}/config.json, weights.safetensors\n`);
    expect(stderr).toMatch(/^hamux: note: hypersynapse "shared" is tied across 4 connections/);

    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as unknown;
    const graph = buildFromConfig(config);
    const params = loadParams(graph, new Uint8Array(readFileSync(join(out, 'weights.safetensors'))));
    const ham = graph.withParams(params);
    const recorded = JSON.parse(readFileSync(join(fixtures, 'tied.json'), 'utf8')) as { states: Record<string, number[][]>; energy: number[] };
    const states = Object.fromEntries(Object.entries(recorded.states).map(([k, v]) => [k, tf.tensor2d(v)]));
    const energy = ham.energy(states);
    Array.from(energy.dataSync()).forEach((e, i) => expect(Math.abs(e - recorded.energy[i]!) / Math.abs(recorded.energy[i]!)).toBeLessThan(1e-5));
    tf.dispose([energy, ...Object.values(states)]);
    for (const group of [params.layers, params.synapses]) for (const owner of Object.values(group)) tf.dispose(Object.values(owner));
    graph.dispose();
    ham.dispose();
  });

  it('names the file of each problem and writes nothing', async () => {
    const out = join(tmp, 'bad');
    const mapping = join(tmp, 'bad.mapping.json');
    const good = JSON.parse(readFileSync(join(fixtures, 'mnist.mapping.json'), 'utf8')) as { hypersynapses: { s1: { tensors: unknown } } };
    good.hypersynapses.s1.tensors = {};
    writeFileSync(mapping, JSON.stringify({ ...good, neurons: { input: { lagrangian: 'lagr_spherical_norm', shape: [64], gama: 2 } } }));
    const stateDict = join(fixtures, 'mnist.safetensors');
    expect(await problems(hamuxImport('torch', stateDict, '--mapping', mapping, '--out', out))).toEqual([
      `mapping "${mapping}": neurons.input: unknown key "gama" (did you mean "gamma"?) (expected: lagrangian, shape, gamma, delta, dim, eps, tau, clamp)`,
    ]);
    writeFileSync(mapping, JSON.stringify(good));
    expect(await problems(hamuxImport('torch', stateDict, '--mapping', mapping, '--out', out))).toEqual([
      `state dict "${stateDict}": hypersynapses.s1.xi: missing: expected the xi [36, 64] of hamux-ts modernHopfield "s1" here (under hypersynapses.s1 the state dict has W [64, 36])`,
      `state dict "${stateDict}": _ham.hypersynapses.s1.W: unexpected tensor of shape [64, 36]: the mapping's modernHopfield "s1" takes its parameters under their own names`,
    ]);
    const broken = join(tmp, 'broken.safetensors');
    writeFileSync(broken, new Uint8Array([1, 2, 3]));
    expect(await problems(hamuxImport('torch', broken, '--mapping', mapping, '--out', out))).toEqual([
      `state dict "${broken}": file is 3 bytes long; expected at least 8 (the header length)`,
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('knows only the torch format and needs --mapping and --out', async () => {
    const stateDict = join(fixtures, 'dense.safetensors');
    await expect(hamuxImport('jax', stateDict, '--mapping', 'm.json', '--out', tmp)).rejects.toThrow(new UsageError(['import'], 'unknown format "jax" (expected one of: torch)'));
    await expect(hamuxImport('torch', stateDict, '--out', tmp)).rejects.toThrow('import: missing option --mapping (see hamux import --help)');
    await expect(hamuxImport('torch', stateDict, '--mapping', join(tmp, 'none.json'), '--out', tmp)).rejects.toThrow(`cannot read mapping "${join(tmp, 'none.json')}": no such file`);
  });
});
