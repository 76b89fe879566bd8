// The FLOP counter of `hamux bench`, against hand counts: single kernels by rule, then real tfjs
// computations profiled on the cpu backend.
import { describe, expect, it } from 'vitest';
import { buildFromConfig } from '@hamux-ts/config';
import { tf } from '@hamux-ts/core';
import { countFlops, kernelFlops, profileFlops, type KernelRecord } from '../src/bench/flops.js';

const k = (name: string, inputShapes: (number[] | null)[], outputShapes: number[][]): KernelRecord => ({ name, inputShapes, outputShapes });
const any = () => true;

describe('kernelFlops, by rule', () => {
  it('counts a matrix product as 2·M·N·K whatever the transposes', () => {
    expect(kernelFlops(k('BatchMatMul', [[2, 3], [3, 4]], [[2, 4]]), any)).toBe(2 * 2 * 4 * 3);
    expect(kernelFlops(k('BatchMatMul', [[2, 3], [4, 3]], [[2, 4]]), any)).toBe(48); // b transposed
    expect(kernelFlops(k('BatchMatMul', [[3, 2], [3, 4]], [[2, 4]]), any)).toBe(48); // a transposed
    expect(kernelFlops(k('BatchMatMul', [[5, 2, 3], [5, 3, 4]], [[5, 2, 4]]), any)).toBe(5 * 48);
    // a fused bias and activation add one per output entry each
    expect(kernelFlops(k('_FusedMatMul', [[2, 3], [3, 4], [4], null], [[2, 4]]), any)).toBe(48 + 8);
  });

  it('counts convolutions from the filter and output shapes', () => {
    // out [1, 3, 3, 4], filter [3, 3, 2, 4]: 36 outputs × 18 products, times 2
    expect(kernelFlops(k('Conv2D', [[1, 5, 5, 2], [3, 3, 2, 4]], [[1, 3, 3, 4]]), any)).toBe(2 * 36 * 18);
    expect(kernelFlops(k('Conv2DBackpropInput', [[1, 3, 3, 4], [3, 3, 2, 4]], [[1, 5, 5, 2]]), any)).toBe(2 * 36 * 18);
    expect(kernelFlops(k('Conv2DBackpropFilter', [[1, 5, 5, 2], [1, 3, 3, 4]], [[3, 3, 2, 4]]), any)).toBe(2 * 36 * 18);
  });

  it('counts elementwise ops per output, reductions and pooling per input, movement as nothing', () => {
    expect(kernelFlops(k('Add', [[2, 3], [3]], [[2, 3]]), any)).toBe(6);
    expect(kernelFlops(k('Exp', [[7]], [[7]]), any)).toBe(7);
    expect(kernelFlops(k('Sum', [[4, 5]], [[4]]), any)).toBe(20);
    expect(kernelFlops(k('Max', [[4, 5]], [[4, 1]]), any)).toBe(20);
    expect(kernelFlops(k('AvgPool', [[1, 4, 4, 2]], [[1, 2, 2, 2]]), any)).toBe(32);
    expect(kernelFlops(k('AddN', [[10], [10], [10]], [[10]]), any)).toBe(20);
    expect(kernelFlops(k('Softmax', [[2, 5]], [[2, 5]]), any)).toBe(50);
    for (const name of ['Reshape', 'Identity', 'Cast', 'Tile', 'Transpose', 'Fill']) expect(kernelFlops(k(name, [[4, 5]], [[20]]), any)).toBe(0);
  });

  it('skips entries that are not kernels (customGrad scopes), whose kernels are recorded on their own', () => {
    const records = [k('Exp', [[3]], [[3]]), k('myCustomOp', [[3]], [[3]])];
    const c = countFlops(records, (name) => name !== 'myCustomOp');
    expect(c.flops).toBe(3);
    expect(c.kernels).toBe(1);
    expect(c.byKernel).toEqual([{ kernel: 'Exp', flops: 3, calls: 1 }]);
  });
});

describe('profileFlops on real computations (cpu backend)', () => {
  it('counts x·W + b by hand', async () => {
    const x = tf.ones([8, 16]);
    const w = tf.ones([16, 4]);
    const b = tf.ones([4]);
    const { result, count, peakBytes } = await profileFlops(() => {
      const y = tf.add(tf.matMul(x, w), b);
      const v = y.dataSync()[0];
      y.dispose();
      return v;
    });
    expect(result).toBe(17);
    expect(count.flops).toBe(2 * 8 * 4 * 16 + 8 * 4);
    expect(peakBytes).toBeGreaterThanOrEqual(8 * 4 * 4);
    tf.dispose([x, w, b]);
  });

  it('counts the matrix products of a dense synapse: energy plus both closed-form signals, 3 · 2·B·n·m', async () => {
    const ham = buildFromConfig({
      layers: { a: { shape: [6], lagrangian: { kind: 'identity' } }, b: { shape: [5], lagrangian: { kind: 'tanh' } } },
      synapses: { s: { kind: 'dense', connects: ['a', 'b'] } },
      seed: 0,
    });
    const states = ham.randomStates(3, 1);
    const before = tf.memory().numTensors;
    const { count } = await profileFlops(() => {
      const { energy, dEdxhat } = ham.energyAndDEdxhat(states);
      tf.dispose([energy, ...Object.values(dEdxhat)]);
      return 0;
    });
    const matmul = count.byKernel.find((e) => e.kernel === 'BatchMatMul');
    expect(matmul?.flops).toBe(3 * 2 * 3 * 6 * 5);
    expect(count.flops).toBeGreaterThan(matmul!.flops);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(states));
    ham.dispose();
  });
});
