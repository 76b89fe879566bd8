import { beforeAll, describe, expect, it } from 'vitest';
import {
  defineHypersynapse,
  installSecondOrderGradients,
  hypergraph,
  lagrangians as L,
  learnable,
  normal,
  sumPerSample,
  synapses as Y,
  tf,
  type GradMethod,
  type HAM,
  type Params,
  type States,
  type Tensor,
} from '@hamux-ts/core';

// ---------------------------------------------------------------------------------------------
// Helpers

const data = (t: Tensor): number[] => Array.from(t.dataSync());

/** Element-wise |a − b| <= atol + rtol·|b|, with a readable failure. */
function expectClose(
  actual: Tensor | readonly number[],
  expected: Tensor | readonly number[],
  { atol = 1e-5, rtol = 1e-4, label = '' }: { atol?: number; rtol?: number; label?: string } = {},
): void {
  if (!Array.isArray(actual) && !Array.isArray(expected)) {
    expect((actual as Tensor).shape, `${label} shape`).toEqual((expected as Tensor).shape);
  }
  const a = Array.isArray(actual) ? (actual as number[]) : data(actual as Tensor);
  const b = Array.isArray(expected) ? (expected as number[]) : data(expected as Tensor);
  expect(a.length, `${label} length`).toBe(b.length);
  const bad = a
    .map((v, i) => ({ i, v, w: b[i]!, err: Math.abs(v - b[i]!) }))
    .filter(({ v, w, err }) => !(err <= atol + rtol * Math.abs(w)) || Number.isNaN(v));
  expect(bad.slice(0, 5), `${label}: ${bad.length} of ${a.length} entries differ`).toEqual([]);
}

const maxAbs = (xs: readonly number[]): number => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function disposeStates(s: Readonly<Record<string, Tensor>>): void {
  tf.dispose(Object.values(s));
}

/** A 3-layer hypersynapse with no closed form: `E = −Σ tanh(a⊙s)·(1 + Σ b²) + 0.1 (Σ c)²`. */
const tri = defineHypersynapse({
  kind: 'tri',
  arity: 3,
  params: ([a]) => ({ s: { shape: a!, init: normal(0.7), learnable: true } }),
  energy: ([a, b, c], p) =>
    tf.add(
      tf.neg(tf.mul(sumPerSample(tf.tanh(tf.mul(a!, p['s']!))), tf.add(1, sumPerSample(tf.square(b!))))),
      tf.mul(0.1, tf.square(sumPerSample(c!))),
    ),
});

/**
 * Layers with all kinds of Lagrangians, synapses with closed forms (dense, denseBias, modern
 * Hopfield, ReLU² memory) and without (conv2d, avgPool, a user-defined 3-layer synapse), energy
 * attention, a layer connected to itself through dense, and an isolated layer.
 */
function mixedBuilder() {
  return hypergraph()
    .layer('v', { shape: [5], lagrangian: L.tanh() })
    .layer('h', { shape: [3], lagrangian: L.softmax({ beta: 2 }) })
    .layer('tok', { shape: [4, 6], lagrangian: L.layernorm() })
    .layer('img', { shape: [6, 6, 2], lagrangian: L.sigmoid() })
    .layer('fm', { shape: [4, 4, 3], lagrangian: L.identity() })
    .layer('pooled', { shape: [2, 2, 3], lagrangian: L.tanh() })
    .layer('iso', { shape: [2], lagrangian: L.identity() })
    .synapse('enc', Y.dense(), ['v', 'h'])
    .synapse('rec', Y.dense({ init: { W: normal(0.5) } }), ['v', 'v'])
    .synapse('mh', Y.modernHopfield({ memories: 4, beta: 1.5, init: { xi: normal(1) } }), ['v'])
    .synapse('mem', Y.reluSquaredMemory({ memories: 5, perToken: true, init: { xi: normal(0.5) } }), ['tok'])
    .synapse('att', Y.energyAttention({ heads: 2, headDim: 3, init: { Wk: normal(0.5), Wq: normal(0.5) } }), ['tok'])
    .synapse('conv', Y.conv2d({ kernel: 3 }), ['img', 'fm'])
    .synapse('pool', Y.avgPool({ size: 2 }), ['fm', 'pooled'])
    .synapse('db', Y.denseBias({ init: { b: normal(1) } }), ['h', 'pooled'])
    .synapse('tri', tri, ['v', 'h', 'tok']);
}
const mixedGraph = (seed = 0) => mixedBuilder().build({ seed, isolatedLayers: 'allow' });

