import { tf, type Tensor } from '../tf.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { checkPositiveOption, normal, paramFromOption, type Init, type ParamOption, type ParamSpec, type TensorMap } from '../params.js';
import { formatShape, sizeOf, type Shape } from '../shape.js';
import { learnableParam, positiveInteger } from './common.js';
import type { MemorySpec } from '../builtin.js';

/**
 * Dense memories: one-layer synapses `E = −Σ_μ F(ξ_μ · x̂)` with K stored patterns `ξ` (`[K, D]`),
 * the energies that a hidden memory layer leaves behind when it is integrated out (math.md §4).
 *
 * By default the layer is flattened (D = its size). With `perToken: true` the last axis is the
 * feature axis and every other entry (a token, a pixel) meets the memories on its own, as in the
 * Energy Transformer: `x̂` of shape `[N, D]` gives N·K overlaps and the energy sums them.
 */
export interface MemoryOptions {
  /** Number of stored patterns K. */
  memories: number;
  perToken?: boolean;
  /** Initialiser of ξ; default normal with std `1/sqrt(D)`. */
  init?: { xi?: Init };
}

/** The feature size D of a layer seen by a memory. */
function featureSize(shape: Shape, perToken: boolean): number {
  return perToken ? shape[shape.length - 1]! : sizeOf(shape);
}

/** Overlaps `h = ξ x̂` as `[B, R, K]`, R = 1 (flattened) or the number of tokens. */
function overlaps(x: Tensor, xi: Tensor): Tensor {
  const d = xi.shape[1]!;
  const rows = tf.reshape(x, [-1, d]);
  const h = tf.matMul(rows, xi, false, true);
  return tf.reshape(h, [x.shape[0]!, -1, xi.shape[0]!]);
}

/** `∂E/∂x̂ = −F′(h) ξ`, back in x̂'s shape. */
function signal(x: Tensor, xi: Tensor, dF: Tensor): Tensor {
  const k = xi.shape[0]!;
  return tf.reshape(tf.neg(tf.matMul(tf.reshape(dF, [-1, k]), xi)), x.shape);
}

/** The memory count K (checked) and the layout every memory shares. */
function memoryLayout(kind: MemorySpec['kind'], options: MemoryOptions): { memories: number; perToken: boolean } {
  return { memories: positiveInteger(kind, 'memories', options.memories), perToken: options.perToken ?? false };
}

function memorySynapse(
  builtin: MemorySpec,
  options: MemoryOptions,
  extraOptions: Record<string, unknown>,
  extraParams: Record<string, ParamSpec>,
  /** Energy per sample from overlaps `[B, R, K]`. */
  energy: (h: Tensor, p: TensorMap) => Tensor,
  /** `F′(h)`, the weight of each memory in the signal. */
  dF: (h: Tensor, p: TensorMap) => Tensor,
): Hypersynapse {
  const { kind, memories: k, perToken } = builtin;
  return {
    kind,
    arity: 1,
    options: { memories: k, perToken, ...extraOptions },
    builtin,
    check: ([s]) => (perToken && s!.length < 1 ? `needs a layer with a feature axis, got ${formatShape(s!)}` : undefined),
    params: ([s]) => {
      const d = featureSize(s!, perToken);
      return { xi: learnableParam([k, d], options.init?.xi, normal(1 / Math.sqrt(d))), ...extraParams };
    },
    energy: ([x], p) => energy(overlaps(x!, p['xi']!), p),
    dEdxhat: ([x], p) => [signal(x!, p['xi']!, dF(overlaps(x!, p['xi']!), p))],
  };
}

/** Sums `[B, R, K]` to `[B]`. */
const total = (t: Tensor): Tensor => tf.sum(t, [1, 2]);

/**
 * Polynomial dense memory (Krotov & Hopfield 2016, "Model A"): `F(z) = zⁿ/n`, or `max(z, 0)ⁿ/n`
 * when rectified. Unrectified memories need an integer degree.
 */
export function polynomialMemory(options: MemoryOptions & { degree: number; rectified?: boolean }): Hypersynapse {
  const n = options.degree;
  const rectified = options.rectified ?? false;
  if (!(typeof n === 'number' && n >= 1 && (rectified || Number.isInteger(n)))) {
    throw new RangeError(
      `polynomialMemory: degree must be ${rectified ? 'a number >= 1' : 'an integer >= 1 (or use rectified: true)'}, got ${n}`,
    );
  }
  const base = (h: Tensor) => (rectified ? tf.relu(h) : h);
  return memorySynapse(
    { kind: 'polynomialMemory', ...memoryLayout('polynomialMemory', options), degree: n, rectified },
    options,
    { degree: n, rectified },
    {},
    (h) => tf.neg(tf.div(total(tf.pow(base(h), n)), n)),
    (h) => (n === 1 ? (rectified ? tf.cast(tf.greater(h, 0), 'float32') : tf.onesLike(h)) : tf.pow(base(h), n - 1)),
  );
}

/** Exponential dense memory (Demircigil et al. 2017): `E = −(1/β) Σ_μ exp(β ξ_μ·x̂)`; β = 1 by default. */
export function exponentialMemory(options: MemoryOptions & { beta?: ParamOption }): Hypersynapse {
  checkPositiveOption('exponentialMemory', 'beta', options.beta);
  return memorySynapse(
    { kind: 'exponentialMemory', ...memoryLayout('exponentialMemory', options) },
    options,
    { beta: options.beta ?? 1 },
    { beta: paramFromOption(options.beta, 1, []) },
    (h, p) => tf.neg(tf.div(total(tf.exp(tf.mul(p['beta']!, h))), p['beta']!)),
    (h, p) => tf.exp(tf.mul(p['beta']!, h)),
  );
}

/**
 * Modern Hopfield memory ("Model B"): `E = −(1/β) log Σ_μ exp(β ξ_μ·x̂)`; its signal is attention,
 * `−ξᵀ softmax(β ξ x̂)`.
 */
export function modernHopfield(options: MemoryOptions & { beta?: ParamOption }): Hypersynapse {
  checkPositiveOption('modernHopfield', 'beta', options.beta);
  return memorySynapse(
    { kind: 'modernHopfield', ...memoryLayout('modernHopfield', options) },
    options,
    { beta: options.beta ?? 1 },
    { beta: paramFromOption(options.beta, 1, []) },
    (h, p) => tf.neg(tf.div(tf.sum(tf.logSumExp(tf.mul(p['beta']!, h), 2), 1), p['beta']!)),
    (h, p) => tf.softmax(tf.mul(p['beta']!, h)),
  );
}

/** ReLU² memory (the Energy Transformer's Hopfield part): `E = −½ Σ_μ max(ξ_μ·x̂, 0)²`. */
export function reluSquaredMemory(options: MemoryOptions): Hypersynapse {
  return memorySynapse(
    { kind: 'reluSquaredMemory', ...memoryLayout('reluSquaredMemory', options) },
    options,
    {},
    {},
    (h) => tf.mul(-0.5, total(tf.square(tf.relu(h)))),
    (h) => tf.relu(h),
  );
}
