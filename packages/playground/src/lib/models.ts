/**
 * The models the page can run, each as a `ModelSetup`: a built HAM plus what the page needs to
 * drive it (which layer takes the picture and how, which layers are held, where to read a class,
 * the patterns a memory stores) and its scheduler settings. Setups come from configs (a preset, a
 * pretrained model's `model.json` + `model.safetensors`, a dropped file) or are built here.
 */
import { buildFromConfig, loadParams, parseConfig, presets, type Config } from '@hamux-ts/config';
import { HamuxError, tf, type HAM, type ParamTree } from '@hamux-ts/core';
import type { Digits } from './digits.js';
import { gather } from './digits.js';
import { specFromHam, type GraphSpec } from './graph-spec.js';
import type { Encoding } from './image.js';
import type { StepMode } from './relax.js';

export type ModelKind = 'pixel-memory' | 'classifier' | 'patch-inpainting' | 'generic';

/** Where the picture goes: a layer of 784 entries, or of `[N, p·p]` patches of a 28×28 image. */
export interface InputBinding {
  readonly layer: string;
  readonly encoding: Encoding;
  /** Patch side when the layer holds patches (Energy Transformer), else absent. */
  readonly patch?: number;
}

export interface SchedulerDefaults {
  readonly dt: number;
  readonly maxSteps: number;
  readonly neuronEnergy: boolean;
  readonly mode: StepMode;
}

export interface ModelSetup {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly kind: ModelKind;
  readonly ham: HAM<string, string>;
  readonly spec: GraphSpec;
  readonly input: InputBinding | undefined;
  /** Layers held whole (the config's `"clamp": true`, or a classifier's input). */
  readonly clampWhole: readonly string[];
  /** A 10-entry layer read as a class. */
  readonly labels: string | undefined;
  /** The patterns a pixel memory stores, ±1, `[K · 784]` (for picking one and checking recall). */
  readonly stored: Float32Array | undefined;
  readonly scheduler: SchedulerDefaults;
}

const SIDE = 28;
const isSquare = (n: number): boolean => n > 0 && Number.isInteger(Math.sqrt(n));
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The input layer of a graph: the first layer shaped like a 28×28 picture, or like its patches. */
export function findInput(ham: HAM<string, string>, bipolarHint: boolean): InputBinding | undefined {
  for (const layer of ham.layerNames) {
    const { shape, lagrangian } = ham.layers[layer]!;
    const encoding: Encoding = lagrangian.kind === 'tanh' || bipolarHint ? 'bipolar' : 'unit';
    if (sizeOf(shape) !== SIDE * SIDE) continue;
    const flat = shape.length === 1 || (shape.length === 2 && shape[0] === SIDE) || (shape.length === 3 && shape[0] === SIDE && shape[2] === 1);
    if (flat) return { layer, encoding };
    if (shape.length === 2 && isSquare(shape[0]!) && isSquare(shape[1]!) && Math.sqrt(shape[0]!) * Math.sqrt(shape[1]!) === SIDE) {
      return { layer, encoding, patch: Math.sqrt(shape[1]!) };
    }
  }
  return undefined;
}

/**
 * The patterns stored by a unary memory synapse on the input layer (`xi` `[K, 784]`), as ±1, when
 * every entry has the same magnitude (±c: black-and-white patterns, possibly scaled).
 */
export async function storedPatterns(ham: HAM<string, string>, input: string): Promise<Float32Array | undefined> {
  for (const s of ham.synapseNames) {
    const node = ham.synapses[s]!;
    const xi = ham.params.synapses[s]?.['xi'];
    if (xi === undefined || node.connects.length !== 1 || node.connects[0] !== input || xi.rank !== 2 || xi.shape[1] !== SIDE * SIDE) continue;
    const values = Float32Array.from(await xi.data());
    const c = Math.abs(values[0]!);
    if (c > 0 && values.every((v) => Math.abs(Math.abs(v) - c) <= 1e-6 * c)) return Float32Array.from(values, (v) => (v > 0 ? 1 : -1));
  }
  return undefined;
}

export interface SetupInfo {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** What the model is, when known (pretrained models say); else guessed from the graph. */
  readonly kind?: ModelKind;
  readonly stored?: Float32Array;
}

