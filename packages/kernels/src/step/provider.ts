import type { FastEvaluator, FastEvaluatorProvider, HAM } from '@hamux-ts/core';
import { activeGemm } from '../enable.js';
import { compileLeanStep, type LeanStep } from './lean-step.js';

/** Compiled steps by graph and neuron-energy setting: a descent after the first reuses its buffers. */
const compiled = new WeakMap<object, Map<boolean, LeanStep<string> | string>>();

/**
 * The lean step as the scheduler's fast evaluator (`setFastEvaluatorProvider`): on the cpu and wasm
 * backends, whose tensors read back synchronously, a descent over a graph of built-in components
 * runs on host arrays, computing `E` and `∂E/∂x̂` in one fused routine per component instead of
 * 30–80 tfjs kernels a step.
 */
export const leanEvaluatorProvider: FastEvaluatorProvider = {
  get name() {
    return `lean step (${activeGemm().name} gemm)`;
  },
  supports: (backend) => backend === 'cpu' || backend === 'wasm',
  compile<L extends string, S extends string>(ham: HAM<L, S>, { neuronEnergy }: { readonly neuronEnergy: boolean }): FastEvaluator<L> | string {
    let byGraph = compiled.get(ham);
    if (!byGraph) compiled.set(ham, (byGraph = new Map()));
    let lean = byGraph.get(neuronEnergy);
    if (lean === undefined) byGraph.set(neuronEnergy, (lean = compileLeanStep(ham, { neuronEnergy }) as LeanStep<string> | string));
    if (typeof lean === 'string') return lean;
    const step = lean as unknown as LeanStep<L>;
    return (x, batch, params) => step.energyAndDEdxhat(x, batch, params);
  },
};
