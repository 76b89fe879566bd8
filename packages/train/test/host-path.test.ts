import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineLagrangian, deriveKey, hypergraph, lagrangians as L, learnable, normal, normalValues, synapses as Y, tf,
  type HAM, type Tensor,
} from '@hamux-ts/core';
import { buildFromConfig, presets } from '@hamux-ts/config';
import { disableFastKernels, enableFastKernels } from '@hamux-ts/kernels';
import {
  Trainer, clampedInput, corruptedInput, crossEntropy, maskedInput, mse, sumOf,
  type Loss, type Prepare, type TrainerOptions,
} from '@hamux-ts/train';
import type { Runtime } from '@hamux-ts/dynamics';
import { blobs, flatParams, mismatch } from './support.js';

/**
 * The fast training path: on cpu (and wasm) with the fast kernels, a graph of built-in parts and a
 * built-in loss, `Trainer` takes the gradient through the unrolled descent by the adjoint of the
 * lean step on host arrays. tfjs autodiff through `unroll` (`method: 'autodiff'`) is the reference.
 */

/** The cpu backend with the fast kernels, as `useBackend('cpu')` makes it. */
let runtime: Runtime;
beforeAll(async () => {
  await tf.ready();
  runtime = { backend: tf.getBackend(), gemm: (await enableFastKernels()).gemm };
});
afterAll(() => disableFastKernels());

// float32 on both sides, through a few steps: agreement to 1e-4 of each gradient's largest entry
const RTOL = 1e-4;
const ATOL = 1e-7;

type AnyHam = HAM<string, string>;

/** The gradients of one batch on the host path and by autodiff, with the same options. */
function bothPaths(ham: AnyHam, options: Omit<TrainerOptions<string, string>, 'method' | 'seed' | 'optimizer'>, batch: Record<string, Tensor>) {
  const run = (method: 'auto' | 'autodiff') => {
    const trainer = new Trainer(ham, { ...options, runtime, seed: 0, method, optimizer: { name: 'sgd', learningRate: 0.1 } });
    const { loss, grads } = trainer.gradients(batch, 7);
    const out = { path: trainer.path!, loss: loss.dataSync()[0]!, grads: Object.fromEntries(Object.entries(grads).map(([p, g]) => [p, Float32Array.from(g.dataSync())])) };
    tf.dispose([loss, ...Object.values(grads)]);
    trainer.dispose();
    return out;
  };
  return { host: run('auto'), ref: run('autodiff') };
}

function expectSameGradients(host: ReturnType<typeof bothPaths>['host'], ref: ReturnType<typeof bothPaths>['ref']) {
  expect(host.path.kind, host.path.detail).toBe('host');
  expect(ref.path.kind).toBe('autodiff');
  expect(Math.abs(host.loss - ref.loss)).toBeLessThan(1e-5 * (1 + Math.abs(ref.loss)));
  expect(Object.keys(host.grads)).toEqual(Object.keys(ref.grads));
  for (const [p, g] of Object.entries(ref.grads)) {
    expect(Math.max(...Array.from(g, Math.abs)), `${p} has a gradient worth checking`).toBeGreaterThan(1e-5);
    expect(mismatch(host.grads[p]!, g, RTOL, ATOL), `${p}: host ${Array.from(host.grads[p]!.slice(0, 6))} vs autodiff ${Array.from(g.slice(0, 6))}`).toBeLessThanOrEqual(1);
  }
}

const classifier = (beta: number | { value: number; learnable: boolean } = 1) =>
  buildFromConfig(presets.classifier({ input: 8, hidden: 16, labels: 3, beta, seed: 3 })) as AnyHam;

