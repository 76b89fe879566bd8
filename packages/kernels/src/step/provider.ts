import type { FastEvaluatorProvider } from '@hamux-ts/core';
import { activeGemm } from '../enable.js';
import { compileLeanStep } from './lean-step.js';

/**
 * The lean step as the scheduler's fast evaluator (`setFastEvaluatorProvider`): on the cpu and wasm
 * backends, whose tensors read back synchronously, a descent over a graph of built-in components
 * computes `E` and `∂E/∂x̂` in one fused routine on host arrays instead of 30–80 tfjs kernels.
 */
export const leanEvaluatorProvider: FastEvaluatorProvider = {
  get name() {
    return `lean step (${activeGemm().name} gemm)`;
  },
  supports: (backend) => backend === 'cpu' || backend === 'wasm',
  compile(ham, { neuronEnergy }) {
    const lean = compileLeanStep(ham, { neuronEnergy });
    if (typeof lean === 'string') return lean;
    return (states, params) => lean.energyAndDEdxhatTensors(states, params);
  },
};
