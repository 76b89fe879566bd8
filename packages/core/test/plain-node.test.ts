// The built package must work from plain `node`, gradients included: tfjs-core's Node entry
// registers no gradients, and the module that does cannot be loaded by plain Node, so the build
// bundles it (see src/tf.ts and scripts/build-package.mjs). Vitest resolves '@hamux-ts/core' to
// the sources, so only a separate `node` process exercises the real package.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale } from '@hamux-ts/test-support';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(coreDir, '../..');
const distEntry = join(coreDir, 'dist/index.js');

/** Runs an ES module script in a fresh `node` from the package's folder; returns its RESULT line, parsed. */
function runNode(script: string): Record<string, number[]> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: coreDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  expect(line, `no RESULT line in:\n${out}`).toBeDefined();
  return JSON.parse(line!.slice('RESULT '.length)) as Record<string, number[]>;
}

const v0 = [0.5, -1, 2];
const h0 = [0.3, -0.7];
const W0 = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]];

beforeAll(() => buildIfStale(coreDir), 120_000);

describe('the built package from plain node', () => {
  it('is linked into node_modules as a workspace package and built', () => {
    const link = join(repoRoot, 'node_modules/@hamux-ts/core');
    expect(existsSync(link)).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(coreDir));
    expect(existsSync(distEntry)).toBe(true);
    expect(existsSync(join(coreDir, 'dist/index.d.ts'))).toBe(true);
  });

  it('computes dEdxhat by autodiff and tf.grad, importing @hamux-ts/core by name', () => {
    const script = `
      import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
      import * as tfc from '@tensorflow/tfjs-core';
      tf.env().set('PROD', true);
      const W = tf.tensor2d(${JSON.stringify(W0)});
      const ham = hypergraph()
        .layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.tanh() })
        .synapse('s', Y.dense(), ['v', 'h'])
        .build({ seed: 0, params: { synapses: { s: { W } } } });
      // States made with the user's own tfjs-core: the same Tensor class and engine.
      const x = { v: tfc.tensor2d([${JSON.stringify(v0)}]), h: tfc.tensor2d([${JSON.stringify(h0)}]) };
      const byAutodiff = ham.dEdxhat(x, { method: 'autodiff' });
      const byAuto = ham.dEdxhat(x, { method: 'auto' });
      const energy = ham.energyTree(x).total;
      const at = tf.tensor1d([0, 1, 2]);
      const dsin = tf.grad((t) => tf.sum(tf.sin(t)))(at);
      const dsinUser = tfc.grad((t) => tfc.sum(tfc.mul(t, tfc.sin(t))))(at);
      const second = tf.grad((t) => tf.sum(tf.grad((u) => tf.sum(tf.sin(u)))(t)))(at);
      const arr = (t) => Array.from(t.dataSync());
      console.log('RESULT ' + JSON.stringify({
        autodiffV: arr(byAutodiff.v), autodiffH: arr(byAutodiff.h),
        autoV: arr(byAuto.v), autoH: arr(byAuto.h),
        energy: arr(energy), dsin: arr(dsin), dsinUser: arr(dsinUser), second: arr(second),
      }));
    `;
    const r = runNode(script);
    // ∂E/∂v̂ = v − W ĥ, ∂E/∂ĥ = h − Wᵀ v̂, with v̂ = v and ĥ = tanh(h); E = ½|v|² + (ĥ·h − Σ log cosh h) − v̂ᵀWĥ.
    const hh = h0.map(Math.tanh);
    const expectedV = v0.map((v, i) => v - W0[i]!.reduce((s, w, j) => s + w * hh[j]!, 0));
    const expectedH = h0.map((h, j) => h - v0.reduce((s, v, i) => s + W0[i]![j]! * v, 0));
    const energy =
      0.5 * v0.reduce((s, v) => s + v * v, 0) +
      h0.reduce((s, h, j) => s + hh[j]! * h - Math.log(Math.cosh(h)), 0) -
      v0.reduce((s, v, i) => s + v * W0[i]!.reduce((t, w, j) => t + w * hh[j]!, 0), 0);
    const close = (actual: number[] | undefined, expected: number[]) => {
      expect(actual).toHaveLength(expected.length);
      expected.forEach((e, i) => expect(actual![i]).toBeCloseTo(e, 5));
    };
    close(r['autodiffV'], expectedV);
    close(r['autodiffH'], expectedH);
    close(r['autoV'], expectedV);
    close(r['autoH'], expectedH);
    close(r['energy'], [energy]);
    close(r['dsin'], [0, 1, 2].map(Math.cos));
    close(r['dsinUser'], [0, 1, 2].map((t) => Math.sin(t) + t * Math.cos(t)));
    close(r['second'], [0, 1, 2].map((t) => -Math.sin(t)));
  });

  it('prints no advice to install tfjs-node, and leaves tfjs\'s other warnings on', () => {
    // Plain library use, no useBackend and no PROD flag: the cpu backend is tfjs's default.
    const script = `
      import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
      const ham = hypergraph()
        .layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.tanh() })
        .synapse('s', Y.dense(), ['v', 'h'])
        .build({ seed: 0 });
      const x = ham.randomStates(2, 1);
      const e = ham.energy(x);
      console.log('RESULT ' + JSON.stringify({ backend: [tf.getBackend() === 'cpu' ? 1 : 0], energies: Array.from(e.dataSync()), prod: [tf.env().getBool('PROD') ? 1 : 0] }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: coreDir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const output = r.stdout + r.stderr;
    expect(output).not.toMatch(/tfjs-node|looks like you are running/i);
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const result = JSON.parse(line!.slice('RESULT '.length)) as Record<string, number[]>;
    expect(result['backend']).toEqual([1]);
    expect(result['energies']).toHaveLength(2);
    expect(result['prod']).toEqual([0]);
  });
});
