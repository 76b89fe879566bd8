/**
 * Data for hamux-ts examples and benchmarks: MNIST digits, random patterns, corruption, PNG grids, patches.
 *
 * @module @hamux-ts/data
 */
export { type LabelledImages, pick } from './images.js';
export { loadMnist } from './mnist.js';
export { loadStandardMnist, type MnistSplit } from './mnist-standard.js';
export { readIdx, type IdxArray } from './idx.js';
export { split, subset, balancedSubset } from './split.js';
// seeded randomness: core's generator, the one every package shares
export { type Rng, rng, permutation } from '@hamux-ts/core';
export { randomBipolar, binaryToBipolar, bipolarToBinary, sign, binarize } from './patterns.js';
export { type Corrupted, type BlockOptions, flip, gaussianNoise, randomMask, blockMask, invertMask } from './corrupt.js';
export { type GridOptions, imageGrid, writeImageGrid } from './grid.js';
export { patchify, unpatchify } from './patches.js';
