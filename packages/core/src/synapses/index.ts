export { dense, denseBias, bias, type DenseOptions, type DenseBiasOptions } from './dense.js';
export { conv2d, avgPool, outputLength, type Conv2dOptions, type PoolOptions, type Padding } from './conv.js';
export {
  polynomialMemory,
  exponentialMemory,
  modernHopfield,
  reluSquaredMemory,
  type MemoryOptions,
} from './memory.js';
export { energyAttention, type AttentionOptions } from './attention.js';
export { tie, type TieOptions } from './tie.js';
