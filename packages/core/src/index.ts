/**
 * Neuron layers, the Lagrangian and hypersynapse libraries, the typed `hypergraph()` builder and
 * the compiled `HAM`: total energy, energy tree and update signals `∂E/∂x̂`.
 *
 * @module @hamux-ts/core
 */
export { tf } from './tf.js';
export type { Tensor } from './tf.js';
export { HamuxError, HamuxErrors, closestName, didYouMean, formatPath, parsePath, type HamuxErrorCode, type ErrorPath } from './errors.js';
export { type Shape, sizeOf, formatShape, sameShape } from './shape.js';
export {
  type Init,
  type ParamSpec,
  type ParamSpecs,
  type Params,
  type ParamPath,
  splitParamPath,
  type TensorMap,
  type ParamOption,
  type ParamTree,
  type LearnableValue,
  learnable,
  paramProblems,
  type ParamSpecTree,
  zeros,
  ones,
  normal,
  uniform,
} from './params.js';
export { type Rng, checkSeed, choose, deriveKey, normalValues, permutation, rng, shuffle, uniformValues, uniformGenerator } from './random.js';
export { sumPerSample, tidy } from './ops.js';
export { installSecondOrderGradients, secondOrderGradientsInstalled, SECOND_ORDER_TFJS_VERSION } from './second-order.js';
export { type Lagrangian, defineLagrangian } from './lagrangian.js';
export type { BuiltinLagrangianSpec, BuiltinSynapseSpec } from './builtin.js';
export * as lagrangians from './lagrangians/index.js';
export { type Hypersynapse, defineHypersynapse } from './hypersynapse.js';
export * as synapses from './synapses/index.js';
export { NeuronLayer, type LayerSpec } from './layer.js';
export { GraphBuilder, hypergraph, type BuildOptions, type IsolatedLayerPolicy } from './graph.js';
export { HAM, type States, type EnergyTree, type SynapseNode, type GradMethod, type EvalOptions } from './ham.js';
export { LeanStep, compileLeanStep, type LeanStepOptions, type LeanResult } from './host/step.js';
export { LeanUnroll, compileLeanUnroll, type LeanUnrollOptions, type LeanUnrollRun, type LossSeed, type HostFreedom } from './host/unroll.js';
export { LeanTrainStep, leanTrainStep, type LeanTrainOptions, type LeanTrainResult } from './host/train-step.js';
export type { HostLagrangian, HostLagrangianAdjoint, HostSynapse, HostSynapseAdjoint, SynapseContext, SynapseAdjointContext, ParamValues, ParamGrads } from './host/types.js';
export { hostLagrangian, hostSynapse } from './host/forms.js';
export type { GpuProgram, GpuUniform, GpuRun, GpuMap, GpuInline, GpuLagrangian, GpuOperand, GpuSum, GpuSynapse, GpuSynapseCall, GpuSynapseResult, GpuProjection, GpuDeferredSignal, ProductTerm } from './gpu/types.js';
export { gpuLagrangian, gpuSynapse } from './gpu/forms.js';
export { entryProgram, MAX_WORKGROUPS, operandInputs, operandRead, reduceSumCode, runProduct, spread, WORKGROUP_INDEX, type OperandRead, type ProductSign } from './gpu/products.js';
