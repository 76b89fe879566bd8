import type { FastKernels } from '@hamux-ts/kernels';
import type { GpuAdapterReport, WasmPaths } from './types.js';

/**
 * The parts of starting a backend that differ between Node and browsers. Everything else, the
 * selection loop, the report, the kernel fixes, is shared by both builds of this package.
 */
export interface Platform {
  /**
   * Finds a WebGPU adapter and leaves a `navigator.gpu` that tfjs-backend-webgpu can use (Dawn
   * under Node, the browser's own in a browser); throws why there is none. With `allowSoftware`
   * false the platform may refuse early, without probing, when it knows only a software adapter
   * could be found.
   */
  findAdapter(allowSoftware: boolean): Promise<GpuAdapterReport>;
  /** Where the wasm backend's binaries are when the caller does not say. */
  wasmPaths(): Promise<WasmPaths>;
  /** Runs the wasm backend's initialisation (`tf.setBackend('wasm')`) and returns its result. */
  initWasm(init: () => Promise<boolean>): Promise<boolean>;
  /** Replaces tfjs's matrix products on cpu and wasm by fast ones, where the platform has them (Node). */
  enableFastKernels?(): Promise<FastKernels>;
}
