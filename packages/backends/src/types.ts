import type { FastKernelsReport } from '@hamux-ts/kernels';

/** A backend hamux-ts can run on; `'auto'` picks the fastest one that starts. */
export type BackendChoice = 'auto' | 'cpu' | 'wasm' | 'webgpu';

/** The WebGPU adapter the webgpu backend runs on, as the adapter describes itself. */
export interface GpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter calls itself a fallback adapter (WebGPU's word for a software implementation). */
  isFallbackAdapter: boolean;
  /** A software rasteriser (fallback adapter, or llvmpipe, lavapipe, SwiftShader…): slower than wasm. */
  software: boolean;
  /** `'compatibility'` on OpenGL ES (Mesa llvmpipe, say), `'core'` on Vulkan, Metal and D3D12. */
  featureLevel: 'core' | 'compatibility';
  /** Under Node, the Dawn backend in use: its platform default (Vulkan…) or OpenGL ES. Absent in browsers. */
  dawnBackend?: 'default' | 'opengles';
}

/** One backend `useBackend` tried, and why it did not start when it did not. */
export interface BackendAttempt {
  name: string;
  ok: boolean;
  reason?: string;
  /** For webgpu: the adapter it found (also when 'auto' passed it over because it is software). */
  adapter?: GpuAdapterReport;
}

/** What `useBackend` chose, and every backend it tried on the way, in order. */
export interface BackendReport {
  chosen: string;
  tried: BackendAttempt[];
  /** When webgpu was chosen: the adapter it runs on. */
  adapter?: GpuAdapterReport;
  /** On cpu and wasm: which matrix product the fast kernels use (`native`, `wasm` or `js`) and why. */
  kernels?: FastKernelsReport;
}
