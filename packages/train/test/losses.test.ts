import { describe, expect, it } from 'vitest';
import { deriveKey, hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { clampedInput, correctCount, corruptedInput, crossEntropy, maskedInput, mse, sumOf, type Prepared } from '@hamux-ts/train';

/** A descent started from nothing in particular (the losses below do not look at it). */
const none = { states: {} } as unknown as Prepared<string>;
const value = (t: Tensor) => { const v = t.dataSync()[0]!; t.dispose(); return v; };

describe('losses against closed forms', () => {
  const p = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]];
  it('crossEntropy from the activation: −mean log p[label], with one-hot or index labels', () => {
    const acts = { y: tf.tensor2d(p) };
    const want = -(Math.log(0.7) + Math.log(0.3)) / 2;
    expect(value(crossEntropy({ layer: 'y', field: 'l' })(acts, { l: tf.tensor1d([0, 1], 'int32') }, { states: acts, prepared: none }))).toBeCloseTo(want, 6);
    expect(value(crossEntropy({ layer: 'y', field: 'l' })(acts, { l: tf.tensor2d([[1, 0, 0], [0, 1, 0]]) }, { states: acts, prepared: none }))).toBeCloseTo(want, 6);
  });

  it('crossEntropy from the state: logits through log-softmax', () => {
    const x = [[2, -1, 0.5], [0, 0, 3]];
    const states = { y: tf.tensor2d(x) };
    const lse = (r: number[]) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
    const want = -((x[0]![0]! - lse(x[0]!)) + (x[1]![2]! - lse(x[1]!))) / 2;
    expect(value(crossEntropy({ layer: 'y', field: 'l', from: 'state' })({ y: tf.tensor2d(p) }, { l: tf.tensor1d([0, 2], 'int32') }, { states, prepared: none }))).toBeCloseTo(want, 5);
  });

  it('mse over every entry, and over the free entries of a masked clamp only', () => {
    const acts = { v: tf.tensor2d([[1, 2], [3, 4]]) };
    const batch = { t: tf.tensor2d([[1, 0], [0, 4]]) };
    expect(value(mse({ layer: 'v', field: 't' })(acts, batch, { states: acts, prepared: none }))).toBeCloseTo((4 + 9) / 4, 6);
    const prepared = { states: acts, clamp: { v: tf.tensor2d([[1, 0], [0, 1]]) } }; // free: (0,1) and (1,0)
    expect(value(mse({ layer: 'v', field: 't', on: 'free' })(acts, batch, { states: acts, prepared }))).toBeCloseTo((4 + 9) / 2, 6);
    const unbatched = { states: acts, clamp: { v: tf.tensor1d([0, 1]) } }; // free: column 0
    expect(value(mse({ layer: 'v', field: 't', on: 'free' })(acts, batch, { states: acts, prepared: unbatched }))).toBeCloseTo(9 / 2, 6);
    const states = { v: tf.tensor2d([[1, 0], [0, 5]]) };
    expect(value(mse({ layer: 'v', field: 't', of: 'state' })(acts, batch, { states, prepared: none }))).toBeCloseTo(1 / 4, 6);
  });

  it('sumOf weighs its terms', () => {
    const acts = { v: tf.tensor2d([[1, 2]]) };
    const batch = { t: tf.tensor2d([[0, 0]]) };
    const l = sumOf([mse({ layer: 'v', field: 't' }), 2], [mse({ layer: 'v', field: 't', of: 'state' }), 0.5]);
    expect(value(l(acts, batch, { states: { v: tf.tensor2d([[2, 2]]) }, prepared: none }))).toBeCloseTo(2 * 2.5 + 0.5 * 4, 6);
  });

  it('correctCount compares the argmax with the label', () => {
    const acts = { y: tf.tensor2d(p) };
    expect(value(correctCount(acts, { l: tf.tensor1d([0, 1], 'int32') }, { layer: 'y', field: 'l' }))).toBe(1);
    expect(value(correctCount(acts, { l: tf.tensor2d([[1, 0, 0], [0, 0, 1]]) }, { layer: 'y', field: 'l' }))).toBe(2);
  });
});

