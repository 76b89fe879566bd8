/**
 * @hamux-ts/train: learning through the dynamics (math.md §6). A loss on the final activations of
 * T unrolled descent steps is backpropagated through the whole descent to every trainable parameter.
 *
 * - `unroll`: T differentiable Euler steps `x_i ← x_i − (dt/τ_i) ∂E/∂x̂_i`, with clamps.
 * - at the fixed point (`Trainer`'s `fixedPoint`): implicit differentiation or equilibrium propagation.
 * - losses: `crossEntropy`, `mse`, `sumOf`, or any `(activations, batch) => scalar`.
 * - initial states: `clampedInput`, `corruptedInput`, `maskedInput`, or any `Prepare`.
 * - `Trainer` / `train`: seeded mini-batches, tfjs optimizers, clipping, evaluation, progress,
 *   safetensors checkpoints with exact resume.
 *
 * @module @hamux-ts/train
 */
export { unroll, type UnrollOptions, type UnrollResult } from './unroll.js';
export type { Batch, Prepared, ClampMap } from './batch.js';
export {
  crossEntropy,
  mse,
  sumOf,
  correctCount,
  type Loss,
  type LossContext,
  type LossLayers,
  type LossTerm,
  type MseOptions,
  type CrossEntropyOptions,
  type AccuracyOptions,
} from './losses.js';
export {
  clampedInput,
  corruptedInput,
  maskedInput,
  type Prepare,
  type InputPrepare,
  type PrepareContext,
  type InputOptions,
  type CorruptedInputOptions,
  type MaskedInputOptions,
  type RestInit,
} from './prepare.js';
export { clipGradients, scheduledRate, setLearningRate, type LearningRateSchedule, type OptimizerSpec, type ClipOptions } from './optimizer.js';
export {
  decodeCheckpoint,
  paramsFromCheckpoint,
  CHECKPOINT_FORMAT,
  type CheckpointInfo,
  type DecodedCheckpoint,
} from './checkpoint.js';
export {
  Trainer,
  train,
  type TrainerOptions,
  type FitOptions,
  type TrainProgress,
  type EpochReport,
  type EvalReport,
  type TrainResult,
} from './trainer.js';
export type { GradientPath } from './host-path.js';
export type { FixedPointOptions } from './fixed-point.js';
export { progressBar, formatProgress, formatEpoch, type TextSink, type ProgressBarOptions } from './progress.js';
