// The scheduler's fast-evaluator option: a given provider is used when it supports the backend and
// compiles the graph, the result says so, and `fastPath: false`, `method: 'autodiff'`, an
// unsupported backend or a graph it refuses all fall back to HAM.energyAndDEdxhat. Without fast
// kernels enabled (nothing set up by useBackend), the default lean evaluator stays out of the way.
import { describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { descendSync, leanEvaluator } from '@hamux-ts/dynamics';
import { hamProvider } from './support.js';

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
    expect(leanEvaluator.supports(tf.getBackend())).toBe(false);
    const plain = descendSync(h, init, { maxSteps: 50 });
    expect(plain.evaluator).toBe('HAM.energyAndDEdxhat');
    const { provider, calls } = counting();
    const before = tf.memory().numTensors;
    const fast = descendSync(h, init, { maxSteps: 50, fastEvaluator: provider });
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
      const r = descendSync(h, init, { maxSteps: 5, ...options, fastEvaluator: provider });
      expect(r.evaluator).toBe('HAM.energyAndDEdxhat');
      expect(calls.evaluate).toBe(0);
      tf.dispose(Object.values<Tensor>(r.states));
    }
    tf.dispose(Object.values<Tensor>(init));
    h.dispose();
  });
});
