import type { Tensor } from './tf.js';
import type { ParamSpecs, TensorMap } from './params.js';
import type { Shape } from './shape.js';
import type { BuiltinLagrangianSpec } from './builtin.js';

/**
 * A Lagrangian: a convex scalar function of a whole neuron layer. Its gradient is the layer's
 * activation `x̂ = ∇L(x)`, and its Legendre transform the layer's energy `Σ x̂⊙x − L(x)`.
 *
 * Implement this interface to add your own; `activation` is optional (autodiff fills it in), so a
 * user-defined Lagrangian is just `{ kind, params, lagrangian }`.
 */
export interface Lagrangian {
  /** Short name used in configs and drawings: `softmax`. */
  readonly kind: string;
  /** The options it was made with, as plain data (for configs and `inspect`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Parameters it needs on a layer of this shape (β, γ, δ…), stored at `params.layers.<name>`. */
  params(shape: Shape): ParamSpecs;
  /** A problem with using it on a layer of this shape (an axis out of range), or undefined. */
  check?(shape: Shape): string | undefined;
  /** `L(x)` per sample: `x` is `[B, ...shape]`, the result `[B]`. */
  lagrangian(x: Tensor, params: TensorMap): Tensor;
  /** `∇L(x)` in closed form, `[B, ...shape]`; when absent, autodiff of `lagrangian` is used. */
  activation?(x: Tensor, params: TensorMap): Tensor;
  /**
   * Which built-in this is, set by the built-in factories only: fast paths with their own form of
   * that built-in use it instead of `lagrangian`. Carrying one promises that `lagrangian` is exactly
   * that built-in's, so a component derived from a built-in with another energy must drop it.
   */
  readonly builtin?: BuiltinLagrangianSpec;
}

/**
 * Builds a user-defined Lagrangian from a scalar function of the state (autodiff gives `∇L`). It
 * carries no `builtin` spec, so it runs through its own functions even under a built-in's kind.
 */
export function defineLagrangian(def: {
  kind: string;
  lagrangian: (x: Tensor, params: TensorMap) => Tensor;
  activation?: (x: Tensor, params: TensorMap) => Tensor;
  params?: (shape: Shape) => ParamSpecs;
  check?: (shape: Shape) => string | undefined;
  options?: Readonly<Record<string, unknown>>;
}): Lagrangian {
  return {
    kind: def.kind,
    options: def.options ?? {},
    params: def.params ?? (() => ({})),
    lagrangian: def.lagrangian,
    ...(def.activation ? { activation: def.activation } : {}),
    ...(def.check ? { check: def.check } : {}),
  };
}
