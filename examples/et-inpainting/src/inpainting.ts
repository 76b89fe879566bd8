import { buildFromConfig, presets } from '@hamux-ts/config';
import { HamuxError, deriveKey, formatShape, tf, uniformValues, type HAM, type Params, type Tensor } from '@hamux-ts/core';
import { descend, type Runtime } from '@hamux-ts/dynamics';
import { patchify } from '@hamux-ts/data';
import { Trainer, mse, type Batch, type EpochReport, type FitOptions, type Prepare } from '@hamux-ts/train';

/** MNIST digits: `[height, width, channels]`. */
export const IMAGE = [28, 28, 1] as const;

export interface Sizes {
  /** Side p of the square patches (divides 28). */
  readonly patch: number;
  /** Token width D. */
  readonly dim: number;
  readonly heads: number;
  /** Width Y of each head's keys and queries. */
  readonly headDim: number;
  /** Memories K of the ReLU² Hopfield part. */
  readonly memories: number;
  /** Unrolled descent steps T per example while training (and fixed steps at test time). */
  readonly steps: number;
  /** Euler step: `x ← x − (dt/τ) ∂E/∂x̂`, τ = 1 for both layers. */
  readonly dt: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /**
   * Train at the fixed point instead of through `steps` unrolled steps: the error on the hidden
   * patches is taken where the descent comes to rest (implicit differentiation, or equilibrium propagation).
   */
  readonly fixedPoint?: 'implicit' | 'equilibrium';
}

/** Share of each digit's patches hidden, in training and at test time. */
export const HIDDEN_FRACTION = 0.5;

type Layer = 'patches' | 'tokens';
type Synapse = 'embed' | 'position' | 'attention' | 'hopfield';
export type EnergyTransformer = HAM<Layer, Synapse>;

/** Patches per image N and entries per patch P for a patch side. */
export function geometry(patch: number): { n: number; p: number } {
  const [h, w, c] = IMAGE;
  if (!(Number.isInteger(patch) && patch > 0 && h % patch === 0 && w % patch === 0)) {
    throw new HamuxError('sizes.patch', `expected a patch side dividing ${h} and ${w}, got ${patch}`);
  }
  return { n: (h / patch) * (w / patch), p: patch * patch * c };
}

/**
 * The Energy Transformer of the `energyTransformer` preset: `patches` [N, P] (identity) —`embed`—
 * `tokens` [N, D] (layer norm) with `position`, `attention` and `hopfield` on the tokens (the
 * preset's initial weights were chosen on this example; see the preset).
 */
export function energyTransformer(s: Sizes): EnergyTransformer {
  return buildFromConfig(presets.energyTransformer({
    image: IMAGE, patch: s.patch, dim: s.dim, heads: s.heads, headDim: s.headDim, memories: s.memories, seed: s.seed,
  }));
}

/** Images `[count, 784]` as patches `[count, N·P]` in the order of the `patches` layer. */
export function toPatches(images: Float32Array, patch: number): Float32Array {
  return patchify(images, IMAGE, patch);
}

/**
 * Which patches are hidden, `[count, N]` (1 = hidden): exactly `round(fraction·N)` per image, the
 * patches with the smallest of N uniform draws from `key`, so every image loses the same share.
 */
export function hiddenPatches(count: number, n: number, fraction: number, key: number): Uint8Array {
  if (!(fraction >= 0 && fraction <= 1)) throw new HamuxError('fraction', `expected a number in [0, 1], got ${fraction}`);
  const k = Math.round(fraction * n);
  const u = uniformValues(key, [count, n]);
  const hidden = new Uint8Array(count * n);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let b = 0; b < count; b++) {
    const row = u.subarray(b * n, (b + 1) * n);
    order.sort((i, j) => row[i]! - row[j]!);
    for (let i = 0; i < k; i++) hidden[b * n + order[i]!] = 1;
  }
  return hidden;
}

/** The clamp mask `[count, N, P]` of the `patches` layer: 1 on every entry of a visible patch. */
export function visibleMask(hidden: Uint8Array, p: number): Float32Array {
  const mask = new Float32Array(hidden.length * p);
  hidden.forEach((h, i) => { if (!h) mask.fill(1, i * p, (i + 1) * p); });
  return mask;
}

