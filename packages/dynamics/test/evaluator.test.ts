// The scheduler's runtime option: a runtime's evaluator is used when it supports the backend and
// compiles the graph, the result says so, and `fastPath: false`, `method: 'autodiff'`, an
// unsupported backend or a graph it refuses all fall back to HAM.energyAndDEdxhat. Without a
// runtime nothing but tfjs ops runs: no module state decides it.
import { describe, expect, it } from 'vitest';
import { HamuxError, hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { jsGemm } from '@hamux-ts/kernels';
import { descendSync, leanEvaluator } from '@hamux-ts/dynamics';
import { relErr, thrownBy } from '@hamux-ts/test-support';
import { hamProvider, runtimeWith } from './support.js';

const ham = () =>
  hypergraph()
    .layer('v', { shape: [6], lagrangian: L.tanh() })
    .layer('h', { shape: [4], lagrangian: L.softmax({ beta: 2 }), tau: 0.2 })
    .synapse('s', Y.dense(), ['v', 'h'])
    .build({ seed: 1 });

/** A provider that evaluates with the HAM itself and counts its calls (or refuses, or skips the backend). */
function counting(options: { refuse?: string; backend?: string } = {}) {
  const calls = { compile: 0, evaluate: 0 };
  const provider = hamProvider('counting evaluator', options, calls);
  return { provider, calls };
}

describe('fast evaluator hook', () => {
  it('is used for every evaluation when given, with the same trajectory as the general path', () => {
    const h = ham();
    const init = h.randomStates(3, 5);
    const plain = descendSync(h, init, { maxSteps: 50 });
    expect(plain.evaluator).toBe('HAM.energyAndDEdxhat');
    const { provider, calls } = counting();
    const before = tf.memory().numTensors;
    const fast = descendSync(h, init, { maxSteps: 50, runtime: runtimeWith(provider) });
    expect(fast.evaluator).toBe('counting evaluator');
    expect(calls.compile).toBe(1);
    expect(calls.evaluate).toBe(fast.steps + 1); // the initial state and one per step
    expect(fast.energies).toEqual(plain.energies);
    tf.dispose(Object.values<Tensor>(fast.states));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values<Tensor>(plain.states), ...Object.values<Tensor>(init)]);
    h.dispose();
  });

  it('is bypassed by fastPath: false, method: autodiff, an unsupported backend, and a graph it refuses', () => {
    const h = ham();
    const init = h.randomStates(2, 6);
    const cases: Array<[ReturnType<typeof counting>, Parameters<typeof descendSync>[2]]> = [
      [counting(), { fastPath: false }],
      [counting(), { method: 'autodiff' }],
      [counting({ backend: 'no such backend' }), {}],
      [counting({ refuse: 'a user-defined part' }), {}],
    ];
    for (const [{ provider, calls }, options] of cases) {
      const r = descendSync(h, init, { maxSteps: 5, ...options, runtime: runtimeWith(provider) });
      expect(r.evaluator).toBe('HAM.energyAndDEdxhat');
      expect(calls.evaluate).toBe(0);
      tf.dispose(Object.values<Tensor>(r.states));
    }
    tf.dispose(Object.values<Tensor>(init));
    h.dispose();
  });

  it('a runtime with a matrix product runs the lean step on it; one made for another backend is refused', () => {
    const h = ham();
    const init = h.randomStates(3, 7);
    const plain = descendSync(h, init, { maxSteps: 40 });
    const lean = descendSync(h, init, { maxSteps: 40, runtime: { backend: tf.getBackend(), gemm: jsGemm } });
    expect(lean.evaluator).toBe('lean step (js gemm)');
    expect(leanEvaluator(jsGemm)).toBe(leanEvaluator(jsGemm)); // one provider per product: compiled steps are reused
    // float32 products in another order: the same trajectory to rounding
    expect(relErr(Float32Array.from(lean.energies.flatMap((e) => [...e])), Float32Array.from(plain.energies.flatMap((e) => [...e])))).toBeLessThan(1e-5);
    const e = thrownBy(() => descendSync(h, init, { maxSteps: 5, runtime: { backend: 'wasm', gemm: jsGemm } }), HamuxError);
    expect(e).toMatchObject({ name: 'HamuxError', code: 'invalid_argument', path: ['runtime', 'backend'] });
    expect(e.message).toMatch(/made for the wasm backend, but cpu is the current one/);
    tf.dispose([...Object.values<Tensor>(plain.states), ...Object.values<Tensor>(lean.states), ...Object.values<Tensor>(init)]);
    h.dispose();
  });
});
