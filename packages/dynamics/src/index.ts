/**
 * The scheduler: `descend` / `descendSync` integrate `τ_i dx_i/dt = −∂E/∂x̂_i` with per-layer time
 * constants, step control, clamping and per-sample convergence; `Relaxation` is the same loop stepped by the caller.
 *
 * @module @hamux-ts/dynamics
 */
export { descend, descendSync } from './descend.js';
export { Relaxation, type RelaxOptions, type Reading } from './relaxation.js';
export type { DescendOptions, Clamp, Progress, Tolerance, Settings } from './options.js';
export type { DescendResult, SampleReport, StopReason } from './report.js';
export { DivergenceError } from './errors.js';
export { freeMasks, disposeMasks, type FreeMask } from './clamp.js';
export { type Runtime, checkRuntime, evaluatorOf } from './runtime.js';
export type { GpuRunner } from './gpu-stepper.js';
export { leanEvaluator, type FastEvaluator, type FastEvaluatorProvider, type HostStates } from './evaluator.js';
export { rateLevels, levelSchedule } from './levels.js';
