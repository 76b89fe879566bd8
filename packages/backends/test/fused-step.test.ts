// The fused WGSL step (issue 19, item 1) on Dawn (Mesa's llvmpipe through OpenGL ES without a GPU):
// `descend` on `useBackend('webgpu')`'s runtime steps the dense memory (an identity layer + a modern
// Hopfield memory) in a few custom programs, and must agree with the cpu backend's reference descent
// (tfjs ops) in states and energies, at sizes that are not multiples of the workgroups, with clamp
// masks, with and without the neuron energy; decide adaptive steps as the cpu backend does (the
// same steps accepted and rejected, the energy never rising); hold no more tensors after a long
// run; and dispatch fewer programs a step than tfjs's generic ops. HAMUX_SKIP_WEBGPU=1 skips it (as parity.test.ts).
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf, type HAM, type Tensor } from '@hamux-ts/core';
import { descend, Relaxation, type DescendOptions } from '@hamux-ts/dynamics';
import { countGpuWork, takeWebgpuErrors, useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { uniformValues } from '@hamux-ts/test-support';

const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';
const FUSED = 'fused WGSL step (webgpu)';
const GENERAL = 'HAM.energyAndDEdxhat';
/** Float32 over 20 steps of rounding, against the largest entry (as parity.test.ts's descent tolerance). */
const RTOL = 1e-4;

interface Case { readonly D: number; readonly K: number; readonly B: number; readonly neuronEnergy: boolean; readonly clamp: 'none' | 'shared' | 'perSample' }

const memory = (D: number, K: number) =>
  hypergraph()
    .layer('v', { shape: [D], lagrangian: L.identity() })
    .synapse('mem', Y.modernHopfield({ memories: K, beta: 2 }), ['v'])
    .build({ seed: 7 });

/** Entries 0, 3, 6… held (shared), or per sample b the entries (i + b) % 3 == 0. */
function clampMask(c: Case): Tensor | undefined {
  if (c.clamp === 'none') return undefined;
  const rows = c.clamp === 'shared' ? 1 : c.B;
  const m = new Float32Array(rows * c.D).map((_, j) => (((j % c.D) + Math.floor(j / c.D)) % 3 === 0 ? 1 : 0));
  return c.clamp === 'shared' ? tf.tensor1d(m) : tf.tensor2d(m, [c.B, c.D]);
}

/** A descent of `steps` steps from seeded states on the current backend: final states, energies, steps taken and accepted per sample. */
async function run(c: Case, steps: number, runtime?: BackendRuntime, mode: 'fixed' | 'adaptive' = 'fixed') {
  const ham = memory(c.D, c.K);
  const init = { v: tf.tensor2d(uniformValues(c.B * c.D, 11 + c.D), [c.B, c.D]) };
  const mask = clampMask(c);
  try {
    const options: DescendOptions<'v'> = {
      // Adaptive: steps of up to 3τ overshoot, so some are rejected and dt shrinks again.
      ...(mode === 'fixed' ? { mode, dt: 0.1 } : { mode, dt: 0.5, dtMax: 3 }),
      maxSteps: steps, checkEvery: 5, neuronEnergy: c.neuronEnergy,
      tolerance: { grad: 0, energy: 0, state: 0 },
      ...(mask ? { clamp: { v: mask } } : {}),
      ...(runtime ? { runtime } : {}),
    };
    const r = await descend(ham, init, options);
    const v = Float32Array.from(await r.states.v.data());
    r.states.v.dispose();
    const taken = r.report.map((s) => s.steps), accepted = r.report.map((s) => s.acceptedSteps);
    return { v, energies: r.energies, evaluator: r.evaluator, steps: r.steps, taken, accepted };
  } finally {
    tf.dispose([init.v, ...(mask ? [mask] : [])]);
    ham.dispose();
  }
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0, worst = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst / scale, `${what}: worst |webgpu − cpu| ${worst} against scale ${scale}`).toBeLessThanOrEqual(RTOL);
}

const CASES: Case[] = [
  { D: 20, K: 7, B: 3, neuronEnergy: true, clamp: 'none' },
  { D: 33, K: 40, B: 17, neuronEnergy: true, clamp: 'shared' },
  { D: 33, K: 40, B: 17, neuronEnergy: false, clamp: 'perSample' },
  { D: 64, K: 16, B: 4, neuronEnergy: false, clamp: 'none' },
];

