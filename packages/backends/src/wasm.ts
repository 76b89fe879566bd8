import { HamuxError, tf } from '@hamux-ts/core';
import type { Platform } from './platform.js';
import type { WasmPaths } from './types.js';

/** Whether wasm has started here once: tfjs then keeps the binaries it loaded. */
let started = false;

/**
 * Makes the wasm backend current; throws with the reason when it cannot start. tfjs-backend-wasm is
 * imported only here: importing it registers a backend of higher priority than cpu, which would
 * make tfjs pick an uninitialised wasm for users who never asked for it. Until the backend has
 * started once, each attempt points it at its binaries again (`paths`, else the platform's).
 */
export async function startWasm(platform: Platform, paths: WasmPaths | undefined): Promise<void> {
  if (typeof WebAssembly === 'undefined') throw new HamuxError(['backend'], 'this JavaScript runtime has no WebAssembly', 'unsupported');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // (Not `tf.findBackend('wasm')` to ask: it would start initialising the backend, binaries unset.)
  if (!started) wasm.setWasmPaths(paths ?? (await platform.wasmPaths()));
  const ok = await platform.initWasm(() => tf.setBackend('wasm'));
  if (!ok) throw new HamuxError(['backend'], 'the wasm backend failed to initialise (are its .wasm files at wasmPaths?)', 'unsupported');
  started = true;
}
