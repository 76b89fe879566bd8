import type { HAM } from './ham.js';
import type { Params } from './params.js';

/**
 * A faster way to compute `HAM.energyAndDEdxhat` for some graphs, on host arrays, plugged in from
 * outside the core (by shape, not by dependency): @hamux-ts/kernels registers its fused step for
 * graphs of built-in components when its fast kernels are enabled. The scheduler asks for one at
 * the start of a descent and then runs the whole loop on host arrays; it falls back to
 * `HAM.energyAndDEdxhat` (autodiff or closed forms in tfjs ops) when there is none, the graph does
 * not compile, or the backend is not supported.
 * An evaluator is never used under autodiff (training): it leaves the tfjs graph.
 */
export interface FastEvaluatorProvider {
  /** Shown in reports, e.g. `"lean step (native gemm)"`. */
  readonly name: string;
  /** Whether it runs on this tfjs backend (it reads states back synchronously). */
  supports(backend: string): boolean;
  /** The evaluator of one graph, or why it has none (a user-defined component, say). */
  compile<L extends string, S extends string>(ham: HAM<L, S>, options: { readonly neuronEnergy: boolean }): FastEvaluator<L> | string;
}

/** Every layer's values on the host, `[B, size]` row-major. */
export type HostStates<L extends string> = { readonly [K in L]: Float32Array };

/**
 * Energy per sample `[B]` and `∂E/∂x̂` of every layer for states `x` on host arrays, with the
 * graph's parameters or `params`. The returned arrays are the evaluator's own, overwritten by its
 * next call: a caller copies what it keeps.
 */
export type FastEvaluator<L extends string> = (x: HostStates<L>, batch: number, params?: Params) => { energy: Float64Array; dEdxhat: HostStates<L> };

// Kept on globalThis (like tfjs's own engine) so that two copies of this module, the sources and
// the built dist loaded side by side, still share one provider.
const SLOT = Symbol.for('hamux-ts.fastEvaluatorProvider');
const slot = globalThis as { [SLOT]?: FastEvaluatorProvider | undefined };

/** Installs (or, with `undefined`, removes) the fast evaluator the scheduler may use. */
export function setFastEvaluatorProvider(provider: FastEvaluatorProvider | undefined): void {
  slot[SLOT] = provider;
}

/** The installed fast evaluator provider, if any. */
export function fastEvaluatorProvider(): FastEvaluatorProvider | undefined {
  return slot[SLOT];
}