const ADAPTIVE: Case[] = [
  { D: 20, K: 7, B: 3, neuronEnergy: true, clamp: 'none' },
  { D: 33, K: 40, B: 17, neuronEnergy: true, clamp: 'perSample' },
  { D: 64, K: 16, B: 4, neuronEnergy: true, clamp: 'shared' },
];
/**
 * Few enough that no sample is near its fixed point: there a step changes the energy by less than
 * float32 resolves, and accepting it or not is rounding on either backend (at 15 steps the two
 * backends' decisions part).
 */
const ADAPTIVE_STEPS = 8;

describe.skipIf(SKIP_WEBGPU)('the fused WGSL step of the dense memory', () => {
  let gpu: BackendRuntime;
  const reference = new Map<Case, Awaited<ReturnType<typeof run>>>();
  const adaptiveReference = new Map<Case, Awaited<ReturnType<typeof run>>>();
  beforeAll(async () => {
    await useBackend('cpu');
    for (const c of CASES) reference.set(c, await run(c, 20));
    for (const c of ADAPTIVE) adaptiveReference.set(c, await run(c, ADAPTIVE_STEPS, undefined, 'adaptive'));
    gpu = await useBackend('webgpu');
    takeWebgpuErrors();
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it.each(CASES)('agrees with the cpu backend after 20 fixed steps: D $D, K $K, batch $B, neuronEnergy $neuronEnergy, clamp $clamp', async (c) => {
    const want = reference.get(c)!;
    const got = await run(c, 20, gpu);
    expect(got.evaluator).toBe(FUSED);
    expect(want.evaluator).toBe(GENERAL);
    expect(got.steps).toBe(20);
    expectClose(got.v, want.v, 'final states');
    for (let b = 0; b < c.B; b++) expectClose(got.energies[b]!, want.energies[b]!, `energies of sample ${b}`);
    if (c.clamp === 'shared') {
      const init = uniformValues(c.B * c.D, 11 + c.D);
      for (let j = 0; j < c.B * c.D; j += 3) if ((j % c.D) % 3 === 0) expect(got.v[j]).toBe(init[j]);
    }
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it.each(ADAPTIVE)('decides adaptive steps as the cpu backend does: D $D, K $K, batch $B, neuronEnergy $neuronEnergy, clamp $clamp', async (c) => {
    const want = adaptiveReference.get(c)!;
    const got = await run(c, ADAPTIVE_STEPS, gpu, 'adaptive');
    expect(got.evaluator).toBe(FUSED);
    expect(want.evaluator).toBe(GENERAL);
    // The same decisions: every sample accepted and rejected the same steps, so it took the same path.
    expect(got.accepted).toEqual(want.accepted);
    expect(got.taken).toEqual(want.taken);
    expect(want.accepted.some((a, b) => a < want.taken[b]!), 'the case rejects some steps').toBe(true);
    expectClose(got.v, want.v, 'final states');
    for (let b = 0; b < c.B; b++) {
      expectClose(got.energies[b]!, want.energies[b]!, `energies of sample ${b}`);
      const e = got.energies[b]!;
      for (let t = 1; t < e.length; t++) expect(e[t]!, `sample ${b}, step ${t}: the energy rose`).toBeLessThanOrEqual(e[t - 1]!);
    }
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it('leaves descents without the runtime, or with autodiff, on the generic path', async () => {
    const ham = memory(20, 7);
    const init = { v: tf.tensor2d(uniformValues(3 * 20, 5), [3, 20]) };
    try {
      const autodiff = await descend(ham, init, { runtime: gpu, mode: 'adaptive', method: 'autodiff', maxSteps: 5 });
      const plain = await descend(ham, init, { mode: 'fixed', maxSteps: 5 });
      expect([autodiff.evaluator, plain.evaluator]).toEqual([GENERAL, GENERAL]);
      tf.dispose([autodiff.states.v, plain.states.v]);
    } finally {
      tf.dispose(init.v);
      ham.dispose();
    }
  });

  it.each(['fixed', 'adaptive'] as const)('holds no more tensors from one check window to the next, and none after the descent (%s steps)', async (mode) => {
    const ham = memory(33, 40);
    const init = { v: tf.tensor2d(uniformValues(5 * 33, 9), [5, 33]) };
    const before = tf.memory().numTensors; // the graph's parameters and the initial states
    const relax = new Relaxation(ham, init, { runtime: gpu, mode, dt: 0.1, maxSteps: 1000, tolerance: { grad: 0, energy: 0, state: 0 } });
    try {
      expect(relax.evaluator).toBe(FUSED);
      await relax.read();
      relax.advance(10);
      await relax.read();
      const held = tf.memory().numTensors;
      for (let w = 0; w < 10; w++) {
        relax.advance(10);
        await relax.read();
      }
      expect(tf.memory().numTensors).toBe(held);
      tf.dispose(Object.values(relax.finish()));
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      relax.dispose();
      tf.dispose(init.v);
      ham.dispose();
    }
  });

  it('dispatches fewer programs a step than the generic ops (counted per check window)', async () => {
    const c: Case = { D: 784, K: 100, B: 8, neuronEnergy: true, clamp: 'none' };
    const ham = memory(c.D, c.K);
    const init = { v: tf.tensor2d(uniformValues(c.B * c.D, 3), [c.B, c.D]) };
    const perStep = async (fastPath: boolean, mode: 'fixed' | 'adaptive' = 'fixed') => {
      const go = async (steps: number) => {
        const counter = countGpuWork();
        const r = await descend(ham, init, { runtime: gpu, fastPath, mode, dt: 0.1, maxSteps: steps, checkEvery: 10, tolerance: { grad: 0, energy: 0, state: 0 } });
        r.states.v.dispose();
        const n = counter.counts().dispatches;
        counter.dispose();
        return { n, evaluator: r.evaluator };
      };
      await go(20); // compiles the shaders
      const one = await go(10), two = await go(20);
      return { perStep: (two.n - one.n) / 10, evaluator: two.evaluator };
    };
    try {
      const fused = await perStep(true);
      const generic = await perStep(false);
      const fusedAdaptive = await perStep(true, 'adaptive');
      const genericAdaptive = await perStep(false, 'adaptive');
      expect([fused.evaluator, fusedAdaptive.evaluator]).toEqual([FUSED, FUSED]);
      expect([generic.evaluator, genericAdaptive.evaluator]).toEqual([GENERAL, GENERAL]);
      expect(fused.perStep).toBeLessThanOrEqual(8);
      expect(fused.perStep).toBeLessThan(generic.perStep);
      // Adaptive: the fixed step's five programs, two choices (state, signal) and four per-sample programs (energy, dt, counts).
      expect(fusedAdaptive.perStep).toBeLessThanOrEqual(fused.perStep + 6);
      expect(fusedAdaptive.perStep).toBeLessThan(genericAdaptive.perStep);
      // HAMUX_FUSED_COUNTS=file writes the counts (console.* fails a test).
      const out = process.env['HAMUX_FUSED_COUNTS'];
      if (out) writeFileSync(out, JSON.stringify({ fused: fused.perStep, generic: generic.perStep, fusedAdaptive: fusedAdaptive.perStep, genericAdaptive: genericAdaptive.perStep }));
    } finally {
      tf.dispose(init.v);
      ham.dispose();
    }
  });
});

/** Case (b)'s kinds of parts at small sizes: tanh and softmax layers (β ≠ 1), dense synapses summing onto a shared layer. */
interface GraphCase { readonly name: string; readonly build: () => HAM<string, string>; readonly B: number; readonly clamp: readonly string[]; readonly mode: 'fixed' | 'adaptive' }
const GRAPHS: GraphCase[] = [
  {
    name: 'identity 20 — tanh 13 (β 1.5), dense', B: 5, clamp: [], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [20], lagrangian: L.identity() }).layer('h', { shape: [13], lagrangian: L.tanh({ beta: 1.5 }), tau: 0.5 })
      .synapse('W', Y.dense(), ['v', 'h']).build({ seed: 3 }),
  },
  {
    name: 'identity 20 — softmax 9 (β 4), dense', B: 5, clamp: [], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [20], lagrangian: L.identity() }).layer('h', { shape: [9], lagrangian: L.softmax({ beta: 4 }), tau: 0.5 })
      .synapse('W', Y.dense(), ['v', 'h']).build({ seed: 4 }),
  },
  ...(['fixed', 'adaptive'] as const).map((mode): GraphCase => ({
    name: `case (b)'s hierarchy 70 (clamped) → 33 (tanh) → 10 (softmax), ${mode} steps`, B: 6, clamp: ['pixels'], mode,
    build: () => hypergraph()
      .layer('pixels', { shape: [70], lagrangian: L.identity() })
      .layer('features', { shape: [33], lagrangian: L.tanh({ beta: 1 }), tau: 0.5 })
      .layer('memories', { shape: [10], lagrangian: L.softmax({ beta: 4 }), tau: 0.1 })
      .synapse('encode', Y.dense(), ['pixels', 'features'])
      .synapse('recall', Y.dense(), ['features', 'memories'])
      .build({ seed: 2 }),
  })),
  {
    // tanh computed where it is read, at |βx| up to 40: some drivers' own tanh overflows to NaN there
    name: 'identity 12 — tanh 7 (β 40, saturated), dense', B: 3, clamp: [], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [12], lagrangian: L.identity() }).layer('h', { shape: [7], lagrangian: L.tanh({ beta: 40 }) })
      .synapse('W', Y.dense(), ['v', 'h']).build({ seed: 5 }),
  },
  {
    // The signal on the held layer is skipped, but the synapse's energy is still read from it
    name: 'identity 15 — tanh 11 (held whole), dense', B: 4, clamp: ['h'], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [15], lagrangian: L.identity() }).layer('h', { shape: [11], lagrangian: L.tanh({ beta: 2 }) })
      .synapse('W', Y.dense(), ['v', 'h']).build({ seed: 6 }),
  },
  ...(['fixed', 'adaptive'] as const).map((mode): GraphCase => ({
    // Five tanh layers (x and β each) and four dense energies: more inputs than one energy program binds
    name: `a chain of five tanh layers (β 0.5…2.5) and four dense synapses, ${mode} steps`, B: 3, clamp: [], mode,
    build: () => {
      const names = ['a', 'b', 'c', 'd', 'e'] as const;
      let g = hypergraph().layer('a', { shape: [9], lagrangian: L.tanh({ beta: 0.5 }) });
      for (let i = 1; i < names.length; i++) {
        g = g.layer(names[i]!, { shape: [9 + i], lagrangian: L.tanh({ beta: 0.5 + 0.5 * i }) }).synapse(`W${i}`, Y.dense(), [names[i - 1]!, names[i]!]) as unknown as typeof g;
      }
      return g.build({ seed: 8 }) as unknown as HAM<string, string>;
    },
  })),
];

