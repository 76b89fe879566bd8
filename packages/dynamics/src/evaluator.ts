import { compileLeanStep, type HAM, type LeanStep, type Params } from '@hamux-ts/core';
import type { Gemm } from '@hamux-ts/kernels';

/** Every layer's values on the host, `[B, size]` row-major. */
export type HostStates<L extends string> = { readonly [K in L]: Float32Array };

/**
 * Energy per sample `[B]` and `∂E/∂x̂` of every layer for states `x` on host arrays, with the
 * graph's parameters or `params`. The returned arrays are the evaluator's own, overwritten by its
 * next call: a caller copies what it keeps.
 */
export type FastEvaluator<L extends string> = (x: HostStates<L>, batch: number, params?: Params) => {
  /** The total energy E per sample, `[B]`, in float64. */
  energy: Float64Array;
  /** `∂E/∂x̂_i` of every layer i, `[B, size]` row-major. */
  dEdxhat: HostStates<L>;
};

/**
 * What lets a descent run on host arrays: an evaluator of `E` and `∂E/∂x̂` for the graphs and
 * backends it takes. The default is the lean step on the runtime's matrix product
 * (`leanEvaluator(gemm)`); a runtime's `evaluator` passes another (a test's, or your own kernels').
 */
export interface FastEvaluatorProvider {
  /** Shown in reports, e.g. `"lean step (native gemm)"`. */
  readonly name: string;
  /** Whether it runs on this tfjs backend now (it reads states back synchronously). */
  supports(backend: string): boolean;
  /**
   * The evaluator of one graph, or why it has none (a user-defined component, say). `unread`: the
   * layers held whole, whose `∂E/∂x̂` the descent never reads (an evaluator may leave them empty).
   */
  compile<L extends string, S extends string>(ham: HAM<L, S>, options: { readonly neuronEnergy: boolean; readonly unread?: readonly L[] }): FastEvaluator<L> | string;
}

/** Compiled lean steps by graph, gemm and neuron-energy setting: a descent after the first reuses its buffers. */
const compiled = new WeakMap<object, Map<string, LeanStep<string> | string>>();

function leanStepOf<L extends string, S extends string>(ham: HAM<L, S>, gemm: Gemm, neuronEnergy: boolean, unread: readonly L[]): LeanStep<L> | string {
  let byGraph = compiled.get(ham);
  if (!byGraph) compiled.set(ham, (byGraph = new Map()));
  const key = JSON.stringify([gemm.name, neuronEnergy, unread]);
  let lean = byGraph.get(key);
  if (lean === undefined) byGraph.set(key, (lean = compileLeanStep(ham, { gemm, neuronEnergy, unread }) as LeanStep<string> | string));
  return lean as LeanStep<L> | string;
}

const providers = new WeakMap<Gemm, FastEvaluatorProvider>();

/**
 * The lean step of @hamux-ts/core (one fused host-array routine per built-in component) on the
 * matrix product `gemm` (a runtime's, from `useBackend`): on the cpu and wasm backends, whose
 * tensors read back synchronously, a descent over a graph of built-in components runs on host
 * arrays instead of 30–80 tfjs kernels a step. One provider per product, so compiled steps are reused.
 */
export function leanEvaluator(gemm: Gemm): FastEvaluatorProvider {
  let provider = providers.get(gemm);
  if (provider) return provider;
  provider = {
    name: `lean step (${gemm.name} gemm)`,
    supports: (backend) => backend === 'cpu' || backend === 'wasm',
    compile<L extends string, S extends string>(ham: HAM<L, S>, { neuronEnergy, unread = [] }: { readonly neuronEnergy: boolean; readonly unread?: readonly L[] }): FastEvaluator<L> | string {
      const lean = leanStepOf(ham, gemm, neuronEnergy, unread);
      if (typeof lean === 'string') return lean;
      return (x, batch, params) => lean.energyAndDEdxhat(x, batch, params);
    },
  };
  providers.set(gemm, provider);
  return provider;
}