/** Every layer the identity (x̂ = x), so that ∂E/∂x̂ is the plain gradient of E with respect to x. */
function identityGraph(seed = 0) {
  return hypergraph()
    .layer('v', { shape: [5], lagrangian: L.identity() })
    .layer('h', { shape: [3], lagrangian: L.identity() })
    .layer('tok', { shape: [3, 4], lagrangian: L.identity() })
    .layer('img', { shape: [5, 5, 1], lagrangian: L.identity() })
    .layer('fm', { shape: [3, 3, 2], lagrangian: L.identity() })
    .layer('iso', { shape: [2], lagrangian: L.identity() })
    .synapse('enc', Y.dense(), ['v', 'h'])
    .synapse('rec', Y.dense({ init: { W: normal(0.4) } }), ['v', 'v'])
    .synapse('mh', Y.modernHopfield({ memories: 3, init: { xi: normal(1) } }), ['h'])
    .synapse('att', Y.energyAttention({ heads: 2, headDim: 2, init: { Wk: normal(0.6), Wq: normal(0.6) } }), ['tok'])
    .synapse('conv', Y.conv2d({ kernel: 3 }), ['img', 'fm'])
    .synapse('b', Y.bias({ init: { b: normal(1) } }), ['fm'])
    .synapse('tri', tri, ['v', 'h', 'tok'])
    .build({ seed, isolatedLayers: 'allow' });
}

const METHODS: readonly GradMethod[] = ['auto', 'autodiff'];

/** Params equal to `base` except `synapses[syn][name] = t`. */
function withParam(base: Params, syn: string, name: string, t: Tensor): Params {
  return { layers: base.layers, synapses: { ...base.synapses, [syn]: { ...base.synapses[syn], [name]: t } } };
}

/** A copy of `states` with entry `j` of sample `b` of layer `l` moved by `delta`. */
function nudge<K extends string>(states: States<K>, l: K, b: number, j: number, delta: number): States<K> {
  const t = states[l];
  const values = t.dataSync().slice();
  const per = t.size / t.shape[0]!;
  values[b * per + j] = values[b * per + j]! + delta;
  return { ...states, [l]: tf.tensor(values, t.shape) };
}

// ---------------------------------------------------------------------------------------------

