import { HamuxError, hypergraph, type GraphBuilder, lagrangians as L, learnable, normal, synapses as Y, tf, type HAM, type Params, type States } from '@hamux-ts/core';
import { descend, type Runtime } from '@hamux-ts/dynamics';
import { Trainer, corruptedInput, mse, unroll, type EpochReport, type FitOptions } from '@hamux-ts/train';
import { gaussianNoise, subset, type LabelledImages } from '@hamux-ts/data';

/** Pixels of an MNIST digit, the length of the `visible` layer. */
export const PIXELS = 28 * 28;

export interface Sizes {
  /** Memory neurons K of the dense HAM (visible — memories). */
  readonly denseMemories: number;
  /** Feature neurons H of the hierarchical HAM's middle layer (visible — features — memories). */
  readonly features: number;
  /** Memory neurons K of the hierarchical HAM. */
  readonly hierarchicalMemories: number;
  /** β of the memory layers' softmax (both models). */
  readonly beta: number;
  /** Unrolled Euler steps T per example while training. */
  readonly steps: number;
  /** Step size of the unrolled descent: layer i moves by `(dt/τ_i)(−∂E/∂x̂_i)`. */
  readonly dt: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Standard deviation of the Gaussian noise added to the training digits. */
  readonly trainStd: number;
  /** Seed of the weights and of the training noise and shuffles. */
  readonly seed: number;
  /** Initial strength γ of the learnable data-fidelity term `(γ/2)‖v − y‖²` (the `fit` tie to the observed digit). */
  readonly fidelity: number;
  /**
   * Train at the fixed point instead of through `steps` unrolled steps: the mse is taken where the
   * dynamics come to rest (implicit differentiation, or equilibrium propagation).
   */
  readonly fixedPoint?: 'implicit' | 'equilibrium';
}

/**
 * The example's sizes: about 100,000 parameters in each model (dense 784·128 + 128; hierarchical
 * 784·96 + 96·256 + 256), 15 unrolled steps of dt 0.4, Adam 5e-3; `full` trains on all the
 * training digits for 15 epochs at Adam 1e-3 (at 5e-3 the dense model's loss climbed back from
 * 0.054 to 0.09 over those 2,400 steps).
 */
export function exampleSizes(full: boolean): Sizes {
  return {
    denseMemories: 128,
    features: 96,
    hierarchicalMemories: 256,
    beta: 1,
    steps: 15,
    dt: 0.4,
    epochs: full ? 15 : 5,
    batchSize: 50,
    learningRate: full ? 1e-3 : 5e-3,
    trainStd: 0.3,
    seed: 1,
    fidelity: 1,
  };
}

/**
 * Time constants shared by both models: pixels and features move at one rate, memory neurons
 * faster (with the example's dt = 0.4 = τ_memories they jump to their input current every step).
 */
export const TAU = { visible: 0.5, features: 0.5, memories: 0.4 } as const;

/**
 * Norm of the dense HAM's initial memories (the columns of W), about that of a centred digit (≈ 7).
 * Much smaller memories make `v ↦ W softmax(β Wᵀv)` a contraction: one fixed point for every input,
 * which forgets the input, and training stalls at the mean image.
 */
export const MEMORY_NORM = 8;

/**
 * Largest singular value of the hierarchical HAM's initial W₁ (a Gaussian [D, H] matrix of std σ
 * has σ_max ≈ σ(√D + √H)). Integrating `visible` out leaves `−½ f̂ᵀW₁ᵀW₁f̂` on the features: with
 * σ_max(W₁) > 1 the zero state is unstable, every feature saturates, and training diverges.
 */
export const ENCODE_GAIN = 0.25;

/**
 * The two-layer dense HAM (Krotov & Hopfield 2020, "Model B" with its memory neurons kept):
 * `visible` [784] (identity) —`memory` (dense with bias, W [784, K], b [K])— `memories` [K]
 * (softmax β). `E = ½‖v‖² + E_softmax(m) − vᵀW softmax(βm) − b·softmax(βm)`; at a fixed point
 * `v = W softmax(β(Wᵀv + b))`, a mixture of the K stored images (the columns of W).
 */
