// A nudged descent minimises E + N(x̂): its energy (with the nudge) never rises, and where it
// stops, ∂E/∂x̂ + ∂N/∂x̂ vanishes (checked against the nudge's gradient written out by hand).
import { describe, expect, it } from 'vitest';
import { HamuxError, hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { thrownBy } from '@hamux-ts/test-support';
import { disposeStates } from './support.js';

const graph = () =>
  hypergraph()
    .layer('v', { shape: [6], lagrangian: L.identity() })
    .layer('h', { shape: [5], lagrangian: L.tanh(), tau: 0.5 })
    .layer('y', { shape: [3], lagrangian: L.softmax({ beta: 2 }), tau: 0.2 })
    .synapse('vh', Y.dense(), ['v', 'h'])
    .synapse('hy', Y.dense(), ['h', 'y'])
    .build({ seed: 11 });

describe('descend with a nudge', () => {
  it('falls all the way on E + N and stops where ∂(E + N)/∂x̂ = 0', () => {
    const ham = graph();
    const init = ham.randomStates(4, 3, 0.5);
    const target = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);
    const beta = 0.7;
    // N = β Σ_c (ŷ_c − t_c)² per sample: ∂N/∂ŷ = 2β (ŷ − t)
    const nudge = (acts: { y: Tensor }) => tf.mul(beta, tf.sum(tf.square(tf.sub(acts.y, target)), 1));
    const options = { clamp: { v: true as const }, maxSteps: 4000, tolerance: { grad: 1e-5 } };
    const free = descendSync(ham, init, options);
    const nudged = descendSync(ham, init, { ...options, nudge });
    expect(nudged.evaluator).toBe('HAM.energyAndDEdxhat + nudge');
    for (const e of nudged.energies) for (let t = 1; t < e.length; t++) expect(e[t]!).toBeLessThanOrEqual(e[t - 1]!);
    expect(nudged.report.every((r) => r.converged)).toBe(true);
    const g = ham.dEdxhat(nudged.states);
    const yhat = ham.activations(nudged.states).y;
    const total = tf.add(g.y, tf.mul(2 * beta, tf.sub(yhat, target)));
    // float32 ends the descent where E + N stops falling (|∂(E + N)/∂x̂| ~ 1e-3), far below the nudge's own pull
    const maxAbs = (t: Tensor) => Math.max(...Array.from(tf.abs(t).dataSync()));
    const worst = Math.max(...nudged.report.map((r) => r.gradNorm));
    expect(worst).toBeLessThan(2e-3);
    expect(maxAbs(total)).toBeLessThanOrEqual(worst * 1.01);
    expect(maxAbs(g.h)).toBeLessThanOrEqual(worst * 1.01);
    expect(maxAbs(tf.mul(2 * beta, tf.sub(yhat, target)))).toBeGreaterThan(0.1);
    // the nudge moved the label layer toward the target
    const dist = (s: typeof free.states) => tf.sum(tf.square(tf.sub(ham.activations(s).y, target))).dataSync()[0]!;
    expect(dist(nudged.states)).toBeLessThan(dist(free.states));
    disposeStates(free.states, nudged.states, init);
    ham.dispose();
  });

  it('must give one energy per sample', () => {
    const ham = graph();
    const init = ham.randomStates(2, 1);
    const e = thrownBy(() => descendSync(ham, init, { nudge: (a) => tf.sum(a.y) }), HamuxError);
    expect(e).toMatchObject({ code: 'shape_mismatch', path: ['options', 'nudge'] });
    expect(e.message).toMatch(/one energy per sample, a tensor of shape \[2\]; got shape \[\]/);
    disposeStates(init);
    ham.dispose();
  });
});
