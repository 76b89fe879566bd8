// Unknown names in configs come with the nearest known one.
import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import { buildFromConfig, parseConfig } from '@hamux-ts/config';

const messages = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HamuxError);
    return (e instanceof HamuxErrors ? e.errors : [e as HamuxError]).map((x) => x.message);
  }
  throw new Error('expected a throw');
};

const config = (lagrangian: unknown, synapse: unknown, connects = ['pixels', 'hidden']) => ({
  layers: { pixels: { shape: [4], lagrangian: { kind: 'identity' } }, hidden: { shape: [3], lagrangian } },
  synapses: { enc: { kind: synapse, connects } },
  seed: 0,
});

describe('did you mean', () => {
  it('for kinds in another case or a letter off', () => {
    expect(messages(() => parseConfig(config({ kind: 'Softmax' }, 'Dense')))).toEqual([
      expect.stringMatching(/^layers\.hidden\.lagrangian\.kind: unknown Lagrangian kind "Softmax" \(did you mean "softmax"\?\) \(expected one of: identity, /),
      expect.stringMatching(/^synapses\.enc\.kind: unknown hypersynapse kind "Dense" \(did you mean "dense"\?\) \(expected one of: dense, /),
    ]);
  });

  it('for layers in connects, and for keys', () => {
    expect(messages(() => buildFromConfig(config({ kind: 'softmax', bta: 2 }, 'dense', ['pixels', 'hiden'])))).toEqual([
      'layers.hidden.lagrangian: unknown key "bta" (did you mean "beta"?) (expected: kind, beta, axis)',
      'synapses.enc.connects[1]: unknown layer "hiden" (did you mean "hidden"?) (layers are "pixels", "hidden")',
    ]);
  });

  it('not for names far from every known one; a long name is shown short', () => {
    const [m] = messages(() => parseConfig(config({ kind: 'x'.repeat(1000) }, 'dense')));
    expect(m).toMatch(/^layers\.hidden\.lagrangian\.kind: unknown Lagrangian kind "x{30}"… \(expected one of: /);
    expect(messages(() => parseConfig(config({ kind: 'quadratic' }, 'dense')))[0]).not.toContain('did you mean');
  });
});
