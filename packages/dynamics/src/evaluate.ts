import { fastEvaluatorProvider, tf, type EvalOptions, type HAM, type States, type Tensor } from '@hamux-ts/core';

export interface Evaluator<L extends string> {
  readonly name: string;
  readonly evaluate: (states: States<L>) => { energy: Tensor; dEdxhat: States<L> };
}

const GENERAL = 'HAM.energyAndDEdxhat';

/**
 * How a descent computes `E` and `∂E/∂x̂`: the installed fast evaluator when `fast` is allowed, the
 * caller did not ask for autodiff, the current backend is one it supports and the graph compiles;
 * otherwise `HAM.energyAndDEdxhat`. Chosen once per descent.
 */
export function evaluatorFor<L extends string, S extends string>(ham: HAM<L, S>, options: EvalOptions, fast: boolean): Evaluator<L> {
  const general: Evaluator<L> = { name: GENERAL, evaluate: (states) => ham.energyAndDEdxhat(states, options) };
  const provider = fastEvaluatorProvider();
  if (!fast || options.method === 'autodiff' || provider === undefined || !provider.supports(tf.getBackend())) return general;
  const compiled = provider.compile(ham, { neuronEnergy: options.neuronEnergy ?? true });
  if (typeof compiled === 'string') return general;
  return { name: provider.name, evaluate: (states) => compiled(states, options.params) };
}
