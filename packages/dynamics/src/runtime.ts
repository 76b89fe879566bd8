import { HamuxError, tf } from '@hamux-ts/core';
import type { Gemm } from '@hamux-ts/kernels';
import { leanEvaluator, type FastEvaluatorProvider } from './evaluator.js';
import type { GpuRunner } from './gpu-stepper.js';

/**
 * What a descent or a trainer runs on, passed explicitly: `useBackend` (@hamux-ts/backends) returns
 * one. Without a runtime every step runs in tfjs ops on the current backend (the reference path).
 *
 * ```ts
 * const runtime = await useBackend('wasm');
 * descendSync(ham, init, { runtime });
 * ```
 */
export interface Runtime {
  /** The tfjs backend the runtime was made for: it must still be the current one. */
  readonly backend: string;
  /** The matrix product of host-array steps (cpu and wasm under Node); none: tfjs ops only. */
  readonly gemm?: Gemm;
  /** The host-array evaluator of descents: default, the lean step on `gemm`. */
  readonly evaluator?: FastEvaluatorProvider;
  /** On webgpu: what runs the fused WGSL step of built-in graphs (none: tfjs's generic ops). */
  readonly gpu?: GpuRunner;
}

/**
 * The runtime's host-array evaluator when it has one, after checking that the runtime belongs to the
 * current tfjs backend (a runtime kept across a `useBackend` or `tf.setBackend` is a mistake).
 */
export function evaluatorOf(runtime: Runtime | undefined, path: readonly (string | number)[] = ['runtime']): FastEvaluatorProvider | undefined {
  if (runtime === undefined) return undefined;
  checkRuntime(runtime, path);
  return runtime.evaluator ?? (runtime.gemm ? leanEvaluator(runtime.gemm) : undefined);
}

/** Throws unless `runtime` was made for the tfjs backend that is current now. */
export function checkRuntime(runtime: Runtime, path: readonly (string | number)[] = ['runtime']): void {
  const current = tf.getBackend();
  if (runtime.backend !== current) {
    throw new HamuxError(
      [...path, 'backend'],
      `this runtime was made for the ${runtime.backend} backend, but ${current} is the current one (pass the runtime of the latest useBackend call)`,
      'invalid_argument',
    );
  }
}
