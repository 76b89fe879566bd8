import { describe, expect, it } from 'vitest';
import { normalValues, tf } from '@hamux-ts/core';
import { applyGradientsOnHost } from '../src/optimizer.js';

const shapes = [[5, 7], [7], [1]];

/** Two identical sets of variables, one stepped by tfjs and one on the host, compared bit for bit. */
function pair(make: () => tf.Optimizer, steps: number, seed: number, setRate?: (o: tf.Optimizer, step: number) => void) {
  const init = shapes.map((s, i) => normalValues(seed + i, s));
  const vars = (tag: string) => shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(init[i]!, s), true, `host-opt-${tag}-${seed}-${i}-${Math.random()}`)));
  const [va, vb] = [vars('tfjs'), vars('host')];
  const [oa, ob] = [make(), make()];
  for (let t = 0; t < steps; t++) {
    setRate?.(oa, t);
    setRate?.(ob, t);
    // gradients with zeros and both signs, some steps all zero for one variable
    const grads = shapes.map((s, i) => tf.tensor(normalValues(seed * 100 + t * 10 + i, s).map((g, k) => (k % 5 === 0 || (t === 2 && i === 1) ? 0 : g * 3)), s));
    oa.applyGradients(Object.fromEntries(va.map((v, i) => [v.name, grads[i]!])));
    expect(applyGradientsOnHost(ob, vb, grads)).toBe(true);
    tf.dispose(grads);
  }
  return { va, vb, oa, ob };
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

describe('the optimizer update on host arrays', () => {
  const cases: [string, () => tf.Optimizer][] = [
    ['sgd', () => tf.train.sgd(0.1)],
    ['momentum', () => tf.train.momentum(0.05, 0.9)],
    ['nesterov momentum', () => tf.train.momentum(0.05, 0.8, true)],
    ['adam', () => tf.train.adam(0.02, 0.9, 0.999, 1e-7)],
    ['adam, other betas', () => tf.train.adam(3e-3, 0.5, 0.9, 1e-4)],
    ['rmsprop', () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7)],
    ['rmsprop without momentum', () => tf.train.rmsprop(0.01, 0.95, 0, 1e-6)],
  ];
  for (const [name, make] of cases) {
    it(`${name}: the same bits as tfjs's applyGradients (values, slots, iterations), over 25 steps and a learning-rate change`, async () => {
      const before = tf.memory().numTensors;
      const { va, vb, oa, ob } = pair(make, 25, 3, (o, t) => {
        if (t === 12) (o as unknown as { setLearningRate?: (r: number) => void }).setLearningRate?.(0.004);
      });
      va.forEach((v, i) => expect(bits(vb[i]!)).toEqual(bits(v)));
      const [wa, wb] = [await oa.getWeights(), await ob.getWeights()];
      const slotName = (n: string) => n.replace(/^host-opt-\w+-\d+-(\d+)-[\d.e-]+/, 'v$1');
      expect(wb.map((w) => slotName(w.name))).toEqual(wa.map((w) => slotName(w.name)));
      wa.forEach((w, i) => expect(bits(wb[i]!.tensor)).toEqual(bits(w.tensor)));
      expect(ob.iterations).toBe(25);
      if (name.startsWith('adam')) {
        for (const k of ['accBeta1', 'accBeta2'] as const) {
          expect(bits((ob as unknown as Record<string, tf.Tensor>)[k]!)).toEqual(bits((oa as unknown as Record<string, tf.Tensor>)[k]!));
        }
      }
      tf.dispose([...wa, ...wb].filter((w) => w.name === 'iter').map((w) => w.tensor));
      tf.dispose([...va, ...vb]);
      oa.dispose();
      ob.dispose();
      // tfjs 4.22's MomentumOptimizer.dispose forgets its −lr scalar: one per optimizer, host or not
      expect(tf.memory().numTensors).toBe(before + (/^(momentum|nesterov)/.test(name) ? 2 : 0));
    });
  }

  it('leaves optimizers it does not know to tfjs, changing nothing (centered RMSProp, Adagrad)', () => {
    const v = [tf.tidy(() => tf.variable(tf.ones([3]), true, `host-opt-unknown-${Math.random()}`))];
    const g = [tf.ones([3])];
    for (const o of [tf.train.rmsprop(0.1, 0.9, 0, 1e-7, true), tf.train.adagrad(0.1)]) {
      expect(applyGradientsOnHost(o, v, g)).toBe(false);
      expect(Array.from(v[0]!.dataSync())).toEqual([1, 1, 1]);
      expect(o.iterations).toBe(0);
      o.dispose();
    }
    tf.dispose([...v, ...g]);
  });

  it('keeps the tensor count flat over many steps', () => {
    const v = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.zeros(s), true, `host-opt-flat-${i}-${Math.random()}`)));
    const g = shapes.map((s) => tf.ones(s));
    const o = tf.train.adam(0.01);
    applyGradientsOnHost(o, v, g);
    const n = tf.memory().numTensors;
    for (let t = 0; t < 200; t++) applyGradientsOnHost(o, v, g);
    expect(tf.memory().numTensors).toBe(n);
    o.dispose();
    tf.dispose([...v, ...g]);
  });
});
