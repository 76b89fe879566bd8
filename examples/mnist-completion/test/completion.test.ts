import { describe, expect, it } from 'vitest';
import { balancedSubset, binaryToBipolar, blockMask, flip, invertMask, loadMnist } from '@hamux-ts/data';
import { imageMemory, recall, score } from '../src/completion.js';

describe('MNIST pattern completion (small)', () => {
  const stored = balancedSubset(loadMnist(), 3, 11);
  const size = stored.size;
  const patterns = binaryToBipolar(Float32Array.from(stored.images, (v) => (v > 0.5 ? 1 : 0)));
  const sources = Int32Array.from({ length: stored.count }, (_, i) => i);

  it('recalls noisy and half-hidden digits', async () => {
    const memory = imageMemory(patterns, size, 0.1);
    const noisy = flip(patterns, size, { fraction: 0.2, seed: 5 });
    const fromNoise = score((await recall(memory, noisy.data, size)).recalled, patterns, sources, size);
    expect(fromNoise.exact).toBeGreaterThanOrEqual(0.9);
    const half = blockMask(patterns, [28, 28, 1], { top: 14, left: 0, height: 14, width: 28 });
    const fromHalf = score((await recall(memory, half.data, size, invertMask(half.mask))).recalled, patterns, sources, size);
    expect(fromHalf.nearest).toBeGreaterThanOrEqual(0.9);
    memory.dispose();
  });

  it('scores a wrong recall as wrong', () => {
    const swapped = new Float32Array(patterns.length);
    swapped.set(patterns.subarray(size), 0);
    swapped.set(patterns.subarray(0, size), patterns.length - size);
    const s = score(swapped, patterns, sources, size);
    expect(s.exact).toBe(0);
    expect(s.nearest).toBe(0);
    expect(s.pixelError).toBeGreaterThan(0.05);
  });
});
