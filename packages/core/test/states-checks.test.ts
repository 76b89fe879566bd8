// States are looked up by own property, batches are positive, unknown names get a hint.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '@hamux-ts/test-support';
import { HamuxError, HamuxErrors, hypergraph, lagrangians as L, synapses as Y, tf } from '../src/index.js';

const graph = () =>
  hypergraph()
    .layer('hasOwnProperty', { shape: [3], lagrangian: L.identity() })
    .layer('toString', { shape: [2], lagrangian: L.tanh() })
    .synapse('s', Y.dense(), ['hasOwnProperty', 'toString'])
    .build({ seed: 0 });

const thrown = (f: () => unknown): HamuxError => thrownBy(f, HamuxError);

describe('checkStates', () => {
  it('a layer named after an Object method is missing, not "expected a tensor"', () => {
    const ham = graph();
    const t = tf.zeros([1, 2]);
    const e = thrown(() => ham.checkStates({ toString: t }));
    expect(e.message).toBe('states.hasOwnProperty: missing: no tensor for layer "hasOwnProperty" (expected shape [batch, 3])');
    expect(e.code).toBe('invalid_argument');
    t.dispose();
    ham.dispose();
  });

  it('refuses a batch of 0 samples, naming the layer', () => {
    const ham = graph();
    const states = { hasOwnProperty: tf.zeros([0, 3]), toString: tf.zeros([0, 2]) };
    const e = thrown(() => ham.energy(states));
    expect(e.message).toBe('states: batch size 0 (layer "hasOwnProperty"): expected at least one sample');
    expect(e.code).toBe('shape_mismatch');
    Object.values(states).forEach((x) => x.dispose());
    ham.dispose();
  });

  it('an unknown layer gets a "did you mean"', () => {
    const ham = graph();
    const states = ham.randomStates(1, 0);
    const e = thrown(() => ham.checkStates({ ...states, toStrin: states.toString }));
    expect(e).toBeInstanceOf(HamuxErrors);
    expect(e.message).toContain('states.toStrin: unknown layer (did you mean "toString"?)');
    Object.values(states).forEach((x) => x.dispose());
    ham.dispose();
  });
});

describe('new states', () => {
  it('zeros and randomStates take a positive integer batch, named "batch"', () => {
    const ham = graph();
    const before = tf.memory().numTensors;
    for (const bad of [0, -1, 1.5, NaN, Infinity, 1e300]) {
      for (const make of [() => ham.zeros(bad), () => ham.randomStates(bad, 0)]) {
        const e = thrown(make);
        expect([e.code, e.path]).toEqual(['invalid_argument', ['batch']]);
        expect(e.message).toBe(`batch: expected a positive integer number of samples, got ${String(bad)}`);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    ham.dispose();
  });
});
