import { describe, expect, it } from 'vitest';
import { niceTicks } from '../src/svg.js';

describe('niceTicks', () => {
  it('gives round values that cover the range', () => {
    expect(niceTicks(-206, 444.1)).toEqual([-200, 0, 200, 400]);
    expect(niceTicks(0, 500)).toEqual([0, 200, 400]);
    expect(niceTicks(0, 1000)).toEqual([0, 500, 1000]);
    expect(niceTicks(0.001, 0.0042)).toEqual([0.001, 0.002, 0.003, 0.004]);
  });
});
