// Small configs that together use every built-in Lagrangian and hypersynapse of @hamux-ts/core (the
// export test checks that they do), with the descents each is compared on.

/** A descent compared step for step: fixed steps, clamps (whole layers and masks), τ, multirate. */
export interface DescendCase {
  readonly steps: number;
  readonly dt: number;
  /** Layers held whole. */
  readonly clampWhole: readonly string[];
  /** Layers held where a seeded mask (same for every sample) is 1. */
  readonly clampMasks: readonly string[];
  readonly tau?: Readonly<Record<string, number>>;
  readonly neuronEnergy: boolean;
  readonly multirate: false | { readonly ratio: number; readonly innerSteps: number };
}

/** A graph, how its states are drawn, its descents, and its PyTorch training step. */
export interface GraphCase {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly batch: number;
  readonly descents: readonly DescendCase[];
  /** Unrolled steps and SGD learning rate of the training step. */
  readonly train: { readonly steps: number; readonly dt: number; readonly lr: number };
  /** Sets some entries of a layer's random states (flat, `[B, ...shape]`), for the edge cases. */
  readonly edit?: (layer: string, values: Float32Array) => void;
}

const lag = (kind: string, options: Record<string, unknown> = {}) => ({ kind, ...options });

/** Elementwise Lagrangians on flat layers, flattened dense synapses and memories; awkward names. */
const elementwise: GraphCase = {
  name: 'elementwise',
  config: {
    layers: {
      'x.in': { shape: [6], lagrangian: lag('identity') }, // a dot: no Python attribute can hold it
      training: { shape: [5], lagrangian: lag('relu'), tau: 0.5 }, // an nn.Module attribute
      p3: { shape: [4], lagrangian: lag('repu', { n: 3 }) },
      e: { shape: [3], lagrangian: lag('exp', { beta: 0.7 }), tau: 2 },
      r: { shape: [4], lagrangian: lag('rexp', { beta: { value: 1.3, learnable: true } }) },
      t: { shape: [5], lagrangian: lag('tanh', { beta: 0.8 }) },
      s: { shape: [2, 2], lagrangian: lag('sigmoid', { beta: { value: 1.5, learnable: true } }) },
    },
    synapses: {
      enc: { kind: 'dense', connects: ['x.in', 'training'] },
      eb: { kind: 'denseBias', connects: ['training', 'p3'], init: { b: { type: 'normal', std: 0.3 } } },
      d2: { kind: 'dense', connects: ['p3', 'e'] },
      d3: { kind: 'dense', connects: ['r', 't'] },
      d4: { kind: 'dense', connects: ['t', 's'] },
      b: { kind: 'bias', connects: ['r'], init: { b: { type: 'normal', std: 0.5 } } },
      poly: { kind: 'polynomialMemory', connects: ['t'], memories: 3, degree: 3 },
      polyr: { kind: 'polynomialMemory', connects: ['e'], memories: 2, degree: 2.5, rectified: true },
      expm: { kind: 'exponentialMemory', connects: ['s'], memories: 3, beta: 0.5 },
      hop: { kind: 'modernHopfield', connects: ['x.in'], memories: 4, beta: 2 },
      relu2: { kind: 'reluSquaredMemory', connects: ['training'], memories: 3 },
      tie: { kind: 'tie', connects: ['r', 'p3'], gamma: { value: 0.4, learnable: true } },
    },
    seed: 3,
    scheduler: { mode: 'fixed', dt: 0.05 },
  },
  batch: 3,
  descents: [
    { steps: 6, dt: 0.05, clampWhole: ['x.in'], clampMasks: ['t'], neuronEnergy: true, multirate: false },
    { steps: 7, dt: 0.04, clampWhole: [], clampMasks: ['training'], tau: { p3: 0.25 }, neuronEnergy: true, multirate: { ratio: 3, innerSteps: 2 } },
  ],
  train: { steps: 3, dt: 0.05, lr: 0.1 },
};

/** Collective Lagrangians on token layers, per-token synapses and memories, energy attention. */
const tokens: GraphCase = {
  name: 'tokens',
  config: {
    layers: {
      ln: { shape: [3, 4], lagrangian: lag('layernorm', { gamma: { value: 1.2, learnable: true }, delta: { value: [0.1, -0.2, 0.3, 0], learnable: true } }) },
      sph: { shape: [3, 4], lagrangian: lag('spherical', { gamma: 1.5, delta: 0.1, eps: 1e-3, axis: 0 }) },
      sm: { shape: [3, 4], lagrangian: lag('softmax', { beta: 1.2, axis: 0 }) },
      gm: { shape: [3, 4], lagrangian: lag('ghostmax', { axis: -1 }), tau: 0.5 },
      w: { shape: [3, 2], lagrangian: lag('tanh') },
    },
    synapses: {
      att: { kind: 'energyAttention', connects: ['ln'], heads: 2, headDim: 3, maskSelf: true, init: { Wk: { type: 'normal', std: 0.5 }, Wq: { type: 'normal', std: 0.5 } } },
      att2: { kind: 'energyAttention', connects: ['sph'], heads: 1, headDim: 2, beta: { value: 0.8, learnable: true }, init: { Wk: { type: 'normal', std: 0.5 }, Wq: { type: 'normal', std: 0.5 } } },
      pt: { kind: 'dense', connects: ['ln', 'sm'], perToken: true },
      ptb: { kind: 'denseBias', connects: ['sm', 'w'], perToken: true, init: { b: { type: 'normal', std: 0.3 } } },
      ptm: { kind: 'polynomialMemory', connects: ['gm'], memories: 3, degree: 2, perToken: true },
      pth: { kind: 'modernHopfield', connects: ['w'], memories: 2, perToken: true },
      pte: { kind: 'exponentialMemory', connects: ['sph'], memories: 2, perToken: true },
      ptr: { kind: 'reluSquaredMemory', connects: ['ln'], memories: 3, perToken: true },
      dg: { kind: 'dense', connects: ['gm', 'sph'] },
    },
    seed: 5,
    scheduler: { mode: 'fixed', dt: 0.05, neuronEnergy: false },
  },
  batch: 2,
  descents: [
    { steps: 5, dt: 0.05, clampWhole: [], clampMasks: ['ln'], neuronEnergy: false, multirate: false },
    { steps: 5, dt: 0.05, clampWhole: ['w'], clampMasks: [], neuronEnergy: true, multirate: false },
  ],
  train: { steps: 3, dt: 0.05, lr: 0.1 },
};