async function runGraph(c: GraphCase, runtime?: BackendRuntime) {
  const ham = c.build();
  const init = Object.fromEntries(ham.layerNames.map((n, i) => {
    const size = ham.layers[n]!.shape.reduce((a, b) => a * b, 1);
    return [n, tf.tensor2d(uniformValues(c.B * size, 21 + i), [c.B, size])];
  }));
  try {
    const r = await descend(ham, init, {
      ...(c.mode === 'fixed' ? { mode: 'fixed' as const, dt: 0.05 } : { mode: 'adaptive' as const, dt: 0.05 }),
      maxSteps: c.mode === 'fixed' ? 20 : ADAPTIVE_STEPS, checkEvery: 5, tolerance: { grad: 0, energy: 0, state: 0 },
      clamp: Object.fromEntries(c.clamp.map((n) => [n, true as const])),
      ...(runtime ? { runtime } : {}),
    });
    const states: Record<string, Float32Array> = {};
    for (const n of ham.layerNames) states[n] = Float32Array.from(await r.states[n]!.data());
    tf.dispose(Object.values(r.states));
    return { states, energies: r.energies, evaluator: r.evaluator, accepted: r.report.map((s) => s.acceptedSteps) };
  } finally {
    tf.dispose(Object.values(init));
    ham.dispose();
  }
}

