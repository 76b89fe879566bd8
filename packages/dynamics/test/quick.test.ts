import { expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';

it('descends', () => {
  const ham = hypergraph()
    .layer('v', { shape: [16], lagrangian: L.tanh() })
    .layer('h', { shape: [8], lagrangian: L.softmax({ beta: 2 }), tau: 0.1 })
    .synapse('s', Y.dense(), ['v', 'h'])
    .build({ seed: 0 });
  const before = tf.memory().numTensors;
  const init = ham.randomStates(4, 3);
  const r = descendSync(ham, init, { maxSteps: 2000 });
  expect(r.converged).toBe(true);
  for (const e of r.energies) for (let t = 1; t < e.length; t++) expect(e[t]).toBeLessThanOrEqual(e[t - 1]!);
  Object.values(r.states).forEach((t) => (t as tf.Tensor).dispose());
  Object.values(init).forEach((t) => (t as tf.Tensor).dispose());
  expect(tf.memory().numTensors).toBe(before);
  expect(r.report.map((x) => x.reason)).toEqual(['gradient', 'gradient', 'gradient', 'gradient']);
  expect(r.report[0]!.steps).toBeLessThan(2000);
});
