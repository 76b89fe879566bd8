/**
 * Training in the page: a small classifier HAM (the `classifier` preset) learns the shipped digits
 * through its dynamics (input clamped, T unrolled Euler steps, cross-entropy on the label layer's
 * activation, Adam: `@hamux-ts/train`'s `Trainer`). One optimizer step per `next()`, so the caller's
 * loop can draw the loss curve and yield to the browser between steps.
 */
import { buildFromConfig, presets } from '@hamux-ts/config';
import { HamuxError, permutation, tf, type HAM } from '@hamux-ts/core';
import type { Runtime } from '@hamux-ts/dynamics';
import { Trainer, clampedInput, crossEntropy } from '@hamux-ts/train';
import { gather, type Digits } from './digits.js';

export interface TrainSettings {
  readonly hidden: number;
  /** Unrolled descent steps T. */
  readonly steps: number;
  readonly dt: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

export const DEFAULT_TRAIN: TrainSettings = { hidden: 32, steps: 4, dt: 0.2, batchSize: 32, learningRate: 5e-3, seed: 1 };

export class TrainingSession {
  readonly settings: TrainSettings;
  readonly ham: HAM<'input' | 'hidden' | 'label', 'encode' | 'classify'>;
  readonly trainer: Trainer<'input' | 'hidden' | 'label', 'encode' | 'classify'>;
  readonly losses: number[] = [];
  readonly #digits: Digits;
  readonly #train: readonly number[];
  readonly #held: { x: tf.Tensor; y: tf.Tensor };
  #order: number[] = [];
  #cursor = 0;
  #epoch = 0;
  #disposed = false;

  /**
   * `train` and `held` are indices into `digits`; `runtime` is `useBackend`'s, which the trainer
   * runs on (with its fast kernels under Node; in a browser it has none, and the gradients come
   * from tfjs autodiff on its backend).
   */
  constructor(digits: Digits, train: readonly number[], held: readonly number[], settings: TrainSettings = DEFAULT_TRAIN, runtime?: Runtime) {
    if (train.length < settings.batchSize) throw new HamuxError(['TrainingSession', 'train'], `${train.length} training digits, fewer than a batch of ${settings.batchSize}`, 'invalid_argument');
    this.settings = settings;
    this.#digits = digits;
    this.#train = train;
    this.ham = buildFromConfig(presets.classifier({ input: 784, hidden: settings.hidden, labels: 10, seed: settings.seed }));
    this.trainer = new Trainer(this.ham, {
      seed: settings.seed,
      steps: settings.steps,
      dt: settings.dt,
      batchSize: settings.batchSize,
      prepare: clampedInput({ layer: 'input', field: 'x' }),
      loss: crossEntropy({ layer: 'label', field: 'y' }),
      accuracy: { layer: 'label', field: 'y' },
      optimizer: { name: 'adam', learningRate: settings.learningRate },
      ...(runtime ? { runtime } : {}),
    });
    this.#held = this.#batch(held);
  }

  /** Optimizer steps taken. */
  get step(): number {
    return this.trainer.step;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** One optimizer step on the next mini-batch (reshuffled every epoch, seeded); returns its loss. */
  async next(): Promise<number> {
    this.#alive();
    const b = this.settings.batchSize;
    if (this.#cursor + b > this.#order.length) {
      const order = permutation(this.#train.length, this.settings.seed * 1000 + this.#epoch);
      this.#order = Array.from(order, (i) => this.#train[i]!);
      this.#cursor = 0;
      this.#epoch++;
    }
    const batch = this.#batch(this.#order.slice(this.#cursor, this.#cursor + b));
    this.#cursor += b;
    try {
      const loss = await this.trainer.trainBatch(batch);
      this.losses.push(loss);
      return loss;
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
  }

  /** Loss and accuracy on the held-out digits. */
  async evaluate(): Promise<{ loss: number; accuracy: number }> {
    this.#alive();
    const r = await this.trainer.evaluate(this.#held);
    return { loss: r.loss, accuracy: r.accuracy ?? Number.NaN };
  }

  /** The trained model as a graph of its own (the caller's to dispose). */
  trained(): HAM<'input' | 'hidden' | 'label', 'encode' | 'classify'> {
    this.#alive();
    return this.ham.withParams(this.trainer.params);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.trainer.dispose();
    this.ham.dispose();
    tf.dispose([this.#held.x, this.#held.y]);
  }

  #batch(indices: readonly number[]): { x: tf.Tensor; y: tf.Tensor } {
    return {
      x: tf.tensor2d(gather(this.#digits, indices), [indices.length, this.#digits.size]),
      y: tf.tensor1d(Int32Array.from(indices, (i) => this.#digits.labels[i]!), 'int32'),
    };
  }

  #alive(): void {
    if (this.#disposed) throw new HamuxError(['TrainingSession'], 'disposed', 'disposed');
  }
}
