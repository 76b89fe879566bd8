import { describe, expect, it } from 'vitest';
import {
  compileLeanStep, defineHypersynapse, defineLagrangian, hypergraph, lagrangians as L, learnable, LeanStep, synapses as Y, tf,
  type HAM, type Hypersynapse, type Lagrangian, type Params, type Tensor,
} from '../src/index.js';
import { jsGemm, nativeGemm, wasmGemm, wasmThreadedGemm, type Gemm } from '@hamux-ts/kernels';
import { relErr } from '@hamux-ts/test-support';

/** Lean step against autodiff of the tfjs energy (the reference), same states and parameters. */
function compare<Ls extends string>(ham: HAM<Ls, string>, batch: number, gemm: Gemm, neuronEnergy = true, tol = 2e-5) {
  const lean = compileLeanStep(ham, { gemm, neuronEnergy });
  if (typeof lean === 'string') throw new Error(lean);
  const s = ham.randomStates(batch, 11);
  const ref = ham.energyAndDEdxhat(s, { method: 'autodiff', neuronEnergy });
  const x = Object.fromEntries(ham.layerNames.map((n) => [n, Float32Array.from(s[n].dataSync())])) as Record<Ls, Float32Array>;
  const got = lean.energyAndDEdxhat(x, batch);
  expect(relErr(got.energy, ref.energy.dataSync()), 'energy').toBeLessThan(tol);
  for (const n of ham.layerNames) expect(relErr(got.dEdxhat[n], ref.dEdxhat[n].dataSync()), `∂E/∂x̂ of ${n}`).toBeLessThan(tol);
  // The tensor form gives the same numbers as tensors.
  const t = lean.energyAndDEdxhatTensors(s);
  expect(relErr(t.energy.dataSync(), ref.energy.dataSync())).toBeLessThan(tol);
  tf.dispose([ref.energy, t.energy, ...Object.values<Tensor>(ref.dEdxhat), ...Object.values<Tensor>(t.dEdxhat), ...Object.values<Tensor>(s)]);
}

function everyLagrangian() {
  return hypergraph()
    .layer('id', { shape: [7], lagrangian: L.identity() })
    .layer('relu', { shape: [5], lagrangian: L.relu() })
    .layer('repu', { shape: [5], lagrangian: L.repu({ n: 3 }) })
    .layer('exp', { shape: [4], lagrangian: L.exp({ beta: 0.7 }) })
    .layer('rexp', { shape: [4], lagrangian: L.rexp({ beta: 1.3 }) })
    .layer('tanh', { shape: [6], lagrangian: L.tanh({ beta: 2 }) })
    .layer('sig', { shape: [6], lagrangian: L.sigmoid({ beta: 0.5 }) })
    .layer('soft', { shape: [3, 5], lagrangian: L.softmax({ beta: learnable(1.5) }) })
    .layer('ghost', { shape: [2, 4], lagrangian: L.ghostmax() })
    .layer('ln', { shape: [3, 6], lagrangian: L.layernorm({ gamma: 1.2, delta: [0.1, -0.2, 0.3, 0, 0.5, -0.1] }) })
    .layer('sph', { shape: [2, 5], lagrangian: L.spherical({ gamma: 0.8, delta: 0.2 }) })
    .synapse('a', Y.dense(), ['id', 'relu'])
    .synapse('b', Y.denseBias({ init: { b: { type: 'normal', std: 0.3 } } }), ['repu', 'exp'])
    .synapse('c', Y.dense(), ['rexp', 'tanh'])
    .synapse('d', Y.dense(), ['sig', 'soft'])
    .synapse('e', Y.dense(), ['ghost', 'ln'])
    .synapse('f', Y.dense(), ['sph', 'id'])
    .synapse('g', Y.bias({ init: { b: { type: 'normal', std: 0.5 } } }), ['tanh'])
    .synapse('self', Y.dense(), ['id', 'id'])
    .synapse('tie', Y.tie({ gamma: 0.7 }), ['relu', 'repu'])
    .build({ seed: 4 });
}

/** Per-token dense synapses (the Energy Transformer's patch embedding): one W (and b) shared by the tokens. */
function perTokenDense() {
  return hypergraph()
    .layer('patches', { shape: [5, 6], lagrangian: L.identity() })
    .layer('tokens', { shape: [5, 4], lagrangian: L.layernorm() })
    .layer('feats', { shape: [5, 3], lagrangian: L.tanh() })
    .synapse('embed', Y.dense({ perToken: true }), ['patches', 'tokens'])
    .synapse('out', Y.denseBias({ perToken: true, init: { b: { type: 'normal', std: 0.5 } } }), ['tokens', 'feats'])
    .build({ seed: 6 });
}

