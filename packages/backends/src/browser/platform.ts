import { HamuxError } from '@hamux-ts/core';
import { describeAdapter, navigatorGpu } from '../gpu-adapter.js';
import type { Platform } from '../platform.js';

/** Browsers: the page's own `navigator.gpu`, wasm binaries served beside this module, no fast kernels. */
export const browserPlatform: Platform = {
  async findAdapter() {
    const gpu = navigatorGpu();
    if (gpu === undefined) {
      throw new HamuxError(
        ['backend'],
        'this browser has no WebGPU (navigator.gpu is missing: it needs a secure context, https or localhost, ' +
          'and in Chromium without a GPU the --enable-unsafe-webgpu flag)',
        'unsupported',
      );
    }
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null) throw new HamuxError(['backend'], 'navigator.gpu.requestAdapter() found no adapter', 'unsupported');
    return describeAdapter(adapter, 'core');
  },
  // The folder this module was loaded from: in the browser bundle, its dist/, where its build
  // copies the binaries. (Not an asset for bundlers to follow: they would copy this very folder.)
  wasmPaths: async () => new URL(/* @vite-ignore */ './', import.meta.url).href,
  initWasm: (init) => init(),
};