/** The initial states: visible patches shown (hidden ones at 0), tokens at 0; and the clamp mask (taken over). */
function startFrom(ham: EnergyTransformer, patches: Tensor, mask: Tensor) {
  const [b] = patches.shape as [number];
  return {
    states: { patches: tf.tidy(() => tf.mul(patches, mask)), tokens: tf.zeros([b, ...ham.layers.tokens.shape]) },
    clamp: { patches: mask },
  };
}

/**
 * A `Prepare` for the trainer that hides whole patches: from the batch field (`[b, N·P]` patches),
 * a random `fraction` of each image's patches (drawn from the batch key) start at 0 and are free,
 * the rest are clamped; the tokens start at 0 and are free.
 */
export function maskedPatches(options: { field: string; fraction: number }): Prepare<Layer, Synapse> {
  return (batch: Batch, { ham, key }) => {
    const data = batch[options.field];
    const [n, p] = ham.layers.patches.shape as [number, number];
    if (data === undefined || data.shape[1] !== n * p) {
      throw new HamuxError(`maskedPatches.field`, `expected a batch field "${options.field}" of shape [b, ${n * p}], got ${data ? formatShape(data.shape) : 'none'}`);
    }
    const b = data.shape[0]!;
    const mask = tf.tensor3d(visibleMask(hiddenPatches(b, n, options.fraction, deriveKey(key, 'mask')), p), [b, n, p]);
    const patches = tf.reshape(data, [b, n, p]);
    const prepared = startFrom(ham, patches, mask);
    patches.dispose();
    return prepared;
  };
}

/**
 * Trains the Energy Transformer to inpaint: `HIDDEN_FRACTION` of each image's patches hidden, T unrolled descent
 * steps, and an MSE on the hidden patches backpropagated through the descent (Adam). `train` and
 * `validation` are patches `[count, N·P]`; `runtime` is `useBackend`'s (the trainer's fast path);
 * `init`, when given, turns the preset's graph into the one training starts from (`loadModel`).
 */
export async function trainInpainter(
  train: Float32Array, validation: Float32Array, s: Sizes, runtime: Runtime, fit: Partial<FitOptions> = {}, init?: (ham: EnergyTransformer) => EnergyTransformer,
) {
  const preset = energyTransformer(s);
  const ham = init ? init(preset) : preset;
  if (ham !== preset) preset.dispose();
  const { n, p } = geometry(s.patch);
  const trainer = new Trainer(ham, {
    seed: s.seed,
    // Relaxed to convergence in fixed steps of dt 0.2 (at the unrolled dt 0.5 a long fixed-step run
    // need not settle), to |∂E/∂x̂| < 1e-4.
    ...(s.fixedPoint ? { fixedPoint: { method: s.fixedPoint, dt: 0.2, tolerance: 1e-4, maxSteps: 2000 } } : { steps: s.steps }),
    dt: s.dt,
    // HAMUX's full energy, not the ET paper's synapse-only update (neuronEnergy: false): here the
    // patches are an identity layer inside the energy, and without its neuron energy ½‖patch‖² the
    // embedding energy −patchᵀW token̂ is linear in the free patches, unbounded below, so hidden
    // patches would run off. With it a free patch relaxes to W token̂, the unembedding. For the
    // tokens it adds the leak (τ dx/dt = I − x); the layer norm's own neuron energy is ≈ 0.
    neuronEnergy: true,
    prepare: maskedPatches({ field: 'x', fraction: HIDDEN_FRACTION }),
    loss: mse({ layer: 'patches', field: 'x', on: 'free' }),
    optimizer: { name: 'adam', learningRate: s.learningRate },
    batchSize: s.batchSize,
    runtime,
  });
  const data = { x: tf.tensor2d(train, [train.length / (n * p), n * p]) };
  const held = { x: tf.tensor2d(validation, [validation.length / (n * p), n * p]) };
  const reports: EpochReport[] = await trainer.fit(data, { epochs: s.epochs, validation: held, ...fit });
  tf.dispose([data.x, held.x]);
  return { trainer, reports, numParams: ham.numParams };
}

