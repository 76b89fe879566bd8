// The built package must start wasm from plain `node`, importing '@hamux-ts/backends' by name: the
// wasm binaries are then found from the installed @tensorflow/tfjs-backend-wasm at run time.
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(here, '../..');

beforeAll(() => {
  for (const pkg of ['core', 'backends']) {
    execFileSync(process.execPath, [join(repoRoot, 'scripts/build-package.mjs')], { cwd: join(repoRoot, 'packages', pkg), stdio: 'pipe' });
  }
}, 180_000);

/** Runs a module script in a fresh node; returns stdout and stderr (which must hold no tfjs chatter). */
function runNode(script: string): { out: string; err: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return { out: r.stdout, err: r.stderr };
}

describe('the built package from plain node', () => {
  it("starts wasm with 'auto' and computes on it, printing nothing else", () => {
    const { out, err } = runNode(`
      import { useBackend } from '@hamux-ts/backends';
      import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
      const report = await useBackend();
      const ham = hypergraph().layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.tanh() }).synapse('s', Y.dense(), ['v', 'h']).build({ seed: 0 });
      const g = ham.dEdxhat(ham.randomStates(1, 1), { method: 'autodiff' });
      process.stdout.write('RESULT ' + JSON.stringify({ report, backend: tf.getBackend(), n: g.v.dataSync().length }));
    `);
    expect(out.startsWith('RESULT ')).toBe(true);
    const r = JSON.parse(out.slice('RESULT '.length));
    expect(r.report.chosen).toBe('wasm');
    expect(r.backend).toBe('wasm');
    expect(r.n).toBe(3);
    expect(err).toBe('');
  });

  it("useBackend('cpu') silences tfjs's install-tfjs-node advice without the global PROD flag", () => {
    const { out, err } = runNode(`
      import { useBackend } from '@hamux-ts/backends';
      import { tf } from '@hamux-ts/core';
      await useBackend('cpu');
      tf.tensor1d([1, 2]).dataSync();
      process.stdout.write('PROD=' + tf.env().getBool('PROD'));
    `);
    expect(out).toBe('PROD=false');
    expect(err).toBe('');
  });
});
