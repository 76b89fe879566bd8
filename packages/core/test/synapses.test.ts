import { describe, expect, it } from 'vitest';
import { thrownBy } from '@hamux-ts/test-support';
import {
  tf,
  hypergraph,
  lagrangians as L,
  synapses as Y,
  defineHypersynapse,
  HamuxErrors,
  learnable,
  normal,
  sumPerSample,
  type GraphBuilder,
  type HAM,
  type Hypersynapse,
  type Init,
  type States,
  type Tensor,
} from '@hamux-ts/core';
import * as R from './helpers/synapse-reference.js';

// ---------------------------------------------------------------------------------------------
// Plumbing: build a one-synapse graph, read states and parameters back as float64 arrays.
// ---------------------------------------------------------------------------------------------

type Flat = Record<string, number[]>;
type AnyHam = HAM<string, string>;

/**
 * One synapse under test: the layers it connects (in declaration order), how it is connected, and an
 * independent float64 reference of its energy for ONE sample, from each layer's flat x̂ and the
 * synapse's flat parameters.
 */
interface Case {
  name: string;
  layers: Record<string, number[]>;
  connects: string[];
  synapse: () => Hypersynapse;
  ref: (x: Flat, p: Flat) => number;
  /** Std of the random states (default 1). */
  std?: number;
}

/** Every layer with the identity Lagrangian (x̂ = x) unless told otherwise; the synapse is named `s`. */
function buildCase(c: Case, seed = 11, lagrangian = () => L.identity()): AnyHam {
  let g = hypergraph() as unknown as GraphBuilder<string, string>;
  for (const [name, shape] of Object.entries(c.layers)) g = g.layer(name, { shape, lagrangian: lagrangian() });
  return g.synapse('s', c.synapse(), c.connects).build({ seed, isolatedLayers: 'allow' });
}

/** A tensor's values as a flat float64 array (via arraySync, so scalars work too). */
function flat(t: Tensor): number[] {
  return ([t.arraySync()] as unknown[]).flat(Infinity) as number[];
}

/** A synapse's parameters as flat float64 arrays. */
function readParams(ham: AnyHam, name = 's'): Flat {
  return Object.fromEntries(Object.entries(ham.params.synapses[name] ?? {}).map(([k, t]) => [k, flat(t)]));
}

/** `[B, ...]` → B flat arrays. */
function perSample(t: Tensor): number[][] {
  const b = t.shape[0]!;
  const all = flat(t);
  const n = all.length / b;
  return Array.from({ length: b }, (_, i) => all.slice(i * n, (i + 1) * n));
}

/** The states of sample `b`, one flat array per layer. */
function sampleOf(states: States<string>, b: number): Flat {
  return Object.fromEntries(Object.entries(states).map(([n, t]) => [n, perSample(t)[b]!]));
}

function disposeStates(states: Readonly<Record<string, Tensor>>): void {
  for (const t of Object.values(states)) t.dispose();
}

/** Per-sample energy of synapse `name`, from `energyTree`. */
function synapseEnergy(ham: AnyHam, states: States<string>, name = 's'): number[] {
  return tf.tidy(() => flat(ham.energyTree(states).synapses[name]!));
}

/** `∂E_syn/∂x̂` of one layer for every sample: the graph's `∂E/∂x̂` minus x (identity layers only). */
function synapseGrad(ham: AnyHam, states: States<string>, layer: string, method: 'auto' | 'autodiff'): number[][] {
  return tf.tidy(() => perSample(tf.sub(ham.dEdxhat(states, { method })[layer]!, states[layer]!)));
}

/** Asserts `got ≈ want` entry by entry within `atol + rtol·|want|`, with a message naming the worst entry. */
function expectClose(got: readonly number[], want: readonly number[], atol: number, rtol: number, what: string): void {
  const w = R.worstError(got, want, atol, rtol);
  expect(
    w.ratio,
    `${what}: worst entry ${w.at}: got ${w.got}, want ${w.want} (atol ${atol.toExponential(1)}, rtol ${rtol.toExponential(1)})`,
  ).toBeLessThanOrEqual(1);
}

const maxAbs = (v: readonly number[]): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** A wider initialiser for attention weights, so that the attention is far from uniform in tests. */
const wide: Init = { type: 'normal', std: 0.5 };

// ---------------------------------------------------------------------------------------------
// The cases: every built-in synapse, with the float64 reference of math.md §2.
// ---------------------------------------------------------------------------------------------

function convCase(
  label: string,
  aShape: [number, number, number],
  kernel: number | [number, number],
  cout: number,
  stride: number | [number, number],
  padding: R.Pad,
  bShape: [number, number, number],
): Case {
  const k: [number, number] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  const s: [number, number] = typeof stride === 'number' ? [stride, stride] : stride;
  return {
    name: `conv2d ${label}`,
    layers: { a: aShape, b: bShape },
    connects: ['a', 'b'],
    synapse: () => Y.conv2d({ kernel, stride, padding }),
    ref: (x, p) => {
      const { out, shape } = R.conv2dRef(x['a']!, aShape, p['W']!, [k[0], k[1], aShape[2], cout], s, padding);
      // The hand-written output shape must agree with the reference's own geometry.
      if (shape.join() !== bShape.join()) throw new Error(`reference conv gives [${shape}], case says [${bShape}]`);
      return -R.dot(x['b']!, out);
    },
  };
}

function poolCase(
  label: string,
  aShape: [number, number, number],
  size: number | [number, number],
  stride: number | [number, number] | undefined,
  padding: R.Pad | undefined,
  bShape: [number, number, number],
): Case {
  const k: [number, number] = typeof size === 'number' ? [size, size] : size;
  const st = stride ?? size;
  const s: [number, number] = typeof st === 'number' ? [st, st] : st;
  return {
    name: `avgPool ${label}`,
    layers: { a: aShape, b: bShape },
    connects: ['a', 'b'],
    synapse: () => Y.avgPool({ size, ...(stride !== undefined ? { stride } : {}), ...(padding !== undefined ? { padding } : {}) }),
    ref: (x) => {
      const { out, shape } = R.avgPoolRef(x['a']!, aShape, k, s, padding ?? 'valid');
      if (shape.join() !== bShape.join()) throw new Error(`reference pool gives [${shape}], case says [${bShape}]`);
      return -R.dot(x['b']!, out);
    },
  };
}

function memoryCases(): Case[] {
  const cases: Case[] = [];
  const K = 5;
  for (const degree of [2, 3, 4]) {
    for (const rectified of [false, true]) {
      cases.push({
        name: `polynomialMemory degree ${degree}${rectified ? ' rectified' : ''}`,
        layers: { x: [6] },
        connects: ['x'],
        synapse: () => Y.polynomialMemory({ memories: K, degree, rectified }),
        ref: (x, p) => R.polynomialEnergy(x['x']!, p['xi']!, K, degree, rectified),
      });
    }
  }
  cases.push({
    name: 'polynomialMemory degree 2.5 rectified (non-integer)',
    layers: { x: [6] },
    connects: ['x'],
    synapse: () => Y.polynomialMemory({ memories: K, degree: 2.5, rectified: true }),
    ref: (x, p) => R.polynomialEnergy(x['x']!, p['xi']!, K, 2.5, true),
  });
  for (const beta of [1, 0.5]) {
    cases.push({
      name: `exponentialMemory beta ${beta}`,
      layers: { x: [6] },
      connects: ['x'],
      synapse: () => Y.exponentialMemory({ memories: K, beta }),
      ref: (x, p) => R.exponentialEnergy(x['x']!, p['xi']!, K, beta),
    });
  }
  cases.push({
    name: 'exponentialMemory default beta (= 1, math.md: −Σ exp(ξ·x̂))',
    layers: { x: [6] },
    connects: ['x'],
    synapse: () => Y.exponentialMemory({ memories: K }),
    ref: (x, p) => {
      let e = 0;
      for (const row of R.overlaps(x['x']!, p['xi']!, K)) for (const z of row) e -= Math.exp(z);
      return e;
    },
  });
  for (const beta of [1, 4]) {
    cases.push({
      name: `modernHopfield beta ${beta}`,
      layers: { x: [6] },
      connects: ['x'],
      synapse: () => Y.modernHopfield({ memories: K, beta }),
      ref: (x, p) => R.modernHopfieldEnergy(x['x']!, p['xi']!, K, beta),
    });
  }
  cases.push({
    name: 'reluSquaredMemory',
    layers: { x: [6] },
    connects: ['x'],
    synapse: () => Y.reluSquaredMemory({ memories: K }),
    ref: (x, p) => R.reluSquaredEnergy(x['x']!, p['xi']!, K),
  });
  // A 2-D layer seen whole (flattened, D = 12) and token by token (D = 4, 3 tokens).
  cases.push({
    name: 'modernHopfield on [3, 4] flattened',
    layers: { x: [3, 4] },
    connects: ['x'],
    synapse: () => Y.modernHopfield({ memories: K, beta: 2 }),
    ref: (x, p) => {
      if (p['xi']!.length !== K * 12) throw new Error('xi should be [K, 12]');
      return R.modernHopfieldEnergy(x['x']!, p['xi']!, K, 2);
    },
  });
  const perToken: [string, () => Hypersynapse, (x: number[], xi: number[]) => number][] = [
    ['polynomialMemory degree 3', () => Y.polynomialMemory({ memories: K, degree: 3, perToken: true }), (x, xi) => R.polynomialEnergy(x, xi, K, 3, false)],
    ['polynomialMemory degree 4 rectified', () => Y.polynomialMemory({ memories: K, degree: 4, rectified: true, perToken: true }), (x, xi) => R.polynomialEnergy(x, xi, K, 4, true)],
    ['exponentialMemory beta 0.5', () => Y.exponentialMemory({ memories: K, beta: 0.5, perToken: true }), (x, xi) => R.exponentialEnergy(x, xi, K, 0.5)],
    ['modernHopfield beta 4', () => Y.modernHopfield({ memories: K, beta: 4, perToken: true }), (x, xi) => R.modernHopfieldEnergy(x, xi, K, 4)],
    ['reluSquaredMemory', () => Y.reluSquaredMemory({ memories: K, perToken: true }), (x, xi) => R.reluSquaredEnergy(x, xi, K)],
  ];
  for (const [label, synapse, energy] of perToken) {
    cases.push({
      name: `${label} perToken on [3, 4]`,
      layers: { x: [3, 4] },
      connects: ['x'],
      synapse,
      ref: (x, p) => {
        if (p['xi']!.length !== K * 4) throw new Error('xi should be [K, 4] per token');
        return energy(x['x']!, p['xi']!);
      },
    });
  }
  return cases;
}

