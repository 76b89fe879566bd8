// The standard MNIST split from the original IDX files: sizes, the first labels everyone knows
// (train 5 0 4 1 9, test 7 2 1 0 4), the class counts published with the data set, grey values
// in [0, 1]; and the IDX reader's refusals on files that are not what their header says.
import { describe, expect, it } from 'vitest';
import { HamuxError } from '@hamux-ts/core';
import { thrownBy } from '@hamux-ts/test-support';
import { loadStandardMnist, readIdx } from '../src/index.js';

const counts = (labels: Uint8Array) => Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);

describe('loadStandardMnist', () => {
  it('reads the 60,000 training digits', () => {
    const train = loadStandardMnist('train');
    expect(train.count).toBe(60000);
    expect(train.images.length).toBe(60000 * 784);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(counts(train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    let lo = Infinity, hi = -Infinity;
    const { images } = train;
    for (let i = 0; i < images.length; i++) { const v = images[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
    expect([lo, hi]).toEqual([0, 1]);
    expect(loadStandardMnist('train')).toBe(train); // decoded once
  });

  it('reads the 10,000 test digits', () => {
    const test = loadStandardMnist('test');
    expect(test.count).toBe(10000);
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(counts(test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(test.shape).toEqual([28, 28, 1]);
  });

  it('refuses an unknown split', () => {
    const e = thrownBy(() => loadStandardMnist('validation' as 'test'), HamuxError);
    expect(e.message).toBe('loadStandardMnist.split: expected \'train\' or \'test\', got "validation"');
  });
});

describe('readIdx', () => {
  const idx = (header: number[], values: number[]) => Uint8Array.from([...header, ...values]);
  it('reads the shape and the values', () => {
    const a = readIdx(idx([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3], [1, 2, 3, 4, 5, 6]), 'a.idx');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a wrong magic number, value type or length, naming the file', () => {
    const cases: [Uint8Array, RegExp][] = [
      [idx([1, 0, 8, 1, 0, 0, 0, 1], [0]), /^x\.idx: not an IDX file of unsigned bytes: its magic number starts 1 0, not 0 0$/],
      [idx([0, 0, 0x0d, 1, 0, 0, 0, 1], [0, 0, 0, 0]), /value type is 0x0d, not 0x08/],
      [idx([0, 0, 8, 1, 0, 0, 0, 3], [1, 2]), /promises 3 = 3 values after 8 header bytes, but it has 2$/],
      [idx([0, 0, 8], []), /3 bytes, fewer than the 4 of its magic number/],
    ];
    for (const [bytes, message] of cases) {
      const e = thrownBy(() => readIdx(bytes, 'x.idx'), HamuxError);
      expect(e.code).toBe('invalid_file');
      expect(e.message).toMatch(message);
    }
  });
});