/** Completes a setup from a built HAM and its validated config. The setup owns `ham`. */
export async function setupFromHam(ham: HAM<string, string>, config: Config | undefined, info: SetupInfo): Promise<ModelSetup> {
  const configClamps = config ? Object.entries(config.layers).filter(([, l]) => l.clamp === true).map(([n]) => n) : [];
  let input = findInput(ham, info.stored !== undefined);
  const stored = info.stored ?? (input ? await storedPatterns(ham, input.layer) : undefined);
  if (stored && input && input.encoding !== 'bipolar') input = { ...input, encoding: 'bipolar' };
  const labels = [...ham.layerNames].reverse().find((n) => ham.layers[n]!.shape.length === 1 && ham.layers[n]!.shape[0] === 10 && n !== input?.layer);
  const kind: ModelKind = info.kind ?? (stored ? 'pixel-memory' : input?.patch !== undefined ? 'patch-inpainting' : labels && configClamps.includes(input?.layer ?? '') ? 'classifier' : 'generic');
  const clampWhole = kind === 'classifier' && input && !configClamps.includes(input.layer) ? [...configClamps, input.layer] : configClamps;
  const s = config?.scheduler;
  const scheduler: SchedulerDefaults = {
    dt: s?.dt ?? 0.1,
    maxSteps: Math.min(s?.maxSteps ?? 400, 2000),
    neuronEnergy: s?.neuronEnergy ?? true,
    mode: s?.mode === 'fixed' ? 'fixed' : 'adaptive',
  };
  return {
    id: info.id,
    title: info.title,
    description: info.description,
    kind,
    ham,
    spec: specFromHam(ham, clampWhole),
    input,
    clampWhole,
    labels,
    stored,
    scheduler,
  };
}

/**
 * Builds a model from a config (any JSON form, preset form included) and, optionally, its
 * parameters from safetensors bytes. Every problem is thrown at once (`HamuxErrors`), naming the
 * config path or the tensor.
 */
export async function setupFromConfig(json: unknown, weights: Uint8Array | undefined, info: SetupInfo): Promise<ModelSetup> {
  const config = parseConfig(json);
  const built = buildFromConfig(config);
  if (weights === undefined) return setupFromHam(built, config, info);
  let loaded: ParamTree | undefined;
  try {
    loaded = loadParams(built, weights);
    const ham = built.withParams(loaded);
    return await setupFromHam(ham, config, info);
  } finally {
    built.dispose();
    if (loaded) for (const group of [loaded.layers, loaded.synapses]) for (const m of Object.values(group ?? {})) tf.dispose(Object.values(m));
  }
}

/** ±1 patterns of digits (threshold ½), `[count · 784]`. */
export function bipolarDigits(digits: Digits, indices: readonly number[]): Float32Array {
  return Float32Array.from(gather(digits, indices), (v) => (v >= 0.5 ? 1 : -1));
}

/** A preset the page builds itself, with what it stores taken from the shipped digits. */
export interface PagePreset {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly build: (digits: Digits, stored: readonly number[]) => Promise<ModelSetup>;
}

/** Builds a preset config with some parameters given (tensors are copied by the build, then freed here). */
async function withGiven(config: unknown, given: ParamTree, info: SetupInfo): Promise<ModelSetup> {
  const parsed = parseConfig(config);
  try {
    return await setupFromHam(buildFromConfig(parsed, { params: given }), parsed, info);
  } finally {
    for (const group of [given.layers, given.synapses]) for (const m of Object.values(group ?? {})) tf.dispose(Object.values(m));
  }
}