describe('energy tree', () => {
  it('its total is the sum of its parts, and energy() is its total', () => {
    const ham = mixedGraph();
    const x = ham.randomStates(3, 7);
    const tree = ham.energyTree(x);
    const parts = [...Object.values<Tensor>(tree.layers), ...Object.values<Tensor>(tree.synapses)];
    expect(Object.keys(tree.layers).sort()).toEqual([...ham.layerNames].sort());
    expect(Object.keys(tree.synapses).sort()).toEqual([...ham.synapseNames].sort());
    for (const p of parts) expect(p.shape).toEqual([3]);
    const sum = tf.addN(parts);
    expectClose(tree.total, sum, { atol: 1e-4, rtol: 1e-5, label: 'total' });
    for (const method of METHODS) {
      const e = ham.energy(x, { method });
      expectClose(e, tree.total, { atol: 1e-4, rtol: 1e-5, label: `energy (${method})` });
      e.dispose();
    }
    // The parts are not trivially zero.
    for (const s of ham.synapseNames) expect(maxAbs(data(tree.synapses[s])), s).toBeGreaterThan(1e-3);
    tf.dispose([sum, tree.total, ...parts]);
    disposeStates(x);
    ham.dispose();
  });

  it('computes the neuron and synapse energies of the formulas', () => {
    const ham = hypergraph()
      .layer('v', { shape: [4], lagrangian: L.identity() })
      .layer('h', { shape: [3], lagrangian: L.softmax({ beta: 2 }) })
      .synapse('enc', Y.dense(), ['v', 'h'])
      .build({ seed: 3 });
    const x = ham.randomStates(2, 4);
    const tree = ham.energyTree(x);
    const v = x.v.arraySync() as number[][];
    const h = x.h.arraySync() as number[][];
    const W = ham.params.synapses['enc']!['W']!.arraySync() as number[][];
    for (let b = 0; b < 2; b++) {
      const vb = v[b]!, hb = h[b]!;
      // identity: E = Σ x·x − ½ Σ x² = ½ Σ x².
      const ev = 0.5 * vb.reduce((s, z) => s + z * z, 0);
      // softmax(β): E = Σ softmax(βx)·x − (1/β) log Σ e^{βx}.
      const m = Math.max(...hb.map((z) => 2 * z));
      const lse = m + Math.log(hb.reduce((s, z) => s + Math.exp(2 * z - m), 0));
      const sm = hb.map((z) => Math.exp(2 * z - lse));
      const eh = sm.reduce((s, p, i) => s + p * hb[i]!, 0) - lse / 2;
      // dense: E = −v̂ᵀ W ĥ with v̂ = v, ĥ = softmax(2h).
      let es = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) es -= vb[i]! * W[i]![j]! * sm[j]!;
      expect(data(tree.layers.v)[b]).toBeCloseTo(ev, 4);
      expect(data(tree.layers.h)[b]).toBeCloseTo(eh, 4);
      expect(data(tree.synapses.enc)[b]).toBeCloseTo(es, 4);
      expect(data(tree.total)[b]).toBeCloseTo(ev + eh + es, 4);
    }
    tf.dispose([tree.total, ...Object.values(tree.layers), ...Object.values(tree.synapses)]);
    disposeStates(x);
    ham.dispose();
  });
});