function everyMemory() {
  return hypergraph()
    .layer('v', { shape: [12], lagrangian: L.tanh() })
    .layer('t', { shape: [5, 8], lagrangian: L.layernorm() })
    .synapse('mh', Y.modernHopfield({ memories: 9, beta: 3 }), ['v'])
    .synapse('r2', Y.reluSquaredMemory({ memories: 7 }), ['v'])
    .synapse('ex', Y.exponentialMemory({ memories: 6, beta: 0.5 }), ['v'])
    .synapse('p3', Y.polynomialMemory({ memories: 5, degree: 3 }), ['v'])
    .synapse('p2r', Y.polynomialMemory({ memories: 5, degree: 2.5, rectified: true }), ['v'])
    .synapse('p1r', Y.polynomialMemory({ memories: 4, degree: 1, rectified: true }), ['v'])
    .synapse('tok', Y.reluSquaredMemory({ memories: 6, perToken: true }), ['t'])
    .synapse('tmh', Y.modernHopfield({ memories: 4, perToken: true }), ['t'])
    .synapse('att', Y.energyAttention({ heads: 2, headDim: 3, init: { Wk: { type: 'normal', std: 0.4 }, Wq: { type: 'normal', std: 0.4 } } }), ['t'])
    .synapse('attm', Y.energyAttention({ heads: 3, headDim: 2, maskSelf: true, beta: 0.9 }), ['t'])
    .build({ seed: 8 });
}

/** Sizes above SMALL_GEMM, so that native and wasm run their own kernels, not the JS shortcut for tiny products. */
function largeEnough() {
  return hypergraph()
    .layer('v', { shape: [200], lagrangian: L.identity() })
    .layer('h', { shape: [64], lagrangian: L.relu() })
    .layer('t', { shape: [24, 32], lagrangian: L.layernorm() })
    .synapse('vh', Y.dense(), ['v', 'h'])
    .synapse('mh', Y.modernHopfield({ memories: 50, beta: 2 }), ['v'])
    .synapse('att', Y.energyAttention({ heads: 2, headDim: 16, init: { Wk: { type: 'normal', std: 0.2 }, Wq: { type: 'normal', std: 0.2 } } }), ['t'])
    .synapse('attm', Y.energyAttention({ heads: 3, headDim: 16, maskSelf: true }), ['t'])
    .synapse('tok', Y.reluSquaredMemory({ memories: 40, perToken: true }), ['t'])
    .build({ seed: 12 });
}

const gemms: Array<[string, () => Promise<Gemm | string>]> = [
  ['js', async () => jsGemm],
  ['wasm', wasmGemm],
  ['wasm, two threads', wasmThreadedGemm],
  ['native', nativeGemm],
];

describe.each(gemms)('lean step on %s matrix products', (name, load) => {
  it('matches autodiff for every built-in Lagrangian and the dense synapses (self-connection included)', async () => {
    const g = await load();
    if (typeof g === 'string') return expect(name).toBe('native');
    const ham = everyLagrangian();
    compare(ham, 3, g);
    compare(ham, 1, g);
    ham.dispose();
  });

  it('matches autodiff for per-token dense synapses', async () => {
    const g = await load();
    if (typeof g === 'string') return expect(name).toBe('native');
    const ham = perTokenDense();
    compare(ham, 3, g);
    compare(ham, 2, g, false);
    ham.dispose();
  });

  it('matches autodiff for every memory and energy attention, with and without neuron energies', async () => {
    const g = await load();
    if (typeof g === 'string') return expect(name).toBe('native');
    const ham = everyMemory();
    compare(ham, 4, g);
    compare(ham, 2, g, false);
    ham.dispose();
  });
});

describe.each(gemms)('lean step on %s matrix products, sizes that reach the kernels', (name, load) => {
  it('matches autodiff', async () => {
    const g = await load();
    if (typeof g === 'string') return expect(name).toBe('native');
    const ham = largeEnough();
    compare(ham, 2, g);
    compare(ham, 3, g, false);
    ham.dispose();
  });
});