describe.skipIf(SKIP_WEBGPU)('the fused WGSL step of tanh and softmax layers and dense synapses', () => {
  let gpu: BackendRuntime;
  const reference = new Map<GraphCase, Awaited<ReturnType<typeof runGraph>>>();
  beforeAll(async () => {
    await useBackend('cpu');
    for (const c of GRAPHS) reference.set(c, await runGraph(c));
    gpu = await useBackend('webgpu');
    takeWebgpuErrors();
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it.each(GRAPHS)('agrees with the cpu backend: $name', async (c) => {
    const want = reference.get(c)!;
    const got = await runGraph(c, gpu);
    expect(got.evaluator).toBe(FUSED);
    expect(want.evaluator).toBe(GENERAL);
    expect(got.accepted).toEqual(want.accepted);
    for (const n of Object.keys(want.states)) expectClose(got.states[n]!, want.states[n]!, `final states of ${n}`);
    for (let b = 0; b < c.B; b++) {
      expectClose(got.energies[b]!, want.energies[b]!, `energies of sample ${b}`);
      const e = got.energies[b]!;
      if (c.mode === 'adaptive') for (let t = 1; t < e.length; t++) expect(e[t]!, `sample ${b}, step ${t}: the energy rose`).toBeLessThanOrEqual(e[t - 1]!);
    }
    expect(takeWebgpuErrors()).toEqual([]);
  });
});
