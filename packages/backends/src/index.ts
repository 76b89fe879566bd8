export { useBackend, AUTO_ORDER, type UseBackendOptions } from './use-backend.js';
export { takeWebgpuErrors } from './webgpu-errors.js';
export type { BackendChoice, BackendAttempt, BackendReport, GpuAdapterReport } from './types.js';
export type { FastKernelsReport } from '@hamux-ts/kernels';
