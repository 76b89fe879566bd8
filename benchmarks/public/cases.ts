// The graphs of the public benchmark, built only through public entry points (the hypergraph
// builder of @hamux-ts/core and the `classifier` preset of @hamux-ts/config). The parent process
// builds them once (seeded) and writes their parameters and start states to a folder; every worker,
// hamux-ts and PyTorch alike, loads those same numbers.
import { hypergraph, lagrangians as L, synapses as Y, type HAM, type ParamTree } from '@hamux-ts/core';
import { buildFromConfig, presets } from '@hamux-ts/config';

export type AnyHam = HAM<string, string>;

/** A relaxation case: `descendSync(ham, states, { mode: 'fixed', dt, maxSteps, clamp, neuronEnergy, runtime })`, `runtime` from `useBackend`. */
export interface RelaxCase {
  readonly id: 'a' | 'b' | 'c' | 'tiny';
  readonly title: string;
  readonly batch: number;
  readonly dt: number;
  readonly neuronEnergy: boolean;
  /** Layers clamped whole (what a user of this graph clamps). */
  readonly clamp: readonly string[];
  /** Seed and standard deviation of the start states (`ham.randomStates`). */
  readonly stateSeed: number;
  readonly stateStd: number;
  readonly build: (params?: ParamTree) => AnyHam;
}

const withParams = (seed: number, params?: ParamTree) => (params ? { seed, params } : { seed });

// The graphs of cases (a)–(c) at any size (benchmarks/gpu runs them full-size and small), each with
// the seed of its case: the same sizes give the same weights.

/** (a)'s graph: `v` [features] identity + `modernHopfield` (β 0.05) with `memories` patterns. */
export function denseMemory(size: { features: number; memories: number }, params?: ParamTree): AnyHam {
  return hypergraph()
    .layer('v', { shape: [size.features], lagrangian: L.identity() })
    .synapse('mem', Y.modernHopfield({ memories: size.memories, beta: 0.05 }), ['v'])
    .build(withParams(1, params)) as AnyHam;
}

/** (b)'s graph: `pixels` identity — `dense` — `features` tanh (β 1, τ 0.5) — `dense` — `memories` softmax (β 4, τ 0.1). */
export function hierarchy(size: { pixels: number; features: number; memories: number }, params?: ParamTree): AnyHam {
  return hypergraph()
    .layer('pixels', { shape: [size.pixels], lagrangian: L.identity() })
    .layer('features', { shape: [size.features], lagrangian: L.tanh({ beta: 1 }), tau: 0.5 })
    .layer('memories', { shape: [size.memories], lagrangian: L.softmax({ beta: 4 }), tau: 0.1 })
    .synapse('encode', Y.dense(), ['pixels', 'features'])
    .synapse('recall', Y.dense(), ['features', 'memories'])
    .build(withParams(2, params)) as AnyHam;
}

/** (c)'s graph, an Energy Transformer block: `t` [tokens, width] layernorm, `energyAttention` + per-token `reluSquaredMemory`. */
export function energyTransformer(
  size: { tokens: number; width: number; heads: number; headDim: number; memories: number },
  params?: ParamTree,
): AnyHam {
  return hypergraph()
    .layer('t', { shape: [size.tokens, size.width], lagrangian: L.layernorm() })
    .synapse('att', Y.energyAttention({ heads: size.heads, headDim: size.headDim }), ['t'])
    .synapse('mem', Y.reluSquaredMemory({ memories: size.memories, perToken: true }), ['t'])
    .build(withParams(3, params)) as AnyHam;
}

export const RELAX: readonly RelaxCase[] = [
  {
    id: 'a',
    title: '(a) dense memory 784 → 1000 (modern Hopfield, β 0.05), batch 64',
    batch: 64, dt: 0.1, neuronEnergy: true, clamp: [], stateSeed: 101, stateStd: 0.5,
    build: (params) => denseMemory({ features: 784, memories: 1000 }, params),
  },
  {
    // The README's three-layer memory ("A three-layer memory in fifteen lines"), pixels clamped.
    id: 'b',
    title: '(b) hierarchy 784 → 256 (tanh) → 64 (softmax), pixels clamped, batch 64',
    batch: 64, dt: 0.05, neuronEnergy: true, clamp: ['pixels'], stateSeed: 102, stateStd: 0.5,
    build: (params) => hierarchy({ pixels: 784, features: 256, memories: 64 }, params),
  },
  {
    id: 'c',
    title: '(c) Energy Transformer block 64×128, 4 heads × 32, 256 memories, batch 8',
    batch: 8, dt: 0.1, neuronEnergy: false, clamp: [], stateSeed: 103, stateStd: 1,
    build: (params) => energyTransformer({ tokens: 64, width: 128, heads: 4, headDim: 32, memories: 256 }, params),
  },
  {
    id: 'tiny',
    title: 'tiny graph: 16 (identity) — 16 (softmax), dense, batch 1',
    batch: 1, dt: 0.1, neuronEnergy: true, clamp: [], stateSeed: 104, stateStd: 0.5,
    build: (params) => hypergraph()
      .layer('v', { shape: [16], lagrangian: L.identity() })
      .layer('h', { shape: [16], lagrangian: L.softmax() })
      .synapse('W', Y.dense(), ['v', 'h'])
      .build(withParams(4, params)) as AnyHam,
  },
];

/** The training case: preset `classifier` (784 — 256 relu — 10 softmax, denseBias), as the MNIST example trains it. */
export const TRAIN = {
  title: 'training step: classifier 784–256–10, 8 unrolled steps, cross-entropy, Adam, batch 64',
  batch: 64,
  steps: 8,
  dt: 0.1,
  learningRate: 2e-3,
  /** Seeds of the inputs (uniform in [0, 1), like pixels) and of the labels. */
  dataSeed: 105,
  build: (params?: ParamTree) =>
    buildFromConfig(presets.classifier({ input: 784, hidden: 256, labels: 10, seed: 5 }), params ? { params } : {}) as AnyHam,
} as const;
