import { enableFastKernels } from '@hamux-ts/kernels';
import { HamuxError } from '@hamux-ts/core';
import { describeAdapter, navigatorGpu } from '../gpu-adapter.js';
import type { Platform } from '../platform.js';

const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * Node: WebGPU through Dawn (unless the runtime has its own `navigator.gpu`), the wasm binaries
 * of the installed tfjs-backend-wasm, and the fast CPU kernels of @hamux-ts/kernels. Node's own
 * modules and Dawn are imported lazily, when a backend that needs them starts.
 */
export const nodePlatform: Platform = {
  async findAdapter(allowSoftware) {
    const gpu = navigatorGpu();
    if (gpu !== undefined) {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (adapter === null) throw new HamuxError(['backend'], 'navigator.gpu.requestAdapter() found no adapter', 'unsupported');
      return describeAdapter(adapter, 'core');
    }
    const { gpuDevicePresent, installDawn } = await import('./dawn.js');
    if (!allowSoftware && (await gpuDevicePresent()) === false) {
      // Without a GPU device Dawn could only offer a software adapter, which would be refused:
      // say so without loading Dawn, whose probing writes warnings to stderr.
      throw new HamuxError(
        ['backend'],
        "no GPU on this machine (no /dev/dri/renderD*, /dev/nvidia*, /dev/kfd or /dev/dxg): WebGPU could only run on a software adapter, slower than wasm; 'auto' passes it over, useBackend('webgpu') uses it",
        'unsupported',
      );
    }
    return installDawn();
  },

  /**
   * Next to the installed package's entry point, resolved at run time from wherever
   * `@hamux-ts/backends` is installed (our build keeps dependencies external, so this works from
   * the built dist as well as from the sources).
   */
  async wasmPaths() {
    const { createRequire } = await import('node:module');
    const { dirname, join, sep } = await import('node:path');
    const { existsSync } = await import('node:fs');
    const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    const missing = WASM_BINARIES.filter((b) => !existsSync(join(dir, b)));
    if (missing.length > 0) throw new HamuxError(['backend'], `the wasm binaries are missing from ${dir}: ${missing.join(', ')}`, 'unsupported');
    return dir + sep;
  },

  /**
   * The wasm backend's Emscripten runtime, when it starts under Node, adds process handlers that
   * only rethrow: Node then reports every later uncaught error of the program as thrown from one
   * enormous minified line of tfjs-backend-wasm.js. Removing them restores Node's own report, which
   * is the same behaviour (exit with the error) with the right stack trace.
   */
  async initWasm(init) {
    const exception = process.listeners('uncaughtException');
    const rejection = process.listeners('unhandledRejection');
    try {
      return await init();
    } finally {
      for (const l of process.listeners('uncaughtException')) if (!exception.includes(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (!rejection.includes(l)) process.removeListener('unhandledRejection', l);
    }
  },

  enableFastKernels: () => enableFastKernels(),
};
