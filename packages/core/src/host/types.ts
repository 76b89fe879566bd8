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
  /** The built-in Lagrangian this is the host form of (`BuiltinLagrangianSpec['kind']`). */
  readonly kind: BuiltinLagrangianSpec['kind'];
  /** Writes x̂ into `xhat`; `L[b]` gets L of sample b. `k`: the row routines (native where the gemm has them). */
  run(x: Float32Array, xhat: Float32Array, L: Float64Array, B: number, n: number, p: ParamValues, k: RowRoutines): void;
  /** x̂ is x itself (identity): the lean step skips the copy. */
  readonly isIdentity?: boolean;
  /** Its adjoint, for training on host arrays (host/unroll.ts); absent, the fast training path refuses the layer. */
  readonly adjoint?: HostLagrangianAdjoint;
}

/**
 * The adjoint of a Lagrangian's activation `x̂ = ∇L(x)`: its Jacobian is the Hessian `∇²L(x)`, which
 * is symmetric, so its transpose-vector product is a Hessian-vector product. `x̂` is `run`'s output for `x`.
 */
export interface HostLagrangianAdjoint {
  /** `out = ∇²L(x) · w`, rows as in `run` (`out` is not `w`). */
  hvp(x: Float32Array, xhat: Float32Array, w: Float32Array, out: Float32Array, B: number, n: number, p: ParamValues): void;
  /** The parameters `paramVjp` differentiates (β, γ, δ); a learnable one not listed keeps training on autodiff. */
  readonly params: readonly string[];
  /** `d[θ] += (∂x̂/∂θ)ᵀ w` for every θ present in `d`. */
  paramVjp?(x: Float32Array, xhat: Float32Array, w: Float32Array, B: number, n: number, p: ParamValues, d: ParamGrads): void;
}

/** Gradient accumulators of a component's parameters, by name; a parameter not wanted is absent. */
export type ParamGrads = Readonly<Record<string, Float32Array | undefined>>;

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
  /** The built-in hypersynapse this is the host form of (`BuiltinSynapseSpec['kind']`). */
  readonly kind: BuiltinSynapseSpec['kind'];
  /** Scratch floats it needs for a batch of B. */
  scratch(B: number): number;
  /** Rows of log-sum-exp scratch (float64) it needs for a batch of B. */
  lseRows?(B: number): number;
  /** Adds the synapse's energy per sample and its `∂E/∂x̂` on each connected layer to the accumulators of `ctx`. */
  run(ctx: SynapseContext): void;
  /** Its adjoint, for training on host arrays (host/unroll.ts); absent, the fast training path refuses the synapse. */
  readonly adjoint?: HostSynapseAdjoint;
}

/**
 * The adjoint of a synapse's signal `s(x̂) = ∇E_syn(x̂)`, at the x̂ of one step, for a direction `v`
 * (one array per connected layer): the Hessian-vector product `∇²E_syn · v` and the parameter
 * gradient `∂(s · v)/∂θ`, sharing their products (both start from `ξ v` for a memory).
 */
export interface HostSynapseAdjoint {
  /** Floats of the forward's intermediates `run` keeps in `ctx.save` for the adjoint (batch B); 0 when none. */
  saved(B: number): number;
  /** Scratch floats the adjoint needs for a batch of B. */
  scratch(B: number): number;
  /** The parameters it differentiates (W, b, ξ, β); a learnable one not listed keeps training on autodiff. */
  readonly params: readonly string[];
  /** Adds `∇²E_syn · v` to `ctx.hv` and `∂(∇E_syn · v)/∂θ` to `ctx.d`, for the direction `ctx.v`. */
  run(ctx: SynapseAdjointContext): void;
  /**
   * Adds to the gradients what `run` deferred (a sum over steps taken as one product), if it defers
   * anything: called once after a backward pass's last step, also when the pass fails.
   */
  flush?(): void;
}

/** What a synapse's host routines get at every call, forward and adjoint alike. */
export interface SynapseCall {
  /** The kernels to use: the matrix product `C = α·op(A)·op(B) + β·C` (`sgemm`) and the row routines, JavaScript, wasm or native (see @hamux-ts/kernels). */
  readonly gemm: Gemm;
  /** The gemm's row routines (native where it has them, else JavaScript). */
  readonly k: RowRoutines;
  /** The batch size B (samples per call). */
  readonly B: number;
  /** x̂ of each connected layer, `[B, size]`. */
  readonly xhat: readonly Float32Array[];
  /** The synapse's parameters (W, b, ξ, β…) as host arrays, by name. */
  readonly p: ParamValues;
  /** Scratch: `scratch(B)` floats, and `lseRows(B)` float64 rows. */
  readonly work: Float32Array;
  /** Float64 scratch of `lseRows(B)` rows, where the row softmax writes each row's log-sum-exp `log Σ_μ exp(β h_μ)`. */
  readonly lse: Float64Array;
}

/** What a host synapse adjoint's `run` reads and writes: the direction `v`, its accumulators and the forward's saved values. */
export interface SynapseAdjointContext extends SynapseCall {
  /** The direction on each connected layer; undefined where it is zero (a clamped layer). */
  readonly v: readonly (Float32Array | undefined)[];
  /** Accumulators of `∇²E_syn · v` on each connected layer (`+=`); undefined where nobody needs it. */
  readonly hv: readonly (Float32Array | undefined)[];
  /** `d[θ] += ∂(∇E_syn(x̂) · v)/∂θ` for every θ present. */
  readonly d: ParamGrads;
  /** What `run` kept in `save` at this step. */
  readonly saved: Float32Array;
}

/** What a host synapse's `run` reads and writes for one evaluation: activations, parameters, accumulators, scratch. */
export interface SynapseContext extends SynapseCall {
  /**
   * ∂E/∂x̂ accumulators of each connected layer (the same array twice for a self-connection);
   * undefined for a layer whose signal nobody reads (a clamped layer in training), which skips its products.
   */
  readonly grad: readonly (Float32Array | undefined)[];
  /** Energy per sample, accumulated in float64. */
  readonly E: Float64Array;
  /** Where to keep what the adjoint needs (`adjoint.saved(B)` floats), when training. */
  readonly save?: Float32Array;
}
