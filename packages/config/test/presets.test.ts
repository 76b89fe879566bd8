import { thrownBy } from '@hamux-ts/test-support';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { HamuxErrors, tf, type HAM, type States, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { buildFromConfig, configFromHam, configJsonSchema, descendOptionsFromConfig, parseConfig, presets, type Config } from '../src/index.js';

/** Plain numbers of a tensor. */
const values = (t: Tensor): number[] => Array.from(t.dataSync());
const dispose = (s: Readonly<Record<string, Tensor>>) => Object.values(s).forEach((t) => t.dispose());

/** The messages of the `HamuxErrors` thrown by `f` (fails when nothing is thrown). */
const problems = (f: () => unknown): string[] => thrownBy(f, HamuxErrors).errors.map((x) => x.message);

function closeTo(actual: readonly number[], expected: readonly number[], rel = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!)).toBeLessThan(rel * scale));
}

/** The parameters of a HAM as `group.owner.name → shape`. */
function paramShapes(ham: HAM<string, string>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, params] of Object.entries(ham.params[group])) for (const [p, t] of Object.entries(params)) out[`${group}.${owner}.${p}`] = t.shape;
  }
  return out;
}

const lse = (z: readonly number[]) => {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
};
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
/** Row r of a row-major matrix with `cols` columns. */
const row = (m: readonly number[], r: number, cols: number) => m.slice(r * cols, (r + 1) * cols);
/** Column c of a row-major matrix with `cols` columns. */
const col = (m: readonly number[], c: number, cols: number) => m.filter((_, i) => i % cols === c);

interface Case {
  readonly preset: keyof typeof presets & string;
  readonly options: Record<string, unknown>;
  readonly layers: Record<string, number[]>;
  readonly params: Record<string, number[]>;
  /** The parameter count by formula. */
  readonly count: number;
}

