import { jsGemm, type Gemm, type GemmName } from './gemm.js';
import { loadNativeGemm, type NativeGemm } from './native.js';
import { installMatMulKernels, uninstallMatMulKernels } from './tfjs-kernels.js';
import { loadWasmGemm, wasmSimdSupported } from './wasm/gemm.js';
import { loadThreadedWasmGemm } from './wasm/threaded.js';

/** Options of `enableFastKernels`. */
export interface FastKernelsOptions {
  /**
   * Use the OpenBLAS addon when it was built (default true). The environment variable
   * `HAMUX_KERNELS_NATIVE=0` turns it off as well, for a whole process.
   */
  native?: boolean;
  /** Use the WebAssembly SIMD kernel when there is no addon (default true; `HAMUX_KERNELS_WASM=0`). */
  wasm?: boolean;
  /** Replace the tfjs cpu backend's matrix-product kernels (default true). */
  registerTfjs?: boolean;
  /** OpenBLAS threads, when native (default: OpenBLAS's own choice, one per core). */
  threads?: number;
  /** Run the WebAssembly kernel on two threads (a worker on shared memory) under Node (default true). */
  wasmThreads?: boolean;
}

/** What `enableFastKernels` set up, and why the faster paths were not taken when they were not. */
export interface FastKernelsReport {
  /** The matrix product now in use: `native` (OpenBLAS), `wasm` (SIMD) or `js`. */
  gemm: GemmName;
  /** Whether the OpenBLAS addon is built and loaded. */
  native: boolean;
  /** Whether the WebAssembly SIMD product loaded. */
  wasmSimd: boolean;
  /** The tfjs kernels replaced on the cpu backend. */
  kernels: string[];
  /** Threads of the WebAssembly kernel (1 or 2), when it loaded. */
  wasmThreads?: number;
  /** OpenBLAS's build description and threads, when native. */
  blas?: {
    /** OpenBLAS's build description. */
    config: string;
    /** Threads OpenBLAS uses. */
    threads: number;
  };
  /** Why the native or the wasm path is not in use. */
  reasons: {
    /** Why the OpenBLAS addon is not in use. */
    native?: string;
    /** Why the WebAssembly product is not in use. */
    wasm?: string;
  };
}

/**
 * The fast kernels `enableFastKernels` chose: the matrix product that descents and training run
 * their host-array steps on (`useBackend` puts it in the runtime it returns), and what was set up.
 */
export interface FastKernels {
  /** The matrix product in use. */
  readonly gemm: Gemm;
  /** What was set up, and why the faster paths were not taken when they were not. */
  readonly report: FastKernelsReport;
}

// Loading an addon or compiling a module happens once per process; which one is used is the caller's.
let nativeCache: Promise<NativeGemm | string> | undefined;
let wasmCache: Promise<Gemm | string> | undefined;
let wasmThreadedCache: Promise<Gemm | string> | undefined;

function envOff(name: string): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.[name];
  return v === '0' || v === 'false' || v === 'off';
}

/** The OpenBLAS addon, or why not (loaded once). */
export function nativeGemm(): Promise<NativeGemm | string> {
  nativeCache ??= loadNativeGemm();
  return nativeCache;
}

/** The WebAssembly SIMD kernel, or why not (loaded once). */
export function wasmGemm(): Promise<Gemm | string> {
  wasmCache ??= wasmSimdSupported()
    ? loadWasmGemm().catch((e: unknown) => `it failed to instantiate: ${e instanceof Error ? e.message : String(e)}`)
    : Promise.resolve('this runtime has no WebAssembly SIMD');
  return wasmCache;
}

/** The WebAssembly SIMD kernel on two threads (Node), or why not (loaded once). */
export function wasmThreadedGemm(): Promise<Gemm | string> {
  wasmThreadedCache ??= wasmSimdSupported()
    ? loadThreadedWasmGemm().catch((e: unknown) => `it failed to start: ${e instanceof Error ? e.message : String(e)}`)
    : Promise.resolve('this runtime has no WebAssembly SIMD');
  return wasmThreadedCache;
}

/**
 * Picks the fastest matrix product available (OpenBLAS addon, else WebAssembly SIMD, else plain
 * JS), returns it, and replaces the tfjs cpu and wasm backends' BatchMatMul/_FusedMatMul with
 * kernels running on it (tfjs's kernel registry is the one process-wide thing it changes). Results
 * stay within float32 rounding of the stock kernels (test/tfjs-kernels.test.ts). Safe to call
 * again with other options.
 */
export async function enableFastKernels(options: FastKernelsOptions = {}): Promise<FastKernels> {
  const reasons: FastKernelsReport['reasons'] = {};
  let chosen: Gemm = jsGemm;
  let blas: FastKernelsReport['blas'];
  const nativeWanted = (options.native ?? true) && !envOff('HAMUX_KERNELS_NATIVE');
  const wasmWanted = (options.wasm ?? true) && !envOff('HAMUX_KERNELS_WASM');
  if (nativeWanted) {
    const n = await nativeGemm();
    if (typeof n === 'string') reasons.native = n;
    else {
      chosen = n;
      const threads = options.threads !== undefined ? n.threads(options.threads) : n.threads();
      blas = { config: n.config, threads };
    }
  } else reasons.native = options.native === false ? 'disabled by the native: false option' : 'disabled by HAMUX_KERNELS_NATIVE';
  let w = wasmWanted ? await wasmGemm() : options.wasm === false ? 'disabled by the wasm: false option' : 'disabled by HAMUX_KERNELS_WASM';
  let wasmThreads = typeof w === 'string' ? 0 : 1;
  if (typeof w !== 'string' && chosen === jsGemm && (options.wasmThreads ?? true)) {
    const t = await wasmThreadedGemm();
    if (typeof t !== 'string') [w, wasmThreads] = [t, 2];
  }
  const wasmSimd = typeof w !== 'string';
  if (typeof w === 'string') reasons.wasm = w;
  else if (chosen === jsGemm) chosen = w;
  const kernels = options.registerTfjs === false ? (uninstallMatMulKernels(), []) : installMatMulKernels(chosen);
  const report: FastKernelsReport = {
    gemm: chosen.name,
    native: chosen.name === 'native',
    wasmSimd,
    kernels,
    ...(blas ? { blas } : {}),
    ...(wasmThreads ? { wasmThreads } : {}),
    reasons,
  };
  return { gemm: chosen, report };
}

/** Restores the stock tfjs matrix-product kernels on cpu and wasm. */
export function disableFastKernels(): void {
  uninstallMatMulKernels();
}