describe('energyAndDEdxhat', () => {
  it("'auto' and 'autodiff' agree on the energy and every layer's ∂E/∂x̂", () => {
    const ham = mixedGraph();
    const x = ham.randomStates(2, 11);
    const a = ham.energyAndDEdxhat(x, { method: 'auto' });
    const b = ham.energyAndDEdxhat(x, { method: 'autodiff' });
    const d = ham.energyAndDEdxhat(x); // the default is 'auto'
    // 'auto' takes both of its branches here: closed forms, and autodiff of the rest.
    const closed = ham.synapseNames.filter((s) => ham.synapses[s].synapse.dEdxhat !== undefined);
    expect(closed).toEqual(expect.arrayContaining(['enc', 'rec', 'mh', 'db']));
    expect(closed).not.toEqual(expect.arrayContaining(['conv']));
    expect(closed).not.toEqual(expect.arrayContaining(['tri']));
    expectClose(a.energy, b.energy, { atol: 1e-4, rtol: 1e-5, label: 'energy' });
    expect(data(d.energy)).toEqual(data(a.energy));
    for (const l of ham.layerNames) {
      expectClose(a.dEdxhat[l], b.dEdxhat[l], { atol: 1e-4, rtol: 1e-4, label: `∂E/∂x̂ of ${l}` });
      expect(a.dEdxhat[l].shape).toEqual(x[l].shape);
      expect(data(d.dEdxhat[l])).toEqual(data(a.dEdxhat[l]));
      // Connected layers get a real signal on top of x.
      if (l !== 'iso') {
        const diff = tf.sub(a.dEdxhat[l], x[l]);
        expect(maxAbs(data(diff)), l).toBeGreaterThan(1e-2);
        diff.dispose();
      }
    }
    // The isolated layer: ∂E/∂x̂ = x exactly.
    for (const r of [a, b]) expect(data(r.dEdxhat.iso)).toEqual(data(x.iso));
    for (const r of [a, b, d]) {
      r.energy.dispose();
      disposeStates(r.dEdxhat);
    }
    disposeStates(x);
    ham.dispose();
  });

  it('∂E/∂x̂ = x + Σ_syn ∂E_syn/∂x̂ (central differences with respect to x̂, any Lagrangian)', () => {
    const ham = mixedGraph(2);
    const batch = 2;
    const x = ham.randomStates(batch, 5);
    const xh = ham.activations(x);
    const results = METHODS.map((method) => ham.dEdxhat(x, { method }));
    /** Per-sample energy of the synapses touching layer `l`, as a function of the activations. */
    const touching = (l: string) => ham.synapseNames.filter((s) => (ham.synapses[s].connects as readonly string[]).includes(l));
    const synEnergy = (l: string, acts: States<string>): Float32Array =>
      tf.tidy(() => {
        const terms = touching(l).map((s) => {
          const node = ham.synapses[s];
          return node.synapse.energy(node.connects.map((c) => acts[c]!), ham.params.synapses[s]!);
        });
        return terms.length > 0 ? tf.addN(terms) : tf.zeros([batch]);
      }).dataSync() as Float32Array;
    const eps = 1e-2;
    for (const l of ham.layerNames) {
      const per = x[l].size / batch;
      const xv = x[l].dataSync();
      const expected: number[] = [];
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < per; j++) {
          const plus = nudge(xh as States<string>, l, b, j, eps);
          const minus = nudge(xh as States<string>, l, b, j, -eps);
          const fd = (synEnergy(l, plus)[b]! - synEnergy(l, minus)[b]!) / (2 * eps);
          plus[l]!.dispose();
          minus[l]!.dispose();
          expected.push(xv[b * per + j]! + fd);
        }
      }
      results.forEach((r, i) => expectClose(r[l], expected, { atol: 3e-3, rtol: 1e-2, label: `${METHODS[i]} ${l}` }));
    }
    results.forEach(disposeStates);
    disposeStates(xh);
    disposeStates(x);
    ham.dispose();
  });

  it('equals the gradient of the total energy when every layer is the identity (central differences in x)', () => {
    const ham = identityGraph();
    const batch = 2;
    const x = ham.randomStates(batch, 9);
    const results = METHODS.map((method) => ham.dEdxhat(x, { method }));
    const eps = 1e-2;
    for (const l of ham.layerNames) {
      const per = x[l].size / batch;
      const expected: number[] = [];
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < per; j++) {
          const plus = nudge(x, l, b, j, eps);
          const minus = nudge(x, l, b, j, -eps);
          const ep = ham.energy(plus), em = ham.energy(minus);
          expected.push((data(ep)[b]! - data(em)[b]!) / (2 * eps));
          tf.dispose([plus[l], minus[l], ep, em]);
        }
      }
      results.forEach((r, i) => expectClose(r[l], expected, { atol: 3e-3, rtol: 1e-2, label: `${METHODS[i]} ${l}` }));
    }
    results.forEach(disposeStates);
    disposeStates(x);
    ham.dispose();
  });

  it('counts both ends of a dense self-connection: ∂E/∂v̂ = v − (W + Wᵀ) v̂', () => {
    const W = tf.tensor2d([[0.5, -1, 0.25], [2, 0.1, -0.3], [0.7, 0.2, -1.5]]);
    const ham = hypergraph()
      .layer('v', { shape: [3], lagrangian: L.tanh() })
      .synapse('rec', Y.dense(), ['v', 'v'])
      .build({ seed: 0, params: { synapses: { rec: { W } } } });
    const x = tf.tensor2d([[0.3, -0.8, 1.2]]);
    const vh = data(tf.tanh(x));
    const w = W.arraySync();
    const expected = [0, 1, 2].map((i) => {
      let s = 0;
      for (let j = 0; j < 3; j++) s += (w[i]![j]! + w[j]![i]!) * vh[j]!;
      return data(x)[i]! - s;
    });
    for (const method of METHODS) {
      const g = ham.dEdxhat({ v: x }, { method });
      expectClose(g.v, expected, { atol: 1e-5, label: method });
      g.v.dispose();
    }
    tf.dispose([W, x]);
    ham.dispose();
  });
});

