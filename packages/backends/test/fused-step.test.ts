// The fused WGSL step (issue 19, item 1) on Dawn (Mesa's llvmpipe through OpenGL ES without a GPU):
// `descend` on `useBackend('webgpu')`'s runtime steps the dense memory (an identity layer + a modern
// Hopfield memory) in a few custom programs, and must agree with the cpu backend's reference descent
// (tfjs ops) in states and energies, at sizes that are not multiples of the workgroups, with clamp
// masks, with and without the neuron energy; decide adaptive steps as the cpu backend does (the
// same steps accepted and rejected, the energy never rising); hold no more tensors after a long
// run; and dispatch fewer programs a step than tfjs's generic ops. HAMUX_SKIP_WEBGPU=1 skips it (as parity.test.ts).
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineLagrangian, hypergraph, lagrangians as L, normal, synapses as Y, tf, type HAM, type Tensor } from '@hamux-ts/core';
import { DivergenceError, descend, Relaxation, type DescendOptions } from '@hamux-ts/dynamics';
import { countGpuWork, takeWebgpuErrors, useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { uniformValues } from '@hamux-ts/test-support';
import { tensorCheckRows, type CheckInputs, type CheckRows } from '../../dynamics/src/tensor-stepper.js';
import { gpuCheckRows } from '../../dynamics/src/gpu-check.js';

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

  it('leaves a graph with a user-defined Lagrangian (even under a built-in\'s kind) on the generic path, with the same result as cpu', async () => {
    // L = Σ ½x² written by hand: no builtin spec, so no WGSL form, whatever its kind says
    const build = () => hypergraph()
      .layer('v', { shape: [12], lagrangian: defineLagrangian({ kind: 'identity', lagrangian: (x) => tf.mul(0.5, tf.sum(tf.square(x), 1)) }) })
      .synapse('mem', Y.modernHopfield({ memories: 5, beta: 2 }), ['v'])
      .build({ seed: 18 });
    const run = async (runtime?: BackendRuntime) => {
      const ham = build();
      const init = { v: tf.tensor2d(uniformValues(2 * 12, 19), [2, 12]) };
      try {
        const r = await descend(ham, init, { mode: 'fixed', dt: 0.1, maxSteps: 10, neuronEnergy: true, tolerance: { grad: 0, energy: 0, state: 0 }, ...(runtime ? { runtime } : {}) });
        const v = Float32Array.from(await r.states.v.data());
        r.states.v.dispose();
        return { v, evaluator: r.evaluator };
      } finally {
        tf.dispose(init.v);
        ham.dispose();
      }
    };
    const got = await run(gpu);
    expect(got.evaluator).toBe(GENERAL);
    await useBackend('cpu');
    const want = await run();
    gpu = await useBackend('webgpu');
    expectClose(got.v, want.v, 'final states');
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
interface GraphCase { readonly name: string; readonly build: () => HAM<string, string>; readonly B: number; readonly clamp: readonly string[]; readonly mode: 'fixed' | 'adaptive'; readonly neuronEnergy?: boolean; readonly offset?: number; readonly steps?: number }
const GRAPHS: GraphCase[] = [
  // Convolutions and average pools (convGpu): direct window programs, 'same' / 'valid' / numeric padding, strides
  {
    name: 'identity 6×5×2 — tanh 6×5×3 (β 1.5), conv2d 3×3, stride 1, same', B: 3, clamp: [], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [6, 5, 2], lagrangian: L.identity() }).layer('h', { shape: [6, 5, 3], lagrangian: L.tanh({ beta: 1.5 }), tau: 0.5 })
      .synapse('C', Y.conv2d({ kernel: 3, padding: 'same' }), ['v', 'h']).build({ seed: 31 }) as unknown as HAM<string, string>,
  },
  {
    // only the output side's program runs (the input is held whole)
    name: 'identity 7×6×2 (clamped) — tanh 3×3×4, conv2d 3×2, stride 2, valid', B: 3, clamp: ['v'], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [7, 6, 2], lagrangian: L.identity() }).layer('h', { shape: [3, 3, 4], lagrangian: L.tanh({ beta: 1 }) })
      .synapse('C', Y.conv2d({ kernel: [3, 2], stride: 2 }), ['v', 'h']).build({ seed: 32 }) as unknown as HAM<string, string>,
  },
  {
    // only the input side's program runs (the output is held whole): the energy is read from the transposed convolution
    name: 'identity 5×4×3 — tanh 3×4×2 (held whole), conv2d 2×3, stride [2, 1], same', B: 2, clamp: ['h'], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [5, 4, 3], lagrangian: L.identity() }).layer('h', { shape: [3, 4, 2], lagrangian: L.tanh({ beta: 2 }) })
      .synapse('C', Y.conv2d({ kernel: [2, 3], stride: [2, 1], padding: 'same' }), ['v', 'h']).build({ seed: 33 }) as unknown as HAM<string, string>,
  },
  {
    name: 'tanh 5×5×1 (β 0.8) — identity 3×3×2, conv2d 3×3, stride 2, padding 1', B: 3, clamp: [], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [5, 5, 1], lagrangian: L.tanh({ beta: 0.8 }) }).layer('h', { shape: [3, 3, 2], lagrangian: L.identity() })
      .synapse('C', Y.conv2d({ kernel: 3, stride: 2, padding: 1 }), ['v', 'h']).build({ seed: 34 }) as unknown as HAM<string, string>,
  },
  {
    name: 'identity 6×4×3 — tanh 3×2×3, avgPool 2×2, valid', B: 3, clamp: [], mode: 'fixed',
    build: () => hypergraph().layer('v', { shape: [6, 4, 3], lagrangian: L.identity() }).layer('h', { shape: [3, 2, 3], lagrangian: L.tanh({ beta: 1.2 }) })
      .synapse('P', Y.avgPool({ size: 2 }), ['v', 'h']).build({ seed: 35 }) as unknown as HAM<string, string>,
  },
  {
    // windows cut by the padding ('same': 1 row before, 1 after; 0 columns before, 1 after), and some wholly in it (padding 2)
    name: 'identity 5×6×2 — tanh 3×3×2, avgPool 3×3, stride 2, same; identity 3×3×1 — tanh 3×3×1, avgPool 2×2, padding 2', B: 3, clamp: [], mode: 'fixed',
    build: () => hypergraph()
      .layer('v', { shape: [5, 6, 2], lagrangian: L.identity() }).layer('h', { shape: [3, 3, 2], lagrangian: L.tanh({ beta: 1 }) })
      .layer('u', { shape: [3, 3, 1], lagrangian: L.identity() }).layer('k', { shape: [3, 3, 1], lagrangian: L.tanh({ beta: 0.7 }) })
      .synapse('P', Y.avgPool({ size: 3, stride: 2, padding: 'same' }), ['v', 'h'])
      .synapse('Q', Y.avgPool({ size: 2, padding: 2 }), ['u', 'k'])
      .build({ seed: 36 }) as unknown as HAM<string, string>,
  },
  {
    // conv → pool → dense, signals summing onto shared layers
    name: 'identity 6×6×2 → conv2d 3×3 same → tanh 6×6×3 → avgPool 2×2 → tanh 3×3×3 → dense → softmax 5, adaptive steps', B: 3, clamp: [], mode: 'adaptive',
    build: () => hypergraph()
      .layer('pixels', { shape: [6, 6, 2], lagrangian: L.identity() })
      .layer('features', { shape: [6, 6, 3], lagrangian: L.tanh({ beta: 1 }), tau: 0.5 })
      .layer('pooled', { shape: [3, 3, 3], lagrangian: L.tanh({ beta: 1.5 }), tau: 0.5 })
      .layer('memories', { shape: [5], lagrangian: L.softmax({ beta: 3 }), tau: 0.2 })
      .synapse('conv', Y.conv2d({ kernel: 3, padding: 'same' }), ['pixels', 'features'])
      .synapse('pool', Y.avgPool({ size: 2 }), ['features', 'pooled'])
      .synapse('recall', Y.dense(), ['pooled', 'memories'])
      .build({ seed: 37 }) as unknown as HAM<string, string>,
  },
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
  // The Energy Transformer's parts: layer norm (γ, δ ≠ defaults), energy attention, a ReLU² memory per token
  ...([false, true] as const).flatMap((maskSelf) => ([false, true] as const).map((neuronEnergy): GraphCase => ({
    name: `an Energy Transformer block, 5 tokens of 12, 2 heads × 3, 7 memories${maskSelf ? ', self masked' : ''}, neuron energy ${neuronEnergy}`,
    B: 3, clamp: [], mode: neuronEnergy ? 'adaptive' : 'fixed', neuronEnergy,
    build: () => hypergraph()
      .layer('t', { shape: [5, 12], lagrangian: L.layernorm({ gamma: 1.3, delta: 0.1 }) })
      .synapse('att', Y.energyAttention({ heads: 2, headDim: 3, beta: 0.7, maskSelf }), ['t'])
      .synapse('mem', Y.reluSquaredMemory({ memories: 7, perToken: true }), ['t'])
      .build({ seed: 9 }) as unknown as HAM<string, string>,
  }))),
  {
    // Eight memories on one layer: their overlaps and signals are merged into products of at most 7 inputs each (chained)
    name: 'identity 10 with eight modern Hopfield memories (β 0.5…4)', B: 3, clamp: [], mode: 'fixed',
    build: () => {
      let g = hypergraph().layer('v', { shape: [10], lagrangian: L.identity() });
      for (let i = 0; i < 8; i++) g = g.synapse(`m${i}`, Y.modernHopfield({ memories: 3 + i, beta: 0.5 * (i + 1) }), ['v']) as unknown as typeof g;
      return g.build({ seed: 12 }) as unknown as HAM<string, string>;
    },
  },
  {
    name: 'spherical tokens 4 × 6 with a modern Hopfield memory per token (β 3)', B: 2, clamp: [], mode: 'fixed',
    build: () => hypergraph().layer('t', { shape: [4, 6], lagrangian: L.spherical({ gamma: 0.8 }) })
      .synapse('mem', Y.modernHopfield({ memories: 5, beta: 3, perToken: true }), ['t']).build({ seed: 10 }) as unknown as HAM<string, string>,
  },
  {
    // every elementwise Lagrangian with a WGSL form, and the diagonal memories
    name: 'relu, repu (n 3), exp, rexp, sigmoid layers with polynomial, rectified polynomial (n 2.5) and exponential memories', B: 3, clamp: [], mode: 'fixed',
    build: () => hypergraph()
      .layer('r', { shape: [6], lagrangian: L.relu() })
      .layer('p', { shape: [5], lagrangian: L.repu({ n: 3 }) })
      .layer('e', { shape: [4], lagrangian: L.exp({ beta: 0.5 }) })
      .layer('x', { shape: [7], lagrangian: L.rexp({ beta: 0.8 }) })
      .layer('s', { shape: [3], lagrangian: L.sigmoid({ beta: 2 }) })
      .synapse('m1', Y.polynomialMemory({ memories: 4, degree: 3 }), ['r'])
      .synapse('m2', Y.polynomialMemory({ memories: 3, degree: 2.5, rectified: true }), ['p'])
      .synapse('m3', Y.exponentialMemory({ memories: 5, beta: 1.5 }), ['s'])
      .synapse('d1', Y.dense(), ['e', 's'])
      .synapse('d2', Y.dense(), ['r', 'x'])
      .build({ seed: 11 }) as unknown as HAM<string, string>,
  },
  ...(['fixed', 'adaptive'] as const).map((mode): GraphCase => ({
    // ghostmax, biases, denseBias flattened and per token, per-token dense
    name: `ghostmax, bias, denseBias (flattened, per token) and per-token dense, ${mode} steps`, B: 3, clamp: [], mode,
    build: () => hypergraph()
      .layer('v', { shape: [9], lagrangian: L.identity() })
      .layer('g', { shape: [2, 5], lagrangian: L.ghostmax() })
      .layer('t', { shape: [2, 4], lagrangian: L.tanh({ beta: 1.2 }) })
      .synapse('b', Y.bias({ init: { b: normal(0.5) } }), ['v'])
      .synapse('vg', Y.denseBias({ init: { b: normal(0.5) } }), ['v', 'g'])
      .synapse('gt', Y.denseBias({ perToken: true, init: { b: normal(0.5) } }), ['g', 't'])
      .synapse('tt', Y.dense({ perToken: true }), ['t', 'g'])
      .build({ seed: 13 }) as unknown as HAM<string, string>,
  })),
  {
    // A lone ghostmax layer from −80 ± 1 (−29 after 20 steps): its energy Σ x̂x − log(1 + Σe^x) ≈ −30 Σe^x,
    // Σe^x ≈ 1e-12, where log(1 + s) would round to 0 in float32 (a 3% error); log1p keeps it
    name: 'ghostmax rows far below 0 (states −80 ± 1, the only layer)', B: 2, clamp: [], mode: 'fixed', offset: -80, neuronEnergy: true,
    build: () => hypergraph().layer('g', { shape: [3, 4], lagrangian: L.ghostmax() }).build({ seed: 15 }) as unknown as HAM<string, string>,
  },
  {
    // 70,000 tokens of 2: layer norm's rows and the memory's rows each need more workgroups than the
    // 65,535 one dispatch dimension holds (spread over y)
    name: 'layer norm on 70,000 tokens of 2 with a modern Hopfield memory per token, 2 steps', B: 1, clamp: [], mode: 'fixed', steps: 2,
    build: () => hypergraph().layer('t', { shape: [70_000, 2], lagrangian: L.layernorm() })
      .synapse('mem', Y.modernHopfield({ memories: 3, perToken: true }), ['t']).build({ seed: 16 }) as unknown as HAM<string, string>,
  },
  {
    // 4.2 million neurons: the update's 64-wide workgroups and the bias's 16-wide product tiles past
    // 65,535 (spread over y); the energy in chunks of each sample (short loops); the check in tfjs ops
    name: 'an identity layer of 4.2 million with a bias and a tie to a tanh layer, 2 steps', B: 1, clamp: [], mode: 'fixed', steps: 2, neuronEnergy: true,
    build: () => hypergraph().layer('v', { shape: [4_200_000], lagrangian: L.identity() }).layer('h', { shape: [4_200_000], lagrangian: L.tanh() })
      .synapse('b', Y.bias({ init: { b: normal(0.5) } }), ['v']).synapse('fit', Y.tie(), ['v', 'h']).build({ seed: 17 }) as unknown as HAM<string, string>,
  },
  {
    // A denoiser's fidelity term: the clamped observation y tied to the free layer (and a free pair)
    name: 'tie: a free layer to a clamped observation (γ 2), and two free layers', B: 3, clamp: ['y'], mode: 'fixed',
    build: () => hypergraph()
      .layer('x', { shape: [7], lagrangian: L.tanh() })
      .layer('y', { shape: [7], lagrangian: L.identity() })
      .layer('z', { shape: [7], lagrangian: L.identity() })
      .synapse('fit', Y.tie({ gamma: 2 }), ['x', 'y'])
      .synapse('pair', Y.tie(), ['x', 'z'])
      .synapse('mem', Y.modernHopfield({ memories: 4 }), ['x'])
      .build({ seed: 14 }) as unknown as HAM<string, string>,
  },
];

