import { describe, expect, it } from 'vitest';
import { HamuxErrors, hypergraph, lagrangians as L, normal, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { unroll } from '@hamux-ts/train';

const graph = () =>
  hypergraph()
    .layer('v', { shape: [5], lagrangian: L.tanh() })
    .layer('h', { shape: [4], lagrangian: L.softmax({ beta: 2 }), tau: 0.5 })
    .layer('y', { shape: [3], lagrangian: L.sigmoid() })
    .synapse('vh', Y.dense({ init: { W: normal(0.8) } }), ['v', 'h'])
    .synapse('hy', Y.denseBias(), ['h', 'y'])
    .build({ seed: 3 });

const values = (s: Record<string, Tensor>) => Object.fromEntries(Object.entries(s).map(([k, t]) => [k, Array.from(t.dataSync())]));

describe('unroll', () => {
  it('is the fixed-step loop of @hamux-ts/dynamics (same states after T steps)', () => {
    const ham = graph();
    const x0 = ham.randomStates(3, 1);
    const { states } = unroll(ham, x0, { steps: 7, dt: 0.2 });
    const ref = descendSync(ham, x0, { mode: 'fixed', dt: 0.2, maxSteps: 7, tolerance: { grad: 0, energy: 0, state: 0 }, riseTolerance: Infinity });
    expect(ref.steps).toBe(7);
    const got = values(states), want = values(ref.states);
    for (const n of ham.layerNames) {
      got[n]!.forEach((g, i) => expect(Math.abs(g - want[n]![i]!)).toBeLessThan(1e-6));
    }
    tf.dispose([...Object.values(states), ...Object.values(ref.states), ...Object.values(x0)]);
    ham.dispose();
  });

  it('applies x ← x − (dt/τ) ∂E/∂x̂ per layer, with τ', () => {
    const ham = graph();
    const x0 = ham.randomStates(2, 4);
    const g = ham.dEdxhat(x0);
    const { states } = unroll(ham, x0, { steps: 1, dt: 0.3 });
    for (const n of ham.layerNames) {
      const want = tf.sub(x0[n], tf.mul(0.3 / ham.layers[n].tau, g[n]));
      const a = states[n].dataSync(), b = want.dataSync();
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));
      want.dispose();
    }
    tf.dispose([...Object.values(states), ...Object.values(g), ...Object.values(x0)]);
    ham.dispose();
  });

  it('holds clamped layers and masked entries exactly, and moves the rest', () => {
    const ham = graph();
    const x0 = ham.randomStates(2, 5);
    const mask = tf.tensor2d([[1, 0, 1, 0, 0], [0, 0, 0, 1, 1]]);
    const { states } = unroll(ham, x0, { steps: 5, dt: 0.2, clamp: { v: mask, y: true } });
    const v0 = x0.v.arraySync() as number[][], v = states.v.arraySync() as number[][];
    const m = mask.arraySync() as number[][];
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 5; i++) {
        if (m[b]![i]) expect(v[b]![i]).toBe(v0[b]![i]);
        else expect(v[b]![i]).not.toBe(v0[b]![i]);
      }
    }
    expect(Array.from(states.y.dataSync())).toEqual(Array.from(x0.y.dataSync()));
    expect(states.y).not.toBe(x0.y); // a copy: the caller disposes both
    // An unbatched mask [5] holds the same entries of every sample.
    const shared = unroll(ham, x0, { steps: 2, clamp: { v: tf.tensor1d([0, 0, 0, 0, 1]) } });
    const s = shared.states.v.arraySync() as number[][];
    expect(s[0]![4]).toBe(v0[0]![4]);
    expect(s[1]![4]).toBe(v0[1]![4]);
    tf.dispose([mask, ...Object.values(states), ...Object.values(shared.states), ...Object.values(x0)]);
    ham.dispose();
  });

  it('returns the energy before every step and after the last, [T + 1, B], descending for a small dt', () => {
    const ham = graph();
    const x0 = ham.randomStates(3, 6);
    const { states, energies } = unroll(ham, x0, { steps: 20, dt: 0.05, energies: true });
    expect(energies!.shape).toEqual([21, 3]);
    const e = energies!.arraySync() as number[][];
    const e0 = ham.energy(x0);
    expect(e[0]).toEqual(Array.from(e0.dataSync()));
    for (let t = 1; t < 21; t++) for (let b = 0; b < 3; b++) expect(e[t]![b]!).toBeLessThanOrEqual(e[t - 1]![b]! + 1e-6);
    tf.dispose([energies!, e0, ...Object.values(states), ...Object.values(x0)]);
    ham.dispose();
  });

  it('T = 0 returns copies of the initial states', () => {
    const ham = graph();
    const x0 = ham.randomStates(1, 7);
    const { states } = unroll(ham, x0, { steps: 0 });
    for (const n of ham.layerNames) {
      expect(states[n]).not.toBe(x0[n]);
      expect(Array.from(states[n].dataSync())).toEqual(Array.from(x0[n].dataSync()));
    }
    tf.dispose([...Object.values(states), ...Object.values(x0)]);
    ham.dispose();
  });

  it('leaks nothing, with or without a gradient tape', () => {
    const ham = graph();
    const x0 = ham.randomStates(2, 8);
    const mask = tf.tensor1d([1, 0, 0, 1, 0]);
    const W = tf.variable(tf.clone(ham.params.synapses['vh']!['W']!));
    const params = { ...ham.params, synapses: { ...ham.params.synapses, vh: { W } } };
    const run = () => {
      const r = unroll(ham, x0, { steps: 4, clamp: { v: mask }, params, energies: true });
      tf.dispose([...Object.values(r.states), r.energies!]);
      const { value, grads } = tf.variableGrads(() => {
        const { states } = unroll(ham, x0, { steps: 4, clamp: { v: mask }, params });
        const out = tf.sum(tf.square(states.y));
        tf.dispose(Object.values(states));
        return out as tf.Scalar;
      }, [W]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([mask, W, ...Object.values(x0)]);
    ham.dispose();
  });

  it('gives the same parameter gradients with closed-form and autodiff update signals', () => {
    const ham = graph();
    const x0 = ham.randomStates(2, 9);
    const grads = (['auto', 'autodiff'] as const).map((method) =>
      tf.grads((W: Tensor, b: Tensor) => {
        const params = { ...ham.params, synapses: { vh: { W }, hy: { ...ham.params.synapses['hy']!, b } } };
        const { states } = unroll(ham, x0, { steps: 3, method, params });
        return tf.sum(tf.mul(states.h, states.h));
      })([ham.params.synapses['vh']!['W']!, ham.params.synapses['hy']!['b']!]).map((g) => {
        const v = Array.from(g.dataSync());
        g.dispose();
        return v;
      }),
    );
    for (let k = 0; k < 2; k++) {
      const scale = Math.max(...grads[0]![k]!.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-3);
      grads[0]![k]!.forEach((g, i) => expect(Math.abs(g - grads[1]![k]![i]!)).toBeLessThan(1e-5 * scale));
    }
    tf.dispose(Object.values(x0));
    ham.dispose();
  });

  it('rejects bad options with errors naming them', () => {
    const ham = graph();
    const x0 = ham.randomStates(2, 10);
    const problems = (f: () => unknown) => {
      try { f(); } catch (e) { return (e as HamuxErrors).errors?.map((x) => x.where) ?? [(e as { where: string }).where]; }
      throw new Error('expected an error');
    };
    expect(problems(() => unroll(ham, x0, { steps: -1, dt: 0 }))).toEqual(['options.steps', 'options.dt']);
    expect(problems(() => unroll(ham, x0, { steps: 1.5 }))).toEqual(['options.steps']);
    expect(problems(() => unroll(ham, x0, { steps: 1, method: 'exact' as 'auto' }))).toEqual(['options.method']);
    expect(problems(() => unroll(ham, x0, { steps: 1, clamp: { w: true } as never }))).toEqual(['options.clamp.w']);
    expect(problems(() => unroll(ham, x0, { steps: 1, clamp: { v: tf.ones([3]) } }))).toEqual(['options.clamp.v']);
    expect(problems(() => unroll(ham, { ...x0, h: tf.zeros([2, 5]) }, { steps: 1 }))).toEqual(['initial states.h']);
    const before = tf.memory().numTensors;
    problems(() => unroll(ham, x0, { steps: 1, clamp: { v: tf.tensor1d([1, 0, 0, 0, 0]), h: 'yes' as never } }));
    expect(tf.memory().numTensors).toBe(before + 1); // only the mask made in the call above
    tf.dispose(Object.values(x0));
    ham.dispose();
  });
});
