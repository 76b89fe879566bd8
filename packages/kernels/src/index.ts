export { type Gemm, type GemmName, type Sgemm, type SoftmaxRows, jsGemm, jsSgemm, jsSoftmax, checkGemmArgs } from './gemm.js';
export { type NativeGemm } from './native.js';
export {
  enableFastKernels,
  disableFastKernels,
  activeGemm,
  leanStepGemm,
  nativeGemm,
  wasmGemm,
  wasmThreadedGemm,
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
