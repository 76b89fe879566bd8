// The browser build of hamux-ts: the whole public API of core, dynamics and config, plus a
// browser `useBackend`. scripts/build.mjs also bundles it, with tfjs and its cpu, wasm and webgpu
// backends, into dist/hamux.browser.js for a plain `<script type="module">`.
export * from '@hamux-ts/core';
export * from '@hamux-ts/dynamics';
export * from '@hamux-ts/config';
export { useBackend, AUTO_ORDER, type BrowserBackendOptions } from './backend.js';
export { adapterName } from './adapter.js';
export type { BackendChoice, BackendAttempt, BackendReport, GpuAdapterReport } from './types.js';