/** Convolutions (numeric, 'same' and 'valid' padding, a non-square kernel) and average pooling (padded and not). */
const conv: GraphCase = {
  name: 'conv',
  config: {
    layers: {
      image: { shape: [5, 5, 2], lagrangian: lag('identity') },
      feat: { shape: [3, 6, 3], lagrangian: lag('tanh') },
      same: { shape: [3, 3, 2], lagrangian: lag('sigmoid') },
      cv: { shape: [3, 3, 4], lagrangian: lag('relu') },
      pool: { shape: [3, 3, 2], lagrangian: lag('relu') },
      valid: { shape: [2, 2, 2], lagrangian: lag('exp', { beta: 0.5 }) },
    },
    synapses: {
      c1: { kind: 'conv2d', connects: ['image', 'feat'], kernel: [3, 2], stride: [2, 1], padding: 1 },
      c2: { kind: 'conv2d', connects: ['image', 'same'], kernel: 3, stride: 2, padding: 'same' },
      c3: { kind: 'conv2d', connects: ['image', 'cv'], kernel: 3 },
      p1: { kind: 'avgPool', connects: ['image', 'pool'], size: 2, stride: 2, padding: 'same' },
      p2: { kind: 'avgPool', connects: ['image', 'valid'], size: 2, padding: 'valid' },
      fb: { kind: 'bias', connects: ['feat'], init: { b: { type: 'normal', std: 0.3 } } },
    },
    seed: 7,
  },
  batch: 2,
  descents: [{ steps: 5, dt: 0.05, clampWhole: ['image'], clampMasks: ['pool'], neuronEnergy: true, multirate: false }],
  train: { steps: 3, dt: 0.05, lr: 0.1 },
};

/**
 * Where float32 care matters: rows that layer norm and the spherical norm cannot normalise (ε = 0),
 * ghostmax far below its ghost logit, steep β, a rectified power below 2 and memories of degree 1.
 */
const edges: GraphCase = {
  name: 'edges',
  config: {
    layers: {
      ln0: { shape: [2, 3], lagrangian: lag('layernorm', { eps: 0, delta: [0.5, 0, -0.5] }) },
      sp0: { shape: [2, 3], lagrangian: lag('spherical', { eps: 0, delta: 0.2 }) },
      gm: { shape: [3], lagrangian: lag('ghostmax') },
      sm: { shape: [4], lagrangian: lag('softmax', { beta: 30 }) },
      th: { shape: [3], lagrangian: lag('tanh', { beta: 20 }) },
      sg: { shape: [3], lagrangian: lag('sigmoid', { beta: 20 }) },
      rp: { shape: [3], lagrangian: lag('repu', { n: 1.5 }) },
    },
    synapses: {
      a: { kind: 'dense', connects: ['ln0', 'sp0'] },
      b: { kind: 'dense', connects: ['sp0', 'gm'] },
      c: { kind: 'dense', connects: ['gm', 'sm'] },
      d: { kind: 'dense', connects: ['sm', 'th'] },
      e: { kind: 'dense', connects: ['th', 'sg'] },
      f: { kind: 'dense', connects: ['sg', 'rp'] },
      p1: { kind: 'polynomialMemory', connects: ['rp'], memories: 2, degree: 1, rectified: true },
      p2: { kind: 'polynomialMemory', connects: ['gm'], memories: 2, degree: 1 },
    },
    seed: 9,
  },
  batch: 2,
  descents: [{ steps: 4, dt: 0.02, clampWhole: [], clampMasks: [], neuronEnergy: true, multirate: false }],
  train: { steps: 2, dt: 0.02, lr: 0.01 },
  edit: (layer, v) => {
    if (layer === 'ln0') v.set([2, 2, 2], 0); // a row of equal entries: x − x̄ = 0, x̂ = δ
    if (layer === 'sp0') v.set([0, 0, 0], 3); // a row of zeros: x̂ = δ
    if (layer === 'gm') v.set([-30, -40, -35], 3); // every logit far below the ghost's 0
  },
};

export const graphCases: readonly GraphCase[] = [elementwise, tokens, conv, edges];
