/**
 * @hamux-ts/backends under Node (the `node` export condition): WebGPU through Dawn, the wasm
 * binaries from the installed tfjs-backend-wasm, and the fast CPU kernels of @hamux-ts/kernels.
 * The browser build (the `browser` condition) exports the same names.
 *
 * @module @hamux-ts/backends
 */
import { selectBackend } from '../select.js';
import type { BackendChoice, BackendRuntime, UseBackendOptions } from '../types.js';
import { nodePlatform } from './platform.js';

export * from '../common.js';

/**
 * Makes a tfjs backend current for hamux-ts and returns its runtime, which `descend` and `Trainer`
 * take as their `runtime` option (on cpu and wasm it carries the fast matrix product that their
 * host-array steps run on), with a report of what happened. `'auto'` tries WebGPU on a
 * hardware adapter, then wasm, then cpu, and keeps the first that starts; a named backend that
 * cannot start is an error. `'webgpu'` by name also accepts a software adapter (Mesa's llvmpipe
 * under Node without a GPU): correct, but slower than wasm. Under Node the webgpu backend has no
 * synchronous readback: use `await descend(...)` and `await t.data()`, not their Sync forms.
 * Call it before building graphs: tensors made earlier live on the previous backend.
 */
export function useBackend(choice: BackendChoice = 'auto', options: UseBackendOptions = {}): Promise<BackendRuntime> {
  return selectBackend(nodePlatform, choice, options);
}
