import type { HAM, States } from '@hamux-ts/core';
import { assertSyncReadback, driveAsync, driveSync } from './drive.js';
import { engine } from './engine.js';
import type { DescendResult } from './report.js';
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
  assertSyncReadback('descendSync', '`await descend(ham, init, options)` instead');
  return driveSync(engine(ham, init, settingsFrom(options), options));
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
  return driveAsync(engine(ham, init, settingsFrom(options), options));
}
