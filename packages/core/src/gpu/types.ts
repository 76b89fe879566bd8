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
  /** The inputs' names in the WGSL code, in the order of the inputs. */
  variableNames: string[];
  /** The shape of the output tensor `result`. */
  outputShape: number[];
  /** The pipeline cache key: everything the code bakes in. */
  shaderKey: string;
  /** Which output axes the flat `index` of `main` runs over. */
  dispatchLayout: {
    /** The output axes along the x dimension of the dispatch (all of them, for a flat layout). */
    x: number[];
  };
  /** Workgroups along x, y and z. */
  dispatch: [number, number, number];
  /** Invocations per workgroup along x, y and z. */
  workgroupSize: [number, number, number];
  /** Extra uniform fields as WGSL (`'invTau : f32,'`), filled in order from the run's uniforms. */
  uniforms?: string;
  /** The WGSL that defines `fn main(index: i32)`. */
  getUserCode(): string;
}

/** A program-defined uniform value, in the order of `GpuProgram.uniforms`. */
export interface GpuUniform {
  /** Its WGSL type: `f32` or `i32`. */
  readonly type: 'float32' | 'int32';
  /** Its value (one number for a scalar field). */
  readonly data: number[];
}

/** Runs a program on the current webgpu backend; returns its output as a new float32 tensor (the caller's). */
export type GpuRun = (program: GpuProgram, inputs: readonly Tensor[], uniforms?: readonly GpuUniform[]) => Tensor;

/**
 * An elementwise function computed where its argument is read (no program of its own): an
 * activation `x̂ = f(x)`, or a memory's weights `F′(h)`, as a WGSL expression of an `f32`
 * expression and of the parameters `p` (WGSL expressions, in the order of `params`; bound as
 * one-value inputs).
 */
export interface GpuMap {
  /** Names the expression in pipeline cache keys. */
  readonly key: string;
  /** The parameters the expression reads (β…), in order. */
  readonly params: readonly string[];
  /** The function at `x`. */
  activation(x: string, p: readonly string[]): string;
}

/** An elementwise Lagrangian computed where x̂ is read: its activation, and the neuron energy's summand `x̂ x − L(x)`. */
export interface GpuInline extends GpuMap {
  /** `x̂ x − L(x)` for one neuron at `x`. */
  energy(x: string, p: readonly string[]): string;
}

/**
 * A Lagrangian in WGSL: either computed inline wherever x̂ is read (`inline`: elementwise ones,
 * the identity, tanh), or by an activation pass, one program per evaluation (`pass`: the ones
 * that need a row's statistics, softmax).
 */
export type GpuLagrangian =
  | {
      /** The built-in Lagrangian this is the WGSL form of. */
      readonly kind: BuiltinLagrangianSpec['kind'];
      /** Its activation and neuron energy, computed where they are read. */
      readonly inline: GpuInline;
      /** None: an inline Lagrangian needs no pass. */
      readonly pass?: undefined;
    }
  | {
      /** The built-in Lagrangian this is the WGSL form of. */
      readonly kind: BuiltinLagrangianSpec['kind'];
      /** None: computed by its activation pass. */
      readonly inline?: undefined;
      /**
       * The activation pass of a layer of `n` neurons per sample: inputs `xs` (`[B, n]`) then the
       * layer's parameters named by `params` (bound as they are, scalars as `[1]`); output
       * `[B·n + B·r]`, x̂ in the first B·n entries and after them, r per sample, the parts of each
       * sample's neuron energy `Σ x̂ ⊙ x − L(x)` (r = `energies(n)`: 1, or one per row).
       */
      readonly pass: {
        /** The layer's parameters the program reads after `xs` (β, or γ and δ…), in order. */
        readonly params: readonly string[];
        /** Parts of the neuron energy per sample the program writes (r). */
        energies(n: number): number;
        /** The program for B samples of n neurons. */
        program(B: number, n: number): GpuProgram;
      };
    };

/**
 * x̂ of a layer as a program reads it: `tensor` holds x̂ in its first B·size entries (`[B, size]`
 * row-major; an activation pass's output holds more after them), or, with `inline`, the state x,
 * from which every read computes x̂ (`operandInputs`/`operandRead` in gpu/products.ts).
 */
export interface GpuOperand {
  /** x̂, or x where `inline` is given. */
  readonly tensor: Tensor;
  /** The function computed on read, and its parameters as `[1]` tensors in the order of `form.params`. */
  readonly inline?: {
    /** The function. */
    readonly form: GpuMap;
    /** Its parameters, `[1]` each. */
    readonly params: readonly Tensor[];
  };
}

/**
 * One factor pair of a product: the left factor a (`[rows, K]`, entry (r, k) read at
 * `offset + r·stride + k` with its inline function applied) times w, either `a w` with w `[K, N]`
 * (`'kn'`) or `a wᵀ` with w `[N, K]` (`'nk'`), w stacked along its first axis from `weights`
 * (attention's `[Wᴷ; Wᵠ]`, or several synapses' weights, without copying them into one tensor).
 */
