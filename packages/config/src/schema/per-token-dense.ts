import { tf, normal, sizeOf, type Hypersynapse, type Init, type Tensor } from '@hamux-ts/core';

/**
 * Dense synapse acting per token: `E = −Σ_n x̂₁[n]ᵀ W x̂₂[n]` between layers `[…, D₁]` and `[…, D₂]`
 * with the same leading (token) axes, one `W` of shape `[D₁, D₂]` shared by every token: a linear
 * patch embedding as an energy. Its signals are `−x̂₂ Wᵀ` and `−x̂₁ W`, token by token.
 *
 * A stand-in: core's `synapses.dense` flattens both layers (W `[N·D₁, N·D₂]`) and has no per-token
 * form yet. It is built by the config's `{ "kind": "dense", "perToken": true }` and carries kind
 * `dense` with options `{ perToken: true }`, so configs keep their meaning once core's dense takes
 * `perToken` like the memory synapses do (then this file goes).
 */
export function perTokenDense(options: { init?: { W?: Init } } = {}): Hypersynapse {
  /** `[B, …, D]` → `[B·tokens, D]`. */
  const rows = (x: Tensor) => tf.reshape(x, [-1, x.shape[x.rank - 1]!]);
  return {
    kind: 'dense',
    arity: 2,
    options: { perToken: true },
    check: ([s1, s2]) => {
      const lead1 = s1!.slice(0, -1), lead2 = s2!.slice(0, -1);
      if (lead1.length !== lead2.length || lead1.some((d, i) => d !== lead2[i])) {
        return `perToken needs the same token axes in both layers, [..., D₁] and [..., D₂]`;
      }
      return undefined;
    },
    params: ([s1, s2]) => {
      const d1 = s1![s1!.length - 1]!, d2 = s2![s2!.length - 1]!;
      return { W: { shape: [d1, d2], init: options.init?.W ?? normal(Math.sqrt(2 / (d1 + d2))), learnable: true } };
    },
    energy: ([a, b], p) => {
      const tokens = sizeOf(a!.shape.slice(1, -1));
      const overlap = tf.sum(tf.mul(tf.matMul(rows(a!), p['W']!), rows(b!)), 1); // [B·N]
      return tf.neg(tf.sum(tf.reshape(overlap, [a!.shape[0]!, tokens]), 1));
    },
    dEdxhat: ([a, b], p) => [
      tf.reshape(tf.neg(tf.matMul(rows(b!), p['W']!, false, true)), a!.shape),
      tf.reshape(tf.neg(tf.matMul(rows(a!), p['W']!)), b!.shape),
    ],
  };
}