describe('batches', () => {
  it('the energy and ∂E/∂x̂ of each sample equal those of the sample alone', () => {
    const ham = mixedGraph(4);
    const batch = 3;
    const x = ham.randomStates(batch, 13);
    for (const method of METHODS) {
      const all = ham.energyAndDEdxhat(x, { method });
      const tree = ham.energyTree(x);
      for (let b = 0; b < batch; b++) {
        const one = Object.fromEntries(
          ham.layerNames.map((l) => [l, tf.slice(x[l], b, 1)]),
        ) as States<(typeof ham.layerNames)[number]>;
        const r = ham.energyAndDEdxhat(one, { method });
        expect(r.energy.shape).toEqual([1]);
        expect(data(r.energy)[0]).toBeCloseTo(data(all.energy)[b]!, 3);
        const t1 = ham.energyTree(one);
        for (const s of ham.synapseNames) expect(data(t1.synapses[s])[0]).toBeCloseTo(data(tree.synapses[s])[b]!, 4);
        for (const l of ham.layerNames) {
          const slice = tf.slice(all.dEdxhat[l], b, 1);
          expectClose(r.dEdxhat[l], slice, { atol: 1e-5, rtol: 1e-4, label: `${method} sample ${b} ${l}` });
          slice.dispose();
        }
        tf.dispose([r.energy, t1.total, ...Object.values(t1.layers), ...Object.values(t1.synapses)]);
        disposeStates(r.dEdxhat);
        disposeStates(one);
      }
      // Samples differ, so the comparison above is not of identical numbers.
      expect(new Set(data(all.energy)).size).toBe(batch);
      tf.dispose([all.energy, tree.total, ...Object.values(tree.layers), ...Object.values(tree.synapses)]);
      disposeStates(all.dEdxhat);
    }
    disposeStates(x);
    ham.dispose();
  });
});