export function denseHam(s: Sizes) {
  return withObservation(s, hypergraph()
    .layer('visible', { shape: [PIXELS], lagrangian: L.identity(), tau: TAU.visible })
    .layer('memories', { shape: [s.denseMemories], lagrangian: L.softmax({ beta: s.beta }), tau: TAU.memories })
    .synapse('memory', Y.denseBias({ init: { W: normal(MEMORY_NORM / Math.sqrt(PIXELS)) } }), ['visible', 'memories']))
    .build({ seed: s.seed });
}

/**
 * Both models see the noisy digit y twice: as `visible`'s start, and in `observed` (clamped), tied to
 * `visible` by the data-fidelity term `(γ/2)‖v − y‖²`, γ learnt. Descent then finds a MAP estimate,
 * memory energy plus fidelity: the fixed point keeps what the noisy digit says, where a free
 * `visible` alone would forget its start and fall to a stored pattern.
 */
function withObservation<L extends string, S extends string>(s: Sizes, b: GraphBuilder<L | 'visible', S>) {
  return b
    .layer('observed', { shape: [PIXELS], lagrangian: L.identity() })
    .synapse('fit', Y.tie({ gamma: learnable(s.fidelity) }), ['visible', 'observed']);
}

/**
 * The three-layer hierarchical HAM: `visible` [784] (identity) —`encode` (dense, W₁ [784, H])—
 * `features` [H] (tanh) —`memory` (dense with bias, W₂ [H, K], b [K])— `memories` [K] (softmax β).
 * The memories store patterns of features; the features are parts shared by many images.
 * `E = ½‖v‖² + E_tanh(f) + E_softmax(m) − vᵀW₁ tanh(f) − tanh(f)ᵀW₂ p − b·p`, `p = softmax(βm)`:
 * bounded below for any weights (tanh and softmax activations are bounded).
 */
export function hierarchicalHam(s: Sizes) {
  const encodeStd = ENCODE_GAIN / (Math.sqrt(PIXELS) + Math.sqrt(s.features));
  return withObservation(s, hypergraph()
    .layer('visible', { shape: [PIXELS], lagrangian: L.identity(), tau: TAU.visible })
    .layer('features', { shape: [s.features], lagrangian: L.tanh(), tau: TAU.features })
    .layer('memories', { shape: [s.hierarchicalMemories], lagrangian: L.softmax({ beta: s.beta }), tau: TAU.memories })
    .synapse('encode', Y.dense({ init: { W: normal(encodeStd) } }), ['visible', 'features'])
    .synapse('memory', Y.denseBias(), ['features', 'memories']))
    .build({ seed: s.seed });
}

/** The learnt strength γ of the data-fidelity term in `params`. */
export function fidelityOf(params: Params): number {
  return params.synapses['fit']!['gamma']!.dataSync()[0]!;
}

/**
 * The parameters for denoising at noise σ when the model was trained at `trainStd`: the fidelity of
 * a MAP estimate weighs the observation by 1/σ², so the learnt γ is scaled by (trainStd/σ)² (the
 * noise level is known, as in non-blind denoising). `release` frees the one new tensor.
 */
export function atNoiseLevel(params: Params, trainStd: number, std: number): { params: Params; release: () => void } {
  const gamma = tf.mul(params.synapses['fit']!['gamma']!, (trainStd / std) ** 2);
  const synapses = { ...params.synapses, fit: { ...params.synapses['fit']!, gamma } };
  return { params: { layers: params.layers, synapses }, release: () => gamma.dispose() };
}

/**
 * The Euler step of fixed-point training's relaxations: smaller than the unrolled dt 0.4, which is
 * dt/τ = 1 for the memories (a long fixed-step run at it diverges).
 */
export const FIXED_POINT_DT = 0.1;

/** Either model: every layer and synapse name is a string, `visible` is the image. */
export type Denoiser = HAM<string, string>;

export interface Trained {
  readonly trainer: Trainer<string, string>;
  readonly reports: readonly EpochReport[];
  /** Wall time of the whole training, in seconds. */
  readonly seconds: number;
}

