import { HamuxError, installSecondOrderGradients } from '@hamux-ts/core';
import { registerConv2DBackpropFilter } from './fixes/conv2d-filter.js';
import { preferTiledMatMul } from './fixes/software-matmul.js';
import { registerChunkedAddN } from './fixes/webgpu-addn.js';
import { startCpu } from './cpu.js';
import type { Platform } from './platform.js';
import type { BackendAttempt, BackendChoice, BackendReport, BackendRuntime, GpuAdapterReport, UseBackendOptions } from './types.js';
import { startWasm } from './wasm.js';
import { SoftwareAdapterError, startWebgpu } from './webgpu.js';
import { webgpuRunner } from './gpu-run.js';

/** The order `'auto'` tries backends in: fastest first. */
export const AUTO_ORDER = ['webgpu', 'wasm', 'cpu'] as const;

type Name = (typeof AUTO_ORDER)[number];

/** Each starter makes its backend current or throws why not; `auto` is true when speed is the point. */
const STARTERS: Record<Name, (platform: Platform, auto: boolean, options: UseBackendOptions) => Promise<GpuAdapterReport | void>> = {
  // A software GPU (llvmpipe, SwiftShader: ~0.5 GFLOP/s) is slower than wasm: only a named request gets it.
  webgpu: (platform, auto) => startWebgpu(platform, !auto),
  wasm: (platform, _auto, options) => startWasm(platform, options.wasmPaths),
  cpu: () => startCpu(),
};

/**
 * The fixes tfjs 4.22 needs on a backend that has just started, each installed by its own
 * idempotent call: webgpu's AddN, which silently dropped work past 7 inputs; tiled matrix products
 * on a software GPU; wasm's missing Conv2DBackpropFilter.
 */
function installFixes(name: Name, adapter: GpuAdapterReport | undefined): void {
  if (name === 'webgpu') {
    registerChunkedAddN();
    if (adapter?.software) preferTiledMatMul();
  } else if (name === 'wasm') {
    registerConv2DBackpropFilter('wasm');
  }
}

async function attempt(platform: Platform, name: Name, auto: boolean, options: UseBackendOptions): Promise<BackendAttempt> {
  try {
    const adapter = await STARTERS[name](platform, auto, options);
    installFixes(name, adapter ?? undefined);
    return adapter ? { name, ok: true, adapter } : { name, ok: true };
  } catch (e) {
    // A starter's own errors are at `backend`, which the report already names: their detail is the reason.
    const reason = e instanceof HamuxError ? e.detail : e instanceof Error ? e.message : String(e);
    return e instanceof SoftwareAdapterError ? { name, ok: false, reason, adapter: e.adapter } : { name, ok: false, reason };
  }
}

/**
 * Makes a tfjs backend current for hamux-ts on `platform` and returns its runtime and report: the
 * one selection loop behind both builds' `useBackend`. `'auto'` tries WebGPU on a hardware adapter,
 * then wasm, then cpu, and keeps the first that starts; a named backend that cannot start is an
 * error. `'webgpu'` by name also accepts a software adapter (Mesa's llvmpipe under Node without a
 * GPU, SwiftShader in Chromium): correct, but slower than wasm.
 */
export async function selectBackend(platform: Platform, choice: BackendChoice, options: UseBackendOptions): Promise<BackendRuntime> {
  if (choice !== 'auto' && !(AUTO_ORDER as readonly string[]).includes(choice)) {
    throw new HamuxError(['backend'], `expected 'auto', 'cpu', 'wasm' or 'webgpu', got ${JSON.stringify(choice)}`, 'unknown_name');
  }
  // Gradients of gradients (training through the dynamics) must be right on every backend.
  installSecondOrderGradients();
  const names: readonly Name[] = choice === 'auto' ? AUTO_ORDER : [choice];
  const tried: BackendAttempt[] = [];
  for (const name of names) {
    const result = await attempt(platform, name, choice === 'auto', options);
    tried.push(result);
    if (!result.ok) continue;
    const report: BackendReport = result.adapter ? { chosen: name, tried, adapter: result.adapter } : { chosen: name, tried };
    // On the CPU backends, where the platform has them (Node), the matrix products go to OpenBLAS
    // or a WebAssembly SIMD kernel; then the conv filter gradient on cpu becomes one such product
    // instead of tfjs's scalar loop.
    if (name !== 'webgpu' && platform.enableFastKernels && (options.fastKernels ?? true)) {
      const kernels = await platform.enableFastKernels();
      report.kernels = kernels.report;
      if (name === 'cpu') registerConv2DBackpropFilter('cpu');
      return { backend: name, gemm: kernels.gemm, report };
    }
    return name === 'webgpu' ? { backend: name, gpu: webgpuRunner, report } : { backend: name, report };
  }
  const why = tried.map((t) => `${t.name}: ${t.reason ?? 'unknown'}`).join('; ');
  throw new HamuxError(['backend'], `could not start ${choice === 'auto' ? 'any backend' : `the ${choice} backend`} (${why})`, 'unsupported');
}
