// @hamux-ts/backends in browsers (the `browser` and `default` export conditions): WebGPU from
// `navigator.gpu`, the wasm binaries fetched from `wasmPaths`, no Node module anywhere.
import { selectBackend } from '../select.js';
import type { BackendChoice, BackendRuntime, UseBackendOptions } from '../types.js';
import { browserPlatform } from './platform.js';

export * from '../common.js';

/**
 * Makes a tfjs backend current in the browser and returns its runtime, which `descend` and
 * `Trainer` take as their `runtime` option, with a report of what happened. `'auto'` tries WebGPU on
 * a hardware adapter, then wasm, then cpu, and keeps the first that starts; a named backend that
 * cannot start is an error. `'webgpu'` by name also accepts a software adapter (SwiftShader):
 * correct, but slower than wasm. Call it before building graphs: tensors made earlier live on the
 * previous backend.
 *
 * ```ts
 * const runtime = await useBackend('auto');
 * runtime.backend;                     // 'wasm'
 * runtime.report.tried[0];             // { name: 'webgpu', ok: false, reason: 'only a software…', adapter }
 * await descend(ham, init, { runtime });
 * ```
 */
export function useBackend(choice: BackendChoice = 'auto', options: UseBackendOptions = {}): Promise<BackendRuntime> {
  return selectBackend(browserPlatform, choice, options);
}
