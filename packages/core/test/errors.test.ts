// Errors as data: a stable code and a path of keys and indices, with the text form kept for people.
import { describe, expect, it } from 'vitest';
import { formatPath, HamuxError, HamuxErrors, parsePath } from '../src/index.js';

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