export interface ProductTerm {
  /** The left factor. */
  readonly lhs: GpuOperand;
  /** The contraction length K. */
  readonly K: number;
  /** Entries from one row of a to the next (default K). */
  readonly stride?: number;
  /** The entry of a's row 0, column 0 (default 0). */
  readonly offset?: number;
  /** `'kn'`: `a w`, w `[K, N]`; `'nk'`: `a wᵀ`, w `[N, K]`. */
  readonly layout: 'kn' | 'nk';
  /** w's inputs, stacked along w's first axis. */
  readonly weights: readonly Tensor[];
}

/**
 * The product a synapse's form begins with, `x̂ Wᵀ` of one of its layers on rows of `width`
 * features (R = size / width rows per sample), which the step runs in one program with the other
 * synapses' products of the same x̂ (attention's K and Q with a memory's overlaps): the output is
 * blocked per synapse, each block `[B·R, N]` row-major, N the rows of its weights.
 */
export interface GpuProjection {
  /** Which of the synapse's layers (an index into its connections). */
  readonly layer: number;
  /** Features per row. */
  readonly width: number;
  /** W, stacked from these tensors along its first axis (`[N_j, width]` each). */
  weights(p: TensorMap): readonly Tensor[];
}

/**
 * Terms a synapse's form leaves to the step on one layer: the layer's signal less `Σ terms` on
 * rows of `width` (`[B·R, width]`), run in one product with the other synapses' terms on that
 * layer (attention's and a memory's signals on the same tokens).
 */
export interface GpuDeferredSignal {
  /** Features per row (the product's N). */
  readonly width: number;
  /** What is subtracted: products, and biases (`[width]`, the same for every row). */
  readonly terms: readonly ProductTerm[];
  /** Biases subtracted from every row (bias synapses). */
  readonly biases?: readonly Tensor[];
}

/** What a synapse's WGSL form gets for one evaluation. */
export interface GpuSynapseCall {
  /** Runs one program (the backend's hook). */
  readonly run: GpuRun;
  /** Samples B. */
  readonly batch: number;
  /** x̂ of each connected layer. */
  readonly xhat: readonly GpuOperand[];
  /** The signal already accumulated on each connected layer (`[B, size]`), or undefined for none (zero). */
  readonly base: readonly (Tensor | undefined)[];
  /** Whether each connected layer's signal is read: a form may skip the programs of those that are not (layers held whole). */
  readonly wanted: readonly boolean[];
  /** The synapse's parameters (ξ, β…) as tensors on the backend. */
  readonly p: TensorMap;
  /** Where the step put the form's `projection`: its block, `[B·R, N]` row-major from entry `offset` of `tensor`. */
  readonly projected?: {
    /** The projection's output (every merged synapse's block). */
    readonly tensor: Tensor;
    /** The entry where this synapse's block starts. */
    readonly offset: number;
  };
}

/**
 * An energy per sample as a sum that the step's energy program computes:
 * `E_b = Σ_{j < count} summand(operands at offset + b·stride + j·step)`. Examples: dense's
 * `Σ x̂₂ (g₂ − base₂)` (three operands, count = the layer's size), a memory's `−½ Σ relu(h)²`
 * over its overlaps, or one value per row that a program already wrote (`summand: v => v`).
 */
export interface GpuSum {
  /** What the summand reads, each at the same entry (with its inline activation applied, if any). */
  readonly operands: readonly GpuOperand[];
  /** One-value tensors (`[1]`: β…) the summand reads, in order. */
  readonly params?: readonly Tensor[];
  /** Tensors the same for every sample (a bias), read at entry `j` (the summed entry's index). */
  readonly shared?: readonly Tensor[];
  /** Entries summed per sample. */
  readonly count: number;
  /** Entries from one sample's first to the next's. */
  readonly stride: number;
  /** Entries from one summed entry to the next (default 1). */
  readonly step?: number;
  /** The entry of sample 0's first (default 0). */
  readonly offset?: number;
  /** The summand as WGSL, of the operands' values, the params and the shared values (WGSL expressions, in order). */
  summand(values: readonly string[], params: readonly string[], shared: readonly string[]): string;
}

/** What a synapse's WGSL form returns: new tensors, the caller's. */
export interface GpuSynapseResult {
  /** Its energy per sample, summed by the step's energy program (which runs after the synapses, before `keep` is freed). */
  readonly energy: GpuSum;
  /** `base + ∂E_syn/∂x̂` on each connected layer, `[B, size]`; undefined where not `wanted` (skipped) or `deferred`. */
  readonly grad: readonly (Tensor | undefined)[];
  /** The signal terms left to the step, per connected layer (undefined: none). */
  readonly deferred?: readonly (GpuDeferredSignal | undefined)[];
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
  /** Programs one evaluation runs, every signal wanted, its projection and deferred signals included. */
  readonly dispatches: number;
  /** The product it begins with, run by the step (merged with others of the same x̂). */
  readonly projection?: GpuProjection;
  /** One evaluation: its energy per sample and its signals added to `call.base`. */
  run(call: GpuSynapseCall): GpuSynapseResult;
}
