import { existsSync, readFileSync } from 'node:fs';
// The built packages must work from plain `node`, importing '@hamux-ts/backends' by name: the
// wasm binaries are then found from the installed @tensorflow/tfjs-backend-wasm at run time, and
// Dawn (the `webgpu` package) from wherever it is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = resolve(here, '../..');

// turbo builds every package before its tests run; build here only what is missing (a bare
// `vitest run`). Rebuilding unconditionally would delete other packages' dist/ under tests running
// at the same time.
beforeAll(() => {
  for (const pkg of ['core', 'dynamics', 'kernels', 'backends']) {
    const dir = join(repoRoot, 'packages', pkg);
    if (existsSync(join(dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).types))) continue;
    execFileSync(process.execPath, [join(repoRoot, 'scripts/build-package.mjs')], { cwd: dir, stdio: 'pipe' });
  }
}, 180_000);

const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';

/**
 * Dawn (the native WebGPU under Node) logs its own warnings straight to the process's stderr, e.g.
 * "Warning: Couldn't load Vulkan: …" followed by an `at operator() (…dawn…)` line. They are not
 * ours to silence; everything else on stderr is.
 */
function withoutDawnWarnings(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^Warning: /.test(line) && !/^\s+at .*dawn/.test(line) && line.trim() !== '')
    .join('\n');
}

/** Runs a module script in a fresh node; returns stdout and stderr (which must hold no tfjs chatter). */
function runNode(script: string): { out: string; err: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return { out: r.stdout, err: withoutDawnWarnings(r.stderr) };
}

describe('the built package from plain node', () => {
  it("starts wasm with 'auto' (passing over a software GPU) and computes on it, printing nothing else", () => {
    const { out, err } = runNode(`
      import { useBackend } from '@hamux-ts/backends';
      import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
      const { report } = await useBackend();
      const ham = hypergraph().layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.tanh() }).synapse('s', Y.dense(), ['v', 'h']).build({ seed: 0 });
      const g = ham.dEdxhat(ham.randomStates(1, 1), { method: 'autodiff' });
      process.stdout.write('RESULT ' + JSON.stringify({ report, backend: tf.getBackend(), n: g.v.dataSync().length }));
    `);
    expect(out.startsWith('RESULT ')).toBe(true);
    const r = JSON.parse(out.slice('RESULT '.length));
    // A hardware GPU would be chosen ('auto' keeps WebGPU then); this machine class has none.
    const expected = r.report.tried[0].ok ? 'webgpu' : 'wasm';
    expect(r.report.chosen).toBe(expected);
    expect(r.backend).toBe(expected);
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

  it.skipIf(SKIP_WEBGPU)("useBackend('webgpu') starts Dawn and runs the async descent, printing nothing else", () => {
    const { out, err } = runNode(`
      import { useBackend } from '@hamux-ts/backends';
      import { descend } from '@hamux-ts/dynamics';
      import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
      const { report } = await useBackend('webgpu');
      const ham = hypergraph().layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.tanh() }).synapse('s', Y.dense(), ['v', 'h']).build({ seed: 0 });
      const { states, report: r } = await descend(ham, ham.randomStates(2, 1), { maxSteps: 300 });
      process.stdout.write('RESULT ' + JSON.stringify({ adapter: report.adapter, backend: tf.getBackend(), converged: r.map((s) => s.converged), v: Array.from(await states.v.data()) }));
    `);
    expect(out.startsWith('RESULT ')).toBe(true);
    const r = JSON.parse(out.slice('RESULT '.length));
    expect(r.backend).toBe('webgpu');
    expect(typeof r.adapter.software).toBe('boolean');
    expect(r.converged).toEqual([true, true]);
    expect(r.v).toHaveLength(6);
    expect(err).toBe('');
  });
});