// Small sizes, with the formula of each parameter count written out.
const [D, K] = [6, 4];
const [I, H, C] = [7, 5, 3];
const cases: Case[] = [
  {
    preset: 'denseAssociativeMemory',
    options: { features: D, memories: K, degree: 3, gain: 0.7 },
    layers: { visible: [D] },
    params: { 'layers.visible.beta': [], 'synapses.memory.xi': [K, D] },
    count: K * D + 1,
  },
  {
    preset: 'denseAssociativeMemory',
    options: { features: D, memories: K, separation: 'exponential', beta: 0.5 },
    layers: { visible: [D] },
    params: { 'layers.visible.beta': [], 'synapses.memory.xi': [K, D], 'synapses.memory.beta': [] },
    count: K * D + 2,
  },
  {
    preset: 'modernHopfield',
    options: { features: D, memories: K, beta: 3 },
    layers: { visible: [D] },
    params: { 'synapses.memory.xi': [K, D], 'synapses.memory.beta': [] },
    count: K * D + 1,
  },
  {
    preset: 'hiddenMemory',
    options: { features: D, memories: K, beta: 2 },
    layers: { visible: [D], hidden: [K] },
    params: { 'layers.hidden.beta': [], 'synapses.memory.W': [D, K] },
    count: D * K + 1,
  },
  {
    preset: 'hiddenMemory',
    options: { features: D, memories: K, hidden: 'relu' },
    layers: { visible: [D], hidden: [K] },
    params: { 'synapses.memory.W': [D, K] },
    count: D * K,
  },
  {
    preset: 'classifier',
    options: { input: I, hidden: H, labels: C, beta: 2 },
    layers: { input: [I], hidden: [H], label: [C] },
    params: {
      'layers.label.beta': [],
      'synapses.encode.W': [I, H],
      'synapses.encode.b': [H],
      'synapses.classify.W': [H, C],
      'synapses.classify.b': [C],
    },
    count: I * H + H + H * C + C + 1,
  },
  {
    preset: 'classifier',
    options: { input: I, hidden: H, labels: C, bias: false },
    layers: { input: [I], hidden: [H], label: [C] },
    params: { 'layers.label.beta': [], 'synapses.encode.W': [I, H], 'synapses.classify.W': [H, C] },
    count: I * H + H * C + 1,
  },
  {
    // 9×8×2 image, 3×3 kernel 'valid' → 7×6×4, pool 2 → 3×3×4, 5 memories.
    preset: 'convHierarchical',
    options: { image: [9, 8, 2], channels: 4, kernel: 3, pool: 2, memories: 5 },
    layers: { image: [9, 8, 2], features: [7, 6, 4], pooled: [3, 3, 4], memories: [5] },
    params: { 'layers.pooled.beta': [], 'layers.memories.beta': [], 'synapses.conv.W': [3, 3, 2, 4], 'synapses.recall.W': [3 * 3 * 4, 5] },
    count: 3 * 3 * 2 * 4 + 3 * 3 * 4 * 5 + 2,
  },
  {
    // 'same' padding keeps 9×8, pool 3 → 3×2.
    preset: 'convHierarchical',
    options: { image: [9, 8, 1], channels: 2, kernel: 5, padding: 'same', pool: 3, memories: 3 },
    layers: { image: [9, 8, 1], features: [9, 8, 2], pooled: [3, 2, 2], memories: [3] },
    params: { 'layers.pooled.beta': [], 'layers.memories.beta': [], 'synapses.conv.W': [5, 5, 1, 2], 'synapses.recall.W': [3 * 2 * 2, 3] },
    count: 5 * 5 * 1 * 2 + 3 * 2 * 2 * 3 + 2,
  },
  {
    // 4×6×2 image, patch 2 → N = 2·3 = 6 tokens of P = 2·2·2 = 8; D 8, 2 heads of 3, 10 memories.
    preset: 'energyTransformer',
    options: { image: [4, 6, 2], patch: 2, dim: 8, heads: 2, headDim: 3, memories: 10 },
    layers: { patches: [6, 8], tokens: [6, 8] },
    params: {
      'layers.tokens.gamma': [],
      'layers.tokens.delta': [8],
      'synapses.embed.W': [8, 8],
      'synapses.position.b': [6, 8],
      'synapses.attention.Wk': [2, 3, 8],
      'synapses.attention.Wq': [2, 3, 8],
      'synapses.attention.beta': [],
      'synapses.hopfield.xi': [10, 8],
    },
    count: 8 * 8 + 6 * 8 + 2 * (2 * 3 * 8) + 1 + 10 * 8 + 1 + 8,
  },
];

function build(c: Case): { config: Config; ham: HAM<string, string> } {
  const config = (presets[c.preset] as (o: unknown) => Config)(c.options);
  return { config, ham: buildFromConfig(config) };
}

