import { HamuxError, tf } from '@hamux-ts/core';
import { adapterName } from './gpu-adapter.js';
import type { Platform } from './platform.js';
import type { GpuAdapterReport } from './types.js';
import { watchDevice } from './webgpu-errors.js';

/** Thrown when the only adapter is a software one and the caller asked for speed ('auto'): code `'unsupported'`. */
export class SoftwareAdapterError extends HamuxError {
  override readonly name: string = 'SoftwareAdapterError';
  readonly adapter: GpuAdapterReport;
  constructor(adapter: GpuAdapterReport) {
    super(
      ['backend'],
      `only a software WebGPU adapter was found (${adapterName(adapter)}), slower than wasm: ` +
        "'auto' passes it over; useBackend('webgpu') uses it",
      'unsupported',
    );
    this.adapter = adapter;
  }
}

let finding: Promise<GpuAdapterReport> | undefined;
let registering: Promise<void> | undefined;

/** Finds the adapter once; a failed search is retried on the next call. */
function findAdapter(platform: Platform, allowSoftware: boolean): Promise<GpuAdapterReport> {
  finding ??= platform.findAdapter(allowSoftware);
  finding.catch(() => { finding = undefined; });
  return finding;
}

/**
 * Imports tfjs-backend-webgpu (once). It registers its backend at import time, and only if
 * `navigator.gpu` exists then, so this must come after `findAdapter`. It is imported only here:
 * its backend has a higher priority than cpu and wasm, which tfjs would otherwise start on its own.
 */
function registerWebgpu(): Promise<void> {
  registering ??= (async () => {
    await import('@tensorflow/tfjs-backend-webgpu');
    if (tf.findBackendFactory('webgpu') === null) throw new HamuxError(['backend'], 'tfjs-backend-webgpu did not register a backend', 'unsupported');
  })();
  registering.catch(() => { registering = undefined; });
  return registering;
}

/**
 * Makes the webgpu backend current and returns the adapter it runs on. With `allowSoftware: false`
 * a software adapter (llvmpipe, SwiftShader) is refused with a `SoftwareAdapterError` before tfjs
 * sees it. The device's uncaptured errors are recorded from then on (`takeWebgpuErrors`).
 */
export async function startWebgpu(platform: Platform, allowSoftware: boolean): Promise<GpuAdapterReport> {
  const adapter = await findAdapter(platform, allowSoftware);
  if (adapter.software && !allowSoftware) throw new SoftwareAdapterError(adapter);
  await registerWebgpu();
  if (!(await tf.setBackend('webgpu'))) throw new HamuxError(['backend'], `the webgpu backend failed to initialise on ${adapterName(adapter)}`, 'unsupported');
  watchDevice((tf.backend() as unknown as { device: Parameters<typeof watchDevice>[0] }).device);
  return adapter;
}