describe('the params option', () => {
  it("evaluating with another graph's params equals evaluating that graph", () => {
    const ham0 = mixedGraph(0);
    const ham1 = mixedGraph(1);
    const x = ham0.randomStates(2, 3);
    for (const method of METHODS) {
      const r0 = ham0.energyAndDEdxhat(x, { method });
      const r01 = ham0.energyAndDEdxhat(x, { method, params: ham1.params });
      const r1 = ham1.energyAndDEdxhat(x, { method });
      expect(maxAbs(data(tf.sub(r0.energy, r1.energy)))).toBeGreaterThan(1e-2);
      expect(data(r01.energy)).toEqual(data(r1.energy));
      for (const l of ham0.layerNames) expect(data(r01.dEdxhat[l])).toEqual(data(r1.dEdxhat[l]));
      for (const r of [r0, r01, r1]) {
        r.energy.dispose();
        disposeStates(r.dEdxhat);
      }
    }
    ham0.dispose();
    ham1.dispose();
    disposeStates(x);
  });

  it('substituted params equal building with those params, layer params included', () => {
    const builder = () =>
      hypergraph()
        .layer('v', { shape: [4], lagrangian: L.identity() })
        .layer('h', { shape: [3], lagrangian: L.softmax() })
        .layer('tok', { shape: [3, 4], lagrangian: L.layernorm() })
        .synapse('enc', Y.dense(), ['v', 'h'])
        .synapse('att', Y.energyAttention({ heads: 1, headDim: 2 }), ['tok'])
        .synapse('tri', tri, ['v', 'h', 'tok']);
    const W = tf.tensor2d(Array.from({ length: 12 }, (_, i) => Math.sin(i)), [4, 3]);
    const Wq = tf.tensor3d(Array.from({ length: 8 }, (_, i) => Math.cos(i)), [1, 2, 4]);
    const beta = tf.scalar(3);
    const gamma = tf.scalar(0.5);
    const built = builder().build({
      seed: 5,
      params: { synapses: { enc: { W }, att: { Wq } }, layers: { h: { beta }, tok: { gamma } } },
    });
    const ham = builder().build({ seed: 5 });
    const params: Params = {
      layers: { ...ham.params.layers, h: { beta }, tok: { ...ham.params.layers['tok'], gamma } },
      synapses: { ...ham.params.synapses, enc: { W }, att: { ...ham.params.synapses['att'], Wq } },
    };
    const x = ham.randomStates(2, 8);
    const acts = ham.activations(x, { params });
    const actsBuilt = built.activations(x);
    const actsOwn = ham.activations(x);
    for (const l of ham.layerNames) expectClose(acts[l], actsBuilt[l], { atol: 1e-6, label: `x̂ ${l}` });
    expect(maxAbs(data(tf.sub(acts.h, actsOwn.h)))).toBeGreaterThan(1e-2);
    expect(maxAbs(data(tf.sub(acts.tok, actsOwn.tok)))).toBeGreaterThan(1e-2);
    for (const method of METHODS) {
      const a = ham.energyAndDEdxhat(x, { method, params });
      const b = built.energyAndDEdxhat(x, { method });
      const own = ham.energyAndDEdxhat(x, { method });
      expectClose(a.energy, b.energy, { atol: 1e-5, label: `${method} energy` });
      expect(maxAbs(data(tf.sub(a.energy, own.energy)))).toBeGreaterThan(1e-2);
      for (const l of ham.layerNames) expectClose(a.dEdxhat[l], b.dEdxhat[l], { atol: 1e-5, label: `${method} ${l}` });
      for (const r of [a, b, own]) {
        r.energy.dispose();
        disposeStates(r.dEdxhat);
      }
    }
    const ta = ham.energyTree(x, { params });
    const tb = built.energyTree(x);
    for (const s of ham.synapseNames) expectClose(ta.synapses[s], tb.synapses[s], { atol: 1e-5, label: s });
    for (const l of ham.layerNames) expectClose(ta.layers[l], tb.layers[l], { atol: 1e-5, label: l });
    tf.dispose([W, Wq, beta, gamma]);
    for (const s of [acts, actsBuilt, actsOwn, x, ta.layers, ta.synapses, tb.layers, tb.synapses]) disposeStates(s);
    tf.dispose([ta.total, tb.total]);
    ham.dispose();
    built.dispose();
  });
});

