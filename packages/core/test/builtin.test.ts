// The built-in specs: every built-in factory says which built-in it made, as plain data that names
// its structural options and none of its parameters; user-defined components never carry one.
import { describe, expect, it } from 'vitest';
import {
  defineHypersynapse,
  defineLagrangian,
  lagrangians as L,
  learnable,
  sumPerSample,
  synapses as Y,
  tf,
  type BuiltinLagrangianSpec,
  type BuiltinSynapseSpec,
  type Hypersynapse,
  type Lagrangian,
} from '@hamux-ts/core';

// One factory call per spec kind: a kind added to either union without a factory here is a compile error.
const lagrangianFactories: { readonly [K in BuiltinLagrangianSpec['kind']]: () => Lagrangian } = {
  identity: () => L.identity(),
  relu: () => L.relu(),
  repu: () => L.repu({ n: 3 }),
  exp: () => L.exp({ beta: 2 }),
  rexp: () => L.rexp(),
  tanh: () => L.tanh({ beta: learnable(0.5) }),
  sigmoid: () => L.sigmoid(),
  softmax: () => L.softmax({ beta: 4, axis: 0 }),
  ghostmax: () => L.ghostmax(),
  layernorm: () => L.layernorm({ eps: 1e-3 }),
  spherical: () => L.spherical({ axis: 1, gamma: 2 }),
};

const synapseFactories: { readonly [K in BuiltinSynapseSpec['kind']]: () => Hypersynapse } = {
  dense: () => Y.dense({ perToken: true }),
  denseBias: () => Y.denseBias(),
  bias: () => Y.bias(),
  tie: () => Y.tie({ gamma: learnable(3) }),
  conv2d: () => Y.conv2d({ kernel: [3, 2], padding: 1 }),
  avgPool: () => Y.avgPool({ size: 2 }),
  polynomialMemory: () => Y.polynomialMemory({ memories: 4, degree: 2.5, rectified: true }),
  exponentialMemory: () => Y.exponentialMemory({ memories: 3, beta: 0.5 }),
  modernHopfield: () => Y.modernHopfield({ memories: 5, perToken: true, beta: learnable(2) }),
  reluSquaredMemory: () => Y.reluSquaredMemory({ memories: 6 }),
  energyAttention: () => Y.energyAttention({ heads: 2, headDim: 3, maskSelf: true }),
};

const helpers = ['logCosh', 'softplus', 'outputLength'];
const exported = (ns: object) => Object.keys(ns).filter((k) => !helpers.includes(k)).sort();

describe('built-in specs', () => {
  it('every built-in factory that core exports carries a spec of its own kind', () => {
    expect(Object.keys(lagrangianFactories).sort()).toEqual(exported(L));
    expect(Object.keys(synapseFactories).sort()).toEqual(exported(Y));
    for (const [kind, make] of [...Object.entries(lagrangianFactories), ...Object.entries(synapseFactories)]) {
      const c = make();
      expect(c.kind, kind).toBe(kind);
      expect(c.builtin?.kind, kind).toBe(kind);
      expect(structuredClone(c.builtin), kind).toEqual(c.builtin); // plain data
    }
  });

  it('holds the structural options, defaults filled in, and no parameter values', () => {
    const l = lagrangianFactories, s = synapseFactories;
    expect(l.repu().builtin).toEqual({ kind: 'repu', n: 3 });
    expect(l.relu().builtin).toEqual({ kind: 'relu' }); // not the repu it is made from
    expect(l.exp().builtin).toEqual({ kind: 'exp' });
    expect(l.tanh().builtin).toEqual({ kind: 'tanh' });
    expect(l.softmax().builtin).toEqual({ kind: 'softmax', axis: 0 });
    expect(l.ghostmax().builtin).toEqual({ kind: 'ghostmax', axis: -1 });
    expect(l.layernorm().builtin).toEqual({ kind: 'layernorm', eps: 1e-3, axis: -1 });
    expect(l.spherical().builtin).toEqual({ kind: 'spherical', eps: 1e-5, axis: 1 });
    expect(s.dense().builtin).toEqual({ kind: 'dense', perToken: true });
    expect(s.denseBias().builtin).toEqual({ kind: 'denseBias', perToken: false });
    expect(s.bias().builtin).toEqual({ kind: 'bias' });
    expect(s.tie().builtin).toEqual({ kind: 'tie' });
    expect(s.conv2d().builtin).toEqual({ kind: 'conv2d', kernel: [3, 2], stride: [1, 1], padding: 1 });
    expect(s.avgPool().builtin).toEqual({ kind: 'avgPool', size: [2, 2], stride: [2, 2], padding: 'valid' });
    expect(s.polynomialMemory().builtin).toEqual({ kind: 'polynomialMemory', memories: 4, perToken: false, degree: 2.5, rectified: true });
    expect(s.exponentialMemory().builtin).toEqual({ kind: 'exponentialMemory', memories: 3, perToken: false });
    expect(s.modernHopfield().builtin).toEqual({ kind: 'modernHopfield', memories: 5, perToken: true });
    expect(s.reluSquaredMemory().builtin).toEqual({ kind: 'reluSquaredMemory', memories: 6, perToken: false });
    expect(s.energyAttention().builtin).toEqual({ kind: 'energyAttention', heads: 2, headDim: 3, maskSelf: true });
  });

  it('user-defined components carry none, even under a built-in kind with the same functions', () => {
    const relu = L.relu(), dense = Y.dense();
    const lag = defineLagrangian({ kind: 'relu', lagrangian: relu.lagrangian, activation: relu.activation! });
    const syn = defineHypersynapse({ kind: 'dense', arity: 2, params: dense.params, energy: dense.energy, dEdxhat: dense.dEdxhat! });
    const own = defineLagrangian({ kind: 'identity', lagrangian: (x) => tf.mul(0.5, sumPerSample(tf.square(x))) });
    for (const c of [lag, syn, own]) expect(c).not.toHaveProperty('builtin');
  });
});
