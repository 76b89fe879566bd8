import { tf } from '@hamux-ts/core';
import { adapterName, describeAdapter, type GpuLike } from './gpu-adapter.js';
import { isNode } from './node.js';
import type { GpuAdapterReport } from './types.js';
import { registerChunkedAddN } from './webgpu-addn.js';
import { watchDevice } from './webgpu-errors.js';

/** Thrown when the only adapter is a software one and the caller asked for speed ('auto'). */
export class SoftwareAdapterError extends Error {
  readonly adapter: GpuAdapterReport;
  constructor(adapter: GpuAdapterReport) {
    super(
      `only a software WebGPU adapter was found (${adapterName(adapter)}), slower than wasm: ` +
        "'auto' passes it over; useBackend('webgpu') uses it",
    );
    this.adapter = adapter;
  }
}

let finding: Promise<GpuAdapterReport> | undefined;
let registering: Promise<void> | undefined;

/** The browser's (or an embedder's) own `navigator.gpu`, when there is one. */
function navigatorGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/**
 * Finds the adapter (once): the runtime's own `navigator.gpu` where there is one, Dawn under Node
 * otherwise (which then installs `navigator.gpu`). A failed search is retried on the next call.
 */
function findAdapter(): Promise<GpuAdapterReport> {
  finding ??= (async () => {
    const gpu = navigatorGpu();
    if (gpu !== undefined) {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (adapter === null) throw new Error('navigator.gpu.requestAdapter() found no adapter');
      return describeAdapter(adapter, 'core');
    }
    if (!isNode()) throw new Error('this JavaScript runtime has no WebGPU (navigator.gpu is missing)');
    const { installDawn } = await import('./webgpu-node.js');
    return installDawn();
  })();
  finding.catch(() => { finding = undefined; });
  return finding;
}

/**
 * Imports tfjs-backend-webgpu (once). It registers its backend at import time and only if
 * `navigator.gpu` exists then, so this must come after `findAdapter`.
 */
function registerWebgpu(): Promise<void> {
  registering ??= (async () => {
    await import('@tensorflow/tfjs-backend-webgpu');
    if (tf.findBackendFactory('webgpu') === null) throw new Error('tfjs-backend-webgpu did not register a backend');
    registerChunkedAddN();
  })();
  registering.catch(() => { registering = undefined; });
  return registering;
}

/**
 * Makes the webgpu backend current and returns the adapter it runs on. With `allowSoftware: false`
 * a software adapter (llvmpipe, SwiftShader) is refused with a `SoftwareAdapterError` before tfjs
 * sees it. Under Node, read results with `await t.data()`: synchronous readback needs an
 * OffscreenCanvas, which Node lacks.
 */
export async function startWebgpu(options: { allowSoftware: boolean }): Promise<GpuAdapterReport> {
  if (!options.allowSoftware && navigatorGpu() === undefined && isNode()) {
    // Without a GPU device Dawn could only offer a software adapter, which would be refused below:
    // say so without loading Dawn, whose probing writes warnings to stderr.
    const { gpuDevicePresent } = await import('./webgpu-node.js');
    if ((await gpuDevicePresent()) === false) {
      throw new Error(
        "no GPU on this machine (no /dev/dri/renderD*, /dev/nvidia*, /dev/kfd or /dev/dxg): WebGPU could only run on a software adapter, slower than wasm; 'auto' passes it over, useBackend('webgpu') uses it",
      );
    }
  }
  const adapter = await findAdapter();
  if (adapter.software && !options.allowSoftware) throw new SoftwareAdapterError(adapter);
  await registerWebgpu();
  if (!(await tf.setBackend('webgpu'))) throw new Error(`the webgpu backend failed to initialise on ${adapterName(adapter)}`);
  watchDevice((tf.backend() as unknown as { device: Parameters<typeof watchDevice>[0] }).device);
  return adapter;
}
