/**
 * The numeric ground floor: CPU matrix products (OpenBLAS addon, WebAssembly SIMD or JS), the row
 * routines of a fused step, and tfjs cpu/wasm kernels built on them.
 *
 * @module @hamux-ts/kernels
 */
export { type Gemm, type GemmName, type Sgemm, type SoftmaxRows, jsGemm, jsSgemm, jsSoftmax, checkGemmArgs } from './gemm.js';
export { type NativeGemm } from './native.js';
export {
  enableFastKernels,
  disableFastKernels,
  nativeGemm,
  wasmGemm,
  wasmThreadedGemm,
  type FastKernels,
  type FastKernelsOptions,
  type FastKernelsReport,
} from './enable.js';
export { HeldOuterSum, HeldProduct } from './held.js';
export { installMatMulKernels, uninstallMatMulKernels, installedGemm } from './tfjs-kernels.js';
export { wasmSimdSupported } from './wasm/gemm.js';
export {
  type RowRoutines,
  rowRoutines,
  SMALL_ROWS,
  jsAxpy,
  jsCopyBlocks,
  jsDenseRows,
  jsDotRows,
  jsLayernormRows,
  jsReluSquaredRows,
  jsSameBits,
  jsTanhRows,
} from './rows.js';
