import { defineHypersynapse, defineLagrangian, hypergraph, lagrangians as L, normal, sumPerSample, tf, type Params } from '@hamux-ts/core';
import { descend, type Runtime } from '@hamux-ts/dynamics';
import { Trainer, mse, type EpochReport } from '@hamux-ts/train';

// ── Your own parts: the twenty lines ────────────────────────────────────────────────────────────
/** Softplus neurons: `L(x) = (1/β) Σ log(1 + e^{βx})`; autodiff gives the activation, sigmoid(βx). */
export const softplus = (beta = 1) =>
  defineLagrangian({
    kind: 'softplus',
    options: { beta },
    lagrangian: (x) => tf.div(sumPerSample(tf.softplus(tf.mul(beta, x))), beta),
  });

/** A three-body hyperedge of rank r: `E = −Σ_k (x̂_a U)_k (x̂_b V)_k (x̂_c W)_k`; autodiff gives ∂E/∂x̂. */
export const trilinear = (rank: number) =>
  defineHypersynapse({
    kind: 'trilinear',
    arity: 3,
    options: { rank },
    params: (shapes) => Object.fromEntries(['U', 'V', 'W'].map((p, i) => [p, { shape: [shapes[i]![0]!, rank], init: normal(1 / Math.sqrt(shapes[i]![0]!)), learnable: true }])),
    energy: ([a, b, c], p) => tf.neg(tf.sum(tf.mul(tf.mul(tf.matMul(a!, p['U']!), tf.matMul(b!, p['V']!)), tf.matMul(c!, p['W']!)), 1)),
  });
// ────────────────────────────────────────────────────────────────────────────────────────────────

/** Two clamped inputs and an answer layer, all joined by one three-body hyperedge. */
export function sumModFour(seed: number) {
  return hypergraph()
    .layer('a', { shape: [4], lagrangian: L.identity() })
    .layer('b', { shape: [4], lagrangian: L.identity() })
    .layer('answer', { shape: [4], lagrangian: softplus(2), tau: 0.5 })
    .synapse('meet', trilinear(32), ['a', 'b', 'answer'])
    .build({ seed });
}

/** The task: one-hot a and b; the answer is one-hot (a + b) mod 4, so every pair is a three-body rule. */
export function sumModFourData(): { a: Float32Array; b: Float32Array; answer: Float32Array } {
  const a = new Float32Array(16 * 4), b = new Float32Array(16 * 4), answer = new Float32Array(16 * 4);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
    const row = i * 4 + j;
    a[row * 4 + i] = 1;
    b[row * 4 + j] = 1;
    answer[row * 4 + ((i + j) % 4)] = 1;
  }
  return { a, b, answer };
}

/**
 * Trains the hyperedge through 12 unrolled descent steps: a and b clamped, the answer free, on
 * `runtime` (`useBackend`'s; a graph with parts of your own gets its gradients by tfjs autodiff).
 */
export async function trainSumModFour(ham: ReturnType<typeof sumModFour>, epochs: number, runtime: Runtime, onEpochEnd?: (r: EpochReport) => void) {
  const d = sumModFourData();
  const batch = { a: tf.tensor2d(d.a, [16, 4]), b: tf.tensor2d(d.b, [16, 4]), answer: tf.tensor2d(d.answer, [16, 4]) };
  const trainer = new Trainer(ham, {
    seed: 1,
    steps: 12,
    dt: 0.25,
    prepare: (b) => ({ states: { a: tf.clone(b['a']!), b: tf.clone(b['b']!), answer: tf.zerosLike(b['answer']!) }, clamp: { a: true, b: true } }),
    loss: mse({ layer: 'answer', field: 'answer' }),
    accuracy: { layer: 'answer', field: 'answer' },
    optimizer: { name: 'adam', learningRate: 0.03 },
    batchSize: 16,
    runtime,
  });
  const reports = await trainer.fit(batch, { epochs, validation: batch, ...(onEpochEnd ? { onEpochEnd } : {}) });
  tf.dispose(Object.values(batch));
  return { trainer, reports };
}

/** Relaxes the answer layer with the scheduler (adaptive steps, to convergence) on `runtime` and reads the answers. */
export async function answers(ham: ReturnType<typeof sumModFour>, runtime: Runtime, params?: Params): Promise<{ correct: number; energies: readonly Float32Array[] }> {
  const d = sumModFourData();
  const init = { a: tf.tensor2d(d.a, [16, 4]), b: tf.tensor2d(d.b, [16, 4]), answer: tf.zeros([16, 4]) };
  const result = await descend(ham, init, { clamp: { a: true, b: true }, runtime, ...(params ? { params } : {}) });
  const picked = tf.tidy(() => tf.argMax(ham.activations(result.states, params ? { params } : {}).answer, 1).dataSync());
  tf.dispose([...Object.values(init), ...Object.values(result.states)]);
  let correct = 0;
  for (let row = 0; row < 16; row++) if (d.answer[row * 4 + picked[row]!] === 1) correct++;
  return { correct, energies: result.energies };
}
