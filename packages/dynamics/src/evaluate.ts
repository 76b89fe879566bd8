import { tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { evaluatorOf } from './runtime.js';
import type { DescendOptions } from './options.js';
import { HostStepper } from './host-stepper.js';
import { TensorStepper } from './tensor-stepper.js';
import type { FreeMask, StepPlan, Stepper } from './stepper.js';

const GENERAL = 'HAM.energyAndDEdxhat';

/**
 * How a descent steps: on host arrays with the runtime's evaluator (the lean step on its matrix
 * product, or its own) when `fastPath` allows it, the caller did not ask for autodiff, the current
 * backend is one it supports and the graph compiles; otherwise in tfjs ops with
 * `HAM.energyAndDEdxhat`. Chosen once per descent.
 */
export function stepperFor<L extends string, S extends string>(
  ham: HAM<L, S>,
  init: States<L>,
  plan: StepPlan<L>,
  masks: ReadonlyMap<L, FreeMask<Tensor>>,
  options: DescendOptions<L>,
  neuronEnergy: boolean,
): Stepper<L> {
  const provider = evaluatorOf(options.runtime);
  if (provider && (options.fastPath ?? true) && options.method !== 'autodiff' && provider.supports(tf.getBackend())) {
    // Layers held whole: their signals are never read, so the products only they need are skipped.
    const unread = plan.names.filter((n) => !plan.moving.includes(n));
    const compiled = provider.compile(ham, { neuronEnergy, unread });
    if (typeof compiled !== 'string') return new HostStepper(plan, init, masks, compiled, provider.name, options.params);
  }
  const evaluate = (states: Record<L, Tensor>, params: Params | undefined) =>
    ham.energyAndDEdxhat(states as States<L>, { neuronEnergy, ...(params ? { params } : {}), ...(options.method ? { method: options.method } : {}) }) as { energy: Tensor; dEdxhat: Record<L, Tensor> };
  return new TensorStepper(plan, init, masks, evaluate, GENERAL, options.params);
}
