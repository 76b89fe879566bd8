// Errors as data: a stable code and a path of keys and indices, with the text form kept for people.
import { describe, expect, it } from 'vitest';
import { formatPath, HamuxError, HamuxErrors, hypergraph, lagrangians as L, parsePath, synapses as Y, tf } from '../src/index.js';

describe('HamuxError', () => {
  it('keeps its path as keys and indices, and as the text people read', () => {
    const e = new HamuxError('variants[1].config.layers.h', 'expected a number', 'invalid_config');
    expect(e.path).toEqual(['variants', 1, 'config', 'layers', 'h']);
    expect(e.where).toBe('variants[1].config.layers.h');
    expect(e.code).toBe('invalid_config');
    expect(e.message).toBe('variants[1].config.layers.h: expected a number');
    expect(e.detail).toBe('expected a number');
    expect(new HamuxError(['synapses', 'enc', 'W'], 'x').where).toBe('synapses.enc.W');
    expect(new HamuxError('', 'no place').path).toEqual([]);
    expect(new HamuxError('layers.h', 'x').code).toBe('invalid_argument');
  });

  it('paths round-trip between text and keys', () => {
    for (const text of ['layers.hidden.beta', 'options.trainable[0]', 'a[2][3].b', '']) expect(formatPath(parsePath(text))).toBe(text);
  });

  it('several problems are one error of code "multiple", each keeping its own', () => {
    const one = new HamuxError('layers.a', 'bad', 'shape_mismatch');
    const two = new HamuxError('synapses.s', 'unknown', 'unknown_name');
    expect(new HamuxErrors([one, two]).code).toBe('multiple');
    expect(new HamuxErrors([one, two]).errors.map((e) => e.code)).toEqual(['shape_mismatch', 'unknown_name']);
    expect(new HamuxErrors([one]).code).toBe('shape_mismatch');
  });
});

describe('what the public API throws is data', () => {
  const problems = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(HamuxError);
      return (e instanceof HamuxErrors ? e.errors : [e as HamuxError]).map((x) => [x.code, x.path]);
    }
    throw new Error('expected a throw');
  };
  const pair = () =>
    hypergraph()
      .layer('a.b', { shape: [3], lagrangian: L.identity() })
      .layer('h', { shape: [2], lagrangian: L.softmax() })
      .synapse('enc', Y.dense(), ['a.b', 'h']);

  it('the builder: unknown layers, shapes that do not fit, bad options (names with dots stay one key)', () => {
    expect(problems(() => hypergraph().layer('x', { shape: [3], lagrangian: L.identity() }).synapse('s', Y.dense(), ['x', 'nope' as 'x']).build({ seed: 0 }))).toEqual([
      ['unknown_name', ['synapses', 's', 'connects']],
    ]);
    expect(problems(() => hypergraph().layer('x', { shape: [3], lagrangian: L.identity(), tau: -1 }).build({ seed: 0.5 }))).toEqual([
      ['invalid_argument', ['seed']],
      ['invalid_argument', ['layers', 'x', 'tau']],
    ]);
    expect(problems(() => hypergraph().layer('x', { shape: [3], lagrangian: L.softmax({ axis: 2 }) }).build({ seed: 0 }))).toEqual([
      ['shape_mismatch', ['layers', 'x', 'lagrangian']],
    ]);
    expect(problems(() => pair().build({ seed: 0, params: { synapses: { enc: { W: tf.zeros([2, 2]) } } } }))).toEqual([['shape_mismatch', ['synapses', 'enc', 'W']]]);
    expect(problems(() => pair().build({ seed: 0, params: { layers: { 'a.b': { beta: tf.zeros([]) } } } }))).toEqual([
      ['unknown_name', ['layers', 'a.b', 'beta']],
    ]);
  });

  it('a bad option of a built-in names it: [kind, option]', () => {
    expect(problems(() => L.exp({ beta: -1 }))).toEqual([['invalid_argument', ['exp', 'beta']]]);
    expect(() => L.tanh({ beta: 0 })).toThrow('tanh.beta: must be a finite positive number, got 0');
  });

  it('states: unknown, disposed, of the wrong shape', () => {
    const ham = pair().build({ seed: 0 });
    const h = tf.zeros([1, 2]);
    h.dispose();
    expect(problems(() => ham.energy({ 'a.b': tf.zeros([1, 3]), h, extra: tf.zeros([1]) } as never))).toEqual([
      ['unknown_name', ['states', 'extra']],
      ['disposed', ['states', 'h']],
    ]);
    expect(problems(() => ham.energy({ 'a.b': tf.zeros([1, 4]), h: tf.zeros([2, 2]) }))).toEqual([['shape_mismatch', ['states', 'a.b']]]);
    expect(problems(() => ham.energy({ 'a.b': tf.zeros([1, 3]), h: tf.zeros([1, 2]) }, { method: 'numeric' as never }))).toEqual([
      ['invalid_argument', ['options', 'method']],
    ]);
    ham.dispose();
  });
});
