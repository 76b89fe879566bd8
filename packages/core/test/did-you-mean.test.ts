// "did you mean": the nearest known name to a misspelt one, or none when nothing is near.
import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from '../src/index.js';

describe('closestName', () => {
  const kinds = ['identity', 'relu', 'softmax', 'ghostmax', 'layernorm', 'tanh', 'sigmoid'];

  it('finds another case, one insertion, deletion, substitution or swap', () => {
    expect(closestName('Softmax', kinds)).toBe('softmax');
    expect(closestName('SOFTMAX', kinds)).toBe('softmax');
    expect(closestName('hiden', ['pixels', 'hidden'])).toBe('hidden');
    expect(closestName('hiddenn', ['pixels', 'hidden'])).toBe('hidden');
    expect(closestName('hodden', ['pixels', 'hidden'])).toBe('hidden');
    expect(closestName('hidedn', ['pixels', 'hidden'])).toBe('hidden');
    expect(closestName('layrenorm', kinds)).toBe('layernorm');
    expect(closestName('weight', ['weights', 'states', 'out'])).toBe('weights');
  });

  it('suggests nothing far away, nothing for the name itself, nothing for a huge name', () => {
    expect(closestName('bogus', ['out', 'json', 'states', 'weights'])).toBeUndefined();
    expect(closestName('xy', ['out'])).toBeUndefined();
    expect(closestName('V', ['W'])).toBeUndefined(); // one letter: only another case
    expect(closestName('w', ['W'])).toBe('W');
    expect(closestName('softmax', kinds)).toBeUndefined();
    expect(closestName('x'.repeat(10_000), ['x'.repeat(9_999)])).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });

  it('prefers the nearest, and the first of equally near ones', () => {
    expect(closestName('tanj', ['tank', 'tanh'])).toBe('tank');
    expect(closestName('relu', ['repu', 'relu6'])).toBe('repu');
    expect(closestName('Relu', ['repu', 'relu'])).toBe('relu'); // case alone beats an edit
  });

  it('didYouMean words the hint', () => {
    expect(didYouMean('hiden', ['hidden'])).toBe(' (did you mean "hidden"?)');
    expect(didYouMean('--jsn', ['--json'], (c) => c)).toBe(' (did you mean --json?)');
    expect(didYouMean('zzz', ['hidden'])).toBe('');
  });
});
