// Parity of the wasm and webgpu backends with the cpu backend (the reference) on graphs covering
// every Lagrangian and synapse kind. Each graph is built and evaluated from scratch on each backend,
// with the same seeds; results are read back asynchronously (webgpu has no synchronous readback
// under Node) as float32 arrays and compared.
//
// WebGPU must start here: in CI, and on any machine with Mesa's OpenGL ES (llvmpipe), it does. On a
// machine without it, set HAMUX_SKIP_WEBGPU=1 to skip the webgpu half explicitly; otherwise its
// cases fail, saying why webgpu did not start.
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { tf, type Params, type Tensor } from '@hamux-ts/core';
import { descend } from '@hamux-ts/dynamics';
import { takeWebgpuErrors, useBackend } from '@hamux-ts/backends';
import { GRAPHS, type AnyHam } from './graphs.js';

type Outputs = Record<string, Float32Array>;
type Backend = 'cpu' | 'wasm' | 'webgpu';

const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';

/**
 * |got − cpu| ≤ RTOL · (|cpu| + scale) + ATOL. `scale` is the magnitude of the terms the value was
 * computed from: the largest |cpu| of its own tensor, and for a neuron energy `Σ x̂⊙x − L(x)` also
 * |L(x)| (read alongside), for the energy total every term of the tree. Float32 kernels that sum or
 * exponentiate in another order differ by a few ulps of the terms they combine, so an entry that
 * is a small difference of large terms (layer norm's energy is −γ D ε/σ ≈ 1e-4 from terms ≈ 10) is
 * judged against those terms, not against itself.
 *
 * Measured worst |got − cpu| / (|cpu| + scale), over all cases (HAMUX_PARITY_REPORT=file writes it):
 * wasm 4.6e-7, webgpu on llvmpipe 4.9e-7 (both in a descent's energies; single evaluations ≤ 2.7e-7).
 * RTOL is twenty times that, about 80 float32 ulps, room for GPUs with other transcendental
 * approximations, and still five decades below a real discrepancy (the AddN bug gave order 1).
 */
const RTOL = 1e-5;
/** For values whose whole tensor is zero on cpu (a zero-initialised bias, say). */
const ATOL = 1e-7;
/** The descent compounds 30 steps of rounding: ten times the room, still float32-level. */
const DESCEND_RTOL = 1e-4;

const worst: Record<string, { rel: number; at: string }> = {};

/** Reads tensors back with `await data()`, then disposes them. */
async function read(prefix: string, tensors: Readonly<Record<string, Tensor>>, into: Outputs): Promise<void> {
  for (const [k, t] of Object.entries(tensors)) {
    into[`${prefix}.${k}`] = Float32Array.from(await t.data());
    t.dispose();
  }
}

function flat(group: Params['layers']): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(group).flatMap(([owner, m]) => Object.entries(m).map(([k, t]) => [`${owner}.${k}`, t.clone()])));
}

