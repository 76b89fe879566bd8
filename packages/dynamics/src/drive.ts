import { HamuxError, tf } from '@hamux-ts/core';
import type { Readback } from './report.js';
import type { Values } from './stepper.js';

/** Runs a reading generator to its end, answering its readbacks with `dataSync`. */
export function driveSync<T>(run: Generator<Readback, T, Values>): T {
  let next = run.next();
  while (!next.done) next = run.next(next.value.map((t) => Float32Array.from(t.dataSync())));
  return next.value;
}

/**
 * Runs a reading generator to its end, answering its readbacks with `await data()` (no GPU stall)
 * and giving the event loop a turn at each, so that progress can draw and a signal can cancel.
 */
export async function driveAsync<T>(run: Generator<Readback, T, Values>): Promise<T> {
  let next = run.next();
  while (!next.done) {
    let values: Float32Array[];
    try {
      values = await Promise.all(next.value.map(async (t) => Float32Array.from(await t.data())));
      await yieldToEventLoop();
    } catch (e) {
      run.throw(e);
      throw e;
    }
    next = run.next(values);
  }
  return next.value;
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * tfjs-backend-webgpu reads a GPU buffer synchronously by drawing it onto an `OffscreenCanvas`;
 * without one (Node, workers of some runtimes) `dataSync` fails deep inside tfjs. Say so up front.
 */
export function assertSyncReadback(where: string, instead: string): void {
  if (tf.getBackend() === 'webgpu' && typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') {
    throw new HamuxError([where], `the webgpu backend cannot read values back synchronously here (no OffscreenCanvas, as under Node): use ${instead}`, 'unsupported');
  }
}
