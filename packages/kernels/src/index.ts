export { type Gemm, type GemmName, type Sgemm, type SoftmaxRows, jsGemm, jsSgemm, jsSoftmax, checkGemmArgs } from './gemm.js';
export { type NativeGemm } from './native.js';
export {
  enableFastKernels,
  disableFastKernels,
  activeGemm,
  nativeGemm,
  wasmGemm,
  wasmThreadedGemm,
  type FastKernelsOptions,
  type FastKernelsReport,
} from './enable.js';
export { installMatMulKernels, uninstallMatMulKernels, installedGemm } from './tfjs-kernels.js';
export { wasmSimdSupported } from './wasm/gemm.js';
export { LeanStep, compileLeanStep, type LeanStepOptions, type LeanResult } from './step/lean-step.js';
export { leanEvaluatorProvider } from './step/provider.js';
export { LeanTrainStep, leanTrainStep, type LeanTrainOptions, type LeanTrainResult } from './step/train-step.js';
