import type { Gemm, RowRoutines } from '@hamux-ts/kernels';
import type { BuiltinLagrangianSpec, BuiltinSynapseSpec } from '../builtin.js';

/**
 * Host-array forms of the built-in components: what the lean step runs on cpu and wasm instead of
 * tfjs ops. Each built-in's host form sits in the same file as its tfjs energy and closed form
 * (lagrangians/*.ts, synapses/*.ts), and test/host-step.test.ts holds every one to its tfjs form.
 */

/**
 * A Lagrangian on host arrays: the activation `x̂ = ∇L(x)` and the value `L(x)` per sample, for a
 * batch of B samples of n neurons each (`x` is `[B, n]` row-major). Collective Lagrangians act on
 * rows of D neurons (the layer's last axis).
 */
export interface HostLagrangian {
  readonly kind: BuiltinLagrangianSpec['kind'];
  /** Writes x̂ into `xhat`; `L[b]` gets L of sample b. `k`: the row routines (native where the gemm has them). */
  run(x: Float32Array, xhat: Float32Array, L: Float64Array, B: number, n: number, p: ParamValues, k: RowRoutines): void;
  /** x̂ is x itself (identity): the lean step skips the copy. */
  readonly isIdentity?: boolean;
}

/** A component's parameters as host arrays (a scalar is an array of one). */
export type ParamValues = Readonly<Record<string, Float32Array>>;

/** The scalar parameter `name` (β, γ). */
export const scalarOf = (p: ParamValues, name: string): number => p[name]![0]!;

/**
 * A hypersynapse on host arrays: adds its energy per sample to `E` and its `∂E_syn/∂x̂` to the
 * gradient buffers of the layers it connects, sharing the products between the two (the energy
 * of a memory and its signal both start from `ξ x̂`).
 */
export interface HostSynapse {
  readonly kind: BuiltinSynapseSpec['kind'];
  /** Scratch floats it needs for a batch of B. */
  scratch(B: number): number;
  /** Rows of log-sum-exp scratch (float64) it needs for a batch of B. */
  lseRows?(B: number): number;
  run(ctx: SynapseContext): void;
}

export interface SynapseContext {
  readonly gemm: Gemm;
  /** The gemm's row routines (native where it has them, else JavaScript). */
  readonly k: RowRoutines;
  readonly B: number;
  /** x̂ of each connected layer, `[B, size]`. */
  readonly xhat: readonly Float32Array[];
  /** ∂E/∂x̂ accumulators of each connected layer (the same array twice for a self-connection). */
  readonly grad: readonly Float32Array[];
  /** Energy per sample, accumulated in float64. */
  readonly E: Float64Array;
  readonly p: ParamValues;
  readonly work: Float32Array;
  readonly lse: Float64Array;
}