describe('second-order gradients (training through the dynamics)', () => {
  /** A synapse with no closed form and only polynomial ops: `E = −(Σ a⊙s)² · Σ b`. */
  const quartic = defineHypersynapse({
    kind: 'quartic',
    arity: 2,
    params: ([a]) => ({ s: { shape: a!, init: normal(0.7), learnable: true } }),
    energy: ([a, b], p) => tf.neg(tf.mul(tf.square(sumPerSample(tf.mul(a!, p['s']!))), sumPerSample(b!))),
  });
  const base = () =>
    hypergraph()
      .layer('v', { shape: [4], lagrangian: L.tanh() })
      .layer('h', { shape: [3], lagrangian: L.softmax() })
      .layer('tok', { shape: [3, 4], lagrangian: L.layernorm() })
      .layer('img', { shape: [4, 4, 1], lagrangian: L.sigmoid() })
      .layer('fm', { shape: [2, 2, 2], lagrangian: L.tanh() });
  type Target = readonly ['layers' | 'synapses', string, string];
  /** One graph per synapse under test (other layers are isolated), and the parameters to differentiate. */
  const cases: Record<string, { build: () => HAM<string, string>; targets: readonly Target[]; fdStep?: number }> = {
    dense: {
      build: () => base().synapse('s', Y.dense({ init: { W: normal(0.7) } }), ['v', 'h']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'W']],
    },
    denseBias: {
      build: () => base().synapse('s', Y.denseBias({ init: { W: normal(0.7), b: normal(1) } }), ['h', 'v']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'W'], ['synapses', 's', 'b']],
    },
    'dense self-connection': {
      build: () => base().synapse('s', Y.dense({ init: { W: normal(0.7) } }), ['v', 'v']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'W']],
    },
    modernHopfield: {
      build: () => base().synapse('s', Y.modernHopfield({ memories: 3, beta: 2, init: { xi: normal(1) } }), ['v']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'xi']],
    },
    exponentialMemory: {
      build: () => base().synapse('s', Y.exponentialMemory({ memories: 3, init: { xi: normal(1) } }), ['v']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'xi']],
    },
    polynomialMemory: {
      build: () => base().synapse('s', Y.polynomialMemory({ memories: 3, degree: 3, init: { xi: normal(1) } }), ['v']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'xi']],
    },
    reluSquaredMemory: {
      build: () => base().synapse('s', Y.reluSquaredMemory({ memories: 5, perToken: true, init: { xi: normal(1) } }), ['tok']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'xi']],
      fdStep: 1e-3, // ∂E/∂x̂ has kinks where an overlap crosses 0: keep the differences on one side
    },
    energyAttention: {
      build: () => base().synapse('s', Y.energyAttention({ heads: 2, headDim: 2, init: { Wk: normal(0.7), Wq: normal(0.7) } }), ['tok']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'Wq'], ['synapses', 's', 'Wk']],
    },
    conv2d: {
      build: () => base().synapse('s', Y.conv2d({ kernel: 3, init: { W: normal(0.7) } }), ['img', 'fm']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 'W']],
    },
    'user-defined, polynomial ops only': {
      build: () => base().synapse('s', quartic, ['v', 'fm']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 's']],
    },
    'user-defined with tanh': {
      build: () => base().synapse('s', tri, ['v', 'fm', 'tok']).build({ seed: 1, isolatedLayers: 'allow' }),
      targets: [['synapses', 's', 's']],
    },
    'a Lagrangian parameter (softmax β)': {
      build: () =>
        hypergraph()
          .layer('v', { shape: [4], lagrangian: L.tanh() })
          .layer('h', { shape: [3], lagrangian: L.softmax({ beta: learnable(1.5) }) })
          .synapse('s', Y.dense({ init: { W: normal(1) } }), ['v', 'h'])
          .build({ seed: 1 }),
      targets: [['layers', 'h', 'beta'], ['synapses', 's', 'W']],
    },
  };

  const substitute = (p: Params, [group, owner, name]: Target, t: Tensor): Params => ({
    ...p,
    [group]: { ...p[group], [owner]: { ...p[group][owner], [name]: t } },
  });

  for (const [name, { build, targets, fdStep }] of Object.entries(cases)) {
    for (const method of METHODS) {
      it(`${name} (${method}): tf.grads of a loss of dEdxhat matches central differences`, () => {
        const ham = build();
        const x = ham.randomStates(2, 21);
        const w = ham.randomStates(2, 22); // a fixed direction for the loss
        const params = targets.map(([g, o, p]) => ham.params[g][o]![p]!);
        const loss = (ts: readonly Tensor[]): Tensor =>
          tf.tidy(() => {
            const all = targets.reduce<Params>((acc, t, i) => substitute(acc, t, ts[i]!), ham.params);
            const g = ham.dEdxhat(x, { method, params: all });
            return tf.addN(
              ham.layerNames.map((l) => tf.add(tf.sum(tf.mul(g[l]!, w[l]!)), tf.mul(0.5, tf.sum(tf.square(g[l]!))))),
            );
          });
        const grads = tf.grads((...ts: Tensor[]) => loss(ts))(params);
        const eps = fdStep ?? 1e-2;
        grads.forEach((g, i) => {
          const label = `${method} ∂loss/∂${targets[i]!.join('.')}`;
          expect(g.shape, label).toEqual(params[i]!.shape);
          const values = params[i]!.dataSync();
          const fd = Array.from(values, (_, j) => {
            const at = (delta: number) => {
              const v = values.slice();
              v[j] = v[j]! + delta;
              const t = tf.tensor(v, params[i]!.shape);
              const out = loss(params.map((q, k) => (k === i ? t : q)));
              const value = out.dataSync()[0]!;
              tf.dispose([t, out]);
              return value;
            };
            return (at(eps) - at(-eps)) / (2 * eps);
          });
          expect(maxAbs(fd), `${label} is not trivially zero`).toBeGreaterThan(1e-2);
          expectClose(g, fd, { atol: 5e-3, rtol: 1e-2, label });
        });
        tf.dispose(grads);
        disposeStates(x);
        disposeStates(w);
        ham.dispose();
      });
    }
  }
});

