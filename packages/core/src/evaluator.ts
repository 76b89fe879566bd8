import type { HAM, States } from './ham.js';
import type { Params } from './params.js';
import type { Tensor } from './tf.js';

/**
 * A faster way to compute `HAM.energyAndDEdxhat` for some graphs, plugged in from outside the core
 * (by shape, not by dependency): @hamux-ts/kernels registers its fused step on host arrays for
 * graphs of built-in components when its fast kernels are enabled. The scheduler asks for one at
 * the start of a descent and falls back to `HAM.energyAndDEdxhat` (autodiff or closed forms in
 * tfjs ops) when there is none, the graph does not compile, or the backend is not supported.
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

/** Energy per sample `[B]` and `∂E/∂x̂` of every layer, as new tensors (the caller's). */
export type FastEvaluator<L extends string> = (states: States<L>, params?: Params) => { energy: Tensor; dEdxhat: States<L> };

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
