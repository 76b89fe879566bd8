import { tf } from '@hamux-ts/core';
import { isNode } from './node.js';
import { registerConv2DBackpropFilter } from './conv2d-filter.js';

const BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

let registering: Promise<void> | undefined;

/**
 * Registers the wasm backend (once). It is imported lazily: importing it registers a backend of
 * higher priority than cpu, which would make tfjs pick an uninitialised wasm for users who never
 * asked for it. Under Node its `.wasm` files are found next to the installed package's entry point,
 * resolved at run time from wherever `@hamux-ts/backends` is installed (our build keeps
 * dependencies external, so this works from the built dist as well as from the sources).
 */
function registerWasm(): Promise<void> {
  registering ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!isNode()) return;
    const { createRequire } = await import('node:module');
    const { dirname, join, sep } = await import('node:path');
    const { existsSync } = await import('node:fs');
    const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    const missing = BINARIES.filter((b) => !existsSync(join(dir, b)));
    if (missing.length > 0) throw new Error(`the wasm binaries are missing from ${dir}: ${missing.join(', ')}`);
    wasm.setWasmPaths(dir + sep);
  })();
  return registering;
}

/** Makes the wasm backend current; throws with the reason when it cannot start. */
export async function startWasm(): Promise<void> {
  if (typeof WebAssembly === 'undefined') throw new Error('this JavaScript runtime has no WebAssembly');
  await registerWasm();
  const before = listeners();
  const ok = await tf.setBackend('wasm');
  dropListenersSince(before);
  if (!ok) throw new Error('the wasm backend failed to initialise');
  registerConv2DBackpropFilter('wasm');
}

type Listeners = { exception: Function[]; rejection: Function[] } | undefined;

function listeners(): Listeners {
  return isNode() ? { exception: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') } : undefined;
}

/**
 * The wasm backend's Emscripten runtime, when it starts under Node, adds process handlers that only
 * rethrow: Node then reports every later uncaught error of the program as thrown from one enormous
 * minified line of tfjs-backend-wasm.js. Removing them restores Node's own report, which is the same
 * behaviour (exit with the error) with the right stack trace.
 */
function dropListenersSince(before: Listeners): void {
  if (!before) return;
  for (const l of process.listeners('uncaughtException')) if (!before.exception.includes(l)) process.removeListener('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection')) if (!before.rejection.includes(l)) process.removeListener('unhandledRejection', l);
}
