// The descent loop on host arrays against the same loop in tfjs ops. With an evaluator that is the
// HAM's own evaluation, the two steppers see the same energies and signals, so every trajectory,
// report and final state must agree to the bit: fixed and adaptive steps, multi-rate levels, whole
// and masked clamps (shared and per sample), samples that stop early, and recording.
import { describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { descend, descendSync, type DescendOptions } from '@hamux-ts/dynamics';
import { disposeStates, hamProvider, hostStates, runtimeWith } from './support.js';

const ham = () =>
  hypergraph()
    .layer('v', { shape: [6], lagrangian: L.tanh() })
    .layer('h', { shape: [5], lagrangian: L.relu(), tau: 0.5 })
    .layer('m', { shape: [4], lagrangian: L.softmax({ beta: 2 }), tau: 0.01 })
    .synapse('vh', Y.denseBias(), ['v', 'h'])
    .synapse('hm', Y.dense(), ['h', 'm'])
    .build({ seed: 11 });

type Case = [string, (h: ReturnType<typeof ham>) => DescendOptions<'v' | 'h' | 'm'>];
const cases: Case[] = [
  ['adaptive', () => ({ maxSteps: 120 })],
  ['fixed', () => ({ mode: 'fixed', dt: 0.004, maxSteps: 60, checkEvery: 7 })],
  ['multirate', () => ({ multirate: true, maxSteps: 150 })],
  ['whole clamp', () => ({ clamp: { v: true }, maxSteps: 80 })],
  ['shared mask', () => ({ clamp: { v: tf.tensor1d([1, 0, 1, 0, 0, 1]) }, maxSteps: 80, recordStatesEvery: 9 })],
  ['per-sample mask, fixed', () => ({ mode: 'fixed', dt: 0.004, clamp: { h: tf.tensor2d([[1, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 1, 0, 1, 0]]) }, maxSteps: 40 })],
  ['early stops', () => ({ tolerance: { grad: 0.05 }, maxSteps: 300, checkEvery: 3 })],
  ['too slow to move (τ = 1e308)', () => ({ tau: { v: 1e308, h: 1e308, m: 1e308 }, maxSteps: 40 })],
];

describe('host-array stepper against the tensor stepper', () => {
  it.each(cases)('%s: identical energies, reports, recordings and final states', async (_, optionsFor) => {
    const h = ham();
    const init = h.randomStates(3, 21, 0.7);
    const options = optionsFor(h);
    const tensors = descendSync(h, init, options);
    expect(tensors.evaluator).toBe('HAM.energyAndDEdxhat');
    const before = tf.memory().numTensors;
    const onHost = { ...options, runtime: runtimeWith(hamProvider('host')) };
    const host = descendSync(h, init, onHost);
    const hostAsync = await descend(h, init, onHost);
    expect(host.evaluator).toBe('host');
    for (const r of [host, hostAsync]) {
      expect(r.steps).toBe(tensors.steps);
      expect(r.report).toEqual(tensors.report);
      expect(r.energies).toEqual(tensors.energies);
      expect(r.recorded).toEqual(tensors.recorded);
      expect(hostStates(r.states)).toEqual(hostStates(tensors.states));
    }
    disposeStates(host.states, hostAsync.states);
    expect(tf.memory().numTensors).toBe(before);
    disposeStates(tensors.states, init);
    for (const c of Object.values(options.clamp ?? {})) if (c instanceof tf.Tensor) (c as Tensor).dispose();
    h.dispose();
  });

  it('reports a NaN in the initial states and a diverging fixed step the same way', () => {
    const h = ham();
    const init = h.randomStates(2, 5, 0.5);
    const bad = { ...init, h: tf.tensor2d([[0, 0, 0, 0, 0], [0, Number.NaN, 0, 0, 0]]) };
    const message = (f: () => unknown) => {
      try { f(); } catch (e) { return (e as Error).message; }
      return 'no error';
    };
    const wantNaN = message(() => descendSync(h, bad, {}));
    const wantRise = message(() => descendSync(h, init, { mode: 'fixed', dt: 5, maxSteps: 50 }));
    const runtime = runtimeWith(hamProvider('host'));
    expect(message(() => descendSync(h, bad, { runtime }))).toBe(wantNaN);
    expect(message(() => descendSync(h, init, { mode: 'fixed', dt: 5, maxSteps: 50, runtime }))).toBe(wantRise);
    expect(wantNaN).toMatch(/initial states\.h.*sample 1/);
    expect(wantRise).toMatch(/rose|diverged/);
    disposeStates(init, { h: bad.h });
    h.dispose();
  });
});