function attentionCases(): Case[] {
  const cases: Case[] = [];
  const n = 4, d = 6;
  for (const maskSelf of [false, true]) {
    for (const [heads, headDim] of [[2, 3], [3, 2]] as const) {
      cases.push({
        name: `energyAttention ${heads} heads × ${headDim}, default beta, maskSelf ${maskSelf}`,
        layers: { x: [n, d] },
        connects: ['x'],
        synapse: () => Y.energyAttention({ heads, headDim, maskSelf, init: { Wk: wide, Wq: wide } }),
        // β = 1/sqrt(headDim) is the documented default: the reference uses it, not the stored value.
        ref: (x, p) => R.attentionEnergy(x['x']!, [n, d], p['Wk']!, p['Wq']!, heads, headDim, 1 / Math.sqrt(headDim), maskSelf),
      });
    }
  }
  cases.push({
    name: 'energyAttention beta 2, maskSelf true',
    layers: { x: [n, d] },
    connects: ['x'],
    synapse: () => Y.energyAttention({ heads: 2, headDim: 3, beta: 2, maskSelf: true, init: { Wk: wide, Wq: wide } }),
    ref: (x, p) => R.attentionEnergy(x['x']!, [n, d], p['Wk']!, p['Wq']!, 2, 3, 2, true),
  });
  cases.push({
    name: 'energyAttention default init (std 0.02)',
    layers: { x: [n, d] },
    connects: ['x'],
    synapse: () => Y.energyAttention({ heads: 2, headDim: 3 }),
    ref: (x, p) => R.attentionEnergy(x['x']!, [n, d], p['Wk']!, p['Wq']!, 2, 3, 1 / Math.sqrt(3), false),
    std: 3,
  });
  return cases;
}

/** `dense` and `denseBias` with `perToken`: one W [D1, D2] (and b [D2]) shared by every token. */
function perTokenDenseCases(): Case[] {
  const dense = (label: string, a: number[], b: number[], connects = ['a', 'b']): Case => {
    const [d1, d2] = [a[a.length - 1]!, b[b.length - 1]!];
    return {
      name: `dense perToken ${label}`,
      layers: connects[1] === connects[0] ? { [connects[0]!]: a } : { a, b },
      connects,
      synapse: () => Y.dense({ perToken: true }),
      ref: (x, p) => R.perTokenDenseEnergy(x[connects[0]!]!, x[connects[1]!]!, p['W']!, d1, d2),
    };
  };
  return [
    dense('[3, 4] → [3, 5]', [3, 4], [3, 5]),
    dense('[2, 3, 2] → [2, 3, 4] (two token axes)', [2, 3, 2], [2, 3, 4]),
    dense('[4] → [5] (one token: the flattened form)', [4], [5]),
    dense('from [3, 4] to itself [v, v]', [3, 4], [3, 4], ['v', 'v']),
    {
      name: 'denseBias perToken [3, 4] → [3, 2] (b [2] shared by every token)',
      layers: { a: [3, 4], b: [3, 2] },
      connects: ['a', 'b'],
      synapse: () => Y.denseBias({ perToken: true, init: { b: normal(1) } }),
      ref: (x, p) => R.perTokenDenseEnergy(x['a']!, x['b']!, p['W']!, 4, 2, p['b']!),
    },
  ];
}

/** A three-layer user synapse `E = −s Σ x̂₁⊙x̂₂⊙x̂₃` with a learnable, seeded scale s. */
const tripleSynapse = (): Hypersynapse =>
  defineHypersynapse({
    kind: 'triple',
    arity: 3,
    params: () => ({ scale: { shape: [], init: { type: 'normal', std: 1, mean: 1 }, learnable: true } }),
    energy: ([a, b, c], p) => tf.neg(tf.mul(p['scale']!, sumPerSample(tf.mul(tf.mul(a!, b!), c!)))),
  });

/** A cubic user synapse between two layers: `E = −Σ_ij T_ij x̂₁ᵢ² x̂₂ⱼ`. */
const cubicSynapse = (): Hypersynapse =>
  defineHypersynapse({
    kind: 'cubic',
    arity: 2,
    params: ([s1, s2]) => ({ T: { shape: [s1![0]!, s2![0]!], init: { type: 'normal', std: 0.5 }, learnable: true } }),
    check: ([s1, s2]) => (s1!.length === 1 && s2!.length === 1 ? undefined : 'needs two vector layers'),
    energy: ([a, b], p) => tf.neg(tf.sum(tf.mul(tf.matMul(tf.square(a!), p['T']!), b!), 1)),
  });

const CASES: Case[] = [
  {
    name: 'dense [3] → [2, 2]',
    layers: { a: [3], b: [2, 2] },
    connects: ['a', 'b'],
    synapse: () => Y.dense(),
    ref: (x, p) => R.denseEnergy(x['a']!, x['b']!, p['W']!),
  },
  {
    name: 'dense [2, 3] → [4] (both flattened)',
    layers: { a: [2, 3], b: [4] },
    connects: ['a', 'b'],
    synapse: () => Y.dense(),
    ref: (x, p) => R.denseEnergy(x['a']!, x['b']!, p['W']!),
  },
  {
    name: 'dense from a layer to itself [v, v]',
    layers: { v: [5] },
    connects: ['v', 'v'],
    synapse: () => Y.dense(),
    ref: (x, p) => R.denseEnergy(x['v']!, x['v']!, p['W']!),
  },
  {
    name: 'denseBias [4] → [3] (normal bias)',
    layers: { a: [4], b: [3] },
    connects: ['a', 'b'],
    synapse: () => Y.denseBias({ init: { b: normal(1) } }),
    ref: (x, p) => R.denseBiasEnergy(x['a']!, x['b']!, p['W']!, p['b']!),
  },
  {
    name: 'denseBias [3] → [2, 2] (bias shaped like the layer)',
    layers: { a: [3], b: [2, 2] },
    connects: ['a', 'b'],
    synapse: () => Y.denseBias({ init: { b: normal(1) } }),
    ref: (x, p) => R.denseBiasEnergy(x['a']!, x['b']!, p['W']!, p['b']!),
  },
  ...perTokenDenseCases(),
  {
    name: 'bias on [2, 3]',
    layers: { x: [2, 3] },
    connects: ['x'],
    synapse: () => Y.bias({ init: { b: normal(1) } }),
    ref: (x, p) => R.biasEnergy(x['x']!, p['b']!),
  },
  {
    name: 'tie on [2, 3], γ 1.7',
    layers: { a: [2, 3], b: [2, 3] },
    connects: ['a', 'b'],
    synapse: () => Y.tie({ gamma: 1.7 }),
    ref: (x) => R.tieEnergy(x['a']!, x['b']!, 1.7),
  },
  convCase('3×3 stride 1 valid', [5, 5, 2], 3, 3, 1, 'valid', [3, 3, 3]),
  convCase('3×2 stride 2 valid', [6, 5, 2], [3, 2], 3, 2, 'valid', [2, 2, 3]),
  convCase('3×2 stride [2, 1] valid', [5, 4, 2], [3, 2], 2, [2, 1], 'valid', [2, 3, 2]),
  convCase('3×3 stride 1 same', [4, 5, 2], 3, 2, 1, 'same', [4, 5, 2]),
  // 'same' with an odd total padding: the extra zero goes at the bottom/right (TensorFlow).
  convCase('4×4 stride 1 same (padding 1 + 2)', [5, 5, 1], 4, 2, 1, 'same', [5, 5, 2]),
  convCase('2×2 stride 2 same (padding 0 + 1)', [5, 5, 2], 2, 2, 2, 'same', [3, 3, 2]),
  convCase('3×3 stride 2 same', [6, 5, 2], 3, 2, 2, 'same', [3, 3, 2]),
  convCase('3×3 stride 1 padding 1', [4, 4, 2], 3, 3, 1, 1, [4, 4, 3]),
  convCase('3×3 stride 2 padding 2', [5, 6, 2], 3, 2, 2, 2, [4, 4, 2]),
  // Non-square kernels with a numeric padding (tfjs 4.22 sized their output width from the kernel height).
  convCase('2×3 stride [2, 1] padding 1', [7, 6, 1], [2, 3], 4, [2, 1], 1, [4, 6, 4]),
  convCase('3×2 stride 1 padding 2', [5, 5, 2], [3, 2], 2, 1, 2, [7, 8, 2]),
  poolCase('2×2 stride 2 (default stride)', [4, 6, 3], 2, undefined, undefined, [2, 3, 3]),
  poolCase('3×3 stride 2 (overlapping)', [5, 5, 2], 3, 2, 'valid', [2, 2, 2]),
  poolCase('2×2 stride 1 (overlapping)', [3, 4, 2], 2, 1, 'valid', [2, 3, 2]),
  poolCase('[3, 2] stride [1, 2]', [4, 4, 2], [3, 2], [1, 2], 'valid', [2, 2, 2]),
  poolCase('3×3 stride 2 same (padding left out of the mean)', [5, 4, 2], 3, 2, 'same', [3, 2, 2]),
  poolCase('2×2 stride 1 same', [3, 3, 2], 2, 1, 'same', [3, 3, 2]),
  poolCase('3×3 stride 2 padding 1', [4, 4, 2], 3, 2, 1, [2, 2, 2]),
  poolCase('2×2 stride 2 padding 1', [4, 4, 1], 2, 2, 1, [3, 3, 1]),
  ...memoryCases(),
  ...attentionCases(),
  {
    name: 'user-defined triple −s Σ x̂₁⊙x̂₂⊙x̂₃',
    layers: { a: [3], b: [3], c: [3] },
    connects: ['a', 'b', 'c'],
    synapse: tripleSynapse,
    ref: (x, p) => {
      let e = 0;
      for (let i = 0; i < 3; i++) e -= p['scale']![0]! * x['a']![i]! * x['b']![i]! * x['c']![i]!;
      return e;
    },
  },
  {
    name: 'user-defined cubic −Σ T_ij x̂₁ᵢ² x̂₂ⱼ',
    layers: { a: [4], b: [3] },
    connects: ['a', 'b'],
    synapse: cubicSynapse,
    ref: (x, p) => {
      let e = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) e -= p['T']![i * 3 + j]! * x['a']![i]! ** 2 * x['b']![j]!;
      return e;
    },
  },
];

