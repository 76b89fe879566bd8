/**
 * hamux-torch's Lagrangians (its `hamux_torch/lagrangians.py` and `IdentityLagrangian`), each as the
 * hamux-ts built-in it equals and the keyword arguments it takes. hamux-torch fixes a Lagrangian's
 * constants with `functools.partial(lagr_softmax, beta=2.0)`, which no state dict holds; the mapping
 * restates them under the same keyword names, and this table renames the one that differs
 * (`dim` → `axis`). Every default is the same in both (β 1, dim/axis −1, γ 1, δ 0, ε 1e-5).
 *
 * Both libraries differentiate the same `L(x)` (docs/math.md §1); the equalities are checked against
 * hamux-torch itself by test/import.test.ts.
 */

/** One of hamux-torch's Lagrangians: the hamux-ts kind it is and its keyword arguments there, by hamux-ts option name. */
export interface TorchLagrangian {
  /** The hamux-ts built-in Lagrangian kind. */
  readonly kind: string;
  /** hamux-torch keyword → hamux-ts option (`dim` → `axis`), for every keyword the function takes. */
  readonly options: Readonly<Record<string, string>>;
  /**
   * A layer norm or spherical norm: hamux-torch adds `Σ δ⊙x` once per row (`(D γ y + (δ x).sum()).sum()`),
   * hamux-ts once in all, so the two agree only on one-row layers or with δ = 0.
   */
  readonly deltaPerRow?: true;
}

const beta = { beta: 'beta' };
const norm = { gamma: 'gamma', delta: 'delta', dim: 'axis', eps: 'eps' };

/** hamux-torch's Lagrangians by the name a model's Python code uses. */
export const TORCH_LAGRANGIANS: Readonly<Record<string, TorchLagrangian>> = {
  IdentityLagrangian: { kind: 'identity', options: {} },
  lagr_identity: { kind: 'identity', options: {} },
  lagr_repu: { kind: 'repu', options: { n: 'n' } },
  lagr_relu: { kind: 'relu', options: {} },
  lagr_exp: { kind: 'exp', options: beta },
  lagr_rexp: { kind: 'rexp', options: beta },
  lagr_tanh: { kind: 'tanh', options: beta },
  lagr_sigmoid: { kind: 'sigmoid', options: beta },
  lagr_softmax: { kind: 'softmax', options: { beta: 'beta', dim: 'axis' } },
  lagr_layernorm: { kind: 'layernorm', options: norm, deltaPerRow: true },
  lagr_spherical_norm: { kind: 'spherical', options: norm, deltaPerRow: true },
};

/** The names the mapping accepts as a neuron's `lagrangian`. */
export const torchLagrangianNames: readonly string[] = Object.keys(TORCH_LAGRANGIANS);
