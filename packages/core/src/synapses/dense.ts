import { tf, type Tensor } from '../tf.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { normal, zeros, type Init } from '../params.js';
import { flatten, sumPerSample } from '../ops.js';
import { sizeOf } from '../shape.js';
import { learnableParam } from './common.js';

/**
 * Dense synapses between two layers of any shape, each flattened to a vector: the energy analogue
 * of a linear layer. Connecting a layer to itself (`[v, v]`) gives the classical Hopfield energy
 * `−x̂ᵀWx̂` (use a symmetric W, e.g. `½ Σ ξξᵀ`).
 */

/** `x̂₁ᵀ W x̂₂` per sample, `x̂₁W` and `x̂₂Wᵀ` in the layers' shapes: the pieces every dense energy shares. */
function bilinear(a: Tensor, b: Tensor, W: Tensor) {
  const aW = tf.matMul(flatten(a), W); // [B, D2]
  return { aW, value: tf.sum(tf.mul(aW, flatten(b)), 1) };
}

function denseGrads(a: Tensor, b: Tensor, W: Tensor): [Tensor, Tensor] {
  const bWt = tf.matMul(flatten(b), W, false, true); // [B, D1]
  const aW = tf.matMul(flatten(a), W); // [B, D2]
  return [tf.reshape(tf.neg(bWt), a.shape), tf.reshape(tf.neg(aW), b.shape)];
}

/** Glorot-style default: `std = sqrt(2 / (D₁ + D₂))`. */
function defaultW(d1: number, d2: number): Init {
  return normal(Math.sqrt(2 / (d1 + d2)));
}

/** `E = −x̂₁ᵀ W x̂₂`, W of shape `[size(layer₁), size(layer₂)]`. */
export function dense(options: { init?: { W?: Init } } = {}): Hypersynapse {
  return {
    kind: 'dense',
    arity: 2,
    options: {},
    check: () => undefined,
    params: ([s1, s2]) => {
      const d1 = sizeOf(s1!), d2 = sizeOf(s2!);
      return { W: learnableParam([d1, d2], options.init?.W, defaultW(d1, d2)) };
    },
    energy: ([a, b], p) => tf.neg(bilinear(a!, b!, p['W']!).value),
    dEdxhat: ([a, b], p) => denseGrads(a!, b!, p['W']!),
  };
}

/** `E = −x̂₁ᵀ W x̂₂ − b·x̂₂`, b of layer₂'s shape. */
export function denseBias(options: { init?: { W?: Init; b?: Init } } = {}): Hypersynapse {
  return {
    kind: 'denseBias',
    arity: 2,
    options: {},
    check: () => undefined,
    params: ([s1, s2]) => {
      const d1 = sizeOf(s1!), d2 = sizeOf(s2!);
      return {
        W: learnableParam([d1, d2], options.init?.W, defaultW(d1, d2)),
        b: learnableParam(s2!, options.init?.b, zeros),
      };
    },
    energy: ([a, b], p) => {
      const bias = sumPerSample(tf.mul(b!, p['b']!));
      return tf.neg(tf.add(bilinear(a!, b!, p['W']!).value, bias));
    },
    dEdxhat: ([a, b], p) => {
      const [ga, gb] = denseGrads(a!, b!, p['W']!);
      return [ga, tf.sub(gb, p['b']!)];
    },
  };
}

/** `E = −b·x̂`: a constant input to one layer, b of the layer's shape. */
export function bias(options: { init?: { b?: Init } } = {}): Hypersynapse {
  return {
    kind: 'bias',
    arity: 1,
    options: {},
    check: () => undefined,
    params: ([s]) => ({ b: learnableParam(s!, options.init?.b, zeros) }),
    energy: ([x], p) => tf.neg(sumPerSample(tf.mul(x!, p['b']!))),
    dEdxhat: ([x], p) => [tf.neg(tf.broadcastTo(p['b']!, x!.shape))],
  };
}
