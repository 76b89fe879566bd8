import { HamuxError } from '@hamux-ts/core';
import { enableFastKernels } from '@hamux-ts/kernels';
import { registerConv2DBackpropFilter } from './conv2d-filter.js';
import { startCpu } from './cpu.js';
import type { BackendAttempt, BackendChoice, BackendReport, GpuAdapterReport } from './types.js';
import { startWasm } from './wasm.js';
import { SoftwareAdapterError, startWebgpu } from './webgpu.js';

type Name = Exclude<BackendChoice, 'auto'>;

/** Each starter makes its backend current or throws why not; `auto` is true when speed is the point. */
const STARTERS: Record<Name, (auto: boolean) => Promise<GpuAdapterReport | void>> = {
  // A software GPU (llvmpipe, ~0.5 GFLOP/s) is slower than wasm: only a named request gets it.
  webgpu: (auto) => startWebgpu({ allowSoftware: !auto }),
  wasm: startWasm,
  cpu: startCpu,
};

export interface UseBackendOptions {
  /**
   * On cpu and wasm, replace tfjs's matrix-product kernels with `@hamux-ts/kernels`' (OpenBLAS when
   * its addon was built at install time, else WebAssembly SIMD): the same products, 10–100× faster.
   * On cpu also replace tfjs's `Conv2DBackpropFilter` (a scalar loop) by one matrix product over the
   * unrolled windows. Default true; results agree with the stock kernels to float32 rounding (tested).
   */
  readonly fastKernels?: boolean;
}

/** The order `'auto'` tries backends in: fastest first. */
export const AUTO_ORDER = ['webgpu', 'wasm', 'cpu'] as const;

async function attempt(name: Name, auto: boolean): Promise<BackendAttempt> {
  try {
    const adapter = await STARTERS[name](auto);
    return adapter ? { name, ok: true, adapter } : { name, ok: true };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return e instanceof SoftwareAdapterError ? { name, ok: false, reason, adapter: e.adapter } : { name, ok: false, reason };
  }
}

/**
 * Makes a tfjs backend current for hamux-ts and reports what happened. `'auto'` tries WebGPU on a
 * hardware adapter, then wasm, then cpu, and keeps the first that starts; a named backend that
 * cannot start is an error. `'webgpu'` by name also accepts a software adapter (Mesa's llvmpipe
 * under Node without a GPU): correct, but slower than wasm. Under Node the webgpu backend has no
 * synchronous readback: use `await descend(...)` and `await t.data()`, not their Sync forms.
 * Call it before building graphs: tensors made earlier live on the previous backend.
 */
export async function useBackend(choice: BackendChoice = 'auto', options: UseBackendOptions = {}): Promise<BackendReport> {
  if (choice !== 'auto' && !Object.hasOwn(STARTERS, choice)) {
    throw new HamuxError('backend', `expected 'auto', 'cpu', 'wasm' or 'webgpu', got ${JSON.stringify(choice)}`);
  }
  const names = choice === 'auto' ? AUTO_ORDER : [choice];
  const tried: BackendAttempt[] = [];
  for (const name of names) {
    const result = await attempt(name, choice === 'auto');
    tried.push(result);
    if (!result.ok) continue;
    const report: BackendReport = result.adapter ? { chosen: name, tried, adapter: result.adapter } : { chosen: name, tried };
    // On the CPU backends the matrix products go to OpenBLAS (when built) or a WebAssembly SIMD kernel.
    if (name !== 'webgpu' && (options.fastKernels ?? true)) {
      report.kernels = await enableFastKernels();
      // And the conv filter gradient as one product (tfjs's cpu kernel is a scalar loop).
      if (name === 'cpu') registerConv2DBackpropFilter('cpu');
    }
    return report;
  }
  const why = tried.map((t) => `${t.name}: ${t.reason ?? 'unknown'}`).join('; ');
  throw new HamuxError('backend', `could not start ${choice === 'auto' ? 'any backend' : `the ${choice} backend`} (${why})`);
}