export interface Inpainted {
  /** Patches `[count, N·P]`: the visible ones as given, the hidden ones as the descent left them. */
  readonly patches: Float32Array;
  /** Each image's energy at every step of the descent, from the start to where it stopped. */
  readonly energies: readonly Float32Array[];
  /** Steps taken (the longest-running image). */
  readonly steps: number;
  /** Steps rejected (and retried at half the step) because they would have raised an image's energy, over all images. */
  readonly rejected: number;
  /** How many images stopped because they converged (not at `maxSteps`). */
  readonly converged: number;
}

export interface InpaintOptions {
  /** The trained parameters (`trainer.params`). */
  readonly params: Params;
  /** The first step (and, with `grow: 1`, every accepted step). */
  readonly dt: number;
  readonly maxSteps: number;
  /** Step growth after an accepted step: 1 keeps the trained step; the scheduler's default 1.5 runs on to a minimum. */
  readonly grow?: number;
  /** `useBackend`'s runtime: the descent takes the fast path on it. */
  readonly runtime: Runtime;
}

/**
 * Inpainting by energy descent with the scheduler (`descend`, adaptive mode, so no image's energy
 * ever rises): the visible patches clamped by mask, the hidden ones (starting at 0) and the tokens
 * (starting at 0) relax; the hidden patches are read off the final states. With `dt` and `grow: 1`
 * for T steps this is the trained dynamics, except that a step that would raise the energy is halved.
 */
export async function inpaint(ham: EnergyTransformer, patches: Float32Array, hidden: Uint8Array, o: InpaintOptions): Promise<Inpainted> {
  const [n, p] = ham.layers.patches.shape as [number, number];
  const count = patches.length / (n * p);
  if (!Number.isInteger(count) || hidden.length !== count * n) {
    throw new HamuxError('inpaint', `expected patches [count, ${n * p}] and a hidden mask [count, ${n}], got ${patches.length} and ${hidden.length} values`);
  }
  const given = tf.tensor3d(patches, [count, n, p]);
  const { states, clamp } = startFrom(ham, given, tf.tensor3d(visibleMask(hidden, p), [count, n, p]));
  given.dispose();
  try {
    const result = await descend(ham, states, {
      clamp,
      params: o.params,
      neuronEnergy: true,
      mode: 'adaptive',
      dt: o.dt,
      grow: o.grow ?? 1.5,
      maxSteps: o.maxSteps,
      runtime: o.runtime,
    });
    const out = Float32Array.from(await result.states.patches.data());
    tf.dispose([result.states.patches, result.states.tokens]);
    return {
      patches: out,
      energies: result.energies,
      steps: result.steps,
      rejected: result.report.reduce((r, s) => r + s.steps - s.acceptedSteps, 0),
      converged: result.report.filter((r) => r.converged).length,
    };
  } finally {
    tf.dispose([states.patches, states.tokens, clamp.patches]);
  }
}

/** Mean squared error over the hidden patches only: `Σ_hidden (a − b)² / (hidden patches · P)`. */
export function hiddenMse(a: Float32Array, b: Float32Array, hidden: Uint8Array, p: number): number {
  let sum = 0, entries = 0;
  hidden.forEach((h, i) => {
    if (!h) return;
    for (let j = i * p; j < (i + 1) * p; j++) sum += (a[j]! - b[j]!) ** 2;
    entries += p;
  });
  return entries === 0 ? 0 : sum / entries;
}

/** The mean training image as patches `[N·P]`: each position's average patch. */
export function meanImage(train: Float32Array, size: number): Float32Array {
  const mean = new Float32Array(size);
  const count = train.length / size;
  for (let i = 0; i < train.length; i++) mean[i % size]! += train[i]! / count;
  return mean;
}

/** The mean patch `[P]` over every position and image. */
export function meanPatch(train: Float32Array, p: number): Float32Array {
  const mean = new Float32Array(p);
  const count = train.length / p;
  for (let i = 0; i < train.length; i++) mean[i % p]! += train[i]! / count;
  return mean;
}

/**
 * The baseline: hidden patches filled from `fill` (`[P]`, the same patch everywhere, or `[N·P]`, a
 * patch per position), visible ones kept.
 */
export function fillHidden(patches: Float32Array, hidden: Uint8Array, fill: Float32Array, p: number): Float32Array {
  const out = Float32Array.from(patches);
  hidden.forEach((h, i) => {
    if (!h) return;
    for (let j = i * p; j < (i + 1) * p; j++) out[j] = fill[j % fill.length]!;
  });
  return out;
}
