export { useBackend, AUTO_ORDER } from './use-backend.js';
export { takeWebgpuErrors } from './webgpu-errors.js';
export type { BackendChoice, BackendAttempt, BackendReport, GpuAdapterReport } from './types.js';
