import type { Tensor } from '../tf.js';
import type { BuiltinLagrangianSpec, BuiltinSynapseSpec } from '../builtin.js';
import type { TensorMap } from '../params.js';

/**
 * WebGPU (WGSL) forms of the built-in components: what a fused descent step runs on the webgpu
 * backend instead of tfjs's generic ops (one dispatch per op). Each built-in's WGSL form sits in
 * the same file as its tfjs energy, closed form and host form (lagrangians/*.ts, synapses/*.ts);
 * gpu/forms.ts picks one by spec and says why where there is none yet.
 *
 * Core does not import tfjs-backend-webgpu: a program here is plain data in the shape of that
 * backend's `WebGPUProgram` (its `runWebGPUProgram` hook), and whoever holds the backend runs it
 * through a `GpuRun` (@hamux-ts/backends makes one for `useBackend('webgpu')`'s runtime).
 */

/**
 * A compute program for tfjs-backend-webgpu's `runWebGPUProgram`. tfjs declares the output as
 * `result`, each input as a read-only `array<f32>` named by `variableNames`, and a `uniforms`
 * struct with each input's `<name>Shape`, `outShape`, and the fields listed in `uniforms`; the
 * user code defines `fn main(index: i32)` (flat layout; `workgroupId` and `localId` are globals).
 * tfjs writes into `dispatch` and `shaderKey`: make a new object for every run. `shaderKey` must
 * name everything the code bakes in (sizes, variants), since tfjs caches pipelines by it.
 */
export interface GpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  getUserCode(): string;
}

/** A program-defined uniform value, in the order of `GpuProgram.uniforms`. */
export interface GpuUniform {
  readonly type: 'float32' | 'int32';
  readonly data: number[];
}

/** Runs a program on the current webgpu backend; returns its output as a new float32 tensor (the caller's). */
export type GpuRun = (program: GpuProgram, inputs: readonly Tensor[], uniforms?: readonly GpuUniform[]) => Tensor;

/** One value per sample, read from a tensor: entry `b * stride + offset` of its flat data. */
export interface GpuColumn {
  readonly tensor: Tensor;
  readonly stride: number;
  readonly offset: number;
}

/**
 * A Lagrangian in WGSL: either computed inline where it is needed (`inline`, the identity: x̂ = x
 * and the neuron energy `Σ x̂ x − L = Σ ½x²`, as WGSL expressions of an `f32`), or by an
 * activation pass, one program per evaluation (`pass`).
 */
export type GpuLagrangian =
  | {
      /** The built-in Lagrangian this is the WGSL form of. */
      readonly kind: BuiltinLagrangianSpec['kind'];
      /** WGSL expressions of x̂ and of the neuron energy's summand `x̂ x − L` at the WGSL expression `x`. */
      readonly inline: { activation(x: string): string; energy(x: string): string };
      readonly pass?: undefined;
    }
  | {
      /** The built-in Lagrangian this is the WGSL form of. */
      readonly kind: BuiltinLagrangianSpec['kind'];
      readonly inline?: undefined;
      /**
       * The activation pass of a layer of `n` neurons per sample: inputs `xs` (`[B, n]`) then the
       * layer's parameters named by `params` (scalars, bound as `[1]`); output `[B·n + B]`, x̂ in
       * the first B·n entries and each sample's neuron energy `Σ x̂ ⊙ x − L(x)` in the last B.
       */
      readonly pass: { readonly params: readonly string[]; program(B: number, n: number): GpuProgram };
    };

/** What a synapse's WGSL form gets for one evaluation. */
export interface GpuSynapseCall {
  /** Runs one program (the backend's hook). */
  readonly run: GpuRun;
  /** Samples B. */
  readonly batch: number;
  /** x̂ of each connected layer: its first B·size entries, `[B, size]` row-major (an activation pass's output holds more after them). */
  readonly xhat: readonly Tensor[];
  /** The signal already accumulated on each connected layer (`[B, size]`), or undefined for none (zero). */
  readonly base: readonly (Tensor | undefined)[];
  /** The synapse's parameters (ξ, β…) as tensors on the backend. */
  readonly p: TensorMap;
}

/** What a synapse's WGSL form returns: new tensors, the caller's. */
export interface GpuSynapseResult {
  /** Its energy per sample, as a column of one of `keep`. */
  readonly energy: GpuColumn;
  /** `base + ∂E_syn/∂x̂` on each connected layer, `[B, size]`. */
  readonly grad: readonly Tensor[];
  /** Every tensor it made besides `grad` (the energy's among them): the caller disposes them after use. */
  readonly keep: readonly Tensor[];
}

/**
 * A hypersynapse in WGSL: its energy per sample and its signal on each connected layer, in a few
 * fused programs (a memory: overlaps, row statistics, signal), accumulated onto the signals of
 * the synapses before it.
 */
export interface GpuSynapse {
  /** The built-in hypersynapse this is the WGSL form of. */
  readonly kind: BuiltinSynapseSpec['kind'];
  /** Programs one evaluation runs. */
  readonly dispatches: number;
  run(call: GpuSynapseCall): GpuSynapseResult;
}
