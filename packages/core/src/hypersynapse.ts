import { HamuxError } from './errors.js';
import type { Tensor } from './tf.js';
import type { ParamSpecs, TensorMap } from './params.js';
import type { Shape } from './shape.js';
import type { BuiltinSynapseSpec } from './builtin.js';

/**
 * A hypersynapse: a differentiable scalar energy `E_syn(x̂_a, x̂_b, …; θ)` of the activations of the
 * layers it connects, with named learnable parameters θ. It sends every connected layer the signal
 * `−∂E_syn/∂x̂_k`; the compiler finds it by autodiff unless `dEdxhat` gives it in closed form.
 *
 * Implement this interface (or call `defineHypersynapse`) to add your own.
 */
export interface Hypersynapse {
  /** Short name used in configs and drawings: `dense`. */
  readonly kind: string;
  /** The options it was made with, as plain data (for configs and `inspect`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** How many layers it connects. */
  readonly arity: number;
  /**
   * A problem with connecting layers of these shapes (in connection order), or undefined. Called
   * when the graph is built, so a wrong connection never reaches tfjs.
   */
  check(shapes: readonly Shape[]): string | undefined;
  /** The parameters it needs between layers of these shapes, stored at `params.synapses.<name>`. */
  params(shapes: readonly Shape[]): ParamSpecs;
  /** Energy per sample: each `xhats[k]` is `[B, ...shape_k]`, the result `[B]`. */
  energy(xhats: readonly Tensor[], params: TensorMap): Tensor;
  /**
   * Closed-form `∂E/∂x̂_k` of the batch-summed energy, one per connection; optional. Must agree
   * with autodiff of `energy` (tested for every built-in).
   */
  dEdxhat?(xhats: readonly Tensor[], params: TensorMap): Tensor[];
  /**
   * Which built-in this is, set by the built-in factories only: fast paths with their own form of
   * that built-in use it instead of `energy`. Carrying one promises that `energy` is exactly that
   * built-in's, so a component derived from a built-in with another energy must drop it.
   */
  readonly builtin?: BuiltinSynapseSpec;
}

/**
 * Builds a user-defined hypersynapse from its energy function: as first-class as a built-in. It
 * carries no `builtin` spec, so it runs through its own functions even under a built-in's kind.
 */
export function defineHypersynapse(def: {
  kind: string;
  arity: number;
  energy: (xhats: readonly Tensor[], params: TensorMap) => Tensor;
  params?: (shapes: readonly Shape[]) => ParamSpecs;
  check?: (shapes: readonly Shape[]) => string | undefined;
  dEdxhat?: (xhats: readonly Tensor[], params: TensorMap) => Tensor[];
  options?: Readonly<Record<string, unknown>>;
}): Hypersynapse {
  if (!(Number.isInteger(def.arity) && def.arity >= 1)) {
    throw new HamuxError(['defineHypersynapse', 'arity'], `must be an integer >= 1, got ${def.arity} (hypersynapse ${JSON.stringify(def.kind)})`, 'invalid_argument');
  }
  return {
    kind: def.kind,
    arity: def.arity,
    options: def.options ?? {},
    params: def.params ?? (() => ({})),
    check: def.check ?? (() => undefined),
    energy: def.energy,
    ...(def.dEdxhat ? { dEdxhat: def.dEdxhat } : {}),
  };
}
