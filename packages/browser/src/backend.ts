import { HamuxError, tf } from '@hamux-ts/core';
import { adapterName, describeAdapter, navigatorGpu } from './adapter.js';
import type { BackendAttempt, BackendChoice, BackendReport, GpuAdapterReport } from './types.js';

type Name = Exclude<BackendChoice, 'auto'>;

export interface BrowserBackendOptions {
  /**
   * Where the wasm backend's three `.wasm` files are served: a folder URL ending in `/`, or a map
   * from each file name to its URL (tfjs's `setWasmPaths`). Default: the folder this module was
   * loaded from, where the build copies them (`dist/`). Bundler users whose bundler moves this
   * module elsewhere pass the folder they serve `dist/*.wasm` from.
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
}

/** The order `'auto'` tries backends in: fastest first. */
export const AUTO_ORDER = ['webgpu', 'wasm', 'cpu'] as const;

/** Thrown inside a starter when the only adapter is software and the caller asked for speed. */
class SoftwareAdapterError extends Error {
  readonly adapter: GpuAdapterReport;
  constructor(adapter: GpuAdapterReport) {
    super(
      `only a software WebGPU adapter was found (${adapterName(adapter)}), slower than wasm: ` +
        "'auto' passes it over; useBackend('webgpu') uses it",
    );
    this.adapter = adapter;
  }
}

/** Finds the browser's adapter; throws why there is none. */
async function findAdapter(): Promise<GpuAdapterReport> {
  const gpu = navigatorGpu();
  if (gpu === undefined) {
    throw new Error(
      'this browser has no WebGPU (navigator.gpu is missing: it needs a secure context, https or localhost, ' +
        'and in Chromium without a GPU the --enable-unsafe-webgpu flag)',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) throw new Error('navigator.gpu.requestAdapter() found no adapter');
  return describeAdapter(adapter);
}

/** tfjs-backend-webgpu's `MatMulProgramType.MatMulPackedProgram`: tiled, no workgroup-wide reduction. */
const MATMUL_PACKED = 3;

/**
 * On a software adapter, makes tfjs use its tiled matrix product for every shape. For small
 * outputs (≤ 128 entries) tfjs picks a program that reduces across a workgroup with barriers,
 * which SwiftShader emulates slowly: measured in Chromium 156, a 10×8·8×8 product took 75–140 ms
 * that way and 1.4–2 ms tiled, and a step of a small Energy Transformer 800 ms against 30 ms.
 * A value the user has set (anything but tfjs's default −1) is left alone.
 */
function tuneForSoftware(): void {
  if (tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE') === -1) tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', MATMUL_PACKED);
}

/**
 * Makes the webgpu backend current and returns its adapter. tfjs-backend-webgpu is imported only
 * here: importing it registers a backend of higher priority than cpu and wasm, which tfjs would
 * otherwise start on its own for users who never asked for it.
 */
async function startWebgpu(allowSoftware: boolean): Promise<GpuAdapterReport> {
  const adapter = await findAdapter();
  if (adapter.software && !allowSoftware) throw new SoftwareAdapterError(adapter);
  await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu') === null) throw new Error('tfjs-backend-webgpu did not register a backend');
  if (!(await tf.setBackend('webgpu'))) throw new Error(`the webgpu backend failed to initialise on ${adapterName(adapter)}`);
  if (adapter.software) tuneForSoftware();
  return adapter;
}

/** Makes the wasm backend current, its binaries fetched from `wasmPaths` (lazily imported, as webgpu). */
async function startWasm(wasmPaths: BrowserBackendOptions['wasmPaths']): Promise<void> {
  if (typeof WebAssembly === 'undefined') throw new Error('this browser has no WebAssembly');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (tf.findBackend('wasm') === null) {
    // Relative to this module: in the browser bundle and in dist/index.js that is dist/.
    wasm.setWasmPaths(wasmPaths ?? new URL('./', import.meta.url).href);
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise (are its .wasm files served at wasmPaths?)');
}

async function startCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") failed');
}

async function attempt(name: Name, auto: boolean, options: BrowserBackendOptions): Promise<BackendAttempt> {
  try {
    if (name === 'webgpu') return { name, ok: true, adapter: await startWebgpu(!auto) };
    await (name === 'wasm' ? startWasm(options.wasmPaths) : startCpu());
    return { name, ok: true };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return e instanceof SoftwareAdapterError ? { name, ok: false, reason, adapter: e.adapter } : { name, ok: false, reason };
  }
}

/**
 * Makes a tfjs backend current in the browser and reports what happened. `'auto'` tries WebGPU on
 * a hardware adapter, then wasm, then cpu, and keeps the first that starts; a named backend that
 * cannot start is an error. `'webgpu'` by name also accepts a software adapter (SwiftShader):
 * correct, but slower than wasm. Call it before building graphs: tensors made earlier live on the
 * previous backend.
 *
 * ```ts
 * const report = await useBackend('auto');
 * report.chosen;                       // 'wasm'
 * report.tried[0];                     // { name: 'webgpu', ok: false, reason: 'only a software…', adapter }
 * ```
 */
export async function useBackend(choice: BackendChoice = 'auto', options: BrowserBackendOptions = {}): Promise<BackendReport> {
  if (choice !== 'auto' && !(AUTO_ORDER as readonly string[]).includes(choice)) {
    throw new HamuxError('backend', `expected 'auto', 'cpu', 'wasm' or 'webgpu', got ${JSON.stringify(choice)}`);
  }
  const names: readonly Name[] = choice === 'auto' ? AUTO_ORDER : [choice];
  const tried: BackendAttempt[] = [];
  for (const name of names) {
    const result = await attempt(name, choice === 'auto', options);
    tried.push(result);
    if (result.ok) return result.adapter ? { chosen: name, tried, adapter: result.adapter } : { chosen: name, tried };
  }
  const why = tried.map((t) => `${t.name}: ${t.reason ?? 'unknown'}`).join('; ');
  throw new HamuxError('backend', `could not start ${choice === 'auto' ? 'any backend' : `the ${choice} backend`} (${why})`);
}
