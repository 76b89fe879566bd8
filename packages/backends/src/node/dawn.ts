// WebGPU under Node through Dawn (the `webgpu` npm package). Part of the Node build only, and
// imported lazily by its platform, so that Dawn loads when WebGPU is asked for and not before.
import { HamuxError } from '@hamux-ts/core';
import { describeAdapter, type GpuAdapterLike, type GpuLike } from '../gpu-adapter.js';
import type { GpuAdapterReport } from '../types.js';

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

interface Candidate {
  dawnBackend: NonNullable<GpuAdapterReport['dawnBackend']>;
  /** Flags for Dawn's `create`. */
  flags: string[];
  /** Options every adapter request on this instance gets. */
  options: Record<string, unknown>;
  featureLevel: GpuAdapterReport['featureLevel'];
}

/**
 * Dawn's platform default (Vulkan on Linux: a real GPU), then its OpenGL ES backend, which on a
 * machine without a GPU runs on Mesa's llvmpipe and only offers WebGPU's compatibility level.
 */
const CANDIDATES: Candidate[] = [
  { dawnBackend: 'default', flags: [], options: {}, featureLevel: 'core' },
  { dawnBackend: 'opengles', flags: ['backend=opengles'], options: { featureLevel: 'compatibility' }, featureLevel: 'compatibility' },
];

/** The module name in a variable: bundlers must not try to pull Dawn's native addon into a bundle. */
const DAWN = 'webgpu';

/** Keeps the chosen Dawn instance alive for as long as the process runs. */
let instance: GpuLike | undefined;

/** EGL without a display needs `EGL_PLATFORM=surfaceless`, and Mesa wants a writable runtime dir. */
async function prepareEnvironment(): Promise<void> {
  const env = process.env;
  env['EGL_PLATFORM'] ??= 'surfaceless';
  if (env['XDG_RUNTIME_DIR'] === undefined || env['XDG_RUNTIME_DIR'] === '') {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    env['XDG_RUNTIME_DIR'] = mkdtempSync(join(tmpdir(), 'hamux-xdg-'));
  }
}

/** Makes Dawn's `GPUBufferUsage`, `GPUMapMode`… global, as in a browser (tfjs-backend-webgpu uses them). */
function installGlobals(globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (!(k in g)) g[k] = v;
}

/** `navigator.gpu`: requests go to the chosen Dawn instance with that instance's required options. */
function installNavigatorGpu(gpu: GpuLike, options: Record<string, unknown>): void {
  const shim = {
    requestAdapter: (o: Record<string, unknown> = {}) => gpu.requestAdapter({ ...o, ...options }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
  };
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: shim }, configurable: true, writable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: shim, configurable: true, writable: true });
  }
}

/**
 * Whether this machine has a GPU device node at all, judged without loading Dawn (which writes
 * its warnings straight to stderr): on Linux, a DRM render node, an NVIDIA or AMD compute device,
 * or WSL's /dev/dxg. Elsewhere (macOS, Windows: Metal, D3D12) undefined, meaning "ask Dawn".
 */
export async function gpuDevicePresent(): Promise<boolean | undefined> {
  if (process.platform !== 'linux') return undefined;
  const { existsSync, readdirSync } = await import('node:fs');
  const renderNodes = existsSync('/dev/dri') ? readdirSync('/dev/dri').some((f) => f.startsWith('renderD')) : false;
  return renderNodes || ['/dev/nvidia0', '/dev/nvidiactl', '/dev/kfd', '/dev/dxg'].some((f) => existsSync(f));
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Finds a WebGPU adapter with Dawn and installs `navigator.gpu` for it. A hardware adapter wins;
 * without one, OpenGL ES (llvmpipe, the path tested in CI) is preferred to a software Vulkan.
 * Throws with what each Dawn backend said when none has an adapter.
 */
export async function installDawn(): Promise<GpuAdapterReport> {
  await prepareEnvironment();
  let dawn: DawnModule;
  try {
    dawn = (await import(/* @vite-ignore */ DAWN)) as DawnModule;
  } catch (e) {
    throw new HamuxError(['backend'], `the 'webgpu' package (Dawn) could not be loaded: ${message(e)}`, 'unsupported');
  }
  installGlobals(dawn.globals);
  const found: { candidate: Candidate; gpu: GpuLike; report: GpuAdapterReport }[] = [];
  const failures: string[] = [];
  for (const candidate of CANDIDATES) {
    try {
      const gpu = dawn.create(candidate.flags);
      const adapter: GpuAdapterLike | null = await gpu.requestAdapter({ powerPreference: 'high-performance', ...candidate.options });
      if (adapter === null) { failures.push(`${candidate.dawnBackend}: no adapter`); continue; }
      const report = { ...describeAdapter(adapter, candidate.featureLevel), dawnBackend: candidate.dawnBackend };
      found.push({ candidate, gpu, report });
      if (!report.software) break;
    } catch (e) {
      failures.push(`${candidate.dawnBackend}: ${message(e)}`);
    }
  }
  const pick = found.find((f) => !f.report.software) ?? found.find((f) => f.candidate.dawnBackend === 'opengles') ?? found[0];
  if (pick === undefined) {
    throw new HamuxError(
      ['backend'],
      `Dawn found no WebGPU adapter (${failures.join('; ')}); without a GPU, Mesa's OpenGL ES provides one ` +
        '(Debian packages libegl1 libegl-dev libgles2 libegl-mesa0 libgl1-mesa-dri; Dawn loads libEGL.so, which libegl-dev links)',
      'unsupported',
    );
  }
  instance = pick.gpu;
  installNavigatorGpu(instance, pick.candidate.options);
  return pick.report;
}