/** How many times the current backend copied a tensor to the host during `run`. */
async function countingReads<T>(run: () => Promise<T>): Promise<{ result: T; reads: number }> {
  const backend = tf.backend() as unknown as { read: (dataId: object) => Promise<unknown> };
  const spy = vi.spyOn(backend, 'read');
  try {
    const result = await run();
    return { result, reads: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

const STEPS = 30;
const CHECK_EVERY = 10;

type Stage = (ham: AnyHam) => Promise<Outputs>;
const STAGES: Record<string, Stage> = {
  params: async (ham) => {
    const o: Outputs = {};
    await read('layers', flat(ham.params.layers), o);
    await read('synapses', flat(ham.params.synapses), o);
    return o;
  },
  activations: async (ham) => {
    const s = ham.randomStates(2, 1);
    const o: Outputs = {};
    await read('xhat', ham.activations(s), o);
    tf.dispose(Object.values(s));
    return o;
  },
  energyTree: async (ham) => {
    const s = ham.randomStates(2, 1);
    const tree = ham.energyTree(s);
    const o: Outputs = {};
    await read('layers', tree.layers, o);
    await read('synapses', tree.synapses, o);
    await read('', { total: tree.total }, o);
    // L(x) of each layer: the size of the terms its energy is the difference of (see RTOL).
    await read('lagrangian', Object.fromEntries(ham.layerNames.map((n) => [n, tf.tidy(() => ham.layers[n]!.lagrangian.lagrangian(s[n]!, ham.params.layers[n] ?? {}))])), o);
    tf.dispose(Object.values(s));
    return o;
  },
  'dEdxhat(auto)': async (ham) => {
    const s = ham.randomStates(2, 1);
    const o: Outputs = {};
    const { energy, dEdxhat } = ham.energyAndDEdxhat(s, { method: 'auto' });
    await read('g', dEdxhat, o);
    await read('', { energy }, o);
    tf.dispose(Object.values(s));
    return o;
  },
  'dEdxhat(autodiff)': async (ham) => {
    const s = ham.randomStates(2, 1);
    const o: Outputs = {};
    const { energy, dEdxhat } = ham.energyAndDEdxhat(s, { method: 'autodiff' });
    await read('g', dEdxhat, o);
    await read('', { energy }, o);
    tf.dispose(Object.values(s));
    return o;
  },
  descend: async (ham) => {
    const init = ham.randomStates(2, 1, 0.5);
    const progressAt: number[] = [];
    const { result, reads } = await countingReads(() =>
      descend(ham, init, { mode: 'fixed', dt: 0.01, maxSteps: STEPS, checkEvery: CHECK_EVERY, onProgress: (p) => progressAt.push(p.step) }),
    );
    // The tensor path reads the host only at checks: once for the initial states' finiteness (every
    // layer's flags in one tensor), then one packed tensor every `checkEvery` steps (step 0 included). The
    // host-array path (cpu, wasm) reads the states once at entry and never from a tensor again.
    expect(progressAt).toEqual([0, 10, 20, 30]);
    expect(reads).toBe(result.evaluator === 'HAM.energyAndDEdxhat' ? 1 + STEPS / CHECK_EVERY + 1 : 0);
    const o: Outputs = {};
    result.energies.forEach((e, b) => { o[`energies.${b}`] = e; });
    await read('x', result.states, o);
    tf.dispose(Object.values(init));
    return o;
  },
};

async function on(backend: Backend, graph: string, stage: string): Promise<Outputs> {
  await useBackend(backend);
  const ham = GRAPHS[graph]!();
  try {
    return await STAGES[stage]!(ham);
  } finally {
    ham.dispose();
  }
}

/** The magnitude of the terms an output was computed from (see RTOL). */
function scaleOf(key: string, ref: Outputs): number {
  const max = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const layer = /^layers\.(.+)$/.exec(key);
  const related = key === '.total'
    ? Object.keys(ref).filter((k) => /^(layers|synapses|lagrangian)\./.test(k))
    : layer && ref[`lagrangian.${layer[1]}`] ? [`lagrangian.${layer[1]}`] : [];
  return Math.max(max(ref[key]!), ...related.map((k) => max(ref[k]!)));
}

function compare(backend: Backend, name: string, ref: Outputs, got: Outputs, exact: boolean, rtol: number): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
  const key = `${backend}/${name}`;
  const w = worst[key] ?? { rel: 0, at: '' };
  for (const [k, a] of Object.entries(ref)) {
    const b = got[k]!;
    expect(b.length, k).toBe(a.length);
    const scale = scaleOf(k, ref);
    for (let i = 0; i < a.length; i++) {
      if (exact) { expect(Object.is(b[i], a[i]), `${k}[${i}] bitwise: cpu ${a[i]} ${backend} ${b[i]}`).toBe(true); continue; }
      const d = Math.abs(a[i]! - b[i]!);
      const rel = d / (Math.abs(a[i]!) + scale || 1);
      if (rel > w.rel) { w.rel = rel; w.at = `${k}[${i}]`; }
      worst[key] = w;
      expect(d, `${k}[${i}]: cpu ${a[i]} ${backend} ${b[i]} (scale ${scale})`).toBeLessThanOrEqual(rtol * (Math.abs(a[i]!) + scale) + ATOL);
    }
  }
  worst[key] = w;
}

afterEach(() => {
  // Every error WebGPU reports means a kernel was dropped: a parity case must leave none behind.
  expect(takeWebgpuErrors()).toEqual([]);
});

describe.each(['wasm', 'webgpu'] as const)('%s agrees with cpu', (backend) => {
  const skip = backend === 'webgpu' && SKIP_WEBGPU;
  describe.skipIf(skip).each(Object.keys(GRAPHS))('on the %s graph', (graph) => {
    it.each(Object.keys(STAGES))('%s', async (stage) => {
      const ref = await on('cpu', graph, stage);
      const got = await on(backend, graph, stage);
      compare(backend, `${graph}/${stage}`, ref, got, stage === 'params', stage === 'descend' ? DESCEND_RTOL : RTOL);
    });
  });
});

afterAll(async () => {
  await useBackend('cpu');
  const out = process.env['HAMUX_PARITY_REPORT'];
  if (out) writeFileSync(out, JSON.stringify(worst, null, 1));
});
