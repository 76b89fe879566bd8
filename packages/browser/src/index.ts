// The browser build of hamux-ts: the whole public API of core, dynamics and config, and the
// browser build of @hamux-ts/backends (its `browser` export condition). scripts/build.mjs also
// bundles it, with tfjs and its cpu, wasm and webgpu backends, into dist/hamux.browser.js for a
// plain `<script type="module">`.
export * from '@hamux-ts/core';
export * from '@hamux-ts/dynamics';
export * from '@hamux-ts/config';
export * from '@hamux-ts/backends';
