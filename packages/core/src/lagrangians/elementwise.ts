import { tf, type Tensor } from '../tf.js';
import type { Lagrangian } from '../lagrangian.js';
import { checkPositiveOption, paramFromOption, type ParamOption, type TensorMap } from '../params.js';
import { sumPerSample } from '../ops.js';

/** Lagrangians that act on each neuron separately: `L(x) = Σ f(x)`, activation `f′(x)`. */

const LOG2 = Math.log(2);

/** A scalar inverse temperature β, fixed unless given as `learnable(β)`. */
function betaLagrangian(
  kind: 'exp' | 'rexp' | 'tanh' | 'sigmoid',
  options: { beta?: ParamOption },
  lagrangian: (x: Tensor, beta: Tensor) => Tensor,
  activation: (x: Tensor, beta: Tensor) => Tensor,
): Lagrangian {
  checkPositiveOption(kind, 'beta', options.beta);
  const beta = (p: TensorMap): Tensor => p['beta']!;
  return {
    kind,
    options: { beta: options.beta ?? 1 },
    builtin: { kind },
    params: () => ({ beta: paramFromOption(options.beta, 1, []) }),
    lagrangian: (x, p) => sumPerSample(lagrangian(x, beta(p))),
    activation: (x, p) => activation(x, beta(p)),
  };
}

/** `L = ½ Σ x²`, activation `x`. */
export function identity(): Lagrangian {
  return {
    kind: 'identity',
    options: {},
    builtin: { kind: 'identity' },
    params: () => ({}),
    lagrangian: (x) => tf.mul(0.5, sumPerSample(tf.square(x))),
    activation: (x) => x,
  };
}

/** Rectified power: `L = (1/n) Σ max(x, 0)ⁿ`, activation `max(x, 0)ⁿ⁻¹`, for `n > 1`. */
export function repu(options: { n: number }): Lagrangian {
  const { n } = options;
  if (!(typeof n === 'number' && Number.isFinite(n) && n > 1)) {
    throw new RangeError(`repu: n must be a finite number > 1, got ${n}`);
  }
  return {
    kind: 'repu',
    options: { n },
    builtin: { kind: 'repu', n },
    params: () => ({}),
    lagrangian: (x) => tf.div(sumPerSample(rectifiedPower(x, n)), n),
    activation: (x) => (n === 2 ? tf.relu(x) : rectifiedPower(x, n - 1)),
  };
}

/**
 * `max(x, 0)^p`, with finite derivatives of every order where x ≤ 0 (they are 0 there). The plain
 * `pow(relu(x), p)` has the derivative `p · 0^(p−1) · 0`, which is `∞ · 0 = NaN` for p < 1 (the
 * activation of repu with n < 2) and for p < 2 one derivative later, poisoning any gradient taken
 * through it. Here the power only ever sees positive bases (x where x > 0, else 1).
 */
function rectifiedPower(x: Tensor, p: number): Tensor {
  // A 0/1 mask from `step`, whose gradient is registered (zero) to any order; `where` and
  // comparisons would break a second differentiation (no gradient for LogicalNot).
  const mask = tf.step(x);
  const base = tf.add(tf.mul(x, mask), tf.sub(1, mask));
  return tf.mul(tf.pow(base, p), mask);
}

/** `L = ½ Σ max(x, 0)²`, activation `max(x, 0)` (repu with n = 2). */
export function relu(): Lagrangian {
  return { ...repu({ n: 2 }), kind: 'relu', options: {}, builtin: { kind: 'relu' } };
}

/** `L = (1/β) Σ e^{βx}`, activation `e^{βx}`. */
export function exp(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'exp',
    options,
    (x, b) => tf.div(tf.exp(tf.mul(b, x)), b),
    (x, b) => tf.exp(tf.mul(b, x)),
  );
}

/** Rectified exponential: `L = Σ (e^{β max(x,0)}/β − max(x,0))`, activation `e^{β max(x,0)} − 1`. */
export function rexp(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'rexp',
    options,
    (x, b) => {
      const r = tf.relu(x);
      return tf.sub(tf.div(tf.exp(tf.mul(b, r)), b), r);
    },
    (x, b) => tf.sub(tf.exp(tf.mul(b, tf.relu(x))), 1),
  );
}

/** `log cosh z = |z| + log1p(e^{−2|z|}) − log 2`, finite for any finite z. */
export function logCosh(z: Tensor): Tensor {
  const a = tf.abs(z);
  return tf.sub(tf.add(a, tf.log1p(tf.exp(tf.mul(-2, a)))), LOG2);
}

/** `softplus z = max(z, 0) + log1p(e^{−|z|})`, finite for any finite z. */
export function softplus(z: Tensor): Tensor {
  return tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/** `L = (1/β) Σ log cosh(βx)`, activation `tanh(βx)`. */
export function tanh(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'tanh',
    options,
    (x, b) => tf.div(logCosh(tf.mul(b, x)), b),
    (x, b) => tf.tanh(tf.mul(b, x)),
  );
}

/** `L = (1/β) Σ log(1 + e^{βx})`, activation `σ(βx)`. */
export function sigmoid(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'sigmoid',
    options,
    (x, b) => tf.div(softplus(tf.mul(b, x)), b),
    (x, b) => tf.sigmoid(tf.mul(b, x)),
  );
}
