// A lean step remembers products of a held (clamped) layer between steps and between descents
// (kernels' HeldProduct). It must never hand back a stale one: a descent on a reused compiled step
// gives the same bits as one on a freshly compiled step, whatever ran before it.
import { describe, expect, it } from 'vitest';
import { compileLeanStep, hypergraph, lagrangians as L, synapses as Y, tf, type HAM } from '@hamux-ts/core';
import { jsGemm } from '@hamux-ts/kernels';
import { descendSync, type FastEvaluatorProvider } from '@hamux-ts/dynamics';
import { disposeStates, runtimeWith } from './support.js';

/** Lean steps on JavaScript products, compiled once per graph (as `leanEvaluator` does) or afresh per descent. */
function leanProvider(reuse: boolean): FastEvaluatorProvider {
  const cache = new Map<unknown, ReturnType<typeof compileLeanStep>>();
  return {
    name: 'lean step (js gemm)',
    supports: () => true,
    compile(ham, { neuronEnergy, unread }) {
      const key = JSON.stringify([neuronEnergy, unread]);
      let lean = reuse ? cache.get(key) : undefined;
      if (!lean) cache.set(key, (lean = compileLeanStep(ham, { gemm: jsGemm, neuronEnergy, ...(unread ? { unread } : {}) })));
      if (typeof lean === 'string') return lean;
      const step = lean;
      return (x, batch, params) => step.energyAndDEdxhat(x as never, batch, params) as never;
    },
  };
}

const graph = () =>
  hypergraph()
    .layer('v', { shape: [12], lagrangian: L.identity() })
    .layer('h', { shape: [7], lagrangian: L.tanh({ beta: 1.5 }), tau: 0.5 })
    .layer('y', { shape: [3], lagrangian: L.softmax() })
    .synapse('vh', Y.denseBias(), ['v', 'h'])
    .synapse('hy', Y.dense(), ['h', 'y'])
    .build({ seed: 8 });

describe('products of a held layer', () => {
  it('are never stale: new clamped inputs, a one-ulp change, other parameters and batch sizes give the bits of a fresh compile', () => {
    const ham = graph() as HAM<'v' | 'h' | 'y', 'vh' | 'hy'>;
    const reused = leanProvider(true);
    const base = ham.randomStates(4, 1, 0.8);
    const other = ham.randomStates(4, 2, 0.8);
    const oneUlp = { ...base, v: tf.tidy(() => { const d = Float32Array.from(base.v.dataSync()); d[47] = Math.fround(d[47]! * (1 + 2 ** -22)); return tf.tensor(d, base.v.shape); }) };
    const small = ham.randomStates(2, 3, 0.8);
    const params = { ...ham.params, synapses: { ...ham.params.synapses, vh: { ...ham.params.synapses.vh, W: tf.mul(ham.params.synapses.vh["W"]!, 1.25) } } };
    const runs: [typeof base, object][] = [[base, {}], [other, {}], [base, {}], [oneUlp, {}], [base, { params }], [base, {}], [small, {}]];
    for (const [states, extra] of runs) {
      const options = { mode: 'fixed' as const, dt: 0.1, maxSteps: 15, clamp: { v: true as const }, ...extra };
      const a = descendSync(ham, states, { ...options, runtime: runtimeWith(reused) });
      const b = descendSync(ham, states, { ...options, runtime: runtimeWith(leanProvider(false)) });
      expect(a.evaluator).toBe('lean step (js gemm)');
      for (const n of ham.layerNames) expect(Array.from(a.states[n].dataSync())).toEqual(Array.from(b.states[n].dataSync()));
      expect(a.energies).toEqual(b.energies);
      disposeStates(a.states);
      disposeStates(b.states);
    }
    // the one-ulp input really moved the result (else the comparison above could not fail)
    const r1 = descendSync(ham, base, { mode: 'fixed', dt: 0.1, maxSteps: 15, clamp: { v: true }, runtime: runtimeWith(reused) });
    const r2 = descendSync(ham, oneUlp, { mode: 'fixed', dt: 0.1, maxSteps: 15, clamp: { v: true }, runtime: runtimeWith(reused) });
    expect(Array.from(r1.states.h.dataSync())).not.toEqual(Array.from(r2.states.h.dataSync()));
    disposeStates(r1.states);
    disposeStates(r2.states);
    tf.dispose([params.synapses.vh.W, oneUlp.v]);
    disposeStates(base);
    disposeStates(other);
    disposeStates(small);
    ham.dispose();
  });
});
