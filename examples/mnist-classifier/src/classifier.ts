import type { BackendRuntime } from '@hamux-ts/backends';
import { buildFromConfig, presets } from '@hamux-ts/config';
import { tf, type HAM, type Params, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { permutation, type LabelledImages } from '@hamux-ts/data';
import { Trainer, clampedInput, crossEntropy, mse, scheduledRate, setLearningRate, type EpochReport, type FitOptions } from '@hamux-ts/train';

export interface Sizes {
  readonly hidden: number;
  /** Unrolled descent steps per example. */
  readonly steps: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /**
   * Train at the fixed point instead (the loss where the dynamics come to rest; `steps` unused):
   * implicit differentiation with the cross-entropy, or equilibrium propagation with an mse on
   * one-hot labels (whose −β phase always has an equilibrium; see FixedPointOptions).
   */
  readonly fixedPoint?: 'implicit' | 'equilibrium';
}

/** A data set as the batch fields the trainer reads: `x` [N, 784] in [0, 1], `y` [N] class indices, `t` [N, 10] one-hot. */
export function asBatch(set: LabelledImages): { x: Tensor; y: Tensor; t: Tensor } {
  const y = tf.tensor1d(Int32Array.from(set.labels), 'int32');
  return { x: tf.tensor2d(set.images, [set.count, set.size]), y, t: tf.tidy(() => tf.cast(tf.oneHot(y, 10), 'float32')) };
}

/**
 * The classifier HAM (preset `classifier`: `input` clamped —`encode`— `hidden` relu —`classify`—
 * `label` softmax), trained by backpropagating a cross-entropy on the label activation through
 * `steps` unrolled descent steps, on `runtime` (`useBackend`'s: gradients on the host, the fast path).
 */
export async function trainHam(train: LabelledImages, test: LabelledImages, s: Sizes, runtime: BackendRuntime, fit: Partial<FitOptions> = {}) {
  const ham = buildFromConfig(presets.classifier({ input: train.size, hidden: s.hidden, labels: 10, seed: s.seed }));
  const trainer = new Trainer(ham, {
    seed: s.seed,
    // The nudged phases take half the step: with dt/τ = 1 on the label layer, a nudged fixed step can overshoot.
    ...(s.fixedPoint ? { fixedPoint: { method: s.fixedPoint, beta: 0.1, tolerance: 1e-4, ...(s.fixedPoint === 'equilibrium' ? { dt: 0.05 } : {}) } } : { steps: s.steps }),
    dt: 0.1, // dt/τ = 0.2 for the hidden layer (τ 0.5), 1 for the label layer (τ 0.1)
    prepare: clampedInput({ layer: 'input', field: 'x' }),
    loss: s.fixedPoint === 'equilibrium' ? mse({ layer: 'label', field: 't' }) : crossEntropy({ layer: 'label', field: 'y' }),
    accuracy: { layer: 'label', field: 'y' },
    optimizer: { name: 'adam', learningRate: s.learningRate, schedule: 'cosine' },
    batchSize: s.batchSize,
    runtime,
  });
  const data = asBatch(train), held = asBatch(test);
  const reports = await trainer.fit(data, { epochs: s.epochs, validation: held, ...fit });
  tf.dispose([...Object.values(data), ...Object.values(held)]);
  return { trainer, reports, numParams: ham.numParams };
}

/**
 * Accuracy on `set` when the trained classifier relaxes until it converges (fixed steps of 0.1 until
 * every `|∂E/∂x̂| < 1e-4`, at most 5,000), whatever it was trained for: the answer a user running the
 * model to its attractor gets. Batches of 500 on `runtime` (the fast path).
 */
export function accuracyAtConvergence(ham: HAM<string, string>, params: Params, set: LabelledImages, runtime: BackendRuntime): { accuracy: number; meanSteps: number; converged: number } {
  let correct = 0, steps = 0, converged = 0;
  for (let start = 0; start < set.count; start += 500) {
    const n = Math.min(500, set.count - start);
    const init = {
      input: tf.tensor2d(set.images.subarray(start * set.size, (start + n) * set.size), [n, set.size]),
      hidden: tf.zeros([n, ...ham.layers['hidden']!.shape]),
      label: tf.zeros([n, 10]),
    };
    const r = descendSync(ham, init, { mode: 'fixed', dt: 0.1, maxSteps: 5000, tolerance: { grad: 1e-4, energy: 0, state: 0 }, clamp: { input: true }, params, runtime });
    const predicted = tf.tidy(() => tf.argMax(ham.activations(r.states, { params }).label!, 1).dataSync());
    for (let i = 0; i < n; i++) if (predicted[i] === set.labels[start + i]) correct++;
    for (const s of r.report) { steps += s.steps; if (s.converged) converged++; }
    tf.dispose([...Object.values(init), ...Object.values(r.states)]);
  }
  return { accuracy: correct / set.count, meanSteps: steps / set.count, converged };
}

/**
 * The yardstick: a feed-forward network of the same size (784 → hidden relu → 10 softmax), trained
 * the same way (Adam, same batches per epoch, same cosine-annealed learning rate and epochs).
 */
export async function trainFeedForward(train: LabelledImages, test: LabelledImages, s: Sizes, onEpochEnd?: (r: EpochReport) => void) {
  // He initialisation for the relu layer; the variables own copies, so the initial values are tidied away.
  const variable = (make: () => Tensor) => tf.tidy(() => tf.variable(make()));
  const w1 = variable(() => tf.randomNormal([train.size, s.hidden], 0, Math.sqrt(2 / train.size), 'float32', s.seed));
  const w2 = variable(() => tf.randomNormal([s.hidden, 10], 0, Math.sqrt(2 / s.hidden), 'float32', s.seed + 1));
  const b1 = variable(() => tf.zeros([s.hidden])), b2 = variable(() => tf.zeros([10]));
  const vars = [w1, b1, w2, b2];
  const logits = (x: Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
  const optimizer = tf.train.adam(s.learningRate);
  const data = asBatch(train), held = asBatch(test);
  const reports: EpochReport[] = [];
  for (let epoch = 1; epoch <= s.epochs; epoch++) {
    const started = performance.now();
    setLearningRate(optimizer, scheduledRate('cosine', s.learningRate, epoch, s.epochs)); // as the trainer's 'cosine' schedule
    const order = permutation(train.count, s.seed + epoch);
    let total = 0;
    for (let i = 0; i < train.count; i += s.batchSize) {
      const idx = tf.tensor1d(Int32Array.from(order.subarray(i, i + s.batchSize)), 'int32');
      const loss = optimizer.minimize(() => tf.tidy(() => {
        const x = tf.gather(data.x, idx), y = tf.oneHot(tf.gather(data.y, idx), 10);
        return tf.losses.softmaxCrossEntropy(y, logits(x));
      }), true, vars)!;
      total += (await loss.data())[0]! * idx.shape[0]!;
      tf.dispose([idx, loss]);
    }
    const [heldLoss, accuracy] = tf.tidy(() => {
      const z = logits(held.x);
      return [
        tf.losses.softmaxCrossEntropy(tf.oneHot(held.y, 10), z).dataSync()[0]!,
        tf.mean(tf.cast(tf.equal(tf.argMax(z, 1), held.y), 'float32')).dataSync()[0]!,
      ];
    });
    const seconds = (performance.now() - started) / 1000;
    const r: EpochReport = { epoch, loss: total / train.count, seconds, examplesPerSecond: train.count / seconds, validation: { loss: heldLoss, accuracy, examples: test.count } };
    reports.push(r);
    onEpochEnd?.(r);
  }
  tf.dispose([...vars, ...Object.values(data), ...Object.values(held)]);
  optimizer.dispose();
  return { reports, numParams: train.size * s.hidden + s.hidden + s.hidden * 10 + 10 };
}
