import { HamuxError, tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { evaluatorOf } from './runtime.js';
import { gpuCheckRows } from './gpu-check.js';
import { fusedGpuStep } from './gpu-stepper.js';
import type { DescendOptions } from './options.js';
import { HostStepper } from './host-stepper.js';
import { TensorStepper } from './tensor-stepper.js';
import type { FreeMask, StepPlan, Stepper } from './stepper.js';

const GENERAL = 'HAM.energyAndDEdxhat';

/**
 * How a descent steps: on host arrays with the runtime's evaluator (the lean step on its matrix
 * product, or its own) when `fastPath` allows it, the caller did not ask for autodiff, the current
 * backend is one it supports and the graph compiles; on webgpu with the runtime's GPU runner, in a
 * few fused WGSL programs a step where every component has a WGSL form (gpu-stepper.ts), checked in
 * a few more (gpu-check.ts); otherwise in tfjs ops with `HAM.energyAndDEdxhat`. Chosen once per descent.
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
  if (provider && !options.nudge && (options.fastPath ?? true) && options.method !== 'autodiff' && provider.supports(tf.getBackend())) {
    // Layers held whole: their signals are never read, so the products only they need are skipped.
    const unread = plan.names.filter((n) => !plan.moving.includes(n));
    const compiled = provider.compile(ham, { neuronEnergy, unread });
    if (typeof compiled !== 'string') return new HostStepper(plan, init, masks, compiled, provider.name, options.params);
  }
  const evaluate = (states: Record<L, Tensor>, params: Params | undefined) =>
    ham.energyAndDEdxhat(states as States<L>, { neuronEnergy, ...(params ? { params } : {}), ...(options.method ? { method: options.method } : {}) }) as { energy: Tensor; dEdxhat: Record<L, Tensor> };
  const { nudge } = options;
  const gpu = options.runtime?.gpu;
  if (gpu && !nudge && (options.fastPath ?? true) && options.method !== 'autodiff' && tf.getBackend() === 'webgpu') {
    // On webgpu: a few fused WGSL programs a step where the graph's built-ins have WGSL forms.
    const fused = fusedGpuStep(ham, plan, masks, neuronEnergy, gpu);
    if (typeof fused !== 'string') {
      // Its first evaluation and its checks too (checks in tfjs ops where they have no WGSL form).
      const sizes = new Map(plan.names.map((n) => [n, ham.layers[n].shape.reduce((a, b) => a * b, 1)] as const));
      const check = gpuCheckRows(plan, masks, gpu, sizes);
      return new TensorStepper(plan, init, masks, fused.evaluate, gpu.name, options.params, fused.rule, typeof check === 'string' ? undefined : check);
    }
  }
  if (!nudge) return new TensorStepper(plan, init, masks, evaluate, GENERAL, options.params);
  return new TensorStepper(plan, init, masks, nudged(ham, evaluate, nudge), `${GENERAL} + nudge`, options.params);
}

/** `E + N` and `∂(E + N)/∂x̂` from `E`'s evaluation and the nudge `N(x̂)` (per sample), by autodiff of `Σ_b N`. */
function nudged<L extends string, S extends string>(
  ham: HAM<L, S>,
  evaluate: (states: Record<L, Tensor>, params: Params | undefined) => { energy: Tensor; dEdxhat: Record<L, Tensor> },
  nudge: (activations: States<L>) => Tensor,
) {
  const names = ham.layerNames;
  return (states: Record<L, Tensor>, params: Params | undefined) => {
    const base = evaluate(states, params);
    return tf.tidy(() => {
      const acts = ham.activations(states as States<L>, params ? { params } : {});
      const xs = names.map((n) => acts[n]);
      const asStates = (ts: readonly Tensor[]) => Object.fromEntries(names.map((n, i) => [n, ts[i]!])) as unknown as States<L>;
      // The per-sample values are kept out of the gradient's own scope (one evaluation of the nudge).
      let perSample: Tensor | undefined;
      // Layers the nudge does not read get no gradient (allowed): their signal is E's alone.
      const { grads } = tf.engine().gradients(() => tf.sum((perSample = tf.keep(nudgeValues(nudge(asStates(xs)), base.energy.shape[0]!)))), xs, undefined, true);
      try {
        return {
          energy: tf.add(base.energy, perSample!),
          dEdxhat: Object.fromEntries(names.map((n, i) => [n, grads[i] ? tf.add(base.dEdxhat[n], grads[i]!) : tf.clone(base.dEdxhat[n])])) as Record<L, Tensor>,
        };
      } finally {
        tf.dispose([perSample!, base.energy, ...Object.values<Tensor>(base.dEdxhat)]);
      }
    }) as { energy: Tensor; dEdxhat: Record<L, Tensor> };
  };
}

function nudgeValues(t: unknown, batch: number): Tensor {
  if (!(t instanceof tf.Tensor) || t.rank !== 1 || t.shape[0] !== batch) {
    const got = t instanceof tf.Tensor ? `shape [${t.shape.join(', ')}]` : String(t);
    throw new HamuxError('options.nudge', `must return one energy per sample, a tensor of shape [${batch}]; got ${got}`, 'shape_mismatch');
  }
  return t;
}
