// A plain `import` of a hamux-ts package changes nothing global: in a fresh `node` on the built
// packages, after tfjs's own modules (whose imports register their backends and kernels) and zod
// (which keeps a registry on globalThis), importing every package leaves tfjs's kernels,
// gradients, flags and current backend, the global object and the process's listeners as they
// were. Only an explicit call changes them: `useBackend` replaces the matrix-product kernels,
// which the same snapshot sees (so the comparison can fail).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale } from '@hamux-ts/test-support';

const here = fileURLToPath(new URL('..', import.meta.url));
const PARTS = ['kernels', 'core', 'dynamics', 'config', 'backends', 'train', 'data', 'plot'];

beforeAll(() => {
  for (const p of PARTS) buildIfStale(fileURLToPath(new URL(`../../${p}`, import.meta.url)));
  buildIfStale(here);
}, 300_000);

const script = `
  import * as tf from '@tensorflow/tfjs-core';
  import '@tensorflow/tfjs-backend-cpu';
  import '@tensorflow/tfjs-backend-wasm';
  import '@tensorflow/tfjs-backend-webgpu';
  import 'zod';
  // core's bundle carries tfjs's own gradient registrations (see scripts/build-package.mjs)
  await import('@hamux-ts/core');
  const snapshot = () => {
    const kernels = new Map(['cpu', 'wasm', 'webgpu'].flatMap((b) => tf.getKernelsForBackend(b).map((k) => [b + '/' + k.kernelName, k.kernelFunc])));
    const names = new Set([...kernels.keys()].map((k) => k.split('/')[1]));
    return {
      globals: Object.getOwnPropertyNames(globalThis),
      kernels,
      grads: new Map([...names].map((n) => [n, tf.getGradient(n)?.gradFunc])),
      flags: JSON.stringify(tf.env().getFlags()),
      backend: tf.engine().backendName ?? null,
      listeners: ['uncaughtException', 'unhandledRejection', 'exit', 'warning'].map((e) => process.listenerCount(e)),
    };
  };
  const changed = (a, b) => [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
  const diff = (a, b) => ({
    globals: b.globals.filter((g) => !a.globals.includes(g)),
    kernels: changed(a.kernels, b.kernels),
    grads: changed(a.grads, b.grads),
    flags: a.flags === b.flags,
    backend: [a.backend, b.backend],
    listeners: [a.listeners, b.listeners],
    count: a.kernels.size,
  });
  const before = snapshot();
  for (const m of ${JSON.stringify([...PARTS.filter((p) => p !== 'core').map((p) => `@hamux-ts/${p}`), 'hamux-ts'])}) await import(m);
  const imported = snapshot();
  const { useBackend } = await import('@hamux-ts/backends');
  await useBackend('cpu');
  console.log('RESULT ' + JSON.stringify({ imports: diff(before, imported), useBackend: diff(imported, snapshot()) }));
`;

describe('importing the packages', () => {
  it('changes nothing global; useBackend, called, does', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, out).toBeDefined();
    const { imports, useBackend } = JSON.parse(line!.slice(7));
    expect(imports.count).toBeGreaterThan(300); // the snapshot saw tfjs's registry
    expect(imports).toMatchObject({ globals: [], kernels: [], grads: [], flags: true, backend: [null, null] });
    expect(imports.listeners[1]).toEqual(imports.listeners[0]);
    expect(useBackend.kernels).toEqual(expect.arrayContaining(['cpu/BatchMatMul', 'cpu/_FusedMatMul']));
    expect(useBackend.backend).toEqual([null, 'cpu']);
  });
});