describe('initial states from a batch', () => {
  const ham = hypergraph()
    .layer('v', { shape: [2, 2], lagrangian: L.identity() })
    .layer('h', { shape: [3], lagrangian: L.tanh() })
    .synapse('s', Y.dense(), ['v', 'h'])
    .build({ seed: 0 });
  const batch = { x: tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]) };

  it('clampedInput: the data (reshaped to the layer) clamped whole, the rest at zero or seeded noise', () => {
    const a = clampedInput<'v' | 'h'>({ layer: 'v', field: 'x' })(batch, { ham, key: 1, training: true });
    expect(a.states.v.shape).toEqual([2, 2, 2]);
    expect(Array.from(a.states.v.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(a.states.h.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(a.clamp).toEqual({ v: true });
    const b = clampedInput<'v' | 'h'>({ layer: 'v', field: 'x', rest: { std: 1 } })(batch, { ham, key: 1, training: true });
    const c = clampedInput<'v' | 'h'>({ layer: 'v', field: 'x', rest: { std: 1 } })(batch, { ham, key: 1, training: true });
    const d = clampedInput<'v' | 'h'>({ layer: 'v', field: 'x', rest: { std: 1 } })(batch, { ham, key: 2, training: true });
    expect(Array.from(b.states.h.dataSync())).toEqual(Array.from(c.states.h.dataSync()));
    expect(Array.from(b.states.h.dataSync())).not.toEqual(Array.from(d.states.h.dataSync()));
    tf.dispose([a, b, c, d].flatMap((s) => Object.values(s.states)));
  });

  it('corruptedInput adds N(0, std²) noise from the key and leaves the input free', () => {
    const a = corruptedInput<'v' | 'h'>({ layer: 'v', field: 'x', std: 0.5 })(batch, { ham, key: 3, training: true });
    expect(a.clamp).toBeUndefined();
    const diff = Array.from(a.states.v.dataSync(), (v, i) => v - (i + 1));
    expect(diff.every((d) => Math.abs(d) < 3)).toBe(true);
    expect(diff.some((d) => Math.abs(d) > 1e-3)).toBe(true);
    tf.dispose(Object.values(a.states));
  });

  it('corruptedInput with observed: the same noisy input in a second layer, clamped; a wrong layer is named', () => {
    const g = hypergraph()
      .layer('v', { shape: [2, 2], lagrangian: L.identity() })
      .layer('y', { shape: [2, 2], lagrangian: L.identity() })
      .layer('h', { shape: [3], lagrangian: L.tanh() })
      .synapse('fit', Y.tie(), ['v', 'y'])
      .synapse('s', Y.dense(), ['v', 'h'])
      .build({ seed: 0 });
    const a = corruptedInput({ layer: 'v', field: 'x', std: 0.5, observed: 'y' })(batch, { ham: g, key: 3, training: true });
    const b = corruptedInput({ layer: 'v', field: 'x', std: 0.5 })(batch, { ham: g, key: 3, training: true });
    expect(a.clamp).toEqual({ y: true });
    expect(Array.from(a.states.y.dataSync())).toEqual(Array.from(a.states.v.dataSync()));
    expect(Array.from(a.states.v.dataSync())).toEqual(Array.from(b.states.v.dataSync())); // the same noise as without it
    expect(a.states.y).not.toBe(a.states.v); // each state is its own tensor (the trainer disposes both)
    tf.dispose([...Object.values(a.states), ...Object.values(b.states)]);
    expect(() => corruptedInput({ layer: 'v', field: 'x', std: 0.5, observed: 'h' })(batch, { ham: g, key: 3, training: true }))
      .toThrow('corruptedInput.observed: layer "h" is [3], expected the shape of "v", [2, 2]');
    expect(() => corruptedInput({ layer: 'v', field: 'x', std: 0.5, observed: 'v' })).toThrow(/corruptedInput\.observed: expected the name of a layer other than "v"/);
    g.dispose();
  });

  it('maskedInput hides about `fraction` of the entries (at fill, free) and clamps the rest', () => {
    const big = { x: tf.tensor2d(Array.from({ length: 50 }, (_, i) => Array.from({ length: 4 }, (_, j) => i + j + 1))) };
    const a = maskedInput<'v' | 'h'>({ layer: 'v', field: 'x', fraction: 0.25, fill: -1 })(big, { ham, key: 4, training: true });
    const mask = a.clamp!.v as Tensor;
    expect(mask.shape).toEqual([50, 2, 2]);
    const m = mask.dataSync(), v = a.states.v.dataSync(), x = big.x.dataSync();
    let hidden = 0;
    m.forEach((k, i) => {
      if (k) expect(v[i]).toBe(x[i]);
      else { hidden++; expect(v[i]).toBe(-1); }
    });
    expect(hidden / m.length).toBeGreaterThan(0.17);
    expect(hidden / m.length).toBeLessThan(0.33);
    tf.dispose([mask, ...Object.values(a.states), big.x]);
  });
});
