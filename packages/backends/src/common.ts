// What both builds export besides their `useBackend`: the same names and types on every platform.
export { AUTO_ORDER } from './select.js';
export { adapterName } from './gpu-adapter.js';
export { takeWebgpuErrors } from './webgpu-errors.js';
export { countGpuWork, type GpuCounter, type GpuWorkCounts } from './gpu-counter.js';
export { registerChunkedAddN } from './fixes/webgpu-addn.js';
export { registerConv2DBackpropFilter } from './fixes/conv2d-filter.js';
export { preferTiledMatMul } from './fixes/software-matmul.js';
export type { BackendChoice, BackendAttempt, BackendReport, BackendRuntime, GpuAdapterReport, UseBackendOptions, WasmPaths } from './types.js';
export type { FastKernelsReport } from '@hamux-ts/kernels';