export const PAGE_PRESETS: readonly PagePreset[] = [
  {
    id: 'page-hopfield',
    title: 'Modern Hopfield memory of 100 digits (built in the page)',
    description: 'tanh pixels and a modernHopfield synapse whose patterns are 100 shipped digits as ±1 images, β = 0.1: the weights are the digits, no training needed.',
    build: async (digits, stored) => {
      const xi = bipolarDigits(digits, stored);
      const config = {
        layers: { pixels: { shape: [784], lagrangian: { kind: 'tanh' } } },
        synapses: { memory: { kind: 'modernHopfield', connects: ['pixels'], memories: stored.length, beta: 0.1 } },
        seed: 0,
        scheduler: { dt: 0.1, maxSteps: 400 },
      };
      return withGiven(config, { layers: {}, synapses: { memory: { xi: tf.tensor2d(xi, [stored.length, 784]) } } }, {
        id: 'page-hopfield', title: 'Modern Hopfield memory of 100 digits', description: 'Built in the page from the shipped digits.', kind: 'pixel-memory', stored: xi,
      });
    },
  },
  {
    id: 'preset-hiddenMemory',
    title: 'preset hiddenMemory: pixels + a softmax memory layer (stores 100 digits)',
    description: 'Krotov & Hopfield 2020: visible [784] (identity) joined to hidden [100] (softmax β = 0.1) by a dense synapse whose columns are the digits.',
    build: async (digits, stored) => {
      const xi = bipolarDigits(digits, stored);
      const k = stored.length;
      const config = presets.hiddenMemory({ features: 784, memories: k, hidden: 'softmax', beta: 0.1 });
      const W = tf.tidy(() => tf.transpose(tf.tensor2d(xi, [k, 784])));
      return withGiven(config, { layers: {}, synapses: { memory: { W } } }, {
        id: 'preset-hiddenMemory', title: 'preset hiddenMemory', description: 'Visible pixels and a softmax memory layer.', kind: 'pixel-memory', stored: xi,
      });
    },
  },
  {
    id: 'preset-denseAssociativeMemory',
    title: 'preset denseAssociativeMemory: degree-3 Dense Associative Memory (stores 100 digits)',
    description: 'Krotov & Hopfield 2016: E = −Σ_μ (ξ_μ·x̂)³/3 on tanh pixels, patterns the digits scaled by 1/28.',
    build: async (digits, stored) => {
      const xi = bipolarDigits(digits, stored);
      const config = presets.denseAssociativeMemory({ features: 784, memories: stored.length, degree: 3 });
      return withGiven(config, { layers: {}, synapses: { memory: { xi: tf.tensor2d(xi.map((v) => v / 28), [stored.length, 784]) } } }, {
        id: 'preset-denseAssociativeMemory', title: 'preset denseAssociativeMemory', description: 'A degree-3 Dense Associative Memory.', kind: 'pixel-memory', stored: xi,
      });
    },
  },
  {
    id: 'preset-classifier',
    title: 'preset classifier (untrained, random weights)',
    description: 'input [784] (clamped) — hidden [64] (relu) — label [10] (softmax). Train one below to see it learn.',
    build: async () => {
      const config = presets.classifier({ input: 784, hidden: 64, labels: 10 });
      return setupFromHam(buildFromConfig(config), config, { id: 'preset-classifier', title: 'preset classifier', description: 'Untrained classifier.', kind: 'classifier' });
    },
  },
  {
    id: 'preset-energyTransformer',
    title: 'preset energyTransformer (untrained): 4×4 patches, 32-wide tokens',
    description: 'patches [49, 16] — embed — tokens [49, 32] (layer norm) with position, energy attention (2 heads) and a ReLU² memory.',
    build: async () => {
      const config = presets.energyTransformer({ image: [28, 28, 1], patch: 4, dim: 32, heads: 2, headDim: 16, memories: 64 });
      return setupFromHam(buildFromConfig(config), config, { id: 'preset-energyTransformer', title: 'preset energyTransformer', description: 'Untrained Energy Transformer.', kind: 'patch-inpainting' });
    },
  },
  {
    id: 'preset-convHierarchical',
    title: 'preset convHierarchical (untrained): conv → pool → memories',
    description: 'image [28, 28, 1] (clamped) — conv 5×5 — features [24, 24, 4] — avg pool — pooled [12, 12, 4] — memories [32] (softmax).',
    build: async () => {
      const config = presets.convHierarchical({ image: [28, 28, 1], channels: 4, kernel: 5, pool: 2, memories: 32 });
      return setupFromHam(buildFromConfig(config), config, { id: 'preset-convHierarchical', title: 'preset convHierarchical', description: 'Untrained convolutional hierarchy.', kind: 'generic' });
    },
  },
];

/** One entry of `models/index.json`, written by `scripts/models.mjs`. */
export interface PretrainedEntry {
  readonly name: string;
  readonly kind: ModelKind;
  readonly title: string;
  readonly description: string;
  readonly example: string;
  readonly config: string;
  readonly weights: string;
  readonly bytes: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Checks the index the page fetched (it is data from a file: never trusted blindly). */
export function checkPretrainedIndex(json: unknown): PretrainedEntry[] {
  const models = (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) throw new HamuxError(['models/index.json'], 'expected { "models": [ … ] }', 'invalid_config');
  return models.map((m: unknown, i) => {
    const e = m as Partial<PretrainedEntry> | null;
    for (const key of ['name', 'kind', 'title', 'config', 'weights'] as const) {
      if (typeof e?.[key] !== 'string') throw new HamuxError(['models/index.json', 'models', i, key], `expected a string, got ${typeof e?.[key]}`, 'invalid_config');
    }
    if (!['pixel-memory', 'classifier', 'patch-inpainting', 'generic'].includes(e!.kind!)) {
      throw new HamuxError(['models/index.json', 'models', i, 'kind'], `unknown kind ${JSON.stringify(e!.kind)}`, 'unknown_name');
    }
    return { description: '', example: '', bytes: 0, metadata: {}, ...e } as PretrainedEntry;
  });
}
