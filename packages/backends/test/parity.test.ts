// Parity of the wasm backend with the cpu backend (the reference) on graphs covering every
// Lagrangian and synapse kind. Each graph is built and evaluated from scratch on each backend, with
// the same seeds; results are read back as float32 arrays and compared.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Params, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { useBackend } from '@hamux-ts/backends';
import { GRAPHS, type AnyHam } from './graphs.js';

type Outputs = Record<string, Float32Array>;
const RTOL = 1e-4;
const ATOL = 1e-5;
const worst: Record<string, { abs: number; rel: number; at: string }> = {};

function read(prefix: string, tensors: Readonly<Record<string, Tensor>>, into: Outputs): void {
  for (const [k, t] of Object.entries(tensors)) into[`${prefix}.${k}`] = Float32Array.from(t.dataSync());
}

function paramsOf(params: Params): Outputs {
  const out: Outputs = {};
  read('layers', Object.fromEntries(Object.entries(params.layers).flatMap(([l, m]) => Object.entries(m).map(([k, t]) => [`${l}.${k}`, t]))), out);
  read('synapses', Object.fromEntries(Object.entries(params.synapses).flatMap(([s, m]) => Object.entries(m).map(([k, t]) => [`${s}.${k}`, t]))), out);
  return out;
}

type Stage = (ham: AnyHam) => Outputs;
const STAGES: Record<string, Stage> = {
  params: (ham) => paramsOf(ham.params),
  activations: (ham) => tf.tidy(() => { const o: Outputs = {}; read('xhat', ham.activations(ham.randomStates(2, 1)), o); return o; }),
  energyTree: (ham) => tf.tidy(() => {
    const tree = ham.energyTree(ham.randomStates(2, 1));
    const o: Outputs = {};
    read('layers', tree.layers, o);
    read('synapses', tree.synapses, o);
    read('', { total: tree.total }, o);
    return o;
  }),
  'dEdxhat(auto)': (ham) => tf.tidy(() => { const o: Outputs = {}; read('g', ham.dEdxhat(ham.randomStates(2, 1), { method: 'auto' }), o); return o; }),
  'dEdxhat(autodiff)': (ham) => tf.tidy(() => { const o: Outputs = {}; read('g', ham.dEdxhat(ham.randomStates(2, 1), { method: 'autodiff' }), o); return o; }),
  descend: (ham) => {
    const init = ham.randomStates(2, 1, 0.5);
    const { states } = descendSync(ham, init, { mode: 'fixed', dt: 0.01, maxSteps: 30, checkEvery: 10 });
    const o: Outputs = {};
    read('x', states, o);
    tf.dispose([...Object.values(init), ...Object.values(states)]);
    return o;
  },
};

async function on(backend: 'cpu' | 'wasm', graph: string, stage: string): Promise<Outputs> {
  await useBackend(backend);
  const ham = GRAPHS[graph]!();
  try {
    return STAGES[stage]!(ham);
  } finally {
    tf.dispose(Object.values(ham.params.layers).flatMap((m) => Object.values(m)));
    tf.dispose(Object.values(ham.params.synapses).flatMap((m) => Object.values(m)));
  }
}

function compare(name: string, ref: Outputs, got: Outputs, exact: boolean): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
  let w = worst[name] ?? { abs: 0, rel: 0, at: '' };
  for (const [k, a] of Object.entries(ref)) {
    const b = got[k]!;
    expect(b.length, k).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      if (exact) { expect(b[i], `${k}[${i}] bitwise`).toBe(a[i]); continue; }
      const d = Math.abs(a[i]! - b[i]!);
      const scale = Math.max(Math.abs(a[i]!), Math.abs(b[i]!));
      expect(d, `${k}[${i}]: cpu ${a[i]} wasm ${b[i]}`).toBeLessThanOrEqual(RTOL * scale + ATOL);
      if (d > w.abs) w = { ...w, abs: d, at: `${k}[${i}]` };
      if (scale > 0) w.rel = Math.max(w.rel, d / scale);
    }
  }
  worst[name] = w;
}

describe.each(Object.keys(GRAPHS))('wasm agrees with cpu on the %s graph', (graph) => {
  it.each(Object.keys(STAGES))('%s', async (stage) => {
    const ref = await on('cpu', graph, stage);
    const got = await on('wasm', graph, stage);
    compare(`${graph}/${stage}`, ref, got, stage === 'params');
  });
});

afterAll(async () => {
  await useBackend('cpu');
  const out = process.env['HAMUX_PARITY_REPORT'];
  if (out) writeFileSync(out, JSON.stringify(worst, null, 1));
});
