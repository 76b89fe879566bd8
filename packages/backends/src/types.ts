import type { GpuRun } from '@hamux-ts/core';
import type { FastKernelsReport, Gemm } from '@hamux-ts/kernels';

// One set of types for both builds of this package (the `node` and `browser` export conditions).

/** A backend hamux-ts can run on; `'auto'` picks the fastest one that starts. */
export type BackendChoice = 'auto' | 'cpu' | 'wasm' | 'webgpu';

/** The WebGPU adapter the webgpu backend runs on, as the adapter describes itself. */
export interface GpuAdapterReport {
  /** The adapter's vendor (`adapter.info.vendor`). */
  vendor: string;
  /** Its architecture, as the adapter reports it. */
  architecture: string;
  /** Its device name, as the adapter reports it. */
  device: string;
  /** Its description, as the adapter reports it. */
  description: string;
  /** The adapter calls itself a fallback adapter (WebGPU's word for a software implementation). */
  isFallbackAdapter: boolean;
  /** A software rasteriser (fallback adapter, or llvmpipe, lavapipe, SwiftShader…): slower than wasm. */
  software: boolean;
  /** `'compatibility'` on OpenGL ES (Mesa llvmpipe under Node, say), `'core'` on Vulkan, Metal, D3D12 and in browsers. */
  featureLevel: 'core' | 'compatibility';
  /** Under Node, the Dawn backend in use: its platform default (Vulkan…) or OpenGL ES. Absent in browsers. */
  dawnBackend?: 'default' | 'opengles';
}

/** One backend `useBackend` tried, and why it did not start when it did not. */
export interface BackendAttempt {
  /** The backend's name (`cpu`, `wasm`, `webgpu`). */
  name: string;
  /** Whether it started. */
  ok: boolean;
  /** Why it did not start, or why `auto` passed it over. */
  reason?: string;
  /** For webgpu: the adapter it found (also when 'auto' passed it over because it is software). */
  adapter?: GpuAdapterReport;
}

/** What `useBackend` chose, and every backend it tried on the way, in order. */
export interface BackendReport {
  /** The backend now current. */
  chosen: string;
  /** Every backend tried, in order, the chosen one last. */
  tried: BackendAttempt[];
  /** When webgpu was chosen: the adapter it runs on. */
  adapter?: GpuAdapterReport;
  /** Under Node, on cpu and wasm: which matrix product the fast kernels use (`native`, `wasm` or `js`) and why. */
  kernels?: FastKernelsReport;
}

/**
 * What `useBackend` returns: the runtime that `descend`, `descendSync`, `Relaxation` and `Trainer`
 * take as their `runtime` option, with the report of how it was chosen. Nothing else remembers it:
 * a descent given no runtime runs in tfjs ops.
 */
export interface BackendRuntime {
  /** The tfjs backend now current. */
  readonly backend: 'cpu' | 'wasm' | 'webgpu';
  /** Under Node, on cpu and wasm: the fast matrix product that host-array steps run on. */
  readonly gemm?: Gemm;
  /** On webgpu: what runs the fused WGSL step of built-in graphs in `descend` (the `gpu` of @hamux-ts/dynamics's `Runtime`). */
  readonly gpu?: {
    /** Shown in reports: the fused step's evaluator name. */
    readonly name: string;
    /** Runs one program on the webgpu backend. */
    readonly run: GpuRun;
  };
  /** What was chosen, what was tried, and which kernels. */
  readonly report: BackendReport;
}

/** Where the wasm backend fetches its three `.wasm` files: a folder URL ending in `/`, or a URL per file name (tfjs's `setWasmPaths`). */
export type WasmPaths = string | Readonly<Record<string, string>>;

/** Options of `useBackend`. */
export interface UseBackendOptions {
  /**
   * Where the wasm backend's `.wasm` files are. Default: under Node, the installed
   * `@tensorflow/tfjs-backend-wasm`; in a browser, the folder this module was loaded from (the
   * browser bundle's `dist/`). Bundler users whose bundler moves this module elsewhere pass the
   * folder they serve the binaries from. Once wasm has started, tfjs keeps the binaries it loaded.
   */
  readonly wasmPaths?: WasmPaths;
  /**
   * Under Node, on cpu and wasm, replace tfjs's matrix-product kernels with `@hamux-ts/kernels`'
   * (OpenBLAS when its addon was built at install time, else WebAssembly SIMD): the same products,
   * 10–100× faster; on cpu also tfjs's `Conv2DBackpropFilter` (a scalar loop) by one matrix product
   * over the unrolled windows. Default true; results agree with the stock kernels to float32
   * rounding (tested). Browsers have no fast kernels: there it changes nothing.
   */
  readonly fastKernels?: boolean;
}