describe('every preset', () => {
  for (const c of cases) {
    describe(`${c.preset} ${JSON.stringify(c.options)}`, () => {
      it('has the documented layers, parameter shapes and parameter count', () => {
        const { ham } = build(c);
        expect(Object.fromEntries(ham.layerNames.map((l) => [l, [...ham.layers[l]!.shape]]))).toEqual(c.layers);
        expect(paramShapes(ham)).toEqual(c.params);
        expect(ham.numParams).toBe(c.count);
        expect(ham.warnings).toEqual([]);
        ham.dispose();
      });

      it('gives finite energies, and closed-form ∂E/∂x̂ agrees with autodiff', () => {
        const { ham } = build(c);
        const states = ham.randomStates(2, 3, 0.5);
        const { energy, dEdxhat } = ham.energyAndDEdxhat(states);
        const reference = ham.dEdxhat(states, { method: 'autodiff' });
        expect(values(energy).every(Number.isFinite)).toBe(true);
        for (const l of ham.layerNames) {
          expect(dEdxhat[l]!.shape).toEqual([2, ...c.layers[l]!]);
          closeTo(values(dEdxhat[l]!), values(reference[l]!));
        }
        [energy].forEach((t) => t.dispose());
        [states, dEdxhat, reference].forEach(dispose);
        ham.dispose();
      });

      it('round-trips through JSON: the preset form and the written-out config build the same graph', () => {
        const { config, ham } = build(c);
        const form = JSON.parse(JSON.stringify({ $schema: '../hamux.schema.json', preset: c.preset, options: c.options })) as unknown;
        expect(parseConfig(form)).toEqual(config);
        expect(descendOptionsFromConfig(form)).toEqual(descendOptionsFromConfig(config));
        const fromForm = buildFromConfig(form);
        const fromText = buildFromConfig(JSON.parse(JSON.stringify(config)) as unknown);
        const states = ham.randomStates(2, 5);
        const e = values(ham.energy(states));
        for (const other of [fromForm, fromText]) {
          expect(paramShapes(other)).toEqual(paramShapes(ham));
          expect(values(other.energy(states))).toEqual(e);
          other.dispose();
        }
        // The HAM gives back the same config.
        const clamp = Object.fromEntries(Object.entries(config.layers).map(([n, l]) => [n, l.clamp]));
        expect(configFromHam(ham, { clamp, ...(config.scheduler ? { scheduler: config.scheduler } : {}) })).toEqual(config);
        dispose(states);
        ham.dispose();
      });
    });
  }

  it('does not leak tensors', () => {
    const before = tf.memory().numTensors;
    for (const c of cases) {
      const { ham } = build(c);
      const states = ham.randomStates(1, 0);
      tf.tidy(() => {
        ham.energyAndDEdxhat(states);
      });
      dispose(states);
      ham.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** One sample's states and parameters as plain numbers. */
function numbers(ham: HAM<string, string>, states: States<string>) {
  const x = Object.fromEntries(ham.layerNames.map((l) => [l, values(states[l]!)]));
  const p = (group: 'layers' | 'synapses', owner: string, name: string) => values(ham.params[group][owner]![name]!);
  return { x, p };
}

/** `ham.energy` of one random sample, and the sample as numbers. */
function energyOf(ham: HAM<string, string>, seed = 1) {
  const states = ham.randomStates(1, seed, 0.7);
  const e = ham.energy(states);
  const out = { energy: values(e)[0]!, ...numbers(ham, states) };
  e.dispose();
  dispose(states);
  return out;
}

describe('energies against the formulas (float64 references)', () => {
  it('denseAssociativeMemory: Σ (x̂x − log cosh(gx)/g) − Σ_μ F(ξ_μ·x̂), polynomial and exponential', () => {
    for (const [options, F] of [
      [{ degree: 3, gain: 0.7 }, (z: number) => z ** 3 / 3],
      [{ degree: 4, rectified: true }, (z: number) => Math.max(z, 0) ** 4 / 4],
      [{ separation: 'exponential', beta: 0.5, gain: 2 }, (z: number) => Math.exp(0.5 * z) / 0.5],
    ] as const) {
      const ham = buildFromConfig(presets.denseAssociativeMemory({ features: D, memories: K, ...options }));
      const { energy, x, p } = energyOf(ham);
      const g = 'gain' in options ? options.gain : 1;
      const v = x['visible']!;
      const vhat = v.map((s) => Math.tanh(g * s));
      const xi = p('synapses', 'memory', 'xi');
      const neuron = v.reduce((s, xi_, i) => s + vhat[i]! * xi_ - Math.log(Math.cosh(g * xi_)) / g, 0);
      const memory = -Array.from({ length: K }, (_, m) => F(dot(row(xi, m, D), vhat))).reduce((a, b) => a + b, 0);
      closeTo([energy], [neuron + memory]);
      ham.dispose();
    }
  });

  it('modernHopfield: ½‖x‖² − (1/β) log Σ_μ exp(β ξ_μ·x)', () => {
    const ham = buildFromConfig(presets.modernHopfield({ features: D, memories: K, beta: 3 }));
    const { energy, x, p } = energyOf(ham);
    const v = x['visible']!;
    const xi = p('synapses', 'memory', 'xi');
    const expected = 0.5 * dot(v, v) - lse(Array.from({ length: K }, (_, m) => 3 * dot(row(xi, m, D), v))) / 3;
    closeTo([energy], [expected]);
    ham.dispose();
  });

  it('hiddenMemory: ½‖v‖² + (ĥ·h − lse(βh)/β) − vᵀWĥ, and relu', () => {
    for (const hidden of ['softmax', 'relu'] as const) {
      const beta = 2;
      const ham = buildFromConfig(presets.hiddenMemory({ features: D, memories: K, hidden, ...(hidden === 'softmax' ? { beta } : {}) }));
      const { energy, x, p } = energyOf(ham);
      const [v, h] = [x['visible']!, x['hidden']!];
      const W = p('synapses', 'memory', 'W');
      let hhat: number[], neuronH: number;
      if (hidden === 'softmax') {
        const z = lse(h.map((s) => beta * s));
        hhat = h.map((s) => Math.exp(beta * s - z));
        neuronH = dot(hhat, h) - z / beta;
      } else {
        hhat = h.map((s) => Math.max(s, 0));
        neuronH = 0.5 * dot(hhat, hhat);
      }
      const synapse = -v.reduce((s, vi, i) => s + vi * dot(row(W, i, K), hhat), 0);
      closeTo([energy], [0.5 * dot(v, v) + neuronH + synapse]);
      ham.dispose();
    }
  });

  it('classifier: input, relu hidden and softmax label with two dense-with-bias synapses', () => {
    const ham = buildFromConfig(presets.classifier({ input: I, hidden: H, labels: C, beta: 2 }));
    const states = ham.randomStates(1, 1, 0.7);
    // Non-zero biases, so that the bias terms are tested too.
    const params = {
      layers: ham.params.layers,
      synapses: {
        encode: { W: ham.params.synapses['encode']!['W']!, b: tf.tensor1d([0.3, -0.2, 0.1, 0.5, -0.4]) },
        classify: { W: ham.params.synapses['classify']!['W']!, b: tf.tensor1d([0.2, -0.1, 0.4]) },
      },
    };
    const energy = values(ham.energy(states, { params }))[0]!;
    const { x, p } = numbers(ham, states);
    const [u, h, y] = [x['input']!, x['hidden']!, x['label']!];
    const [W1, W2] = [p('synapses', 'encode', 'W'), p('synapses', 'classify', 'W')];
    const [b1, b2] = [values(params.synapses.encode.b), values(params.synapses.classify.b)];
    const r = h.map((s) => Math.max(s, 0));
    const z = lse(y.map((s) => 2 * s));
    const yhat = y.map((s) => Math.exp(2 * s - z));
    const expected =
      0.5 * dot(u, u) + 0.5 * dot(r, r) + (dot(yhat, y) - z / 2) -
      Array.from({ length: H }, (_, j) => dot(u, col(W1, j, H)) * r[j]!).reduce((a, b) => a + b, 0) - dot(b1, r) -
      Array.from({ length: C }, (_, k) => dot(r, col(W2, k, C)) * yhat[k]!).reduce((a, b) => a + b, 0) - dot(b2, yhat);
    closeTo([energy], [expected]);
    tf.dispose([params.synapses.encode.b, params.synapses.classify.b]);
    dispose(states);
    ham.dispose();
  });

  it('energyTransformer: embed is −Σ_n patcĥ_n W token̂_n, one W for every token; position is −Σ b⊙token̂', () => {
    const ham = buildFromConfig(presets.energyTransformer({ image: [4, 6, 2], patch: 2, dim: 8, heads: 2, memories: 10, seed: 4 }));
    const states = ham.randomStates(1, 2);
    const b = tf.randomNormal([6, 8], 0, 0.3, 'float32', 7);
    const params = { layers: ham.params.layers, synapses: { ...ham.params.synapses, position: { b } } };
    const tree = ham.energyTree(states, { params });
    const xhat = ham.activations(states, { params });
    const [patches, tokens] = [values(xhat['patches']!), values(xhat['tokens']!)];
    const W = values(ham.params.synapses['embed']!['W']!); // [P = 8, D = 8]
    let embed = 0;
    for (let n = 0; n < 6; n++) {
      for (let d = 0; d < 8; d++) embed -= dot(row(patches, n, 8), col(W, d, 8)) * tokens[n * 8 + d]!;
    }
    closeTo(values(tree.synapses['embed']!), [embed]);
    closeTo(values(tree.synapses['position']!), [-dot(values(b), tokens)]);
    [tree.layers, tree.synapses, xhat, states].forEach(dispose);
    tree.total.dispose();
    b.dispose();
    ham.dispose();
  });
});

describe('the per-token dense synapse ({ kind: "dense", perToken: true })', () => {
  const config = (perToken: boolean, a: number[], b: number[]) =>
    ({
      layers: { a: { shape: a, lagrangian: { kind: 'identity' } }, b: { shape: b, lagrangian: { kind: 'identity' } } },
      synapses: { s: { kind: 'dense', connects: ['a', 'b'], perToken } },
      seed: 3,
    }) as const;

  it('on [N, D₁] × [N, D₂]: energy and both signals against a float64 loop, and against autodiff', () => {
    const ham = buildFromConfig(config(true, [3, 4], [3, 5]));
    expect(ham.params.synapses['s']!['W']!.shape).toEqual([4, 5]);
    const states = ham.randomStates(2, 1);
    const tree = ham.energyTree(states);
    const signals = ham.dEdxhat(states, { neuronEnergy: false });
    const autodiff = ham.dEdxhat(states, { neuronEnergy: false, method: 'autodiff' });
    const W = values(ham.params.synapses['s']!['W']!);
    const [a, b] = [values(states['a']!), values(states['b']!)];
    for (let s = 0; s < 2; s++) {
      let e = 0;
      const ga = new Array<number>(12).fill(0), gb = new Array<number>(15).fill(0);
      for (let n = 0; n < 3; n++) {
        for (let i = 0; i < 4; i++) {
          for (let j = 0; j < 5; j++) {
            const [ai, bj, w] = [a[(s * 3 + n) * 4 + i]!, b[(s * 3 + n) * 5 + j]!, W[i * 5 + j]!];
            e -= ai * w * bj;
            ga[n * 4 + i]! -= w * bj;
            gb[n * 5 + j]! -= ai * w;
          }
        }
      }
      closeTo([values(tree.synapses['s']!)[s]!], [e]);
      closeTo(values(signals['a']!).slice(s * 12, (s + 1) * 12), ga);
      closeTo(values(signals['b']!).slice(s * 15, (s + 1) * 15), gb);
    }
    for (const l of ['a', 'b'] as const) closeTo(values(signals[l]!), values(autodiff[l]!));
    [tree.layers, tree.synapses, signals, autodiff, states].forEach(dispose);
    tree.total.dispose();
    ham.dispose();
  });

  it('on vectors it is the flattening dense synapse', () => {
    const [token, flat] = [buildFromConfig(config(true, [4], [5])), buildFromConfig(config(false, [4], [5]))];
    const states = token.randomStates(3, 2);
    expect(values(token.energy(states))).toEqual(values(flat.energy(states)));
    dispose(states);
    [token, flat].forEach((h) => h.dispose());
  });

  it('rejects layers whose token axes differ, naming both shapes', () => {
    expect(problems(() => buildFromConfig(config(true, [3, 4], [2, 5])))).toEqual([
      'synapses.s: dense between "a" [3, 4] and "b" [2, 5]: perToken needs the same leading (token) axes in both layers, got [3] and [2]',
    ]);
  });
});

describe('Energy Transformer inpainting', () => {
  it('clamped patches stay, masked patches relax to the unembedding W·token̂ of their token', () => {
    const ham = buildFromConfig(presets.energyTransformer({ image: [4, 4, 1], patch: 2, dim: 8, heads: 2, memories: 16 }));
    const init = ham.randomStates(2, 0, 0.5);
    // Tokens 0 and 3 visible (clamped), 1 and 2 masked.
    const mask = tf.tensor2d([1, 0, 0, 1].flatMap((m) => [m, m, m, m]), [4, 4]);
    const result = descendSync(ham, init, { clamp: { patches: mask }, maxSteps: 2000, tolerance: { grad: 1e-4 } });
    expect(result.converged).toBe(true);
    for (const e of result.energies) for (let i = 1; i < e.length; i++) expect(e[i]!).toBeLessThanOrEqual(e[i - 1]! + 1e-5 * (1 + Math.abs(e[i - 1]!)));
    const [before, after] = [values(init['patches']!), values(result.states['patches']!)];
    const tokens = ham.activations(result.states)['tokens']!;
    const decoded = values(tf.matMul(tf.reshape(tokens, [8, 8]), ham.params.synapses['embed']!['W']!, false, true)); // [B·N, P]
    for (let s = 0; s < 2; s++) {
      for (let n = 0; n < 4; n++) {
        for (let e = 0; e < 4; e++) {
          const i = (s * 4 + n) * 4 + e;
          if (n === 0 || n === 3) expect(after[i]).toBe(before[i]);
          else expect(Math.abs(after[i]! - decoded[i]!)).toBeLessThan(1e-3);
        }
      }
    }
    [init, result.states].forEach(dispose);
    mask.dispose();
    ham.dispose();
  });
});

describe('preset options', () => {
  it('apply the common options: seed, scheduler, tau, clamp', () => {
    const config = presets.classifier({
      input: 4, hidden: 3, labels: 2, seed: 9, scheduler: { mode: 'fixed', dt: 0.05 }, tau: { label: 0.2 }, clamp: { input: false, label: true },
    });
    expect(config.seed).toBe(9);
    expect(config.scheduler).toEqual({ mode: 'fixed', dt: 0.05 });
    expect([config.layers.input.tau, config.layers.hidden.tau, config.layers.label.tau]).toEqual([1, 0.5, 0.2]);
    expect([config.layers.input.clamp, config.layers.hidden.clamp, config.layers.label.clamp]).toEqual([false, undefined, true]);
    const defaults = presets.classifier({ input: 4, hidden: 3, labels: 2 });
    expect(defaults.seed).toBe(0);
    expect(defaults.layers.input.clamp).toBe(true);
    expect(defaults.scheduler).toEqual({ mode: 'adaptive', maxSteps: 300 });
  });

  it('fill the documented defaults', () => {
    const et = presets.energyTransformer({ image: [28, 28, 1], patch: 7 });
    expect(et.layers.patches.shape).toEqual([16, 49]);
    expect(et.layers.tokens.shape).toEqual([16, 64]);
    expect(et.synapses.attention).toMatchObject({ heads: 4, headDim: 16, beta: 0.25, maskSelf: false });
    expect(et.synapses.hopfield).toMatchObject({ memories: 256, perToken: true });
    expect(presets.energyTransformer({ image: [8, 8, 3], patch: 4, dim: 10, heads: 3 }).synapses.attention).toMatchObject({ headDim: 3 });
    expect(presets.denseAssociativeMemory({ features: 3, memories: 2 }).synapses.memory).toMatchObject({ kind: 'polynomialMemory', degree: 3, rectified: false });
    expect(presets.hiddenMemory({ features: 3, memories: 2 }).layers.hidden).toMatchObject({ lagrangian: { kind: 'softmax', beta: 1 }, tau: 0.1 });
    expect(presets.convHierarchical({ image: [28, 28, 1] }).layers.memories.shape).toEqual([64]);
    expect(presets.convHierarchical({ image: [28, 28, 1] }).layers.pooled.shape).toEqual([13, 13, 8]);
  });

  it('take learnable Lagrangian parameters', () => {
    const ham = buildFromConfig(presets.modernHopfield({ features: 3, memories: 2, beta: { value: 2, learnable: true } }));
    expect(ham.paramSpecs.synapses.memory.beta?.learnable).toBe(true);
    ham.dispose();
  });

  it('are checked in code, each problem at options.<key>', () => {
    const bad = { input: 0, hidden: 2.5, labels: 10, tau: { hiden: 1 } } as unknown as Parameters<typeof presets.classifier>[0];
    expect(problems(() => presets.classifier(bad))).toEqual([
      'options.input: expected a positive integer, got 0',
      'options.hidden: expected a positive integer, got 2.5',
      'options.tau: unknown key "hiden" (did you mean "hidden"?) (expected: input, hidden, label)',
    ]);
    expect(problems(() => presets.denseAssociativeMemory({ features: 3, memories: 2, separation: 'exponential', degree: 3 }))).toEqual([
      'options.degree: applies to "separation": "polynomial" only',
    ]);
    expect(problems(() => presets.denseAssociativeMemory({ features: 3, memories: 2, degree: 2.5 }))).toEqual([
      'options.degree: expected an integer (or "rectified": true), got 2.5',
    ]);
    expect(problems(() => presets.denseAssociativeMemory({ features: 3, memories: 2, beta: 2 }))).toEqual([
      'options.beta: applies to "separation": "exponential" only',
    ]);
    expect(problems(() => presets.hiddenMemory({ features: 3, memories: 2, hidden: 'relu', beta: 2 }))).toEqual([
      'options.beta: applies to "hidden": "softmax" only',
    ]);
    expect(problems(() => presets.energyTransformer({ image: [28, 28, 1], patch: 5 }))).toEqual([
      'options.patch: patches of 5×5 do not tile an image of 28×28 (the patch side must divide both)',
    ]);
    expect(problems(() => presets.energyTransformer({ image: [2, 2, 1], patch: 2, maskSelf: true }))).toEqual(['options.maskSelf: needs at least 2 patches']);
    expect(problems(() => presets.convHierarchical({ image: [4, 4, 1], kernel: 5 }))).toEqual([
      'options.kernel: a 5×5 kernel with padding valid does not fit in an image [4, 4, 1]',
    ]);
    expect(problems(() => presets.convHierarchical({ image: [4, 4, 1], pool: 3 }))).toEqual([
      'options.pool: a 3×3 pool does not fit in the 2×2 feature maps of an image [4, 4, 1]',
    ]);
    expect(problems(() => presets.modernHopfield({ features: 3, memories: 2, scheduler: { mode: 'slow' as 'fixed' } }))).toEqual([
      'options.scheduler.mode: expected "adaptive" or "fixed", got "slow"',
    ]);
  });

  it('are checked in a JSON config at the same paths; the preset name is checked too', () => {
    expect(problems(() => buildFromConfig({ preset: 'classifier', options: { input: 3, hidden: -1, labels: 2 } }))).toEqual([
      'options.hidden: expected a positive integer, got -1',
    ]);
    expect(problems(() => parseConfig({ preset: 'clasifier', options: {} }))[0]).toBe(
      'preset: unknown preset "clasifier" (did you mean "classifier"?) (expected one of: denseAssociativeMemory, modernHopfield, hiddenMemory, classifier, convHierarchical, energyTransformer)',
    );
    expect(problems(() => parseConfig({ preset: 'classifier' }))).toEqual(['options: missing: expected the options of classifier']);
    expect(problems(() => parseConfig({ preset: 'classifier', options: { input: 3, hidden: 2, labels: 2 }, layers: {} }))).toEqual([
      'unknown key "layers" (expected: $schema, preset, options)',
    ]);
    expect(problems(() => parseConfig({ preset: 'energyTransformer', options: { image: [28, 28], patch: 7 } }))).toEqual([
      'options.image: expected [height, width, channels], three positive integers',
    ]);
  });

  it('type the layer and synapse names of the built HAM', () => {
    const config = presets.classifier({ input: 4, hidden: 3, labels: 2 });
    expectTypeOf(config).toExtend<Config>();
    const ham = buildFromConfig(config);
    expectTypeOf(ham).toEqualTypeOf<HAM<'input' | 'hidden' | 'label', 'encode' | 'classify'>>();
    expectTypeOf(buildFromConfig(presets.energyTransformer({ image: [4, 4, 1], patch: 2 }))).toEqualTypeOf<
      HAM<'patches' | 'tokens', 'embed' | 'position' | 'attention' | 'hopfield'>
    >();
    ham.dispose();
  });

  it('are described in the JSON Schema, each with its options', () => {
    const schema = configJsonSchema() as { anyOf: [unknown, { oneOf: { properties: { preset: { const: string }; options: { properties: object } } }[] }] };
    const forms = schema.anyOf[1].oneOf;
    expect(forms.map((f) => f.properties.preset.const)).toEqual(presets.presetNames);
    const classifier = forms.find((f) => f.properties.preset.const === 'classifier')!;
    expect(Object.keys(classifier.properties.options.properties)).toEqual(['input', 'hidden', 'labels', 'beta', 'bias', 'seed', 'scheduler', 'tau', 'clamp']);
  });
});