describe('second-order gradients of the tfjs ops the library uses', () => {
  // With `installSecondOrderGradients()` (which every autodiff path of HAM calls first), tfjs gives
  // correct gradients of gradients. Reference: central differences of the (correct) first-order gradient.
  beforeAll(() => installSecondOrderGradients());
  const x0 = [[0.3, -0.5, 0.8, 0.1], [-1.2, 0.4, 0.05, 0.9]];
  const w0 = [[0.5, 1, -0.7, 0.2], [0.3, -0.4, 0.9, -1.1]];
  const ops: Record<string, (z: Tensor) => Tensor> = {
    exp: (z) => tf.exp(z),
    tanh: (z) => tf.tanh(z),
    sigmoid: (z) => tf.sigmoid(z),
    softplus: (z) => tf.softplus(z),
    square: (z) => tf.square(z),
    'pow 3': (z) => tf.pow(z, 3),
    sqrt: (z) => tf.sqrt(tf.add(1, tf.square(z))),
    log: (z) => tf.log(tf.add(2, z)),
    softmax: (z) => tf.softmax(z),
    min: (z) => tf.min(tf.square(z), 1, true),
    logSumExp: (z) => tf.logSumExp(z, 1, true),
    max: (z) => tf.max(tf.square(z), 1, true),
    'relu²': (z) => tf.square(tf.relu(z)),
  };
  for (const [name, f] of Object.entries(ops)) {
    it(`d/da of ∇ₓ Σ c⊙f(a⊙x) is right for ${name}`, () => {
      const x = tf.tensor2d(x0);
      const c = tf.tensor2d(w0);
      const outer = (a: Tensor): Tensor =>
        tf.tidy(() => {
          const gx = tf.grad((xx: Tensor) => tf.sum(tf.mul(c, f(tf.mul(a, xx)))))(x);
          return tf.sum(tf.mul(gx, c));
        });
      const a0 = [0.7, -1.3, 0.9, 1.1];
      const a = tf.tensor1d(a0);
      const g = tf.grad(outer)(a);
      const eps = 1e-2;
      const fd = a0.map((_, j) => {
        const at = (delta: number) => {
          const t = tf.tensor1d(a0.map((v, k) => (k === j ? v + delta : v)));
          const out = outer(t);
          const value = out.dataSync()[0]!;
          tf.dispose([t, out]);
          return value;
        };
        return (at(eps) - at(-eps)) / (2 * eps);
      });
      expectClose(g, fd, { atol: 2e-3, rtol: 1e-2, label: name });
      tf.dispose([x, c, a, g]);
    });
  }
});
