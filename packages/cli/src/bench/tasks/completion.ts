/**
 * MNIST completion: every variant is trained through its dynamics with one budget, then restores
 * corrupted held-out digits by energy descent (the scheduler, run to convergence or the step
 * budget). Quality is the mean squared error per pixel against the clean digit, over every pixel
 * for noise and over the hidden pixels for masks, at each corruption level.
 */
import { HamuxError, deriveKey, tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { descend, type Clamp, type DescendOptions } from '@hamux-ts/dynamics';
import { unroll } from '@hamux-ts/train';
import { gaussianNoise, invertMask, loadMnist, loadStandardMnist, randomMask, split, subset } from '@hamux-ts/data';
import { countWork, disposeStates, median, timeRelaxation } from '../measure.js';
import type { CompletionPicture, CompletionPoint, VariantResult } from '../result.js';
import type { CompletionTask, Corruption, Suite } from '../suite-schema.js';
import { trainablePaths, trainVariant } from '../train.js';
import { inputLayer, withClamp, withoutClamp } from '../variant.js';
import type { TaskOutput, TaskRunner, VariantInput } from './task.js';

const PIXELS = 28 * 28;

/** Centred training and held-out digits (`[count, 784]`, the training mean subtracted). */
export interface CompletionData {
  readonly train: Float32Array;
  readonly test: Float32Array;
  readonly trainCount: number;
  readonly testCount: number;
  /** The training mean image the digits are centred on (`[784]`). */
  readonly mean: Float32Array;
}

/**
 * The suite's digits, `trainImages` and `testImages` drawn from two disjoint pools: `"mnist"`, the
 * mnist package's digits with 2,000 held out (stratified); `"mnist-standard"`, MNIST's 60,000
 * training and 10,000 test digits.
 */
export function completionData(task: CompletionTask, seed: number): CompletionData {
  const standard = task.data === 'mnist-standard';
  const { train: pool, test: held } = standard
    ? { train: loadStandardMnist('train'), test: loadStandardMnist('test') }
    : split(loadMnist(), { test: 2000, seed: deriveKey(seed, 'split') });
  if (task.trainImages > pool.count) {
    throw new HamuxError(['task', 'trainImages'], `expected at most ${pool.count} (${standard ? 'the standard training digits' : 'the digits left after holding out 2,000'}), got ${task.trainImages}`, 'invalid_config');
  }
  if (task.testImages > held.count) throw new HamuxError(['task', 'testImages'], `expected at most ${held.count} ${standard ? 'test' : 'held-out'} digits, got ${task.testImages}`, 'invalid_config');
  const train = subset(pool, task.trainImages, deriveKey(seed, 'train'));
  const test = subset(held, task.testImages, deriveKey(seed, 'test'));
  const mean = new Float32Array(PIXELS);
  for (let i = 0; i < train.images.length; i++) mean[i % PIXELS]! += train.images[i]! / train.count;
  const centre = (images: Float32Array) => Float32Array.from(images, (v, i) => v - mean[i % PIXELS]!);
  return { train: centre(train.images), test: centre(test.images), trainCount: train.count, testCount: test.count, mean };
}

/** A corrupted copy of `clean` (`[count, 784]`): the data, and 1 where a pixel is hidden (masks only). */
export function corrupt(clean: Float32Array, c: Corruption, seed: number): { data: Float32Array; hidden?: Uint8Array } {
  if (c.kind === 'noise') return { data: gaussianNoise(clean, { std: c.std, seed }).data };
  // Hidden pixels start at 0: the training mean image, for centred digits.
  const { data, mask } = randomMask(clean, PIXELS, { fraction: c.fraction, seed, fill: 0 });
  return { data, hidden: mask };
}

/** Mean of `(a − b)²` over every entry, or over the entries where `where` is 1. */
export function squaredError(a: ArrayLike<number>, b: ArrayLike<number>, where?: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (where && !where[i]) continue;
    sum += (a[i]! - b[i]!) ** 2;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

export const corruptionLabel = (c: Corruption): string => (c.kind === 'noise' ? `noise σ ${c.std}` : `${Math.round(c.fraction * 100)}% hidden`);

/**
 * Initial states: the corrupted digits in `input` (and, clamped, in the `observed` layer if the
 * variant has one), every other layer at 0; the input clamped where a pixel is kept.
 */
function startingPoint(ham: HAM<string, string>, input: string, data: Float32Array, hidden: Uint8Array | undefined, observed?: string) {
  const count = data.length / PIXELS;
  const shape = [count, ...ham.layers[input]!.shape];
  const given = (n: string) => n === input || n === observed;
  const states = Object.fromEntries(ham.layerNames.map((n) => [n, given(n) ? tf.tensor(data, shape) : tf.zeros([count, ...ham.layers[n]!.shape])])) as States<string>;
  const clamp: Record<string, Clamp> = {
    ...(hidden ? { [input]: tf.tensor(Float32Array.from(invertMask(hidden)), shape) } : {}),
    ...(observed !== undefined ? { [observed]: true } : {}),
  };
  return { states, clamp, dispose: () => tf.dispose([...Object.values<Tensor>(states), ...Object.values(clamp).filter((c): c is Tensor => c !== true)]) };
}

/** Relaxes corrupted digits and scores the restored input layer against the clean ones. */
async function restore(
  ham: HAM<string, string>, input: string, params: Params, options: DescendOptions<string>, train: CompletionTask['train'], clean: Float32Array, c: Corruption, seed: number, observed?: string,
): Promise<{ point: CompletionPoint; input: Float32Array; restored: Float32Array }> {
  const { data, hidden } = corrupt(clean, c, seed);
  const start = startingPoint(ham, input, data, hidden, observed);
  try {
    const clamped = withClamp({ ...options, params }, start.clamp);
    const result = await descend(ham, start.states, clamped);
    const restored = tf.tidy(() => tf.reshape(ham.activations(result.states, { params })[input]!, [-1]));
    const values = await restored.data();
    restored.dispose();
    disposeStates(result.states);
    // The readout the variant was trained on: the same T Euler steps of size dt (no convergence test).
    const stepped = tf.tidy(() => {
      const { states } = unroll(ham, start.states, { steps: train.steps, dt: train.dt, params, ...(clamped.clamp ? { clamp: clamped.clamp } : {}) });
      return tf.reshape(ham.activations(states, { params })[input]!, [-1]);
    });
    const steppedValues = await stepped.data();
    stepped.dispose();
    const point: CompletionPoint = {
      corruption: c,
      error: squaredError(values, clean, hidden),
      inputError: squaredError(data, clean, hidden),
      trainedStepsError: squaredError(steppedValues, clean, hidden),
      steps: median(result.report.map((r) => r.steps)),
      converged: result.report.filter((r) => r.converged).length,
      samples: result.report.length,
    };
    return { point, input: data, restored: Float32Array.from(values) };
  } finally {
    start.dispose();
  }
}

/** How a fixed-point training relaxes and differentiates, for the protocol text. */
function fixedPointLabel(f: NonNullable<CompletionTask['train']['fixedPoint']>, dt: number): string {
  const how = f.method === 'implicit' ? 'implicit differentiation' : `equilibrium propagation (β ${f.beta ?? 0.05})`;
  return `${how} at the fixed point (relaxed in fixed Euler steps of dt ${f.dt ?? dt} until every |∂E/∂x̂| < ${f.tolerance ?? 1e-5}, at most ${f.maxSteps ?? 5000} steps)`;
}

/** Held-out digits shown in the report's pictures (the first ones). */
export const SHOWN_DIGITS = 10;

/** The quality levels pictured: the middle noise level and the middle mask fraction (indices into noise, then mask). */
function picturedLevels(task: CompletionTask): number[] {
  const middle = (n: number) => Math.floor((n - 1) / 2);
  return [...(task.noise.length > 0 ? [middle(task.noise.length)] : []), ...(task.mask.length > 0 ? [task.noise.length + middle(task.mask.length)] : [])];
}

/** The first digits of one quality level, back on the training mean (pixels in [0, 1]). */
function picture(label: string, input: Float32Array, restored: Float32Array, data: CompletionData): CompletionPicture {
  const n = Math.min(SHOWN_DIGITS, data.testCount) * PIXELS;
  const shown = (a: Float32Array) => Float32Array.from(a.subarray(0, n), (v, i) => v + data.mean[i % PIXELS]!);
  return { label, input: shown(input), restored: shown(restored), clean: shown(data.test) };
}

/** A variant's observed layer: another layer of the input's shape. */
function observedLayer(ham: HAM<string, string>, name: string, input: string, index: number): string {
  const path = `variants[${index}].observed`;
  inputLayer(ham, name, path, PIXELS);
  if (name === input) throw new HamuxError(path, `expected a layer other than the input "${input}"`, 'invalid_config');
  return name;
}

export function completionRunner(suite: Suite, task: CompletionTask): TaskRunner {
  const data = completionData(task, suite.seed);
  const p = suite.protocol;
  const t = task.train;
  const trainC = corruptionLabel(t.corruption);
  const standard = task.data === 'mnist-standard';
  const text =
    `Each variant is trained ${t.fixedPoint ? 'at the fixed point of its dynamics' : 'through its dynamics'} with the same budget: ${data.trainCount} MNIST ${standard ? 'training digits of the standard split' : 'digits'} (centred: the training mean image subtracted), ` +
    `input corrupted by ${trainC}, ${t.fixedPoint ? fixedPointLabel(t.fixedPoint, t.dt) : `${t.steps} unrolled Euler steps of dt ${t.dt}`}, mean squared error of the restored input against the clean digit, ` +
    `Adam ${t.learningRate}, batch ${t.batchSize}, ${t.epochs} epochs, seed ${suite.seed}. It then restores ${data.testCount} ${standard ? 'test digits of the standard split' : 'held-out digits'} by energy descent ` +
    `(the variant's scheduler settings, at most ${p.maxSteps} steps${p.tolerance ? `, tolerance ${JSON.stringify(p.tolerance)}` : ''}): noise is added to every pixel and the input layer is free; ` +
    `masked pixels start at the mean image and are free while the others stay clamped. Quality: mean squared error per pixel against the clean digit ` +
    `(every pixel for noise, the hidden pixels for masks). Timed: ${p.runs} relaxations (after ${p.warmup} warm-up) of the first ${Math.min(p.batch, data.testCount)} held-out digits under ${corruptionLabel(task.timed)}.`;
  const x = tf.tensor2d(data.train, [data.trainCount, PIXELS]);
  return {
    text,
    async run({ ham, options, runtime, variant, index, log, load }: VariantInput): Promise<TaskOutput> {
      const input = inputLayer(ham, variant.input ?? task.input, variant.input ? `variants[${index}].input` : 'task.input', PIXELS);
      const free = withoutClamp(options, input);
      const trainable = variant.freeze ? trainablePaths(ham, variant.freeze, `variants[${index}].freeze`) : undefined;
      const observed = variant.observed === undefined ? undefined : observedLayer(ham, variant.observed, input, index);
      const trained = await trainVariant(ham, input, t, deriveKey(suite.seed, 'train'), x, runtime, trainable, observed);
      try {
        const pr = trained.preparation;
        log(`trained ${pr.epochs} epochs in ${pr.seconds.toFixed(1)} s on ${pr.backend} (loss ${pr.lossFirst.toFixed(4)} → ${pr.lossLast.toFixed(4)})`);
        const params = trained.params;
        const batch = Math.min(p.batch, data.testCount);
        const timedClean = data.test.subarray(0, batch * PIXELS);
        const { data: timedData, hidden } = corrupt(timedClean, task.timed, deriveKey(suite.seed, 'timed'));
        const start = startingPoint(ham, input, timedData, hidden, observed);
        let work, relaxation;
        try {
          const opts = withClamp({ ...free, params }, start.clamp);
          work = await countWork(ham, start.states, opts, params);
          const timed = await timeRelaxation(ham, start.states, opts, p, load);
          disposeStates(timed.last.states);
          relaxation = timed.timing;
        } finally {
          start.dispose();
        }
        log(`relaxed ${batch} digits in ${relaxation.wallMs.median.toFixed(0)} ms (${relaxation.batchSteps} steps, ${relaxation.converged}/${batch} converged)`);
        const levels: Corruption[] = [
          ...task.noise.map((std): Corruption => ({ kind: 'noise', std })),
          ...task.mask.map((fraction): Corruption => ({ kind: 'mask', fraction })),
        ];
        const points: CompletionPoint[] = [];
        const pictures: CompletionPicture[] = [];
        const pictured = picturedLevels(task);
        for (const [i, c] of levels.entries()) {
          const restored = await restore(ham, input, params, free, t, data.test, c, deriveKey(suite.seed, `quality.${i}`), observed);
          points.push(restored.point);
          if (pictured.includes(i)) pictures.push(picture(corruptionLabel(c), restored.input, restored.restored, data));
          log(`${corruptionLabel(c)}: error ${points.at(-1)!.error.toFixed(4)} at convergence, ${points.at(-1)!.trainedStepsError.toFixed(4)} after ${t.steps} steps (input ${points.at(-1)!.inputError.toFixed(4)})`);
        }
        const preparation = variant.freeze ? { ...trained.preparation, frozen: variant.freeze } : trained.preparation;
        return { preparation, work, relaxation, quality: { kind: 'completion', points }, pictures };
      } finally {
        trained.dispose();
      }
    },
    dispose: () => x.dispose(),
  };
}