async function runGraph(c: GraphCase, runtime?: BackendRuntime) {
  const ham = c.build();
  const init = Object.fromEntries(ham.layerNames.map((n, i) => {
    const shape = ham.layers[n]!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    return [n, tf.tensor(uniformValues(c.B * size, 21 + i).map((v) => v + (c.offset ?? 0)), [c.B, ...shape])];
  }));
  try {
    const r = await descend(ham, init, {
      ...(c.mode === 'fixed' ? { mode: 'fixed' as const, dt: 0.05 } : { mode: 'adaptive' as const, dt: 0.05 }),
      maxSteps: c.steps ?? (c.mode === 'fixed' ? 20 : ADAPTIVE_STEPS), checkEvery: 5, tolerance: { grad: 0, energy: 0, state: 0 },
      ...(c.neuronEnergy === undefined ? {} : { neuronEnergy: c.neuronEnergy }),
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
  // (the cpu references of every graph, the large ones among them: a minute on a loaded 2-core machine)
  beforeAll(async () => {
    await useBackend('cpu');
    for (const c of GRAPHS) reference.set(c, await runGraph(c));
    gpu = await useBackend('webgpu');
    takeWebgpuErrors();
  }, 180_000);
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

// The check in WGSL (issue 19, item 2): gpu-check.ts's programs against tensorCheckRows, the
// reference check in tfjs ops, on the same tensors on webgpu; then through `descend` against the cpu
// backend where the check decides (gradient convergence, divergence), and what a check costs.
type Role = 'free' | 'shared' | 'perSample' | 'held';
interface CheckCase {
  readonly name: string;
  readonly B: number;
  /** Each layer's shape (per sample) and clamp. */
  readonly layers: Readonly<Record<string, { readonly shape: readonly number[]; readonly role: Role }>>;
  readonly levels: number;
  /** Energies since the last check. */
  readonly rows: number;
}

const CHECKS: CheckCase[] = [
  { name: 'one free layer, one level (one program)', B: 3, levels: 1, rows: 10, layers: { v: { shape: [33], role: 'free' } } },
  {
    name: 'free, shared-mask, per-sample-mask, held and [] layers over four programs, two levels', B: 5, levels: 2, rows: 3,
    layers: {
      a: { shape: [130], role: 'free' }, b: { shape: [3, 5], role: 'shared' }, c: { shape: [70], role: 'perSample' },
      d: { shape: [9], role: 'held' }, e: { shape: [], role: 'free' },
    },
  },
  { name: 'five levels (their steps stacked), no energies since the last check', B: 4, levels: 5, rows: 0, layers: { a: { shape: [20], role: 'free' }, c: { shape: [20], role: 'perSample' } } },
  { name: 'nothing moves', B: 2, levels: 1, rows: 2, layers: { d: { shape: [9], role: 'held' } } },
];

/** Level k's nominal step, and the fraction of it below which a sample underflows. */
const LEVEL_DT = [0.1, 0.37, 0.05, 1.3, 0.2], UNDERFLOW_BELOW = 1e-3;
/** Sample b's level b mod K steps LEVEL_DT × DT_FACTORS[b mod 5] (samples 1 and 4 underflow, 2 nearly), its other levels LEVEL_DT. */
const DT_FACTORS = [1, 1e-4, 2e-3, 0.5, 1e-5];

/**
 * Seeded check inputs on the current backend. `poison`: sample 1 gets a NaN in its last layer's
 * state, sample 2 an infinite entry in its first layer's, and sample 3's energy is −∞.
 */
function checkInputs(c: CheckCase, poison = false): CheckInputs<string> {
  const names = Object.keys(c.layers);
  const { B } = c;
  let seed = 100;
  const values = (n: number, scale = 1) => uniformValues(n, seed++, scale);
  const tensor = (shape: readonly number[], v: Float32Array) => tf.tensor(v, [...shape]);
  const size = (n: string) => c.layers[n]!.shape.reduce((a, b) => a * b, 1);
  const layerTensor = (n: string, scale: number, edit?: (v: Float32Array) => void) => {
    const v = values(B * size(n), scale);
    edit?.(v);
    return tensor([B, ...c.layers[n]!.shape], v);
  };
  const last = names[names.length - 1]!, first = names[0]!;
  const x = Object.fromEntries(names.map((n) => [n, layerTensor(n, 1, (v) => {
    if (poison && n === last && B > 1) v[1 * size(n)] = NaN;
    if (poison && n === first && B > 2) v[2 * size(n) + size(n) - 1] = Infinity;
  })]));
  const masks = new Map(names.map((n): [string, Tensor | 'clamped' | undefined] => {
    const { role, shape } = c.layers[n]!;
    if (role === 'free') return [n, undefined];
    if (role === 'held') return [n, 'clamped' as const];
    const rows = role === 'shared' ? [] : [B];
    return [n, tensor([...rows, ...shape], values((role === 'shared' ? 1 : B) * size(n)).map((u) => (u > 0 ? 1 : 0)))];
  }));
  const column = (f: (b: number) => number) => tf.tensor1d(Float32Array.from({ length: B }, (_, b) => f(b)));
  const E = values(B, 5);
  if (poison && B > 3) E[3] = -Infinity;
  return {
    plan: {
      names, batch: B, mode: 'adaptive', tau: Object.fromEntries(names.map((n) => [n, 1])), moving: names.filter((n) => c.layers[n]!.role !== 'held'),
      levels: [], schedule: [0], levelDt: LEVEL_DT.slice(0, c.levels), levelCap: LEVEL_DT.slice(0, c.levels), startDt: LEVEL_DT.slice(0, c.levels),
      grow: 1.1, shrink: 0.5, underflowBelow: UNDERFLOW_BELOW,
    },
    masks,
    history: Array.from({ length: c.rows }, () => tensor([B], values(B, 3))),
    x,
    xAtCheck: Object.fromEntries(names.map((n) => [n, layerTensor(n, 1)])),
    g: Object.fromEntries(names.map((n) => [n, layerTensor(n, 2)])),
    E: tf.tensor1d(E),
    dts: Array.from({ length: c.levels }, (_, k) => column((b) => LEVEL_DT[k]! * (k === b % c.levels ? DT_FACTORS[b % DT_FACTORS.length]! : 1))),
    accepted: column((b) => 10 + b),
    rejected: column((b) => b % 3),
  };
}

function disposeInputs(i: CheckInputs<string>): void {
  tf.dispose([...i.history, ...Object.values(i.x), ...Object.values(i.xAtCheck), ...Object.values(i.g), i.E, ...i.dts, i.accepted, i.rejected]);
  for (const m of i.masks.values()) if (m instanceof tf.Tensor) m.dispose();
}

/** The check's rows as host arrays: energies, then gradNorm, dx, underflow, nonFinite, accepted, rejected, dt. */
async function checkRows(check: CheckRows<string>, i: CheckInputs<string>): Promise<Float32Array[]> {
  const t = check(i);
  try {
    expect(t.shape).toEqual([i.history.length + 7, i.plan.batch]);
    const flat = await t.data() as Float32Array;
    return Array.from({ length: t.shape[0]! }, (_, r) => flat.slice(r * i.plan.batch, (r + 1) * i.plan.batch));
  } finally {
    t.dispose();
  }
}

const DIAGNOSTICS = ['gradNorm', 'dx', 'underflow', 'nonFinite', 'accepted', 'rejected', 'dt'];
const rowName = (r: number, rows: number) => (r < rows ? `energy row ${r}` : DIAGNOSTICS[r - rows]!);

/** Entry by entry to the bit (NaN matches NaN). */
function expectSameRows(got: Float32Array[], want: Float32Array[], rows: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, r) => row.forEach((v, b) => {
    expect(Object.is(v, want[r]![b]) || (v === 0 && want[r]![b] === 0), `${rowName(r, rows)}, sample ${b}: WGSL ${v}, reference ${want[r]![b]}`).toBe(true);
  }));
}

describe.skipIf(SKIP_WEBGPU)('the check in WGSL', () => {
  let gpu: BackendRuntime;
  let wgsl: (i: CheckInputs<string>) => CheckRows<string>;
  beforeAll(async () => {
    gpu = await useBackend('webgpu');
    takeWebgpuErrors();
    wgsl = (i) => {
      const check = gpuCheckRows(i.plan, i.masks, gpu.gpu!, new Map(i.plan.names.map((n) => [n, i.x[n]!.size / i.plan.batch] as const)));
      if (typeof check === 'string') throw new Error(check);
      return check;
    };
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it.each(CHECKS)('reads the same rows as the reference check: $name', async (c) => {
    const i = checkInputs(c);
    try {
      const want = await checkRows(tensorCheckRows, i);
      const got = await checkRows(wgsl(i), i);
      expectSameRows(got, want, c.rows);
      const underflow = got[c.rows + 2]!;
      expect(Array.from(underflow), 'samples 1 and 4 underflow').toEqual(Array.from({ length: c.B }, (_, b) => (b % 5 === 1 || b % 5 === 4 ? 1 : 0)));
      if (Object.values(c.layers).every((l) => l.role === 'held')) expect([...got[c.rows]!, ...got[c.rows + 1]!]).toEqual(Array(2 * c.B).fill(0));
    } finally {
      disposeInputs(i);
    }
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it.each(CHECKS.filter((c) => c.B > 3))('flags NaN and infinite states and energies as the reference does: $name', async (c) => {
    const i = checkInputs(c, true);
    try {
      const want = await checkRows(tensorCheckRows, i);
      const got = await checkRows(wgsl(i), i);
      const nonFinite = c.rows + 3;
      expect(Array.from(got[nonFinite]!)).toEqual(Array.from({ length: c.B }, (_, b) => (b >= 1 && b <= 3 ? 1 : 0)));
      // Every row as the reference: NaN kept by the maxima (sample 1's gradNorm and dx where the NaN is in a moving layer), ∞ too.
      expectSameRows(got, want, c.rows);
    } finally {
      disposeInputs(i);
    }
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it('frees every tensor it makes', async () => {
    const i = checkInputs(CHECKS[1]!);
    try {
      const check = wgsl(i);
      tf.dispose(check(i)); // compiles
      const before = tf.memory().numTensors;
      const t = check(i);
      expect(tf.memory().numTensors).toBe(before + 1);
      t.dispose();
    } finally {
      disposeInputs(i);
    }
  });

  it('dispatches a few programs where the reference check dispatches dozens', async () => {
    const c: CheckCase = { name: 'the dense memory', B: 8, levels: 1, rows: 10, layers: { v: { shape: [784], role: 'free' } } };
    // Every op on the GPU, as in a descent (where the inputs are GPU outputs): tfjs would run small ops on host values on the CPU.
    const forward = tf.env().getBool('WEBGPU_CPU_FORWARD');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const i = checkInputs(c);
    const count = (check: CheckRows<string>) => {
      const counter = countGpuWork();
      tf.dispose(check(i));
      const n = counter.counts().dispatches;
      counter.dispose();
      return n;
    };
    try {
      const check = wgsl(i);
      tf.dispose([check(i), tensorCheckRows(i)]); // compiles, and puts every input on the GPU
      const fused = count(check), reference = count(tensorCheckRows);
      // One program, and tfjs's concat of 11 rows in three (at most 7 inputs a program).
      expect(fused).toBeLessThanOrEqual(4);
      expect(reference).toBeGreaterThan(4 * fused);
      const out = process.env['HAMUX_FUSED_COUNTS'];
      if (out) writeFileSync(`${out}.check.json`, JSON.stringify({ fused, reference }));
    } finally {
      disposeInputs(i);
      tf.env().set('WEBGPU_CPU_FORWARD', forward);
    }
  });
});

/** The readings of a relaxation of the dense memory read every 5 steps for 20 steps: what each check returned. */
async function readings(c: Case, mode: 'fixed' | 'adaptive', runtime?: BackendRuntime) {
  const ham = memory(c.D, c.K);
  const init = { v: tf.tensor2d(uniformValues(c.B * c.D, 11 + c.D), [c.B, c.D]) };
  const mask = clampMask(c);
  const relax = new Relaxation(ham, init, {
    ...(mode === 'fixed' ? { mode, dt: 0.1 } : { mode, dt: 0.5, dtMax: 3 }), maxSteps: 1000, neuronEnergy: c.neuronEnergy,
    tolerance: { grad: 0, energy: 0, state: 0 }, ...(mask ? { clamp: { v: mask } } : {}), ...(runtime ? { runtime } : {}),
  });
  try {
    const out = [await relax.read()];
    for (let w = 0; w < 4; w++) {
      relax.advance(mode === 'fixed' ? 5 : 2);
      out.push(await relax.read());
    }
    return { evaluator: relax.evaluator, out };
  } finally {
    relax.dispose();
    tf.dispose([init.v, ...(mask ? [mask] : [])]);
    ham.dispose();
  }
}

/** A gradient tolerance halfway between two samples' gradNorm at the third reading: some samples stop there, others later. */
function splitTolerance(r: Awaited<ReturnType<typeof readings>>): number {
  const g = [...r.out[2]!.gradNorm].sort((a, b) => a - b);
  const mid = Math.floor(g.length / 2);
  return (g[mid - 1]! + g[mid]!) / 2;
}

/** A descent of the dense memory to a gradient tolerance: each sample's report. */
async function toTolerance(c: Case, mode: 'fixed' | 'adaptive', grad: number, runtime?: BackendRuntime) {
  const ham = memory(c.D, c.K);
  const init = { v: tf.tensor2d(uniformValues(c.B * c.D, 11 + c.D), [c.B, c.D]) };
  const mask = clampMask(c);
  try {
    const r = await descend(ham, init, {
      ...(mode === 'fixed' ? { mode, dt: 0.1 } : { mode, dt: 0.5, dtMax: 3 }), maxSteps: mode === 'fixed' ? 60 : ADAPTIVE_STEPS, checkEvery: mode === 'fixed' ? 5 : 2,
      neuronEnergy: c.neuronEnergy, tolerance: { grad, energy: 0, state: 0 }, ...(mask ? { clamp: { v: mask } } : {}), ...(runtime ? { runtime } : {}),
    });
    r.states.v.dispose();
    return { evaluator: r.evaluator, report: r.report, energies: r.energies };
  } finally {
    tf.dispose([init.v, ...(mask ? [mask] : [])]);
    ham.dispose();
  }
}

const CHECKED: (Case & { readonly mode: 'fixed' | 'adaptive' })[] = [
  ...CASES.map((c) => ({ ...c, mode: 'fixed' as const })),
  ...ADAPTIVE.map((c) => ({ ...c, mode: 'adaptive' as const })),
];

describe.skipIf(SKIP_WEBGPU)('the WGSL check in descents of the dense memory', () => {
  let gpu: BackendRuntime;
  const reference = new Map<Case, Awaited<ReturnType<typeof readings>>>();
  const stops = new Map<Case, Awaited<ReturnType<typeof toTolerance>>>();
  beforeAll(async () => {
    await useBackend('cpu');
    for (const c of CHECKED) {
      const r = await readings(c, c.mode);
      reference.set(c, r);
      stops.set(c, await toTolerance(c, c.mode, splitTolerance(r)));
    }
    gpu = await useBackend('webgpu');
    takeWebgpuErrors();
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it.each(CHECKED)('reads what the cpu backend reads, check by check: $mode steps, D $D, batch $B, clamp $clamp', async (c) => {
    const want = reference.get(c)!;
    const got = await readings(c, c.mode, gpu);
    expect([got.evaluator, want.evaluator]).toEqual([FUSED, GENERAL]);
    got.out.forEach((r, k) => {
      const w = want.out[k]!;
      expect(r.step).toBe(w.step);
      expectClose(r.gradNorm, w.gradNorm, `gradNorm at step ${r.step}`);
      expectClose(r.dt, w.dt, `dt at step ${r.step}`);
      expect(Array.from(r.accepted), `accepted at step ${r.step}`).toEqual(Array.from(w.accepted));
      expect(Array.from(r.rejected), `rejected at step ${r.step}`).toEqual(Array.from(w.rejected));
      r.energies.forEach((e, i) => expectClose(e, w.energies[i]!, `energies ${i} read at step ${r.step}`));
    });
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it.each(CHECKED)('stops each sample where the cpu backend does, at a gradient tolerance: $mode steps, D $D, batch $B, clamp $clamp', async (c) => {
    const want = stops.get(c)!;
    const tol = splitTolerance(reference.get(c)!);
    const got = await toTolerance(c, c.mode, tol, gpu);
    expect([got.evaluator, want.evaluator]).toEqual([FUSED, GENERAL]);
    const outcome = (r: typeof want) => r.report.map((s) => `${s.reason} ${s.converged} ${s.steps} ${s.acceptedSteps}`);
    expect(outcome(got)).toEqual(outcome(want));
    if (c.B > 10) expect(new Set(want.report.map((s) => s.steps)).size, 'samples stop at different steps').toBeGreaterThan(1);
    expect(want.report.some((s) => s.reason === 'gradient'), 'some converge').toBe(true);
    expectClose(got.report.map((s) => s.gradNorm), want.report.map((s) => s.gradNorm), 'gradNorm at the stop');
    for (let b = 0; b < c.B; b++) expectClose(got.energies[b]!, want.energies[b]!, `energies of sample ${b}`);
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it('reports an energy that is no longer finite as the cpu backend does (sample, step)', async () => {
    const c: Case = { D: 20, K: 7, B: 4, neuronEnergy: true, clamp: 'none' };
    // Sample 2 starts at 1e20 in every entry: its energy ½|x|² overflows float32 while its state is finite.
    const diverge = async (runtime?: BackendRuntime) => {
      const ham = memory(c.D, c.K);
      const v = uniformValues(c.B * c.D, 3).map((u, j) => (Math.floor(j / c.D) === 2 ? 1e20 : u));
      const init = { v: tf.tensor2d(v, [c.B, c.D]) };
      try {
        return await descend(ham, init, { mode: 'fixed', dt: 0.1, maxSteps: 10, ...(runtime ? { runtime } : {}) }).then(() => undefined, (e: unknown) => e);
      } finally {
        tf.dispose(init.v);
        ham.dispose();
      }
    };
    await useBackend('cpu');
    const want = await diverge();
    gpu = await useBackend('webgpu');
    const got = await diverge(gpu);
    expect(want).toBeInstanceOf(DivergenceError);
    expect(got).toBeInstanceOf(DivergenceError);
    const what = (e: DivergenceError) => ({ sample: e.sample, step: e.step, layer: e.layer, message: e.message });
    expect(what(got as DivergenceError)).toEqual(what(want as DivergenceError));
    expect((got as DivergenceError).sample).toBe(2);
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it('costs a few dispatches a check window (checks every step against every 10 steps)', async () => {
    const c: Case = { D: 784, K: 100, B: 8, neuronEnergy: true, clamp: 'shared' };
    const ham = memory(c.D, c.K);
    const init = { v: tf.tensor2d(uniformValues(c.B * c.D, 3), [c.B, c.D]) };
    const mask = clampMask(c)!;
    const count = async (mode: 'fixed' | 'adaptive', checkEvery: number) => {
      const counter = countGpuWork();
      const r = await descend(ham, init, { runtime: gpu, mode, dt: 0.1, maxSteps: 10, checkEvery, clamp: { v: mask }, tolerance: { grad: 0, energy: 0, state: 0 } });
      r.states.v.dispose();
      const n = counter.counts().dispatches;
      counter.dispose();
      expect(r.evaluator).toBe(FUSED);
      return n;
    };
    try {
      const perCheck: Record<string, number> = {};
      for (const mode of ['fixed', 'adaptive'] as const) {
        await count(mode, 1); // compiles the shaders
        perCheck[mode] = ((await count(mode, 1)) - (await count(mode, 10))) / 9;
      }
      // Fixed: counting the window's accepted steps (2 tfjs ops), one check program, the concat of the energy and the diagnostics; adaptive: no counting.
      expect(perCheck['fixed']).toBeLessThanOrEqual(4);
      expect(perCheck['adaptive']).toBeLessThanOrEqual(2);
      const out = process.env['HAMUX_FUSED_COUNTS'];
      if (out) writeFileSync(`${out}.window.json`, JSON.stringify(perCheck));
    } finally {
      tf.dispose([init.v, mask]);
      ham.dispose();
    }
  });
});