// ---------------------------------------------------------------------------------------------
// 1–2. Energies and signals against the float64 references.
// ---------------------------------------------------------------------------------------------

describe.each(CASES)('$name', (c) => {
  it('energy per sample matches the float64 reference', () => {
    const ham = buildCase(c);
    const states = ham.randomStates(2, 7, c.std ?? 1);
    const p = readParams(ham);
    const got = synapseEnergy(ham, states);
    const want = [0, 1].map((b) => c.ref(sampleOf(states, b), p));
    expect(got).toHaveLength(2);
    // Energies here are O(1–100); float32 sums of a few hundred terms are good to ~1e-6 relative.
    expectClose(got, want, 1e-4 * Math.max(1, maxAbs(want)), 1e-5, 'energy');
    // The two samples differ, so a batch mix-up could not pass.
    expect(Math.abs(want[0]! - want[1]!)).toBeGreaterThan(1e-3);
    disposeStates(states);
    ham.dispose();
  });

  it('∂E/∂x̂ (autodiff and auto) matches float64 central differences of the reference', () => {
    const ham = buildCase(c);
    const states = ham.randomStates(2, 8, c.std ?? 1);
    const p = readParams(ham);
    for (const b of [0, 1]) {
      const x = sampleOf(states, b);
      const fd = R.centralDifferences((xx) => c.ref(xx, p), x, 1e-6);
      for (const layer of Object.keys(c.layers)) {
        const want = fd[layer]!;
        // The signal must not be trivially zero, or the comparison would prove little.
        expect(maxAbs(want), `${layer}: reference gradient is zero`).toBeGreaterThan(1e-3);
        for (const method of ['autodiff', 'auto'] as const) {
          const got = synapseGrad(ham, states, layer, method)[b]!;
          // float32 gradients: ~1e-6 relative per term, plus the cancellation in (x + g) − x.
          expectClose(got, want, 2e-4 * Math.max(1, maxAbs(want)), 2e-4, `${method} ∂E/∂x̂ of "${layer}", sample ${b}`);
        }
      }
    }
    disposeStates(states);
    ham.dispose();
  });

  it('∂E/∂x̂ matches float32 central differences of the tfjs energy', () => {
    const ham = buildCase(c);
    const states = ham.randomStates(2, 9, c.std ?? 1);
    // Step h = 1e-2 suits float32: the energy (sums of ≲100 terms of size O(1)) is rounded to
    // ~6e-8 relative, so the difference quotient carries ≲ 100·6e-8/h ≈ 6e-4 of rounding noise,
    // while the truncation error h²/6·E‴ stays ~1e-5 for these O(1) inputs. Near a kink
    // (relu², rectified powers) a central difference is off by O(h·curvature) ≲ 1e-2 relative.
    // Hence atol 3e-3·scale and rtol 1e-2: an O(1) error in a formula is still caught.
    const h = 1e-2;
    for (const layer of Object.keys(c.layers)) {
      const base = Float32Array.from(states[layer]!.dataSync());
      const batch = states[layer]!.shape[0]!;
      const n = base.length / batch;
      const fd: number[][] = Array.from({ length: batch }, () => new Array<number>(n).fill(0));
      for (let i = 0; i < n; i++) {
        const plus = Float32Array.from(base), minus = Float32Array.from(base);
        for (let b = 0; b < batch; b++) {
          plus[b * n + i]! += h;
          minus[b * n + i]! -= h;
        }
        const energyAt = (values: Float32Array) =>
          tf.tidy(() => synapseEnergy(ham, { ...states, [layer]: tf.tensor(values, states[layer]!.shape) }));
        const ep = energyAt(plus), em = energyAt(minus);
        // Divide by the step actually taken in float32.
        for (let b = 0; b < batch; b++) fd[b]![i] = (ep[b]! - em[b]!) / (plus[b * n + i]! - minus[b * n + i]!);
      }
      for (const method of ['autodiff', 'auto'] as const) {
        const got = synapseGrad(ham, states, layer, method);
        for (let b = 0; b < batch; b++) {
          expectClose(got[b]!, fd[b]!, 3e-3 * Math.max(1, maxAbs(fd[b]!)), 1e-2, `${method} vs float32 FD, "${layer}" sample ${b}`);
        }
      }
    }
    disposeStates(states);
    ham.dispose();
  });
});