describe('Trainer on the host path: the gradient through the unrolled descent against tfjs autodiff', () => {
  it('the classifier preset (input clamped, relu, softmax labels with learnable β, denseBias), cross-entropy', () => {
    const ham = classifier({ value: 1.5, learnable: true });
    const data = blobs(12, 1);
    const { host, ref } = bothPaths(ham, {
      steps: 6, dt: 0.2,
      prepare: clampedInput({ layer: 'input', field: 'x' }),
      loss: crossEntropy({ layer: 'label', field: 'y' }),
    }, data);
    expect(Object.keys(host.grads)).toContain('layers.label.beta');
    expectSameGradients(host, ref);
    expect(host.path.detail).toMatch(/adjoint of the lean step \((native|wasm|js) gemm\)/);
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('every built-in Lagrangian, learnable parameters, masks, mse on the free entries plus cross-entropy of a state, no neuron energies', () => {
    const ham = hypergraph()
      .layer('v', { shape: [6], lagrangian: L.identity() })
      .layer('r', { shape: [5], lagrangian: L.repu({ n: 3 }), tau: 0.7 })
      .layer('e', { shape: [4], lagrangian: L.exp({ beta: learnable(0.6) }) })
      .layer('x', { shape: [4], lagrangian: L.rexp({ beta: learnable(1.2) }) })
      .layer('t', { shape: [5], lagrangian: L.tanh({ beta: learnable(1.5) }), tau: 0.5 })
      .layer('s', { shape: [4], lagrangian: L.sigmoid({ beta: learnable(0.8) }) })
      .layer('y', { shape: [3], lagrangian: L.softmax({ beta: learnable(1.2) }), tau: 0.4 })
      .layer('g', { shape: [2, 3], lagrangian: L.ghostmax() })
      .layer('n', { shape: [2, 4], lagrangian: L.layernorm({ gamma: learnable(1.1), delta: learnable([0.1, -0.2, 0.3, 0]) }) })
      .layer('p', { shape: [3], lagrangian: L.spherical({ gamma: learnable(0.9), delta: learnable(0.1) }) })
      .synapse('vr', Y.dense({ init: { W: normal(0.5) } }), ['v', 'r'])
      .synapse('re', Y.denseBias({ init: { W: normal(0.5), b: normal(0.3) } }), ['r', 'e'])
      .synapse('vx', Y.dense({ init: { W: normal(0.4) } }), ['v', 'x'])
      .synapse('xt', Y.dense({ init: { W: normal(0.5) } }), ['x', 't'])
      .synapse('ts', Y.dense({ init: { W: normal(0.5) } }), ['t', 's'])
      .synapse('sy', Y.denseBias({ init: { W: normal(0.6), b: normal(0.3) } }), ['s', 'y'])
      .synapse('vg', Y.dense({ init: { W: normal(0.5) } }), ['v', 'g'])
      .synapse('gn', Y.dense({ init: { W: normal(0.5) } }), ['g', 'n'])
      .synapse('np', Y.dense({ init: { W: normal(0.5) } }), ['n', 'p'])
      .synapse('pv', Y.dense({ init: { W: normal(0.4) } }), ['p', 'v'])
      .synapse('tb', Y.bias({ init: { b: normal(0.5) } }), ['t'])
      .synapse('vv', Y.dense({ init: { W: normal(0.1) } }), ['v', 'v'])
      .build({ seed: 9 }) as AnyHam;
    const data = { x: tf.tensor(normalValues(deriveKey(2, 'x'), [4, 6]), [4, 6]), y: tf.tensor1d([0, 2, 1, 2], 'int32') };
    for (const neuronEnergy of [false, true]) {
      const { host, ref } = bothPaths(ham, {
        steps: 4, dt: 0.15, neuronEnergy,
        prepare: maskedInput({ layer: 'v', field: 'x', fraction: 0.4, rest: { std: 0.3 } }),
        loss: sumOf([mse({ layer: 'v', field: 'x', on: 'free' }), 1], [crossEntropy({ layer: 'y', field: 'y', from: 'state' }), 0.5]),
      }, data);
      expect(Object.keys(host.grads)).toEqual(expect.arrayContaining(['layers.e.beta', 'layers.n.gamma', 'layers.n.delta', 'layers.p.delta', 'synapses.tb.b']));
      expectSameGradients(host, ref);
    }
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('every memory, flat and per token, learnable β; a corrupted free input, mse of the state', () => {
    const ham = hypergraph()
      .layer('v', { shape: [8], lagrangian: L.identity() })
      .layer('h', { shape: [5], lagrangian: L.tanh() })
      .layer('t', { shape: [2, 4], lagrangian: L.layernorm() })
      .synapse('mh', Y.modernHopfield({ memories: 6, beta: learnable(1.5), init: { xi: normal(1.2) } }), ['v'])
      .synapse('r2', Y.reluSquaredMemory({ memories: 4, init: { xi: normal(0.4) } }), ['v'])
      .synapse('ex', Y.exponentialMemory({ memories: 3, beta: learnable(0.5) }), ['h'])
      .synapse('p3', Y.polynomialMemory({ memories: 3, degree: 3 }), ['h'])
      .synapse('p2', Y.polynomialMemory({ memories: 3, degree: 2.5, rectified: true }), ['h'])
      .synapse('vh', Y.dense({ init: { W: normal(0.4) } }), ['v', 'h'])
      .synapse('vt', Y.dense({ init: { W: normal(0.4) } }), ['v', 't'])
      .synapse('tok', Y.reluSquaredMemory({ memories: 4, perToken: true }), ['t'])
      .synapse('tmh', Y.modernHopfield({ memories: 3, perToken: true }), ['t'])
      .build({ seed: 4 }) as AnyHam;
    const data = { x: tf.tensor(normalValues(deriveKey(5, 'x'), [3, 8]), [3, 8]) };
    const { host, ref } = bothPaths(ham, {
      steps: 5, dt: 0.2,
      prepare: corruptedInput({ layer: 'v', field: 'x', std: 0.3, rest: { std: 0.2 } }),
      loss: sumOf([mse({ layer: 'v', field: 'x', of: 'state' }), 1], [mse({ layer: 't', field: 'x' }), 0.2]),
    }, data);
    expect(Object.keys(host.grads)).toEqual(expect.arrayContaining(['synapses.mh.xi', 'synapses.mh.beta', 'synapses.ex.beta', 'synapses.tmh.xi']));
    expectSameGradients(host, ref);
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('the Energy Transformer preset (per-token embedding, position bias, energy attention, ReLU² memory), masked patches, mse on the free entries', () => {
    const ham = buildFromConfig(presets.energyTransformer({ image: [4, 4, 1], patch: 2, dim: 6, heads: 2, memories: 8, maskSelf: true, seed: 2 })) as AnyHam;
    const data = { x: tf.tensor(normalValues(deriveKey(6, 'x'), [3, 4, 4]), [3, 4, 4]) };
    for (const neuronEnergy of [true, false]) {
      const { host, ref } = bothPaths(ham, {
        steps: 3, dt: 0.1, neuronEnergy,
        prepare: maskedInput({ layer: 'patches', field: 'x', fraction: 0.5 }),
        loss: mse({ layer: 'patches', field: 'x', on: 'free' }),
      }, data);
      expect(Object.keys(host.grads)).toEqual(expect.arrayContaining(['synapses.attention.Wk', 'synapses.attention.Wq', 'synapses.hopfield.xi', 'layers.tokens.gamma']));
      expectSameGradients(host, ref);
    }
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('trains the same on both paths: losses and parameters after five Adam steps with clipping', async () => {
    const ham = classifier();
    const data = blobs(16, 2);
    const train = async (method: 'auto' | 'autodiff') => {
      const trainer = new Trainer(ham, {
        seed: 1, steps: 5, dt: 0.2, method, clipNorm: 2, runtime,
        prepare: clampedInput({ layer: 'input', field: 'x', rest: { std: 0.1 } }),
        loss: crossEntropy({ layer: 'label', field: 'y' }),
        optimizer: { name: 'adam', learningRate: 0.02 },
      });
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) losses.push(await trainer.trainBatch(data, i));
      const out = { losses, params: flatParams(trainer.params), path: trainer.path! };
      trainer.dispose();
      return out;
    };
    const host = await train('auto'), ref = await train('autodiff');
    expect(host.path.kind).toBe('host');
    expect(ref.path.kind).toBe('autodiff');
    expect(host.losses[4]!).toBeLessThan(host.losses[0]!);
    host.losses.forEach((l, i) => expect(Math.abs(l - ref.losses[i]!)).toBeLessThan(1e-5 * (1 + ref.losses[i]!)));
    for (const [p, v] of Object.entries(ref.params)) expect(mismatch(host.params[p]!, v, 1e-4, 1e-6), p).toBeLessThanOrEqual(1);
    tf.dispose(Object.values(data));
    ham.dispose();
  });

  it('leaks no tensor over many trainBatch calls', async () => {
    const ham = classifier();
    const data = blobs(8, 3);
    const trainer = new Trainer(ham, {
      seed: 0, steps: 3, dt: 0.2, clipValue: 1, runtime,
      prepare: clampedInput({ layer: 'input', field: 'x' }),
      loss: crossEntropy({ layer: 'label', field: 'y' }),
      optimizer: { name: 'adam', learningRate: 0.01 },
    });
    await trainer.trainBatch(data, 0); // the optimizer makes its slots
    const n0 = tf.memory().numTensors;
    for (let i = 1; i <= 30; i++) await trainer.trainBatch(data, i);
    expect(trainer.path!.kind).toBe('host');
    expect(tf.memory().numTensors).toBe(n0);
    trainer.dispose();
    tf.dispose(Object.values(data));
    ham.dispose();
  });
});

describe('Trainer falls back to autodiff, and says why', () => {
  const data = () => blobs(4, 4);
  const pathOf = (ham: AnyHam, loss: Loss<string>, extra: Partial<TrainerOptions<string, string>> = {}, prepare: Prepare<string> = clampedInput({ layer: 'input', field: 'x' })) => {
    const batch = data();
    const trainer = new Trainer(ham, { seed: 0, steps: 2, prepare, loss, runtime, optimizer: { name: 'sgd', learningRate: 0.1 }, ...extra });
    const { loss: value, grads } = trainer.gradients(batch);
    tf.dispose([value, ...Object.values(grads), ...Object.values(batch)]);
    const path = trainer.path!;
    trainer.dispose();
    return path;
  };
  const ce = crossEntropy({ layer: 'label', field: 'y' });

  it("when asked for method 'autodiff', for a loss of the user's own, and without a runtime with fast kernels", () => {
    const ham = classifier();
    expect(pathOf(ham, ce, { method: 'autodiff' })).toEqual({ kind: 'autodiff', detail: "method 'autodiff' was asked for" });
    const own: Loss<'label'> = (acts) => tf.mean(tf.square(acts.label));
    expect(pathOf(ham, own).detail).toMatch(/the loss has no host form/);
    const plain = new Trainer(ham, { seed: 0, steps: 2, prepare: clampedInput({ layer: 'input', field: 'x' }), loss: ce, optimizer: { name: 'sgd', learningRate: 0.1 } });
    const batch = data();
    tf.dispose(Object.values(plain.gradients(batch).grads));
    expect(plain.path?.detail).toMatch(/no runtime was given/);
    tf.dispose(Object.values(batch));
    plain.dispose();
    expect(pathOf(ham, ce, { runtime: { backend: tf.getBackend() } }).detail).toMatch(/the runtime has no fast kernels/);
    expect(pathOf(ham, ce).kind).toBe('host');
    expect(() => pathOf(ham, ce, { runtime: { ...runtime, backend: 'wasm' } })).toThrow(/runtime\.backend: this runtime was made for the wasm backend, but cpu is the current one/);
    ham.dispose();
  });

  it('for a user-defined Lagrangian, and for a synapse with no host form (conv2d)', () => {
    const id = L.identity();
    const own = hypergraph()
      .layer('input', { shape: [8], lagrangian: defineLagrangian({ kind: 'mine', lagrangian: id.lagrangian, activation: id.activation! }) })
      .layer('label', { shape: [3], lagrangian: L.softmax() })
      .synapse('s', Y.dense(), ['input', 'label'])
      .build({ seed: 1 }) as AnyHam;
    expect(pathOf(own, ce).detail).toMatch(/layer "input": the Lagrangian "mine" is not a built-in/);
    own.dispose();
    const conv = hypergraph()
      .layer('input', { shape: [2, 4, 1], lagrangian: L.identity() })
      .layer('f', { shape: [1, 3, 2], lagrangian: L.relu() })
      .layer('label', { shape: [3], lagrangian: L.softmax() })
      .synapse('c', Y.conv2d({ kernel: 2 }), ['input', 'f'])
      .synapse('s', Y.dense(), ['f', 'label'])
      .build({ seed: 1 }) as AnyHam;
    expect(pathOf(conv, ce).detail).toMatch(/synapse "c": no host form for the synapse "conv2d"/);
    conv.dispose();
  });

  it('and a mistake in the batch is still reported as the autodiff path reports it', () => {
    const ham = classifier();
    const trainer = new Trainer(ham, { seed: 0, steps: 2, runtime, prepare: clampedInput({ layer: 'input', field: 'x' }), loss: crossEntropy({ layer: 'label', field: 'nope' }), optimizer: { name: 'sgd', learningRate: 0.1 } });
    const batch = data();
    expect(() => trainer.gradients(batch)).toThrow(/the batch has no field "nope"/);
    expect(trainer.path?.detail).toMatch(/crossEntropy: field "nope"/);
    tf.dispose(Object.values(batch));
    trainer.dispose();
    ham.dispose();
  });
});