/**
 * Trains a denoiser through its dynamics: each digit gets `N(0, trainStd²)` noise on `visible`
 * (free), every other layer starts at 0, `steps` Euler steps are unrolled, and the mean squared
 * error of the final `visible` activation against the clean digit is backpropagated (Adam).
 * `images` is `[count, 784]` (centred digits); `validation` likewise, noised the same way.
 * `runtime` is `useBackend`'s: the trainer computes gradients on the host with it (the fast path).
 */
export async function trainDenoiser(
  ham: Denoiser,
  images: Float32Array,
  s: Sizes,
  runtime: Runtime,
  validation?: Float32Array,
  fit: Partial<FitOptions> = {},
): Promise<Trained> {
  const trainer = new Trainer(ham, {
    seed: s.seed,
    ...(s.fixedPoint ? { fixedPoint: { method: s.fixedPoint, beta: 0.05, dt: FIXED_POINT_DT, tolerance: 1e-4, maxSteps: 3000 } } : { steps: s.steps }),
    dt: s.dt,
    prepare: corruptedInput({ layer: 'visible', field: 'x', std: s.trainStd, observed: 'observed' }),
    loss: mse({ layer: 'visible', field: 'x' }),
    optimizer: { name: 'adam', learningRate: s.learningRate },
    batchSize: s.batchSize,
    runtime,
  });
  const x = asImages(images, 'images');
  const held = validation ? asImages(validation, 'validation') : undefined;
  const started = performance.now();
  try {
    const reports = await trainer.fit({ x }, { epochs: s.epochs, ...(held ? { validation: { x: held } } : {}), ...fit });
    return { trainer, reports, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    trainer.dispose();
    throw e;
  } finally {
    tf.dispose([x, held]);
  }
}

function asImages(data: Float32Array, what: string) {
  if (data.length === 0 || data.length % PIXELS !== 0) {
    throw new HamuxError(what, `expected [count, ${PIXELS}] pixels (a multiple of ${PIXELS} values), got ${data.length} values`);
  }
  return tf.tensor2d(data, [data.length / PIXELS, PIXELS]);
}

/** `visible` and `observed` at the noisy digits, every other layer at 0 (the tensors are the caller's). */
function startingStates(ham: Denoiser, noisy: Float32Array): States<string> {
  const count = noisy.length / PIXELS;
  return Object.fromEntries(ham.layerNames.map((n) => [n, n === 'visible' || n === 'observed' ? asImages(noisy, 'noisy') : tf.zeros([count, ...ham.layers[n]!.shape])]));
}

/** The observation is held: only `visible` and the hidden layers move. */
const CLAMP = { observed: true } as const;

export interface Readout {
  /** The `visible` activation at the end, `[count, 784]`. */
  readonly images: Float32Array;
  /** Mean squared error of `images` against the clean digits (per pixel). */
  readonly mse: number;
  /** Wall time, in seconds. */
  readonly seconds: number;
}

export interface Denoised extends Readout {
  /** Mean over samples of the steps each took to stop (`report[i].steps`). */
  readonly meanSteps: number;
  /** Steps of the slowest sample (the batch's run). */
  readonly maxSteps: number;
  /** Samples that converged (rather than stopping at `maxSteps`). */
  readonly converged: number;
  /** Samples whose energy rose at some step (the adaptive scheduler promises none). */
  readonly energyRises: number;
}

/**
 * Denoises by energy descent with the scheduler (adaptive steps, until every sample converges or
 * `maxSteps`): `visible` starts at the noisy digits and is free, every other layer starts at 0.
 * `noisy` and `clean` are `[count, 784]`; `params` are the trained weights (`trainer.params`);
 * `runtime` is `useBackend`'s (the descent's fast path).
 */
export async function denoise(ham: Denoiser, params: Params, noisy: Float32Array, clean: Float32Array, runtime: Runtime, maxSteps = 1000): Promise<Denoised> {
  sameLength(noisy, clean);
  const init = startingStates(ham, noisy);
  const started = performance.now();
  const result = await descend(ham, init, { params, maxSteps, runtime, clamp: CLAMP });
  const seconds = (performance.now() - started) / 1000;
  const images = readVisible(ham, result.states, params);
  tf.dispose([...Object.values(init), ...Object.values(result.states)]);
  const steps = result.report.map((r) => r.steps);
  return {
    images,
    mse: meanSquaredError(images, clean),
    seconds,
    meanSteps: steps.reduce((a, b) => a + b, 0) / steps.length,
    maxSteps: result.steps,
    converged: result.report.filter((r) => r.converged).length,
    energyRises: result.energies.filter((e) => e.some((v, i) => i > 0 && v > e[i - 1]!)).length,
  };
}

/** The readout the model was trained on: the same `s.steps` Euler steps of size `s.dt` (`unroll`). */
export function afterTrainedSteps(ham: Denoiser, params: Params, noisy: Float32Array, clean: Float32Array, s: Sizes): Readout {
  sameLength(noisy, clean);
  const init = startingStates(ham, noisy);
  const started = performance.now();
  const { states } = unroll(ham, init, { steps: s.steps, dt: s.dt, params, clamp: CLAMP });
  const images = readVisible(ham, states, params);
  const seconds = (performance.now() - started) / 1000;
  tf.dispose([...Object.values(init), ...Object.values(states)]);
  return { images, mse: meanSquaredError(images, clean), seconds };
}

function sameLength(noisy: Float32Array, clean: Float32Array): void {
  if (noisy.length !== clean.length) throw new HamuxError('clean', `expected as many values as the noisy digits (${noisy.length}), got ${clean.length}`);
}

function readVisible(ham: Denoiser, states: States<string>, params: Params): Float32Array {
  return tf.tidy(() => Float32Array.from(ham.activations(states, { params })['visible']!.dataSync()));
}

/** Per-digit mean squared errors of `[count, 784]` images against the clean digits. */
export function perDigitErrors(images: Float32Array, clean: Float32Array): Float64Array {
  sameLength(images, clean);
  return Float64Array.from({ length: images.length / PIXELS }, (_, b) => meanSquaredError(images.subarray(b * PIXELS, (b + 1) * PIXELS), clean.subarray(b * PIXELS, (b + 1) * PIXELS)));
}

/** The noise levels σ the example evaluates at. */
export const NOISE_LEVELS = [0.1, 0.3, 0.5, 0.7] as const;

/**
 * The example's digits, from `digits` (`mnistDigits`: the small set, or the standard split): 2,500
 * training digits (all of them with `full`) and 200 held-out ones (1,000), both centred on the
 * training digits' mean image (`mean`, to put back for pictures).
 */
export function exampleDigits(
  full: boolean, digits: { train: LabelledImages; test: LabelledImages },
): { train: LabelledImages; test: LabelledImages; mean: Float32Array; trainX: Float32Array; clean: Float32Array } {
  const { train: pool, test: heldOut } = digits;
  const train = full ? pool : subset(pool, 2500, 1);
  const test = subset(heldOut, full ? 1000 : 200, 2);
  const mean = meanImage(train.images);
  return { train, test, mean, trainX: shiftBy(train.images, mean, -1), clean: shiftBy(test.images, mean, -1) };
}

/** The held-out digits' noisy copy at `NOISE_LEVELS[level]`: the same for both models and every run. */
export function noisyCopy(clean: Float32Array, level: number): Float32Array {
  return gaussianNoise(clean, { std: NOISE_LEVELS[level]!, seed: 100 + level }).data;
}

/** `(1/n) Σ (a − b)²` over every value. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new HamuxError('meanSquaredError', `expected two non-empty arrays of one length, got ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum / a.length;
}

/** The mean image of `[count, 784]` digits. */
export function meanImage(images: Float32Array): Float32Array {
  const mean = new Float32Array(PIXELS);
  const count = images.length / PIXELS;
  for (let i = 0; i < images.length; i++) mean[i % PIXELS]! += images[i]! / count;
  return mean;
}

/** `images + sign · mean`, image by image: `−1` centres digits, `+1` puts the mean back. */
export function shiftBy(images: Float32Array, mean: Float32Array, sign: 1 | -1): Float32Array {
  return Float32Array.from(images, (v, i) => v + sign * mean[i % PIXELS]!);
}

/** A Markdown table: a header row, a rule, and one line per row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
