// The lean step inside the scheduler: given useBackend's runtime, `descend` evaluates graphs of
// built-in components with the lean step on cpu and wasm, follows the same trajectory as the
// general tfjs path to float32 accuracy, still never lets an energy rise, and leaks no tensor.
import { afterAll, describe, expect, it } from 'vitest';
import { compileLeanStep, defineHypersynapse, hypergraph, lagrangians as L, synapses as Y, tf, type HAM, type Tensor } from '@hamux-ts/core';
import { descend, descendSync } from '@hamux-ts/dynamics';
import { useBackend } from '@hamux-ts/backends';
import { buildFromConfig, presets } from '@hamux-ts/config';
import { disableFastKernels } from '@hamux-ts/kernels';
import { relErr } from '@hamux-ts/test-support';

afterAll(async () => {
  disableFastKernels();
  await useBackend('cpu', { fastKernels: false });
});

const graphs: Record<string, () => HAM<string, string>> = {
  'dense HAM': () =>
    hypergraph()
      .layer('v', { shape: [40], lagrangian: L.identity() })
      .layer('h1', { shape: [24], lagrangian: L.relu(), tau: 0.5 })
      .layer('h2', { shape: [10], lagrangian: L.softmax({ beta: 2 }), tau: 0.2 })
      .synapse('W1', Y.dense(), ['v', 'h1'])
      .synapse('W2', Y.denseBias(), ['h1', 'h2'])
      .build({ seed: 3 }) as unknown as HAM<string, string>,
  'modern Hopfield + Energy Transformer tokens': () =>
    hypergraph()
      .layer('v', { shape: [30], lagrangian: L.tanh() })
      .layer('t', { shape: [6, 8], lagrangian: L.layernorm() })
      .synapse('mem', Y.modernHopfield({ memories: 12, beta: 2 }), ['v'])
      .synapse('att', Y.energyAttention({ heads: 2, headDim: 4 }), ['t'])
      .synapse('hop', Y.reluSquaredMemory({ memories: 10, perToken: true }), ['t'])
      .build({ seed: 4 }) as unknown as HAM<string, string>,
};

describe.each(['cpu', 'wasm'] as const)('descend with the lean step on %s', (backend) => {
  it.each(Object.keys(graphs))('%s: same trajectory as HAM.energyAndDEdxhat, energies never rise', async (name) => {
    const runtime = await useBackend(backend);
    const ham = graphs[name]!();
    const init = ham.randomStates(4, 7, 0.5);
    const options = { mode: 'fixed' as const, dt: 0.05, maxSteps: 60 };
    const before = tf.memory().numTensors;
    const lean = await descend(ham, init, { ...options, runtime });
    expect(lean.evaluator).toMatch(/^lean step/);
    const general = await descend(ham, init, { ...options, runtime, fastPath: false });
    const without = await descend(ham, init, options); // no runtime: tfjs ops
    expect(without.evaluator).toBe('HAM.energyAndDEdxhat');
    expect(general.evaluator).toBe('HAM.energyAndDEdxhat');
    expect(lean.steps).toBe(general.steps);
    lean.energies.forEach((e, b) => {
      expect(relErr(e, general.energies[b]!)).toBeLessThan(1e-5);
      for (let t = 1; t < e.length; t++) expect(e[t]!).toBeLessThanOrEqual(e[t - 1]! + 1e-6 * (1 + Math.abs(e[t - 1]!)));
    });
    for (const n of ham.layerNames) expect(relErr(await lean.states[n]!.data(), await general.states[n]!.data())).toBeLessThan(1e-4);
    // Adaptive descent too: every sample's energy falls all the way.
    const adaptive = await descend(ham, init, { maxSteps: 200, runtime });
    expect(adaptive.evaluator).toMatch(/^lean step/);
    for (const e of adaptive.energies) for (let t = 1; t < e.length; t++) expect(e[t]!).toBeLessThanOrEqual(e[t - 1]!);
    tf.dispose([...Object.values<Tensor>(lean.states), ...Object.values<Tensor>(general.states), ...Object.values<Tensor>(without.states), ...Object.values<Tensor>(adaptive.states)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values<Tensor>(init));
    ham.dispose();
  });

  it('a graph with a user-defined synapse takes the general path', async () => {
    const runtime = await useBackend(backend);
    const custom = defineHypersynapse({
      kind: 'squaredSum',
      arity: 1,
      params: () => ({}),
      energy: ([x]) => tf.mul(-0.5, tf.sum(tf.square(x!), 1)),
    });
    const ham = hypergraph().layer('v', { shape: [5], lagrangian: L.tanh() }).synapse('s', custom, ['v']).build({ seed: 0 });
    const init = ham.randomStates(2, 1);
    const r = await descend(ham, init, { maxSteps: 5, runtime });
    expect(r.evaluator).toBe('HAM.energyAndDEdxhat');
    tf.dispose([...Object.values<Tensor>(r.states), ...Object.values<Tensor>(init)]);
    ham.dispose();
  });

  it('a config with initialisers on built-in synapses takes the lean step (descendSync)', async () => {
    const runtime = await useBackend(backend);
    const ham = buildFromConfig({
      layers: {
        v: { shape: [12], lagrangian: { kind: 'identity' } },
        h: { shape: [6], lagrangian: { kind: 'softmax', beta: 2 }, tau: 0.2 },
      },
      synapses: {
        W: { kind: 'denseBias', connects: ['v', 'h'], init: { W: { type: 'normal', std: 0.3 }, b: { type: 'constant', value: 0.1 } } },
        mem: { kind: 'modernHopfield', connects: ['v'], memories: 5, init: { xi: { type: 'uniform', low: -0.5, high: 0.5 } } },
      },
      seed: 1,
    });
    expect(ham.synapses.W!.synapse.builtin).toEqual({ kind: 'denseBias', perToken: false });
    const init = ham.randomStates(3, 2, 0.5);
    const r = descendSync(ham, init, { mode: 'fixed', dt: 0.05, maxSteps: 10, runtime });
    expect(r.evaluator).toMatch(/^lean step/);
    tf.dispose([...Object.values<Tensor>(r.states), ...Object.values<Tensor>(init)]);
    ham.dispose();
  });

  it('config-built graphs with initialisers (the presets) take the lean step too', async () => {
    const runtime = await useBackend(backend);
    const et = buildFromConfig(presets.energyTransformer({ image: [8, 8, 1], patch: 4, dim: 8, heads: 2, memories: 6 }));
    expect(Object.keys(et.paramSpecs.synapses.embed)).toEqual(['W']);
    expect(typeof compileLeanStep(et)).not.toBe('string');
    const init = et.randomStates(2, 3, 0.5);
    const r = await descend(et, init, { maxSteps: 20, runtime });
    expect(r.evaluator).toMatch(/^lean step/);
    tf.dispose([...Object.values<Tensor>(r.states), ...Object.values<Tensor>(init)]);
    et.dispose();
  });
});
