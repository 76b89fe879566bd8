import { HamuxError, tf, type HAM, type States } from '@hamux-ts/core';
import { engine, type DescendResult, type Readback } from './engine.js';
import { settingsFrom, type DescendOptions } from './options.js';

/**
 * Integrates `τ_i dx_i/dt = −∂E/∂x̂_i` from `init` until every sample has converged (or stopped for
 * another reason, given in its report). By default the step is controlled so that no sample's
 * energy ever rises. Synchronous: reads values back with `dataSync` every `checkEvery` steps.
 *
 * ```ts
 * const { states, report } = descendSync(ham, ham.zeros(8), { clamp: { pixels: true } });
 * ```
 * `init` is not consumed; the returned states are the caller's to dispose. On a backend that cannot
 * read back synchronously (webgpu under Node) it throws a `HamuxError`: use `await descend(...)`.
 */
export function descendSync<L extends string, S extends string>(
  ham: HAM<L, S>,
  init: States<L>,
  options: DescendOptions<L> = {},
): DescendResult<L> {
  assertSyncReadback();
  const run = engine(ham, init, settingsFrom(options), options);
  let next = run.next();
  while (!next.done) next = run.next(readSync(next.value));
  return next.value;
}

/**
 * `descendSync` for event-loop friendly code: reads values back asynchronously (no GPU stall),
 * yields to the event loop at every check so progress callbacks can draw and `signal` can cancel.
 */
export async function descend<L extends string, S extends string>(
  ham: HAM<L, S>,
  init: States<L>,
  options: DescendOptions<L> = {},
): Promise<DescendResult<L>> {
  const run = engine(ham, init, settingsFrom(options), options);
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

/**
 * tfjs-backend-webgpu reads a GPU buffer synchronously by drawing it onto an `OffscreenCanvas`;
 * without one (Node, workers of some runtimes) `dataSync` fails deep inside tfjs. Say so up front.
 */
function assertSyncReadback(): void {
  if (tf.getBackend() === 'webgpu' && typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') {
    throw new HamuxError(
      'descendSync',
      'the webgpu backend cannot read values back synchronously here (no OffscreenCanvas, as under Node): use `await descend(ham, init, options)` instead',
    );
  }
}

function readSync(tensors: Readback): Float32Array[] {
  return tensors.map((t) => Float32Array.from(t.dataSync()));
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
