// The report `useBackend` returns. The same shape as @hamux-ts/backends' `BackendReport` (a type
// test in test/report-shape.ts keeps the two in step), declared here so that the browser build
// depends on nothing of @hamux-ts/backends, whose Node half (Dawn, node:fs) must stay out of it.

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
  /** A software rasteriser (fallback adapter, SwiftShader, llvmpipe…): slower than wasm. */
  software: boolean;
  /** Browsers hand out `'core'` adapters; `'compatibility'` is Dawn-on-OpenGL-ES under Node. */
  featureLevel: 'core' | 'compatibility';
  /** Under Node, the Dawn backend in use. Never set in browsers. */
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
}