describe('the references discriminate between conventions', () => {
  // These guard the guards: a reference with a plausible mistake must disagree with the library on
  // the test data, so the checks above are not passing for lack of sensitivity.
  const energyOf = (c: Case) => {
    const ham = buildCase(c);
    const states = ham.randomStates(2, 7, c.std ?? 1);
    const p = readParams(ham);
    const got = synapseEnergy(ham, states);
    const samples = [0, 1].map((b) => sampleOf(states, b));
    disposeStates(states);
    ham.dispose();
    return { got, samples, p };
  };

  it("'same' padding with the larger half on top/left is detected", () => {
    const c = CASES.find((k) => k.name.startsWith('conv2d 4×4 stride 1 same'))!;
    const { got, samples, p } = energyOf(c);
    // TensorFlow pads 1 before and 2 after here; the wrong convention pads 2 before and 1 after.
    const g = { out: 5, before: 2 };
    const wrong = samples.map((x) => -R.dot(x['b']!, R.conv2dRefExplicit(x['a']!, [5, 5, 1], p['W']!, [4, 4, 1, 2], [1, 1], g, g).out));
    expect(R.worstError(got, wrong, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
  });

  it('a flipped kernel (true convolution instead of correlation) is detected', () => {
    const c = CASES.find((k) => k.name.startsWith('conv2d 3×3 stride 1 valid'))!;
    const { got, samples, p } = energyOf(c);
    const W = p['W']!;
    const flipped = W.map((_, idx) => {
      const o = idx % 3, ci = Math.floor(idx / 3) % 2, dj = Math.floor(idx / 6) % 3, di = Math.floor(idx / 18);
      return W[R.idx4(2 - di, 2 - dj, ci, o, 3, 2, 3)]!;
    });
    const wrong = samples.map((x) => R.conv2dEnergy(x['a']!, [5, 5, 2], x['b']!, flipped, [3, 3, 2, 3], [1, 1], 'valid'));
    expect(R.worstError(got, wrong, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
  });

  it('padding counted in the average is detected', () => {
    const c = CASES.find((k) => k.name.startsWith('avgPool 2×2 stride 2 padding 1'))!;
    const { got, samples } = energyOf(c);
    const wrong = samples.map((x) => {
      // Divide every window by 4, as if the padded zeros were entries.
      const { out } = R.avgPoolRef(x['a']!, [4, 4, 1], [2, 2], [2, 2], 1);
      const counts = [1, 2, 1, 2, 4, 2, 1, 2, 1];
      return -R.dot(x['b']!, out.map((v, i) => (v * counts[i]!) / 4));
    });
    expect(R.worstError(got, wrong, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
  });

  it('dropping (or adding) the self-mask of energy attention is detected', () => {
    for (const maskSelf of [false, true]) {
      const c = CASES.find((k) => k.name === `energyAttention 2 heads × 3, default beta, maskSelf ${maskSelf}`)!;
      const { got, samples, p } = energyOf(c);
      const wrong = samples.map((x) => R.attentionEnergy(x['x']!, [4, 6], p['Wk']!, p['Wq']!, 2, 3, 1 / Math.sqrt(3), !maskSelf));
      expect(R.worstError(got, wrong, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
    }
  });

  it('keys and queries swapped in energy attention are detected', () => {
    const c = CASES.find((k) => k.name === 'energyAttention 2 heads × 3, default beta, maskSelf false')!;
    const { got, samples, p } = energyOf(c);
    const wrong = samples.map((x) => R.attentionEnergy(x['x']!, [4, 6], p['Wq']!, p['Wk']!, 2, 3, 1 / Math.sqrt(3), false));
    expect(R.worstError(got, wrong, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
  });

  it('a dense matrix read as [D2, D1] is detected', () => {
    const c = CASES.find((k) => k.name === 'dense [3] → [2, 2]')!;
    const { got, samples, p } = energyOf(c);
    const W = p['W']!;
    const wrong = samples.map((x) => {
      let e = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) e -= x['a']![i]! * W[j * 3 + i]! * x['b']![j]!;
      return e;
    });
    expect(R.worstError(got, wrong, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
  });

  it('a per-token dense that pairs every token with every other token is detected', () => {
    const c = CASES.find((k) => k.name === 'dense perToken [3, 4] → [3, 5]')!;
    const { got, samples, p } = energyOf(c);
    const W = p['W']!;
    const wrong = samples.map((x) => {
      let e = 0;
      for (let n = 0; n < 3; n++) for (let m = 0; m < 3; m++) for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) {
        e -= x['a']![n * 4 + i]! * W[i * 5 + j]! * x['b']![m * 5 + j]!;
      }
      return e;
    });
    expect(R.worstError(got, wrong, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
  });

  it('a one-sided signal of the self-connection [v, v] is detected', () => {
    const c = CASES.find((k) => k.name === 'dense from a layer to itself [v, v]')!;
    const ham = buildCase(c);
    const states = ham.randomStates(2, 8);
    const W = readParams(ham)['W']!;
    // ∂(−x̂ᵀWx̂)/∂x̂ = −(W + Wᵀ)x̂; forgetting one side gives −Wx̂.
    const got = synapseGrad(ham, states, 'v', 'auto')[0]!;
    const x = sampleOf(states, 0)['v']!;
    const oneSided = Array.from({ length: 5 }, (_, i) => -R.dot(W.slice(i * 5, i * 5 + 5), x));
    expect(R.worstError(got, oneSided, 1e-3, 1e-3).ratio).toBeGreaterThan(1);
    disposeStates(states);
    ham.dispose();
  });
});

describe('synapses see activations, not states', () => {
  it('with a tanh layer the dense energy is evaluated at tanh(x)', () => {
    const c = CASES[0]!;
    const ham = buildCase(c, 11, () => L.tanh());
    const states = ham.randomStates(2, 7, 2);
    const p = readParams(ham);
    const got = synapseEnergy(ham, states);
    const want = [0, 1].map((b) => {
      const x = sampleOf(states, b);
      return c.ref({ a: x['a']!.map(Math.tanh), b: x['b']!.map(Math.tanh) }, p);
    });
    expectClose(got, want, 1e-4 * Math.max(1, maxAbs(want)), 1e-5, 'energy at x̂ = tanh(x)');
    disposeStates(states);
    ham.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Closed forms against autodiff.
// ---------------------------------------------------------------------------------------------

describe('closed-form dEdxhat agrees with autodiff', () => {
  const withClosedForm = CASES.filter((c) => c.synapse().dEdxhat !== undefined);

  it('every built-in dense, memory and attention synapse has a closed form', () => {
    const kinds = new Set(withClosedForm.map((c) => c.synapse().kind));
    for (const k of ['dense', 'denseBias', 'bias', 'tie', 'polynomialMemory', 'exponentialMemory', 'modernHopfield', 'reluSquaredMemory', 'energyAttention']) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  it.each(withClosedForm)('$name: direct call, one gradient per connection', (c) => {
    const ham = buildCase(c);
    const syn = ham.synapses['s']!.synapse;
    const p = ham.params.synapses['s']!;
    for (const [seed, std] of [[1, 1], [2, 2], [3, 0.3]] as const) {
      const states = ham.randomStates(3, seed, std);
      // One distinct tensor per connection (for [v, v] each side gets its own gradient).
      const inputs = c.connects.map((l) => tf.clone(states[l]!));
      const closed = syn.dEdxhat!(inputs, p);
      const auto = tf.grads((...xs: Tensor[]) => tf.sum(syn.energy(xs, p)))(inputs);
      expect(closed).toHaveLength(c.connects.length);
      closed.forEach((g, k) => {
        expect(g.shape).toEqual(inputs[k]!.shape);
        const want = flat(auto[k]!);
        expectClose(flat(g), want, 1e-5 * Math.max(1, maxAbs(want)), 1e-5, `connection ${k}, seed ${seed}`);
      });
      tf.dispose([...inputs, ...closed, ...auto]);
      disposeStates(states);
    }
    ham.dispose();
  });

  it.each(withClosedForm)('$name: the graph’s auto and autodiff signals agree (tanh layers)', (c) => {
    const ham = buildCase(c, 5, () => L.tanh({ beta: 0.7 }));
    for (const seed of [4, 5]) {
      const states = ham.randomStates(2, seed, 1.5);
      const a = ham.energyAndDEdxhat(states);
      const b = ham.energyAndDEdxhat(states, { method: 'autodiff' });
      expectClose(flat(a.energy), flat(b.energy), 1e-5 * Math.max(1, maxAbs(flat(b.energy))), 1e-6, 'energy');
      for (const l of Object.keys(c.layers)) {
        const want = flat(b.dEdxhat[l]!);
        expectClose(flat(a.dEdxhat[l]!), want, 1e-5 * Math.max(1, maxAbs(want)), 1e-5, `layer ${l}`);
      }
      tf.dispose([a.energy, b.energy, ...Object.values(a.dEdxhat), ...Object.values(b.dEdxhat)]);
      disposeStates(states);
    }
    ham.dispose();
  });

  it("the default method really uses a synapse's closed form", () => {
    // A user synapse whose closed form is deliberately twice the true gradient: 'auto' must return
    // it, 'autodiff' must not. This shows the comparisons above test two different code paths.
    const doubled = defineHypersynapse({
      kind: 'doubled',
      arity: 2,
      params: () => ({}),
      energy: ([a, b]) => tf.neg(tf.sum(tf.mul(a!, b!), 1)),
      dEdxhat: ([a, b]) => [tf.mul(-2, b!), tf.mul(-2, a!)],
    });
    const ham = hypergraph()
      .layer('a', { shape: [3], lagrangian: L.identity() })
      .layer('b', { shape: [3], lagrangian: L.identity() })
      .synapse('s', doubled, ['a', 'b'])
      .build({ seed: 0 });
    const states = ham.randomStates(2, 1);
    const b = perSample(states.b)[0]!;
    const auto = synapseGrad(ham as AnyHam, states, 'a', 'auto')[0]!;
    const exact = synapseGrad(ham as AnyHam, states, 'a', 'autodiff')[0]!;
    expectClose(auto, b.map((v) => -2 * v), 1e-5, 1e-5, 'auto uses the closed form');
    expectClose(exact, b.map((v) => -v), 1e-5, 1e-5, 'autodiff differentiates the energy');
    disposeStates(states);
    ham.dispose();
  });
});

describe('signals are differentiable again (training backpropagates through ∂E/∂x̂)', () => {
  // Training unrolls x ← x − α ∂E/∂x̂ and backpropagates a loss through it to the parameters
  // (math.md §6), so the signal that the default method computes must itself have a gradient, with
  // respect to the states and to the learnable parameters. Check f = Σ_layers ‖∂E/∂x̂‖² (through
  // `ham.dEdxhat`, the training path) against float32 central differences of f.
  // Step 1e-2 as above; f is a sum of O(10–100) squares, so rounding noise is ≲ 1e-3 of its scale.
  it.each(CASES)('$name', (c) => {
    const ham = buildCase(c);
    const layers = [...ham.layerNames];
    const learnables = Object.entries(ham.paramSpecs.synapses['s'] ?? {})
      .filter(([, spec]) => spec.learnable)
      .map(([k]) => k);
    const states = ham.randomStates(1, 12, c.std ?? 1);
    const base = [...layers.map((l) => states[l]!), ...learnables.map((k) => ham.params.synapses['s']![k]!)];
    const f = (...ts: Tensor[]): Tensor => {
      const st = Object.fromEntries(layers.map((l, i) => [l, ts[i]!])) as States<string>;
      const synParams = { ...ham.params.synapses['s'], ...Object.fromEntries(learnables.map((k, i) => [k, ts[layers.length + i]!])) };
      const g = ham.dEdxhat(st, { params: { layers: ham.params.layers, synapses: { s: synParams } } });
      return tf.addN(layers.map((l) => tf.sum(tf.square(g[l]!))));
    };
    const grads = tf.grads(f)(base).map(flat);
    const names = [...layers.map((l) => `state "${l}"`), ...learnables.map((k) => `param ${k}`)];
    const h = 1e-2;
    base.forEach((t, k) => {
      const values = Float32Array.from(t.dataSync());
      const fd = Array.from(values, (_, i) => {
        const at = (delta: number) => {
          const v = Float32Array.from(values);
          v[i]! += delta;
          const fv = tf.tidy(() => flat(f(...base.map((u, j) => (j === k ? tf.tensor(v, u.shape) : u))))[0]!);
          return { fv, at: v[i]! };
        };
        const plus = at(h), minus = at(-h);
        return (plus.fv - minus.fv) / (plus.at - minus.at);
      });
      expect(grads[k]!.every(Number.isFinite), `${names[k]}: finite`).toBe(true);
      // Where a signal has a kink (relu², rectified power 2) the gradient of f jumps at zero
      // overlaps; with these seeds no overlap lies within a step of a kink.
      expectClose(grads[k]!, fd, 5e-3 * Math.max(1, maxAbs(fd)), 2e-2, `∇‖∂E/∂x̂‖² w.r.t. ${names[k]}`);
    });
    disposeStates(states);
    ham.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Wrong connections are rejected at build time.
// ---------------------------------------------------------------------------------------------

const buildError = (f: () => unknown): HamuxErrors => thrownBy(f, HamuxErrors);

describe('wrong connections are rejected when the graph is built', () => {
  it('conv2d whose output shape does not match the second layer', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('img', { shape: [5, 5, 2], lagrangian: L.identity() })
        .layer('feat', { shape: [4, 4, 3], lagrangian: L.identity() })
        .synapse('enc', Y.conv2d({ kernel: 3 }), ['img', 'feat'])
        .build({ seed: 0 }),
    );
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]!.where).toBe('synapses.enc');
    expect(e.message).toContain('synapses.enc');
    expect(e.message).toContain('"img" [5, 5, 2]');
    expect(e.message).toContain('"feat" [4, 4, 3]');
    expect(e.message).toContain('gives [3, 3, 3]'); // expected
    expect(e.message).toContain('second layer is [4, 4, 3]'); // actual
  });

  it("conv2d with stride 2 and 'same' padding checks ceil(n/s)", () => {
    const e = buildError(() =>
      hypergraph()
        .layer('img', { shape: [5, 6, 1], lagrangian: L.identity() })
        .layer('feat', { shape: [2, 3, 4], lagrangian: L.identity() })
        .synapse('down', Y.conv2d({ kernel: 3, stride: 2, padding: 'same' }), ['img', 'feat'])
        .build({ seed: 0 }),
    );
    expect(e.message).toContain('synapses.down');
    expect(e.message).toContain('gives [3, 3, 4]');
  });

  it('avgPool whose channels differ between the layers', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('img', { shape: [4, 4, 3], lagrangian: L.identity() })
        .layer('pooled', { shape: [2, 2, 2], lagrangian: L.identity() })
        .synapse('pool', Y.avgPool({ size: 2 }), ['img', 'pooled'])
        .build({ seed: 0 }),
    );
    expect(e.errors[0]!.where).toBe('synapses.pool');
    expect(e.message).toContain('"img" [4, 4, 3]');
    expect(e.message).toContain('"pooled" [2, 2, 2]');
    expect(e.message).toContain('gives [2, 2, 3]');
    expect(e.message).toContain('second layer is [2, 2, 2]');
  });

  it('conv2d between layers that are not [H, W, C]', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('v', { shape: [25], lagrangian: L.identity() })
        .layer('feat', { shape: [3, 3, 1], lagrangian: L.identity() })
        .synapse('enc', Y.conv2d({ kernel: 3 }), ['v', 'feat'])
        .build({ seed: 0 }),
    );
    expect(e.message).toContain('synapses.enc');
    expect(e.message).toContain('[height, width, channels], got [25]');
  });

  it('energyAttention on a rank-1 layer, and maskSelf with one token', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('v', { shape: [5], lagrangian: L.identity() })
        .layer('one', { shape: [1, 4], lagrangian: L.identity() })
        .synapse('att', Y.energyAttention({ heads: 2, headDim: 3 }), ['v'])
        .synapse('self', Y.energyAttention({ heads: 1, headDim: 2, maskSelf: true }), ['one'])
        .build({ seed: 0 }),
    );
    expect(e.errors.map((x) => x.where)).toEqual(['synapses.att', 'synapses.self']);
    expect(e.errors[0]!.message).toContain('"v" [5]');
    expect(e.errors[0]!.message).toContain('needs a layer of tokens [N, D], got [5]');
    expect(e.errors[1]!.message).toContain('at least 2 tokens, got [1, 4]');
  });

  it('dense with one or three layers (wrong arity)', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.identity() })
        .layer('w', { shape: [2], lagrangian: L.identity() })
        .synapse('one', Y.dense(), ['v'])
        .synapse('three', Y.dense(), ['v', 'h', 'w'])
        .build({ seed: 0 }),
    );
    expect(e.errors).toHaveLength(2);
    expect(e.errors[0]!.where).toBe('synapses.one.connects');
    expect(e.errors[0]!.message).toContain('dense connects 2 layer(s), got 1 (v)');
    expect(e.errors[1]!.where).toBe('synapses.three.connects');
    expect(e.errors[1]!.message).toContain('dense connects 2 layer(s), got 3 (v, h, w)');
  });

  it('a user synapse with the wrong arity, and a bad user arity at definition', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('a', { shape: [3], lagrangian: L.identity() })
        .layer('b', { shape: [3], lagrangian: L.identity() })
        .synapse('tri', tripleSynapse(), ['a', 'b'])
        .build({ seed: 0 }),
    );
    expect(e.message).toContain('synapses.tri.connects: triple connects 3 layer(s), got 2 (a, b)');
    expect(() => defineHypersynapse({ kind: 'k', arity: 0, energy: ([x]) => x! })).toThrow(
      expect.objectContaining({ name: 'HamuxError', code: 'invalid_argument', path: ['defineHypersynapse', 'arity'] }),
    );
    expect(() => defineHypersynapse({ kind: 'k', arity: 1.5, energy: ([x]) => x! })).toThrow(/arity/);
  });

  it('an unknown layer name', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.identity() })
        // The typed builder makes this a compile error; a config or plain JS can still do it.
        .synapse('enc', Y.dense(), ['v', 'hiden' as 'h'])
        .build({ seed: 0 }),
    );
    expect(e.errors[0]!.where).toBe('synapses.enc.connects');
    expect(e.message).toContain('unknown layer "hiden"');
    expect(e.message).toContain('(layers are "v", "h")');
  });

  it('a duplicate synapse name', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('v', { shape: [3], lagrangian: L.identity() })
        .layer('h', { shape: [2], lagrangian: L.identity() })
        .synapse('enc', Y.dense(), ['v', 'h'])
        .synapse('enc', Y.bias(), ['h'])
        .build({ seed: 0 }),
    );
    expect(e.errors).toHaveLength(1);
    expect(e.message).toContain('synapses.enc: duplicate synapse name "enc"');
  });

  it('every problem of a graph is reported at once', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('img', { shape: [4, 4, 3], lagrangian: L.identity() })
        .layer('pooled', { shape: [2, 2, 2], lagrangian: L.identity() })
        .layer('v', { shape: [5], lagrangian: L.identity() })
        .synapse('pool', Y.avgPool({ size: 2 }), ['img', 'pooled'])
        .synapse('att', Y.energyAttention({ heads: 1, headDim: 2 }), ['v'])
        .synapse('d', Y.dense({ init: { W: { type: 'values', values: [1, 2, 3] } } }), ['v', 'v'])
        .build({ seed: 0 }),
    );
    expect(e.errors.map((x) => x.where)).toEqual(['synapses.pool', 'synapses.att', 'synapses.d.W']);
    expect(e.errors[2]!.message).toContain('expected 25 values for shape [5, 5], got 3');
  });

  it('dense and denseBias with perToken between layers whose leading axes differ, naming the shapes', () => {
    const e = buildError(() =>
      hypergraph()
        .layer('patches', { shape: [4, 12], lagrangian: L.identity() })
        .layer('tokens', { shape: [5, 8], lagrangian: L.identity() })
        .layer('grid', { shape: [2, 2, 8], lagrangian: L.identity() })
        .layer('v', { shape: [12], lagrangian: L.identity() })
        .synapse('embed', Y.dense({ perToken: true }), ['patches', 'tokens'])
        .synapse('grid', Y.denseBias({ perToken: true }), ['patches', 'grid'])
        .synapse('rank', Y.dense({ perToken: true }), ['v', 'tokens'])
        // Flattened, any two shapes connect.
        .synapse('flat', Y.dense(), ['patches', 'tokens'])
        .build({ seed: 0 }),
    );
    expect(e.errors.map((x) => x.where)).toEqual(['synapses.embed', 'synapses.grid', 'synapses.rank']);
    expect(e.errors.map((x) => x.message)).toEqual([
      'synapses.embed: dense between "patches" [4, 12] and "tokens" [5, 8]: perToken needs the same leading (token) axes in both layers, got [4] and [5]',
      'synapses.grid: denseBias between "patches" [4, 12] and "grid" [2, 2, 8]: perToken needs the same leading (token) axes in both layers, got [4] and [2, 2]',
      'synapses.rank: dense between "v" [12] and "tokens" [5, 8]: perToken needs the same leading (token) axes in both layers, got [] and [5]',
    ]);
  });

  it('bad options are rejected when the synapse is made', () => {
    const bad = (path: string[], message: RegExp) => expect.objectContaining({ name: 'HamuxError', code: 'invalid_argument', path, message: expect.stringMatching(message) });
    expect(() => Y.conv2d({ kernel: 0 })).toThrow(bad(['conv2d', 'kernel'], /^conv2d\.kernel: must be a positive integer, got 0$/));
    expect(() => Y.conv2d({ kernel: 3, padding: 'full' as 'same' })).toThrow(bad(['conv2d', 'padding'], /^conv2d\.padding: must be 'valid', 'same' or an integer >= 0, got "full"$/));
    expect(() => Y.avgPool({ size: 2, stride: [1, 2, 3] as unknown as [number, number] })).toThrow(bad(['avgPool', 'stride'], /^avgPool\.stride: must be a number or a pair, got \[1,2,3\]$/));
    expect(() => Y.polynomialMemory({ memories: 3, degree: 2.5 })).toThrow(bad(['polynomialMemory', 'degree'], /^polynomialMemory\.degree: must be an integer >= 1 \(or use rectified: true\), got 2\.5$/));
    expect(() => Y.modernHopfield({ memories: 3, beta: -1 })).toThrow(/beta/);
    expect(() => Y.exponentialMemory({ memories: 0 })).toThrow(/memories/);
    expect(() => Y.energyAttention({ heads: 2, headDim: 0 })).toThrow(/headDim/);
    expect(() => Y.energyAttention({ heads: 2, headDim: 2, beta: 0 })).toThrow(/beta/);
  });
});