describe('lean step', () => {
  it('step() is one Euler step x ← x − (dt/τ) ∂E/∂x̂ per layer, and returns the energy before it', () => {
    const ham = hypergraph()
      .layer('v', { shape: [6], lagrangian: L.identity(), tau: 2 })
      .layer('h', { shape: [4], lagrangian: L.softmax() })
      .synapse('vh', Y.dense(), ['v', 'h'])
      .build({ seed: 1 });
    const lean = compileLeanStep(ham, { gemm: jsGemm }) as LeanStep<'v' | 'h'>;
    const s = ham.randomStates(2, 3);
    const ref = ham.energyAndDEdxhat(s);
    const x = { v: Float32Array.from(s.v.dataSync()), h: Float32Array.from(s.h.dataSync()) };
    const e = Float64Array.from(lean.step(x, 2, 0.1));
    expect(relErr(e, ref.energy.dataSync())).toBeLessThan(1e-5);
    const wantV = s.v.dataSync().map((v, i) => v - (0.1 / 2) * ref.dEdxhat.v.dataSync()[i]!);
    const wantH = s.h.dataSync().map((v, i) => v - 0.1 * ref.dEdxhat.h.dataSync()[i]!);
    expect(relErr(x.v, wantV)).toBeLessThan(1e-6);
    expect(relErr(x.h, wantH)).toBeLessThan(1e-6);
    ham.dispose();
  });

  it('uses given parameters, and does not leak tensors over many calls', () => {
    const ham = everyMemory();
    const lean = compileLeanStep(ham, { gemm: jsGemm }) as LeanStep<'v' | 't'>;
    const other = hypergraph()
      .layer('v', { shape: [12], lagrangian: L.tanh() })
      .layer('t', { shape: [5, 8], lagrangian: L.layernorm() })
      .synapse('mh', Y.modernHopfield({ memories: 9, beta: 3 }), ['v'])
      .synapse('r2', Y.reluSquaredMemory({ memories: 7 }), ['v'])
      .synapse('ex', Y.exponentialMemory({ memories: 6, beta: 0.5 }), ['v'])
      .synapse('p3', Y.polynomialMemory({ memories: 5, degree: 3 }), ['v'])
      .synapse('p2r', Y.polynomialMemory({ memories: 5, degree: 2.5, rectified: true }), ['v'])
      .synapse('p1r', Y.polynomialMemory({ memories: 4, degree: 1, rectified: true }), ['v'])
      .synapse('tok', Y.reluSquaredMemory({ memories: 6, perToken: true }), ['t'])
      .synapse('tmh', Y.modernHopfield({ memories: 4, perToken: true }), ['t'])
      .synapse('att', Y.energyAttention({ heads: 2, headDim: 3 }), ['t'])
      .synapse('attm', Y.energyAttention({ heads: 3, headDim: 2, maskSelf: true, beta: 0.9 }), ['t'])
      .build({ seed: 99 });
    const s = ham.randomStates(2, 5);
    const ref = ham.energyAndDEdxhat(s, { params: other.params });
    const n0 = tf.memory().numTensors;
    let t = lean.energyAndDEdxhatTensors(s, other.params);
    for (let i = 0; i < 20; i++) {
      tf.dispose([t.energy, ...Object.values<Tensor>(t.dEdxhat)]);
      t = lean.energyAndDEdxhatTensors(s, other.params);
    }
    expect(tf.memory().numTensors).toBe(n0 + 3);
    expect(relErr(t.energy.dataSync(), ref.energy.dataSync())).toBeLessThan(2e-5);
    expect(relErr(t.dEdxhat.t.dataSync(), ref.dEdxhat.t.dataSync())).toBeLessThan(2e-5);
    tf.dispose([t.energy, ...Object.values<Tensor>(t.dEdxhat), ref.energy, ...Object.values<Tensor>(ref.dEdxhat), ...Object.values<Tensor>(s)]);
    ham.dispose();
    other.dispose();
  });

  it('refuses user-defined components, even under a built-in kind name, and collective Lagrangians off the last axis', () => {
    const own = defineHypersynapse({ kind: 'dense', arity: 2, energy: ([a, b]) => tf.neg(tf.sum(tf.mul(a!, b!), 1)) });
    const g1 = hypergraph().layer('a', { shape: [3], lagrangian: L.identity() }).layer('b', { shape: [3], lagrangian: L.identity() })
      .synapse('s', own, ['a', 'b']).build({ seed: 1 });
    expect(compileLeanStep(g1)).toMatch(/synapse "s": "dense" is not a built-in/);
    const lag = defineLagrangian({ kind: 'identity', lagrangian: (x) => tf.sum(tf.square(x), 1) });
    const g2 = hypergraph().layer('a', { shape: [3], lagrangian: lag }).synapse('s', Y.bias(), ['a']).build({ seed: 1 });
    expect(compileLeanStep(g2)).toMatch(/layer "a": the Lagrangian "identity" is not a built-in/);
    const g3 = hypergraph().layer('a', { shape: [3, 4], lagrangian: L.softmax({ axis: 0 }) }).synapse('s', Y.bias(), ['a']).build({ seed: 1 });
    expect(compileLeanStep(g3)).toMatch(/softmax along an axis other than the last/);
    const g4 = hypergraph().layer('a', { shape: [4, 4, 1], lagrangian: L.identity() }).layer('b', { shape: [2, 2, 1], lagrangian: L.identity() })
      .synapse('p', Y.avgPool({ size: 2 }), ['a', 'b']).build({ seed: 1 });
    expect(compileLeanStep(g4)).toMatch(/synapse "p": no host form for the synapse "avgPool"/);
    [g1, g2, g3, g4].forEach((g) => g.dispose());
  });

  it("refuses a user-defined component made of a built-in's very functions, and a built-in under another kind", () => {
    const softmax = L.softmax({ beta: 2 }), dense = Y.dense();
    // the same kind, the same functions (the same source text): still not a built-in, so autodiff
    const sameLag = defineLagrangian({ kind: 'softmax', params: softmax.params, lagrangian: softmax.lagrangian, activation: softmax.activation! });
    const sameSyn = defineHypersynapse({ kind: 'dense', arity: 2, params: dense.params, energy: dense.energy, dEdxhat: dense.dEdxhat! });
    const graph = (lag: Lagrangian, syn: Hypersynapse) =>
      hypergraph().layer('a', { shape: [4], lagrangian: L.identity() }).layer('b', { shape: [3], lagrangian: lag })
        .synapse('s', syn, ['a', 'b']).build({ seed: 2 });
    const g1 = graph(sameLag, dense), g2 = graph(softmax, sameSyn);
    expect(compileLeanStep(g1)).toMatch(/layer "b": the Lagrangian "softmax" is not a built-in/);
    expect(compileLeanStep(g2)).toMatch(/synapse "s": "dense" is not a built-in/);
    // a built-in copied under a kind of its own is that kind's, not the built-in's
    const g3 = graph(softmax, { ...dense, kind: 'myDense' });
    expect(compileLeanStep(g3)).toMatch(/synapse "s": "myDense" is not a built-in/);
    const g4 = graph(softmax, dense);
    expect(compileLeanStep(g4)).toBeInstanceOf(LeanStep);
    [g1, g2, g3, g4].forEach((g) => g.dispose());
  });

  it('a HAM given new parameters (withParams) keeps the lean step, and computes with them', () => {
    const ham = everyLagrangian();
    const halve = (m: Params['layers']) =>
      Object.fromEntries(Object.entries(m).map(([k, ps]) => [k, Object.fromEntries(Object.entries(ps).map(([p, t]) => [p, tf.mul(t, 0.5)]))]));
    const params = { layers: halve(ham.params.layers), synapses: halve(ham.params.synapses) };
    const trained = ham.withParams(params);
    expect(trained.layers.soft.lagrangian.builtin).toEqual({ kind: 'softmax', axis: -1 });
    compare(trained, 3, jsGemm);
    tf.dispose([...Object.values(params.layers), ...Object.values(params.synapses)].flatMap((m) => Object.values(m)));
    ham.dispose();
    trained.dispose();
  });

  it('checks the size of the states it is given', () => {
    const ham = hypergraph().layer('a', { shape: [3], lagrangian: L.identity() }).synapse('s', Y.bias(), ['a']).build({ seed: 1 });
    const lean = compileLeanStep(ham) as LeanStep<'a'>;
    expect(() => lean.energyAndDEdxhat({ a: new Float32Array(5) }, 2)).toThrow(
      expect.objectContaining({ name: 'HamuxError', code: 'shape_mismatch', path: ['lean step', 'x', 'a'], message: 'lean step.x.a: needs 2×3 values, got 5' }),
    );
    ham.dispose();
  });
});
