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
  /**
   * Let the scheduler (`descend`) evaluate graphs of built-in components with the lean step on the
   * cpu and wasm backends (default true): see `leanStepGemm`.
   */
  leanStep?: boolean;
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

let current: Gemm = jsGemm;
let leanStepOn = false;
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
 * JS), makes it the one `activeGemm()` returns and the fast step uses, and replaces the tfjs cpu
 * backend's BatchMatMul/_FusedMatMul with kernels running on it. Results stay within float32
 * rounding of the stock kernels (test/tfjs-kernels.test.ts). Safe to call again with other options.
 */
export async function enableFastKernels(options: FastKernelsOptions = {}): Promise<FastKernelsReport> {
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
  current = chosen;
  leanStepOn = options.leanStep !== false;
  const kernels = options.registerTfjs === false ? (uninstallMatMulKernels(), []) : installMatMulKernels(chosen);
  return {
    gemm: chosen.name,
    native: chosen.name === 'native',
    wasmSimd,
    kernels,
    ...(blas ? { blas } : {}),
    ...(wasmThreads ? { wasmThreads } : {}),
    reasons,
  };
}

/** Restores the stock tfjs kernels; `activeGemm()` goes back to plain JS. */
export function disableFastKernels(): void {
  uninstallMatMulKernels();
  leanStepOn = false;
  current = jsGemm;
}

/** The matrix product that `enableFastKernels` chose (plain JS before it is called). */
export function activeGemm(): Gemm {
  return current;
}

/**
 * The matrix product the scheduler's lean step runs on (cpu and wasm, graphs of built-in parts),
 * or undefined when `enableFastKernels` has not turned the lean step on.
 */
export function leanStepGemm(): Gemm | undefined {
  return leanStepOn ? current : undefined;
}