describe('per-token dense synapses', () => {
  it('carry perToken in their options (false by default) and give W [D₁, D₂], b [D₂]', () => {
    expect(Y.dense().options).toEqual({ perToken: false });
    expect(Y.dense({ perToken: true }).options).toEqual({ perToken: true });
    expect(Y.denseBias({ perToken: true }).options).toEqual({ perToken: true });
    expect(Y.dense({ perToken: true }).params([[7, 3], [7, 5]])['W']!.shape).toEqual([3, 5]);
    const db = Y.denseBias({ perToken: true }).params([[2, 7, 3], [2, 7, 5]]);
    expect([db['W']!.shape, db['b']!.shape]).toEqual([[3, 5], [5]]);
    expect(Y.denseBias().params([[2, 3], [4, 5]])['b']!.shape).toEqual([4, 5]);
  });

  it('equal a flattened dense synapse with the block-diagonal W = I_N ⊗ W_token', () => {
    const [N, d1, d2] = [3, 4, 2];
    const W = Array.from({ length: d1 * d2 }, (_, k) => Math.fround(Math.sin(k + 1)));
    const bias = [0.5, -1.5];
    // Flattened W [N·D1, N·D2]: entry (n·D1 + i, m·D2 + j) is W[i, j] when n = m, else 0.
    const blocks: number[] = [];
    for (let r = 0; r < N * d1; r++) {
      for (let c = 0; c < N * d2; c++) blocks.push(Math.floor(r / d1) === Math.floor(c / d2) ? W[(r % d1) * d2 + (c % d2)]! : 0);
    }
    const graph = (token: Hypersynapse, flattened: Hypersynapse) =>
      hypergraph()
        .layer('a', { shape: [N, d1], lagrangian: L.tanh() })
        .layer('b', { shape: [N, d2], lagrangian: L.sigmoid() })
        .synapse('token', token, ['a', 'b'])
        .synapse('flat', flattened, ['a', 'b'])
        .build({ seed: 0 });
    const values = (v: number[]): Init => ({ type: 'values', values: v });
    const hams = [
      graph(Y.dense({ perToken: true, init: { W: values(W) } }), Y.dense({ init: { W: values(blocks) } })),
      graph(
        Y.denseBias({ perToken: true, init: { W: values(W), b: values(bias) } }),
        Y.denseBias({ init: { W: values(blocks), b: values([...bias, ...bias, ...bias]) } }),
      ),
    ];
    for (const ham of hams) {
      const states = ham.randomStates(2, 4);
      const tree = ham.energyTree(states);
      const [token, flattened] = [flat(tree.synapses.token), flat(tree.synapses.flat)];
      expectClose(token, flattened, 1e-5, 1e-5, 'energy');
      expect(Math.abs(token[0]! - token[1]!)).toBeGreaterThan(1e-3);
      // The closed-form signals of the two synapses, called directly, agree too.
      const xhats = ham.activations(states);
      const [t, f] = (['token', 'flat'] as const).map((s) =>
        ham.synapses[s].synapse.dEdxhat!([xhats.a, xhats.b], ham.params.synapses[s]!),
      );
      t!.forEach((g, k) => expectClose(flat(g), flat(f![k]!), 1e-5, 1e-5, `signal ${k}`));
      tf.dispose([...t!, ...f!, ...Object.values(xhats), tree.total, ...Object.values(tree.layers), ...Object.values(tree.synapses)]);
      disposeStates(states);
      ham.dispose();
    }
  });

  it('default W has std sqrt(2 / (D₁ + D₂)) of the feature sizes, not of the whole layers', () => {
    const ham = hypergraph()
      .layer('p', { shape: [5, 60], lagrangian: L.identity() })
      .layer('t', { shape: [5, 100], lagrangian: L.identity() })
      .synapse('embed', Y.dense({ perToken: true }), ['p', 't'])
      .synapse('embedBias', Y.denseBias({ perToken: true }), ['p', 't'])
      .build({ seed: 3 });
    const p = allParams(ham as AnyHam);
    const std = (v: number[]) => Math.sqrt(R.dot(v, v) / v.length);
    // 6000 samples: relative error of the std ≈ 1%; allow 6%.
    for (const k of ['embed.W', 'embedBias.W']) expect(Math.abs(std(p[k]!) / Math.sqrt(2 / 160) - 1), k).toBeLessThan(0.06);
    expect(p['embed.W']).not.toEqual(p['embedBias.W']);
    expect(p['embedBias.b']).toEqual(new Array(100).fill(0));
    ham.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 5. A user-defined hypersynapse is first-class (its energy and FD are in CASES; here: params).
// ---------------------------------------------------------------------------------------------

describe('user-defined hypersynapses', () => {
  const tri = (seed: number) =>
    hypergraph()
      .layer('a', { shape: [3], lagrangian: L.identity() })
      .layer('b', { shape: [3], lagrangian: L.tanh() })
      .layer('c', { shape: [3], lagrangian: L.identity() })
      .synapse('tri', tripleSynapse(), ['a', 'b', 'c'])
      .build({ seed });

  it('has seeded, learnable parameters', () => {
    const [g1, g2, g3] = [tri(4), tri(4), tri(5)];
    expect(g1.paramSpecs.synapses.tri['scale']!.learnable).toBe(true);
    const s1 = flat(g1.params.synapses['tri']!['scale']!);
    expect(s1).toEqual(flat(g2.params.synapses['tri']!['scale']!));
    expect(s1).not.toEqual(flat(g3.params.synapses['tri']!['scale']!));
    expect(g1.params.synapses['tri']!['scale']!.shape).toEqual([]);
    [g1, g2, g3].forEach((g) => g.dispose());
  });

  it('drives the dynamics like a built-in: energy, signals and descent', () => {
    const ham = tri(4);
    const s = flat(ham.params.synapses['tri']!['scale']!)[0]!;
    let states = ham.randomStates(2, 3);
    const x = sampleOf(states, 1);
    const tb = x['b']!.map(Math.tanh);
    // ∂E/∂x̂_a = x_a − s x̂_b ⊙ x̂_c  (x̂_c = x_c, x̂_b = tanh(x_b)).
    const g = ham.dEdxhat(states);
    const want = x['a']!.map((v, i) => v - s * tb[i]! * x['c']![i]!);
    expectClose(perSample(g.a)[1]!, want, 1e-5, 1e-5, '∂E/∂x̂_a');
    tf.dispose(Object.values(g));
    const e0 = flat(ham.energy(states));
    for (let t = 0; t < 10; t++) {
      const next = tf.tidy(() => {
        const d = ham.dEdxhat(states);
        return Object.fromEntries(Object.entries(states).map(([n, v]) => [n, tf.sub(v, tf.mul(0.05, d[n as 'a']!))]));
      }) as typeof states;
      disposeStates(states);
      states = next;
    }
    const e1 = flat(ham.energy(states));
    e1.forEach((v, b) => expect(v).toBeLessThan(e0[b]!));
    disposeStates(states);
    ham.dispose();
  });

  it('keeps the options it was given and defaults the rest', () => {
    const syn = defineHypersynapse({ kind: 'k', arity: 1, energy: ([x]) => sumPerSample(x!) });
    expect(syn.kind).toBe('k');
    expect(syn.options).toEqual({});
    expect(syn.params([[3]])).toEqual({});
    expect(syn.check([[3]])).toBeUndefined();
    expect(syn.dEdxhat).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Seeded initialisation.
// ---------------------------------------------------------------------------------------------

/** A graph with every built-in synapse kind. */
function everySynapseGraph(seed: number, extra = false) {
  let g = hypergraph()
    .layer('v', { shape: [6], lagrangian: L.identity() })
    .layer('h', { shape: [4], lagrangian: L.softmax() })
    .layer('img', { shape: [4, 4, 2], lagrangian: L.identity() })
    .layer('feat', { shape: [2, 2, 3], lagrangian: L.identity() })
    .layer('pool', { shape: [2, 2, 2], lagrangian: L.identity() })
    .layer('tok', { shape: [3, 4], lagrangian: L.layernorm() })
    .synapse('vh', Y.dense(), ['v', 'h'])
    .synapse('hv', Y.denseBias({ init: { b: normal(1) } }), ['h', 'v'])
    .synapse('bv', Y.bias({ init: { b: normal(1) } }), ['v'])
    .synapse('conv', Y.conv2d({ kernel: 3, stride: 2, padding: 'same' }), ['img', 'feat'])
    .synapse('avg', Y.avgPool({ size: 2 }), ['img', 'pool'])
    .synapse('poly', Y.polynomialMemory({ memories: 3, degree: 3 }), ['v'])
    .synapse('expm', Y.exponentialMemory({ memories: 3, beta: 0.5 }), ['v'])
    .synapse('mh', Y.modernHopfield({ memories: 3, beta: learnable(2) }), ['tok'])
    .synapse('relu2', Y.reluSquaredMemory({ memories: 3, perToken: true }), ['tok'])
    .synapse('att', Y.energyAttention({ heads: 2, headDim: 2, maskSelf: true }), ['tok']);
  if (extra) g = g.synapse('extra', Y.dense(), ['v', 'h']) as typeof g;
  return g.build({ seed });
}

function allParams(ham: AnyHam): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [s, m] of Object.entries(ham.params.synapses)) for (const [p, t] of Object.entries(m)) out[`${s}.${p}`] = flat(t);
  return out;
}

describe('seeded initialisation', () => {
  it('the same seed gives identical parameters; another seed gives other random ones', () => {
    const [a, b, c] = [everySynapseGraph(3), everySynapseGraph(3), everySynapseGraph(4)];
    const [pa, pb, pc] = [a, b, c].map((g) => allParams(g as AnyHam));
    expect(Object.keys(pa!).sort()).toEqual(
      ['att.Wk', 'att.Wq', 'att.beta', 'bv.b', 'conv.W', 'expm.beta', 'expm.xi', 'hv.W', 'hv.b', 'mh.beta', 'mh.xi', 'poly.xi', 'relu2.xi', 'vh.W'].sort(),
    );
    expect(pb).toEqual(pa);
    for (const k of ['vh.W', 'hv.W', 'hv.b', 'bv.b', 'conv.W', 'poly.xi', 'expm.xi', 'mh.xi', 'relu2.xi', 'att.Wk', 'att.Wq']) {
      expect(pc![k], k).not.toEqual(pa![k]);
    }
    // Fixed (non-random) parameters do not depend on the seed.
    for (const k of ['att.beta', 'expm.beta', 'mh.beta']) expect(pc![k], k).toEqual(pa![k]);
    [a, b, c].forEach((g) => g.dispose());
  });

  it('synapses with the same shapes but different names get different streams', () => {
    const ham = hypergraph()
      .layer('v', { shape: [5], lagrangian: L.identity() })
      .layer('h', { shape: [5], lagrangian: L.identity() })
      .synapse('a', Y.dense(), ['v', 'h'])
      .synapse('b', Y.dense(), ['v', 'h'])
      .synapse('m1', Y.reluSquaredMemory({ memories: 5 }), ['v'])
      .synapse('m2', Y.reluSquaredMemory({ memories: 5 }), ['v'])
      .build({ seed: 0 });
    const p = allParams(ham as AnyHam);
    expect(p['a.W']).not.toEqual(p['b.W']);
    expect(p['m1.xi']).not.toEqual(p['m2.xi']);
    // Not merely a permutation or a sign flip of each other either.
    const corr = R.dot(p['a.W']!, p['b.W']!) / Math.sqrt(R.dot(p['a.W']!, p['a.W']!) * R.dot(p['b.W']!, p['b.W']!));
    expect(Math.abs(corr)).toBeLessThan(0.7);
    ham.dispose();
  });

  it('adding a synapse (and a layer) does not change another synapse’s parameters', () => {
    const a = everySynapseGraph(7);
    const b = everySynapseGraph(7, true);
    const pa = allParams(a as AnyHam), pb = allParams(b as AnyHam);
    for (const k of Object.keys(pa)) expect(pb[k], k).toEqual(pa[k]);
    expect(pb['extra.W']).toBeDefined();
    expect(pb['extra.W']).not.toEqual(pb['vh.W']);
    const small = hypergraph()
      .layer('v', { shape: [6], lagrangian: L.identity() })
      .layer('h', { shape: [4], lagrangian: L.softmax() })
      .synapse('vh', Y.dense(), ['v', 'h'])
      .build({ seed: 7 });
    expect(flat(small.params.synapses['vh']!['W']!)).toEqual(pa['vh.W']);
    [a, b, small].forEach((g) => g.dispose());
  });

  it('init overrides are honoured', () => {
    const ham = hypergraph()
      .layer('v', { shape: [2], lagrangian: L.identity() })
      .layer('h', { shape: [3], lagrangian: L.identity() })
      .layer('img', { shape: [3, 3, 1], lagrangian: L.identity() })
      .layer('out', { shape: [2, 2, 1], lagrangian: L.identity() })
      .layer('tok', { shape: [2, 3], lagrangian: L.identity() })
      .synapse('d', Y.dense({ init: { W: { type: 'values', values: [1, 2, 3, 4, 5, 6] } } }), ['v', 'h'])
      .synapse('db', Y.denseBias({ init: { W: { type: 'constant', value: 0.5 }, b: { type: 'values', values: [1, -1] } } }), ['h', 'v'])
      .synapse('b', Y.bias({ init: { b: { type: 'uniform', low: 2, high: 3 } } }), ['h'])
      .synapse('c', Y.conv2d({ kernel: 2, init: { W: { type: 'values', values: [1, 0, 0, -1] } } }), ['img', 'out'])
      .synapse('m', Y.modernHopfield({ memories: 2, init: { xi: { type: 'constant', value: 0.25 } } }), ['v'])
      .synapse('att', Y.energyAttention({ heads: 1, headDim: 1, init: { Wk: { type: 'constant', value: 2 } } }), ['tok'])
      .build({ seed: 1, isolatedLayers: 'allow' });
    const p = allParams(ham as AnyHam);
    expect(ham.params.synapses['d']!['W']!.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(p['db.W']).toEqual(new Array(6).fill(0.5));
    expect(p['db.b']).toEqual([1, -1]);
    expect(p['b.b']!.every((v) => v >= 2 && v < 3)).toBe(true);
    expect(p['c.W']).toEqual([1, 0, 0, -1]);
    expect(p['m.xi']).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(p['att.Wk']).toEqual([2, 2, 2]);
    expect(p['att.Wq']).not.toEqual([2, 2, 2]);
    // And the energy uses them: −vᵀWh with v = [1, 2], h = [1, 0, −1] is −((1·1 + 2·4) − (1·3 + 2·6)) = 6.
    const zeros = ham.zeros(1);
    tf.dispose([zeros.v, zeros.h]);
    const states = { ...zeros, v: tf.tensor2d([[1, 2]]), h: tf.tensor2d([[1, 0, -1]]) };
    const tree = ham.energyTree(states);
    expect(flat(tree.synapses.d)).toEqual([6]);
    // −Σ b·v for denseBias: −(1·1 − 1·2) = 1, plus −hᵀ(0.5)v = −0.5·(1 + 0 − 1)·(1 + 2) = 0.
    expect(flat(tree.synapses.db)[0]).toBeCloseTo(1, 6);
    tf.dispose([...Object.values(states), tree.total, ...Object.values(tree.layers), ...Object.values(tree.synapses)]);
    ham.dispose();
  });

  it('default initialisers have the documented scales', () => {
    const ham = hypergraph()
      .layer('v', { shape: [120], lagrangian: L.identity() })
      .layer('h', { shape: [80], lagrangian: L.identity() })
      .layer('img', { shape: [8, 8, 16], lagrangian: L.identity() })
      .layer('feat', { shape: [8, 8, 32], lagrangian: L.identity() })
      .layer('tok', { shape: [4, 50], lagrangian: L.identity() })
      .synapse('d', Y.dense(), ['v', 'h'])
      .synapse('db', Y.denseBias(), ['v', 'h'])
      .synapse('b', Y.bias(), ['v'])
      .synapse('c', Y.conv2d({ kernel: 3, padding: 'same' }), ['img', 'feat'])
      .synapse('m', Y.reluSquaredMemory({ memories: 60 }), ['v'])
      .synapse('mt', Y.modernHopfield({ memories: 60, perToken: true }), ['tok'])
      .synapse('em', Y.exponentialMemory({ memories: 4 }), ['v'])
      .synapse('att', Y.energyAttention({ heads: 4, headDim: 16 }), ['tok'])
      .build({ seed: 2 });
    const p = allParams(ham as AnyHam);
    const std = (v: number[]) => Math.sqrt(R.dot(v, v) / v.length);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    // Each estimate uses ≥ 4800 samples: relative error of the std ≈ 1/sqrt(2n) ≲ 1%; allow 6%.
    const near = (got: number, want: number, what: string) =>
      expect(Math.abs(got / want - 1), `${what}: std ${got}, documented ${want}`).toBeLessThan(0.06);
    near(std(p['d.W']!), Math.sqrt(2 / 200), 'dense W');
    near(std(p['db.W']!), Math.sqrt(2 / 200), 'denseBias W');
    near(std(p['c.W']!), 1 / Math.sqrt(3 * 3 * 16), 'conv W');
    near(std(p['m.xi']!), 1 / Math.sqrt(120), 'memory xi');
    near(std(p['mt.xi']!), 1 / Math.sqrt(50), 'per-token memory xi');
    near(std(p['att.Wk']!), 0.02, 'attention Wk');
    near(std(p['att.Wq']!), 0.02, 'attention Wq');
    expect(Math.abs(mean(p['d.W']!))).toBeLessThan(0.1 * Math.sqrt(2 / 200));
    expect(ham.params.synapses['d']!['W']!.shape).toEqual([120, 80]);
    expect(ham.params.synapses['c']!['W']!.shape).toEqual([3, 3, 16, 32]);
    expect(ham.params.synapses['mt']!['xi']!.shape).toEqual([60, 50]);
    expect(ham.params.synapses['att']!['Wk']!.shape).toEqual([4, 16, 50]);
    expect(p['db.b']!.every((v) => v === 0)).toBe(true);
    expect(p['b.b']!.every((v) => v === 0)).toBe(true);
    expect(p['att.beta']![0]).toBeCloseTo(1 / 4, 7);
    expect(p['mt.beta']![0]).toBe(1);
    expect(p['em.beta']![0]).toBe(1);
    expect(ham.paramSpecs.synapses.att['beta']!.learnable).toBe(false);
    expect(ham.paramSpecs.synapses.d['W']!.learnable).toBe(true);
    ham.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Energy descent along x ← x − α ∂E/∂x̂ on graphs that together use every synapse.
// ---------------------------------------------------------------------------------------------

const descentGraphs: { name: string; build: () => AnyHam }[] = [
  {
    name: 'vectors: dense (also [v, v]), denseBias, bias, memories (tanh, softmax, identity, spherical)',
    build: () =>
      hypergraph()
        .layer('v', { shape: [6], lagrangian: L.tanh() })
        .layer('h', { shape: [5], lagrangian: L.softmax({ beta: 2 }) })
        .layer('w', { shape: [2, 3], lagrangian: L.identity() })
        .layer('s', { shape: [4], lagrangian: L.spherical() })
        .synapse('vh', Y.dense(), ['v', 'h'])
        .synapse('vv', Y.dense(), ['v', 'v'])
        .synapse('hw', Y.denseBias({ init: { b: normal(1) } }), ['h', 'w'])
        .synapse('bv', Y.bias({ init: { b: normal(1) } }), ['v'])
        .synapse('ws', Y.dense(), ['w', 's'])
        .synapse('p2', Y.polynomialMemory({ memories: 4, degree: 2 }), ['w'])
        .synapse('p3', Y.polynomialMemory({ memories: 4, degree: 3, rectified: true }), ['v'])
        .synapse('p4', Y.polynomialMemory({ memories: 3, degree: 4 }), ['s'])
        .synapse('mh', Y.modernHopfield({ memories: 3, beta: 4 }), ['v'])
        .synapse('mh1', Y.modernHopfield({ memories: 3 }), ['s'])
        .synapse('ex', Y.exponentialMemory({ memories: 3, beta: 0.5 }), ['w'])
        .synapse('ex1', Y.exponentialMemory({ memories: 2 }), ['h'])
        .synapse('r2', Y.reluSquaredMemory({ memories: 4 }), ['v'])
        .build({ seed: 21 }) as AnyHam,
  },
  {
    name: 'images: conv2d (valid, same, numeric; stride 1 and 2), avgPool (2/2, overlapping, same)',
    build: () =>
      hypergraph()
        .layer('img', { shape: [6, 6, 2], lagrangian: L.identity() })
        .layer('f1', { shape: [3, 3, 3], lagrangian: L.tanh() })
        .layer('f2', { shape: [6, 6, 2], lagrangian: L.relu() })
        .layer('f3', { shape: [2, 2, 3], lagrangian: L.sigmoid() })
        .layer('p1', { shape: [3, 3, 2], lagrangian: L.identity() })
        .layer('p2', { shape: [2, 2, 3], lagrangian: L.tanh() })
        .layer('p3', { shape: [3, 3, 2], lagrangian: L.softmax() })
        .synapse('c_same2', Y.conv2d({ kernel: 3, stride: 2, padding: 'same' }), ['img', 'f1'])
        .synapse('c_pad1', Y.conv2d({ kernel: 3, padding: 1 }), ['img', 'f2'])
        .synapse('c_valid', Y.conv2d({ kernel: 2 }), ['f1', 'f3'])
        .synapse('c_valid2', Y.conv2d({ kernel: 2, stride: 2 }), ['f2', 'p1'])
        .synapse('a_22', Y.avgPool({ size: 2 }), ['img', 'p1'])
        .synapse('a_overlap', Y.avgPool({ size: 2, stride: 1 }), ['f1', 'p2'])
        .synapse('a_same', Y.avgPool({ size: 3, stride: 2, padding: 'same' }), ['img', 'p3'])
        .synapse('a_pad', Y.avgPool({ size: 3, stride: 2, padding: 1 }), ['f2', 'p3'])
        .build({ seed: 22 }) as AnyHam,
  },
  {
    name: 'tokens: energyAttention (masked and not), per-token and flattened memories and dense (layernorm, tanh, sigmoid)',
    build: () =>
      hypergraph()
        .layer('tok', { shape: [4, 6], lagrangian: L.layernorm() })
        .layer('tok2', { shape: [3, 4], lagrangian: L.tanh() })
        .layer('flat', { shape: [5], lagrangian: L.identity() })
        .layer('tok3', { shape: [3, 2], lagrangian: L.sigmoid() })
        .synapse('att', Y.energyAttention({ heads: 2, headDim: 3, maskSelf: true, init: { Wk: wide, Wq: wide } }), ['tok'])
        .synapse('tokd', Y.dense({ perToken: true }), ['tok2', 'tok3'])
        .synapse('tokdb', Y.denseBias({ perToken: true, init: { b: normal(1) } }), ['tok3', 'tok2'])
        .synapse('att2', Y.energyAttention({ heads: 1, headDim: 4, beta: 1, init: { Wk: wide, Wq: wide } }), ['tok2'])
        .synapse('relu2', Y.reluSquaredMemory({ memories: 5, perToken: true }), ['tok'])
        .synapse('mhp', Y.modernHopfield({ memories: 3, beta: 4, perToken: true }), ['tok2'])
        .synapse('exf', Y.exponentialMemory({ memories: 3 }), ['tok2'])
        .synapse('p4t', Y.polynomialMemory({ memories: 3, degree: 4, rectified: true, perToken: true }), ['tok'])
        .synapse('p3t', Y.polynomialMemory({ memories: 3, degree: 3, perToken: true }), ['tok2'])
        .synapse('ext', Y.exponentialMemory({ memories: 2, beta: 0.5, perToken: true }), ['tok'])
        .synapse('tokflat', Y.denseBias(), ['tok2', 'flat'])
        .synapse('r2', Y.reluSquaredMemory({ memories: 4 }), ['flat'])
        .build({ seed: 23 }) as AnyHam,
  },
  {
    name: 'user-defined triple and cubic synapses',
    build: () =>
      hypergraph()
        .layer('a', { shape: [3], lagrangian: L.tanh() })
        .layer('b', { shape: [3], lagrangian: L.identity() })
        .layer('c', { shape: [3], lagrangian: L.sigmoid() })
        .synapse('tri', tripleSynapse(), ['a', 'b', 'c'])
        .synapse('cub', cubicSynapse(), ['a', 'c'])
        .build({ seed: 24 }) as AnyHam,
  },
];

/** One explicit Euler step `x ← x − α ∂E/∂x̂` (a negative α climbs). */
function step(ham: AnyHam, states: States<string>, alpha: number, method: 'auto' | 'autodiff'): States<string> {
  return tf.tidy(() => {
    const g = ham.dEdxhat(states, { method });
    return Object.fromEntries(ham.layerNames.map((n) => [n, tf.sub(states[n]!, tf.mul(alpha, g[n]!))]));
  }) as States<string>;
}

describe('the energy falls along small gradient steps', () => {
  it('every built-in synapse kind is used by some descent graph', () => {
    const kinds = new Set(
      descentGraphs.flatMap((g) => {
        const ham = g.build();
        const k = ham.synapseNames.map((s) => ham.synapses[s]!.synapse.kind);
        ham.dispose();
        return k;
      }),
    );
    for (const k of ['dense', 'denseBias', 'bias', 'conv2d', 'avgPool', 'polynomialMemory', 'exponentialMemory', 'modernHopfield', 'reluSquaredMemory', 'energyAttention']) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  describe.each(descentGraphs)('$name', ({ build }) => {
    it.each(['auto', 'autodiff'] as const)('per-sample energy never rises over 20 steps (%s)', (method) => {
      const ham = build();
      let states = ham.randomStates(3, 5);
      const alpha = 0.02;
      const energies: number[][] = [flat(ham.energy(states))];
      for (let t = 0; t < 20; t++) {
        const next = step(ham, states, alpha, method);
        disposeStates(states);
        states = next;
        energies.push(flat(ham.energy(states)));
      }
      for (let t = 1; t < energies.length; t++) {
        energies[t]!.forEach((e, b) => {
          const prev = energies[t - 1]![b]!;
          // float32 noise: ~1e-5 of the energy's size.
          expect(e, `step ${t}, sample ${b}: ${prev} → ${e}`).toBeLessThanOrEqual(prev + 1e-5 * Math.max(1, Math.abs(prev)));
        });
      }
      // And it really moved: a visible total decrease for every sample.
      energies[0]!.forEach((e0, b) => expect(energies[20]![b]!).toBeLessThan(e0 - 1e-3 * Math.max(1, Math.abs(e0))));
      disposeStates(states);
      ham.dispose();
    });

    it('a step the other way raises the energy (the check above can fail)', () => {
      const ham = build();
      const states = ham.randomStates(3, 5);
      const e0 = flat(ham.energy(states));
      const up = step(ham, states, -0.02, 'auto');
      const e1 = flat(ham.energy(up));
      e1.forEach((e, b) => expect(e).toBeGreaterThan(e0[b]!));
      disposeStates(states);
      disposeStates(up);
      ham.dispose();
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 8. No tensors leak.
// ---------------------------------------------------------------------------------------------

describe('evaluations leak no tensors', () => {
  it.each(descentGraphs)('$name', ({ build }) => {
    const ham = build();
    const states = ham.randomStates(2, 1);
    const run = () => {
      const tree = ham.energyTree(states);
      tf.dispose([tree.total, ...Object.values(tree.layers), ...Object.values(tree.synapses)]);
      for (const method of ['auto', 'autodiff'] as const) {
        tf.dispose(Object.values(ham.dEdxhat(states, { method })));
        const both = ham.energyAndDEdxhat(states, { method });
        tf.dispose([both.energy, ...Object.values(both.dEdxhat)]);
      }
      tf.dispose(Object.values(ham.activations(states)));
    };
    run(); // warm up any lazily created constants
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    disposeStates(states);
    ham.dispose();
  });

  it('HAM.energy() leaks no tensors', () => {
    const ham = descentGraphs[3]!.build();
    const states = ham.randomStates(2, 1);
    ham.energy(states).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) ham.energy(states).dispose();
    const leaked = tf.memory().numTensors - before;
    disposeStates(states);
    ham.dispose();
    expect(leaked).toBe(0);
  });

  it('each synapse energy and closed form, called directly inside tidy, leaves nothing behind', () => {
    for (const c of CASES) {
      const ham = buildCase(c);
      const states = ham.randomStates(2, 1);
      const before = tf.memory().numTensors;
      const syn = ham.synapses['s']!.synapse;
      const p = ham.params.synapses['s']!;
      for (let i = 0; i < 3; i++) {
        const xs = c.connects.map((l) => states[l]!);
        tf.tidy(() => syn.energy(xs, p)).dispose();
        if (syn.dEdxhat) tf.dispose(tf.tidy(() => syn.dEdxhat!(xs, p)));
      }
      expect(tf.memory().numTensors, c.name).toBe(before);
      disposeStates(states);
      ham.dispose();
    }
  });
});
