/**
 * Numerical tests of the Lagrangian library (math.md §1): values, activations and neuron energies
 * against float64 references written by hand (test/helpers/lagrangian-reference.ts), closed-form
 * activations against autodiff, stability at large |βx|, learnable parameters against finite
 * differences, user-defined Lagrangians, option checks and tensor hygiene.
 *
 * Tolerances. Everything in tfjs is float32 (ε ≈ 6e-8), so values are compared at relative 1e-5
 * and gradients at relative 1e-4. The neuron energy `Σ x̂⊙x − L` is a difference of terms that can be
 * much larger than the result; float32 can only get it right relative to the size of those terms,
 * so energies are compared with `rtol · (Σ|x̂⊙x| + |L|)` (see `energyScale`), never looser.
 */
import { describe, expect, it } from 'vitest';
import { thrownBy } from '@hamux-ts/test-support';
import {
  tf,
  hypergraph,
  lagrangians as L,
  synapses as Y,
  NeuronLayer,
  learnable,
  defineLagrangian,
  HamuxError,
  HamuxErrors,
  sumPerSample,
  type Lagrangian,
  type Params,
  type Tensor,
  type TensorMap,
} from '@hamux-ts/core';
import {
  centralDiff,
  energyRef,
  energyScale,
  nd,
  randomNd,
  ref,
  rowsAlong,
  type Nd,
  type RefLagrangian,
} from './helpers/lagrangian-reference.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * The smallest normal float32. Below it float32 numbers are subnormal and lose relative precision
 * (e^-100 ≈ 3.7e-44 keeps only ~5 significant bits), so no comparison can ask for more than this
 * absolute accuracy.
 */
const FLT_MIN = 1.1754943508222875e-38;

interface Tol {
  /** Relative tolerance. */
  readonly rtol: number;
  /** Absolute tolerance: one number, or one per entry. */
  readonly atol?: number | readonly number[];
}

/** Every entry finite and within `atol + rtol·|expected|`; reports every offending entry. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: Tol, what: string): void {
  expect(actual.length, `${what}: number of entries`).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    const atol = Math.max(FLT_MIN, typeof tol.atol === 'number' ? tol.atol : (tol.atol?.[i] ?? 0));
    if (!Number.isFinite(a) || !(Math.abs(a - e) <= atol + tol.rtol * Math.abs(e))) {
      bad.push(`[${i}] got ${a}, expected ${e} (diff ${Math.abs(a - e)})`);
    }
  }
  expect(bad, what).toEqual([]);
}

function maxAbs(v: readonly number[]): number {
  return v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

function toTensor(x: Nd): Tensor {
  return tf.tensor(x.data as number[], x.shape as number[], 'float32');
}

/** The layer shape of a batched state. */
function layerShape(x: Nd): number[] {
  return x.shape.slice(1);
}

/**
 * Runs `f` with a NeuronLayer of this Lagrangian and its parameters, materialised by building a
 * one-layer graph (so the parameters come from the options exactly as a user's graph gets them).
 */
function withLayer<T>(lag: Lagrangian, shape: readonly number[], f: (layer: NeuronLayer, p: TensorMap) => T): T {
  const ham = hypergraph().layer('x', { shape, lagrangian: lag }).build({ seed: 0, isolatedLayers: 'allow' });
  try {
    return f(new NeuronLayer('x', { shape, lagrangian: lag }), ham.params.layers['x']!);
  } finally {
    ham.dispose();
  }
}

interface Evaluated {
  L: number[];
  Lshape: number[];
  act: number[];
  actShape: number[];
  actAutodiff: number[];
  E: number[];
  Eshape: number[];
}

/** L, the closed-form activation, the autodiff activation and the neuron energy of `x`. */
function evaluate(lag: Lagrangian, x: Nd): Evaluated {
  return withLayer(lag, layerShape(x), (layer, p) => {
    let out: Evaluated | undefined;
    tf.tidy(() => {
      const xt = toTensor(x);
      const l = layer.lagrangian.lagrangian(xt, p);
      const a = layer.activation(xt, p);
      const ad = layer.activationByAutodiff(xt, p);
      const e = layer.energy(xt, a, p);
      out = {
        L: Array.from(l.dataSync()),
        Lshape: l.shape,
        act: Array.from(a.dataSync()),
        actShape: a.shape,
        actAutodiff: Array.from(ad.dataSync()),
        E: Array.from(e.dataSync()),
        Eshape: e.shape,
      };
    });
    return out!;
  });
}

/** Checks L, activation and energy of `x` against a reference, at float32 tolerances. */
function checkAgainstReference(lag: Lagrangian, r: RefLagrangian, x: Nd, what: string, rtol = 1e-5): Evaluated {
  const got = evaluate(lag, x);
  const B = x.shape[0]!;
  expect(got.Lshape, `${what}: L is one value per sample`).toEqual([B]);
  expect(got.actShape, `${what}: activation has the state's shape`).toEqual(x.shape);
  expect(got.Eshape, `${what}: energy is one value per sample`).toEqual([B]);
  const Lref = r.L(x);
  const act = r.act(x);
  // L and activations: relative, with a small absolute floor for values near 0, which float32
  // reaches by cancelling terms of order 1 (a layer-norm activation γ(x − x̄)/sd + δ ≈ 0, say).
  expectClose(got.L, Lref, { rtol, atol: 1e-6 }, `${what}: L`);
  expectClose(got.act, act, { rtol, atol: 1e-7 }, `${what}: activation`);
  expectClose(got.E, energyRef(r, x), { rtol, atol: energyScale(r, x).map((s) => rtol * s) }, `${what}: energy`);
  return got;
}

interface Case {
  readonly label: string;
  readonly make: () => Lagrangian;
  readonly ref: RefLagrangian;
}

/** Element-wise Lagrangians with several β. */
const elementwiseCases: readonly Case[] = [
  { label: 'identity', make: () => L.identity(), ref: ref.identity() },
  { label: 'repu n=2', make: () => L.repu({ n: 2 }), ref: ref.repu(2) },
  { label: 'repu n=3', make: () => L.repu({ n: 3 }), ref: ref.repu(3) },
  { label: 'repu n=4.5', make: () => L.repu({ n: 4.5 }), ref: ref.repu(4.5) },
  { label: 'repu n=1.5', make: () => L.repu({ n: 1.5 }), ref: ref.repu(1.5) },
  { label: 'relu', make: () => L.relu(), ref: ref.relu() },
  ...[0.5, 1, 2].map((b) => ({ label: `exp β=${b}`, make: () => L.exp({ beta: b }), ref: ref.exp(b) })),
  { label: 'exp default β', make: () => L.exp(), ref: ref.exp(1) },
  ...[0.5, 1, 2].map((b) => ({ label: `rexp β=${b}`, make: () => L.rexp({ beta: b }), ref: ref.rexp(b) })),
  ...[0.5, 1, 3].map((b) => ({ label: `tanh β=${b}`, make: () => L.tanh({ beta: b }), ref: ref.tanh(b) })),
  { label: 'tanh default β', make: () => L.tanh(), ref: ref.tanh(1) },
  ...[0.5, 1, 3].map((b) => ({ label: `sigmoid β=${b}`, make: () => L.sigmoid({ beta: b }), ref: ref.sigmoid(b) })),
  { label: 'sigmoid default β', make: () => L.sigmoid(), ref: ref.sigmoid(1) },
];

/** Collective Lagrangians on a [3, 4] layer, with non-default β, γ, vector δ, ε and axes. */
const collectiveCases34: readonly Case[] = [
  { label: 'softmax default', make: () => L.softmax(), ref: ref.softmax(1, -1) },
  { label: 'softmax β=0.5', make: () => L.softmax({ beta: 0.5 }), ref: ref.softmax(0.5, -1) },
  { label: 'softmax β=2.5 axis 0', make: () => L.softmax({ beta: 2.5, axis: 0 }), ref: ref.softmax(2.5, 0) },
  { label: 'softmax β=2 axis 1', make: () => L.softmax({ beta: 2, axis: 1 }), ref: ref.softmax(2, 1) },
  { label: 'softmax β=3 axis -2', make: () => L.softmax({ beta: 3, axis: -2 }), ref: ref.softmax(3, -2) },
  { label: 'ghostmax', make: () => L.ghostmax(), ref: ref.ghostmax(-1) },
  { label: 'ghostmax axis 0', make: () => L.ghostmax({ axis: 0 }), ref: ref.ghostmax(0) },
  { label: 'layernorm default', make: () => L.layernorm(), ref: ref.layernorm() },
  {
    label: 'layernorm γ=1.7 δ vector ε=1e-3',
    make: () => L.layernorm({ gamma: 1.7, delta: [0.3, -0.2, 0.5, 0.1], eps: 1e-3 }),
    ref: ref.layernorm({ gamma: 1.7, delta: [0.3, -0.2, 0.5, 0.1], eps: 1e-3 }),
  },
  {
    label: 'layernorm γ=0.6 δ vector ε=0.05 axis 0',
    make: () => L.layernorm({ gamma: 0.6, delta: [-0.4, 0.25, 0.8], eps: 0.05, axis: 0 }),
    ref: ref.layernorm({ gamma: 0.6, delta: [-0.4, 0.25, 0.8], eps: 0.05, axis: 0 }),
  },
  {
    label: 'layernorm γ=2 δ scalar ε=0',
    make: () => L.layernorm({ gamma: 2, delta: 0.25, eps: 0 }),
    ref: ref.layernorm({ gamma: 2, delta: 0.25, eps: 0 }),
  },
  { label: 'spherical default', make: () => L.spherical(), ref: ref.spherical() },
  {
    label: 'spherical γ=2 δ vector ε=0.01',
    make: () => L.spherical({ gamma: 2, delta: [0.1, -0.4, 0.2, 0.3], eps: 0.01 }),
    ref: ref.spherical({ gamma: 2, delta: [0.1, -0.4, 0.2, 0.3], eps: 0.01 }),
  },
  {
    label: 'spherical γ=0.5 δ vector ε=1e-3 axis 0',
    make: () => L.spherical({ gamma: 0.5, delta: [0.7, -0.1, 0.35], eps: 1e-3, axis: 0 }),
    ref: ref.spherical({ gamma: 0.5, delta: [0.7, -0.1, 0.35], eps: 1e-3, axis: 0 }),
  },
];

/** A fixed batch of two [3, 4] states, with negatives, exact zeros and a spread of magnitudes. */
const fixed34 = nd(
  [
    0.5, -1.2, 2.0, 0.3,
    -0.7, 1.5, -2.2, 0.9,
    1.1, 0.0, -0.4, 2.6,

    -1.8, 0.25, 3.1, -0.05,
    2.2, -0.6, 0.75, -1.4,
    0.0, 1.9, -2.7, 0.45,
  ],
  [2, 3, 4],
);

// ---------------------------------------------------------------------------------------------
// 1. Values at fixed inputs
// ---------------------------------------------------------------------------------------------

describe('Lagrangian values, activations and energies at fixed inputs', () => {
  const x123 = nd([1, 2, 3], [1, 3]);

  it('hand-computed values for x = [1, 2, 3]', () => {
    // The literals are rounded to 7 significant digits, hence the 1e-6 relative slack.
    const lit: Tol = { rtol: 1e-6, atol: 1e-7 };
    // The references reproduce the hand values (so the references themselves are right)…
    expectClose(ref.softmax(1).L(x123), [3.407606], lit, 'reference softmax L');
    expectClose(ref.softmax(1).act(x123), [0.0900306, 0.2447285, 0.665241], lit, 'reference softmax activation');
    expectClose(energyRef(ref.softmax(1), x123), [-0.8323956], lit, 'reference softmax energy');
    expectClose(energyRef(ref.identity(), x123), [7], lit, 'reference identity energy');
    expectClose(energyRef(ref.exp(1), x123), [47.56013], lit, 'reference exp energy');
    expectClose(ref.ghostmax().L(x123), [3.44019], lit, 'reference ghostmax L');

    // …and so does the library.
    const sm = evaluate(L.softmax({ beta: 1 }), x123);
    expectClose(sm.L, [3.407606], lit, 'softmax L');
    expectClose(sm.act, [0.0900306, 0.2447285, 0.665241], lit, 'softmax activation');
    expectClose(sm.E, [-0.8323956], lit, 'softmax energy');
    const id = evaluate(L.identity(), x123);
    expectClose(id.L, [7], lit, 'identity L');
    expectClose(id.act, [1, 2, 3], lit, 'identity activation');
    expectClose(id.E, [7], lit, 'identity energy');
    const ex = evaluate(L.exp({ beta: 1 }), x123);
    expectClose(ex.act, [Math.E, Math.exp(2), Math.exp(3)], lit, 'exp activation');
    expectClose(ex.E, [47.56013], lit, 'exp energy');
    const gm = evaluate(L.ghostmax(), x123);
    expectClose(gm.L, [3.44019], lit, 'ghostmax L');
    const gsum = gm.act.reduce((s, v) => s + v, 0);
    // The ghost logit takes 1/(1 + Σe^x) of the mass, so a row sums to less than one.
    expect(gsum).toBeCloseTo(1 - 1 / (1 + Math.E + Math.exp(2) + Math.exp(3)), 6);
  });

  it('the neuron energy is computed by NeuronLayer.energy from any given x̂', () => {
    // E(x̂, x) = Σ x̂⊙x − L(x) treats x̂ as an independent input (math.md §1).
    const x = nd([1, 2, 3, -1, 0.5, 4], [2, 3]);
    const xhat = nd([0.5, -1, 2, 3, 0.25, -0.75], [2, 3]);
    const got = withLayer(L.softmax({ beta: 2 }), [3], (layer, p) =>
      tf.tidy(() => layer.energy(toTensor(x), toTensor(xhat), p)).dataSync(),
    );
    const Lref = ref.softmax(2).L(x);
    const expected = [0, 1].map((b) =>
      [0, 1, 2].reduce((s, i) => s + xhat.data[3 * b + i]! * x.data[3 * b + i]!, 0) - Lref[b]!,
    );
    expectClose(got, expected, { rtol: 1e-5, atol: 1e-5 }, 'energy with an arbitrary x̂');
  });

  describe.each(elementwiseCases)('$label', (c) => {
    it('matches the float64 reference on a [2, 3, 4] batch', () => {
      checkAgainstReference(c.make(), c.ref, fixed34, c.label);
    });
  });

  describe.each(collectiveCases34)('$label', (c) => {
    it('matches the float64 reference on a [2, 3, 4] batch', () => {
      checkAgainstReference(c.make(), c.ref, fixed34, c.label);
    });
  });

  it('repu n=2 and relu agree, and their kinds are distinct', () => {
    expect(L.relu().kind).toBe('relu');
    expect(L.repu({ n: 2 }).kind).toBe('repu');
    const a = evaluate(L.relu(), fixed34), b = evaluate(L.repu({ n: 2 }), fixed34);
    expect(a.act).toEqual(b.act);
    expect(a.L).toEqual(b.L);
  });

  it('rexp is zero (activation) and 1/β (Lagrangian) per neuron for x ≤ 0', () => {
    const x = nd([-3, -0.5, 0, -10], [1, 4]);
    const got = evaluate(L.rexp({ beta: 2 }), x);
    expect(got.act).toEqual([0, 0, 0, 0]);
    expectClose(got.L, [4 / 2], { rtol: 1e-6 }, 'rexp L for x ≤ 0');
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Closed forms against autodiff, on batched multi-dimensional states
// ---------------------------------------------------------------------------------------------

const stateShapes: readonly { readonly shape: readonly number[]; readonly batch: number }[] = [
  { shape: [7], batch: 3 },
  { shape: [4, 5], batch: 2 },
  { shape: [3, 4, 2], batch: 2 },
];

/** Every valid axis of a layer shape, in both signs. */
function axesOf(shape: readonly number[]): number[] {
  return [...shape.map((_, i) => i), ...shape.map((_, i) => i - shape.length)];
}

/** Collective Lagrangians along `axis` of `shape`, with δ vectors of the right length. */
function collectiveCasesFor(shape: readonly number[], axis: number): Case[] {
  const d = shape[axis < 0 ? shape.length + axis : axis]!;
  const delta = Array.from({ length: d }, (_, i) => 0.3 * Math.sin(1 + 2 * i));
  return [
    { label: `softmax β=1.7 axis ${axis}`, make: () => L.softmax({ beta: 1.7, axis }), ref: ref.softmax(1.7, axis) },
    { label: `ghostmax axis ${axis}`, make: () => L.ghostmax({ axis }), ref: ref.ghostmax(axis) },
    {
      label: `layernorm axis ${axis}`,
      make: () => L.layernorm({ gamma: 1.3, delta, eps: 1e-3, axis }),
      ref: ref.layernorm({ gamma: 1.3, delta, eps: 1e-3, axis }),
    },
    {
      label: `spherical axis ${axis}`,
      make: () => L.spherical({ gamma: 0.7, delta, eps: 1e-2, axis }),
      ref: ref.spherical({ gamma: 0.7, delta, eps: 1e-2, axis }),
    },
  ];
}

describe('closed-form activations equal autodiff of the Lagrangian', () => {
  for (const { shape, batch } of stateShapes) {
    const x = randomNd([batch, ...shape], 1000 + shape.length, 1.5);
    const label = `[${batch}, ${shape.join(', ')}]`;

    it(`element-wise Lagrangians on ${label}`, () => {
      for (const c of elementwiseCases) {
        const got = checkAgainstReference(c.make(), c.ref, x, `${c.label} on ${label}`);
        // Closed form vs autodiff: both float32, compared at the same relative tolerance.
        expectClose(got.actAutodiff, got.act, { rtol: 1e-5, atol: 1e-7 }, `${c.label} on ${label}: autodiff`);
      }
    });

    for (const axis of axesOf(shape)) {
      it(`collective Lagrangians along axis ${axis} of ${label}`, () => {
        for (const c of collectiveCasesFor(shape, axis)) {
          const got = checkAgainstReference(c.make(), c.ref, x, `${c.label} on ${label}`);
          expectClose(got.actAutodiff, got.act, { rtol: 1e-5, atol: 1e-7 }, `${c.label} on ${label}: autodiff`);
        }
      });
    }
  }

  it('the references pick rows along the axis they are given (sanity check of the helper)', () => {
    // [B=1, 2, 3]: rows along layer axis 0 are columns, along axis -1 are rows.
    expect(rowsAlong([1, 2, 3], 0).map((r) => r.idx)).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(rowsAlong([1, 2, 3], -1).map((r) => r.idx)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(rowsAlong([2, 3], 0).map((r) => [r.sample, ...r.idx])).toEqual([[0, 0, 1, 2], [1, 3, 4, 5]]);
  });

  describe('collective Lagrangians give one value per row, summed per sample', () => {
    // A [B=2, N=3, D=4] state whose three rows (per sample) are identical: L per sample must be
    // exactly N times the value of one row (a per-sample logsumexp over all 12 entries, or a δ
    // term counted once in total instead of once per row, both break this).
    const N = 3, D = 4;
    const rowsOf = [
      [0.4, -1.1, 2.3, 0.7],
      [-0.9, 0.2, 1.6, -2.4],
    ];
    const x = nd(rowsOf.flatMap((r) => [...r, ...r, ...r]), [2, N, D]);
    const row = nd(rowsOf.flat(), [2, D]);
    const delta = [0.5, -0.25, 0.75, 1.5];
    const cases: Case[] = [
      { label: 'softmax β=2', make: () => L.softmax({ beta: 2 }), ref: ref.softmax(2) },
      { label: 'ghostmax', make: () => L.ghostmax(), ref: ref.ghostmax() },
      { label: 'layernorm', make: () => L.layernorm({ gamma: 1.5, delta, eps: 1e-3 }), ref: ref.layernorm({ gamma: 1.5, delta, eps: 1e-3 }) },
      { label: 'spherical', make: () => L.spherical({ gamma: 0.8, delta, eps: 1e-3 }), ref: ref.spherical({ gamma: 0.8, delta, eps: 1e-3 }) },
    ];
    it.each(cases)('$label', (c) => {
      const got = evaluate(c.make(), x);
      expect(got.Lshape).toEqual([2]);
      const perRow = c.ref.L(row); // one row per sample, float64
      expectClose(got.L, perRow.map((v) => N * v), { rtol: 1e-5, atol: 1e-6 }, `${c.label}: L = N · L(row)`);
      const actRow = c.ref.act(row);
      const expectedAct = [0, 1].flatMap((b) => {
        const r = actRow.slice(D * b, D * (b + 1));
        return [...r, ...r, ...r];
      });
      expectClose(got.act, expectedAct, { rtol: 1e-5, atol: 1e-7 }, `${c.label}: every row's activation`);
    });

    it('softmax over [B, N, D] along the last axis is the sum of the N rows’ logsumexp', () => {
      const y = randomNd([2, 5, 3], 77, 2);
      const got = evaluate(L.softmax({ beta: 1 }), y);
      const expected = [0, 1].map((b) => {
        let s = 0;
        for (let n = 0; n < 5; n++) {
          const r = y.data.slice(15 * b + 3 * n, 15 * b + 3 * n + 3);
          s += Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
        }
        return s;
      });
      expectClose(got.L, expected, { rtol: 1e-5 }, 'Σ_rows logsumexp');
    });

    it('a layernorm δ term is counted once per row: with γ = 0, L = Σ over every row of δ·row', () => {
      const y = randomNd([2, 5, 4], 78, 1);
      const got = evaluate(L.layernorm({ gamma: 0, delta }), y);
      const expected = [0, 1].map((b) => y.data.slice(20 * b, 20 * (b + 1)).reduce((s, v, i) => s + delta[i % 4]! * v, 0));
      expectClose(got.L, expected, { rtol: 1e-5, atol: 1e-6 }, 'Σ_rows δ·row');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 2b. Second derivatives: training differentiates through the activations (math.md §6)
// ---------------------------------------------------------------------------------------------

describe('second derivatives: ∂/∂x of Σ c⊙x̂ (the Hessian of L times c)', () => {
  /** `∂/∂x_i Σ_j c_j x̂_j(x)` by float64 central differences of the reference activation. */
  function hvpRef(r: RefLagrangian, x: Nd, c: Nd): number[] {
    return x.data.map((xi, i) =>
      centralDiff((v) => {
        const y: Nd = { data: x.data.map((u, j) => (j === i ? v : u)), shape: x.shape };
        return r.act(y).reduce((s, a, j) => s + c.data[j]! * a, 0);
      }, xi, 1e-6),
    );
  }

  function hvps(lag: Lagrangian, x: Nd, c: Nd): { closed: number[]; autodiff: number[] } {
    return withLayer(lag, layerShape(x), (layer, p) =>
      tf.tidy(() => {
        const xt = toTensor(x), ct = toTensor(c);
        const through = (f: (s: Tensor) => Tensor) =>
          Array.from(tf.grad((s: Tensor) => tf.sum(tf.mul(ct, f(s))))(xt).dataSync());
        return {
          closed: through((s) => layer.activation(s, p)),
          // Autodiff of autodiff: the second derivative of L itself, as a user-defined Lagrangian gets it.
          autodiff: through((s) => layer.activationByAutodiff(s, p)),
        };
      }),
    );
  }

  const c = randomNd([2, 3, 4], 91, 1);
  // Second derivatives in float32 (autodiff of autodiff), against float64 differences: relative 1e-4,
  // with an absolute floor for entries that cancel to near 0.
  const tol: Tol = { rtol: 1e-4, atol: 1e-5 };

  it.each([...elementwiseCases, ...collectiveCases34])('$label, on a random batch', (cs) => {
    const x = randomNd([2, 3, 4], 90, 1.2);
    const expected = hvpRef(cs.ref, x, c);
    const got = hvps(cs.make(), x, c);
    expectClose(got.closed, expected, tol, `${cs.label}: closed form`);
    expectClose(got.autodiff, expected, tol, `${cs.label}: autodiff of autodiff`);
  });

  // At exact zeros (where zero states start), for the Lagrangians that are twice differentiable
  // there: tanh's log cosh is written with |x|, softplus with max and |x|, whose kinks must cancel.
  const kinked = new Set(['relu', 'repu n=2', 'repu n=1.5', 'rexp β=0.5', 'rexp β=1', 'rexp β=2']);
  it.each([...elementwiseCases, ...collectiveCases34].filter((cs) => !kinked.has(cs.label)))(
    '$label, on a batch with exact zeros',
    (cs) => {
      const expected = hvpRef(cs.ref, fixed34, c);
      const got = hvps(cs.make(), fixed34, c);
      expectClose(got.closed, expected, tol, `${cs.label}: closed form`);
      expectClose(got.autodiff, expected, tol, `${cs.label}: autodiff of autodiff`);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// 3. Numerical stability at large |βx|
// ---------------------------------------------------------------------------------------------

describe('numerical stability at |βx| = 100', () => {
  function expectAllFinite(got: Evaluated, what: string): void {
    for (const [k, v] of Object.entries({ L: got.L, act: got.act, actAutodiff: got.actAutodiff, E: got.E })) {
      const bad = v.filter((n) => !Number.isFinite(n));
      expect(bad, `${what}: ${k} finite`).toEqual([]);
    }
  }

  /** One neuron per sample, so L per sample is the per-neuron value. */
  const column = (values: readonly number[]) => nd(values, [values.length, 1]);

  it.each([
    { label: 'identity', make: () => L.identity(), ref: ref.identity(), beta: 1 },
    { label: 'repu n=2', make: () => L.repu({ n: 2 }), ref: ref.repu(2), beta: 1 },
    { label: 'repu n=3', make: () => L.repu({ n: 3 }), ref: ref.repu(3), beta: 1 },
    { label: 'repu n=4.5', make: () => L.repu({ n: 4.5 }), ref: ref.repu(4.5), beta: 1 },
    { label: 'relu', make: () => L.relu(), ref: ref.relu(), beta: 1 },
    { label: 'tanh β=1', make: () => L.tanh({ beta: 1 }), ref: ref.tanh(1), beta: 1 },
    { label: 'tanh β=2.5', make: () => L.tanh({ beta: 2.5 }), ref: ref.tanh(2.5), beta: 2.5 },
    { label: 'sigmoid β=1', make: () => L.sigmoid({ beta: 1 }), ref: ref.sigmoid(1), beta: 1 },
    { label: 'sigmoid β=4', make: () => L.sigmoid({ beta: 4 }), ref: ref.sigmoid(4), beta: 4 },
  ])('$label: finite and correct at βx = ±100', (c) => {
    const x = column([100 / c.beta, -100 / c.beta, 0, 1 / c.beta, 0.5 / c.beta]);
    const got = evaluate(c.make(), x);
    expectAllFinite(got, c.label);
    // One neuron per sample, so L, activation and energy are checked value by value.
    const Lref = c.ref.L(x);
    expectClose(got.L, Lref, { rtol: 1e-5, atol: 1e-7 }, `${c.label}: L`);
    expectClose(got.act, c.ref.act(x), { rtol: 1e-5, atol: 1e-7 }, `${c.label}: activation`);
    expectClose(got.actAutodiff, c.ref.act(x), { rtol: 1e-5, atol: 1e-7 }, `${c.label}: autodiff activation`);
    expectClose(got.E, energyRef(c.ref, x), { rtol: 1e-5, atol: energyScale(c.ref, x).map((s) => 1e-5 * s) }, `${c.label}: energy`);
  });

  it.each([1, 2.5])('tanh L at βx = ±100 is (100 − log 2)/β (β = %s)', (beta) => {
    const got = evaluate(L.tanh({ beta }), column([100 / beta, -100 / beta]));
    const expected = (100 - Math.LN2) / beta;
    expectClose(got.L, [expected, expected], { rtol: 1e-6 }, 'tanh L');
    expectClose(got.act, [1, -1], { rtol: 0, atol: 0 }, 'tanh activation saturates exactly');
    // E = x·tanh(βx) − L = log 2/β: a difference of two ~100/β terms, so float32 resolves it
    // only to about 1e-5·100/β in absolute terms.
    expectClose(got.E, [Math.LN2 / beta, Math.LN2 / beta], { rtol: 0, atol: 1e-5 * (200 / beta) }, 'tanh energy');
  });

  it.each([1, 4])('sigmoid L at βx = −100 is e^-100/β ≈ 0 and at βx = 100 is 100/β (β = %s)', (beta) => {
    const got = evaluate(L.sigmoid({ beta }), column([-100 / beta, 100 / beta]));
    expect(got.L[0]).toBeGreaterThanOrEqual(0);
    expect(got.L[0]).toBeLessThan(1e-40); // e^-100 ≈ 3.7e-44
    expectClose([got.L[1]!], [100 / beta], { rtol: 1e-6 }, 'sigmoid L at βx = 100');
    expect(got.act[0]).toBeGreaterThanOrEqual(0);
    expect(got.act[0]).toBeLessThan(1e-40);
    expect(got.act[1]).toBe(1);
  });

  it.each([
    { label: 'softmax β=1', make: () => L.softmax({ beta: 1 }), ref: ref.softmax(1), beta: 1 },
    { label: 'softmax β=2.5', make: () => L.softmax({ beta: 2.5 }), ref: ref.softmax(2.5), beta: 2.5 },
    { label: 'softmax β=4 axis 0', make: () => L.softmax({ beta: 4, axis: 0 }), ref: ref.softmax(4, 0), beta: 4 },
  ])('$label of [100, −100, 0]/β', (c) => {
    const x = nd([100, -100, 0].map((v) => v / c.beta), [1, 3]);
    const got = evaluate(c.make(), x);
    expectAllFinite(got, c.label);
    expectClose(got.L, [100 / c.beta], { rtol: 1e-6 }, 'softmax L ≈ max');
    expect(got.act[0]).toBeCloseTo(1, 6);
    expect(got.act[1]).toBeGreaterThanOrEqual(0);
    expect(got.act[1]).toBeLessThan(1e-40); // e^-200 underflows to 0
    expect(got.act[2]).toBeGreaterThanOrEqual(0);
    expect(got.act[2]).toBeLessThan(1e-40); // e^-100 ≈ 3.7e-44
    expectClose(got.actAutodiff, got.act, { rtol: 1e-6, atol: 1e-30 }, 'softmax autodiff activation');
    // E = Σ p x − L = −(entropy)/β ≈ 0, a difference of ~100/β terms.
    expectClose(got.E, [0], { rtol: 0, atol: 1e-5 * (200 / c.beta) }, 'softmax energy');
  });

  it('ghostmax at ±100', () => {
    const x = nd([100, -100, 0, -100, -100, -100, 100, 100, 100], [3, 3]);
    const got = evaluate(L.ghostmax(), x);
    expectAllFinite(got, 'ghostmax');
    const r = ref.ghostmax();
    expectClose(got.L, r.L(x), { rtol: 1e-6, atol: 1e-30 }, 'ghostmax L');
    expectClose(got.act, r.act(x), { rtol: 1e-6, atol: 1e-30 }, 'ghostmax activation');
    expectClose(got.actAutodiff, r.act(x), { rtol: 1e-6, atol: 1e-30 }, 'ghostmax autodiff activation');
    expectClose(got.E, energyRef(r, x), { rtol: 0, atol: energyScale(r, x).map((s) => 1e-5 * s) }, 'ghostmax energy');
  });

  it.each([
    {
      label: 'layernorm',
      make: () => L.layernorm({ gamma: 1.5, delta: [0.1, -0.2, 0.3, 0.4], eps: 1e-5 }),
      ref: ref.layernorm({ gamma: 1.5, delta: [0.1, -0.2, 0.3, 0.4], eps: 1e-5 }),
    },
    {
      label: 'spherical',
      make: () => L.spherical({ gamma: 1.5, delta: [0.1, -0.2, 0.3, 0.4], eps: 1e-5 }),
      ref: ref.spherical({ gamma: 1.5, delta: [0.1, -0.2, 0.3, 0.4], eps: 1e-5 }),
    },
  ])('$label at ±100, on a constant row and on a zero row', (c) => {
    // The constant and zero rows have no spread: only ε keeps the activation finite (it is δ there).
    const x = nd([100, -100, 0, 1, 100, 100, 100, 100, -100, -100, -100, -100, 0, 0, 0, 0], [4, 4]);
    const got = evaluate(c.make(), x);
    expectAllFinite(got, c.label);
    const Lref = c.ref.L(x);
    expectClose(got.L, Lref, { rtol: 1e-5, atol: 1e-7 }, `${c.label}: L`);
    const act = c.ref.act(x);
    expectClose(got.act, act, { rtol: 1e-5, atol: 1e-6 }, `${c.label}: activation`);
    expectClose(got.actAutodiff, act, { rtol: 1e-5, atol: 1e-6 }, `${c.label}: autodiff activation`);
    expectClose(got.E, energyRef(c.ref, x), { rtol: 1e-5, atol: energyScale(c.ref, x).map((s) => 1e-5 * s) }, `${c.label}: energy`);
  });

  it.each([0.5, 1, 2])('exp and rexp at βx = −100 (finite) and βx = 80 (correct to 1e-5), β = %s', (beta) => {
    // At βx = 100 the activation e^100 is beyond float32's range by definition, so the largest
    // exponent tested is 80 (e^80 ≈ 5.5e34 < 3.4e38).
    const x = column([-100 / beta, 80 / beta]);
    for (const [label, lag, r] of [
      ['exp', L.exp({ beta }), ref.exp(beta)],
      ['rexp', L.rexp({ beta }), ref.rexp(beta)],
    ] as const) {
      const got = evaluate(lag, x);
      expectAllFinite(got, `${label} β=${beta}`);
      expectClose(got.L, r.L(x), { rtol: 1e-5, atol: 1e-30 }, `${label}: L`);
      expectClose(got.act, r.act(x), { rtol: 1e-5, atol: 1e-30 }, `${label}: activation`);
      expectClose(got.actAutodiff, r.act(x), { rtol: 1e-5, atol: 1e-30 }, `${label}: autodiff activation`);
      expectClose(got.E, energyRef(r, x), { rtol: 1e-5, atol: 1e-30 }, `${label}: energy`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Zero states of a graph
// ---------------------------------------------------------------------------------------------

describe('zero states', () => {
  it('identity(7), softmax(8), softmax(9) have neuron energies 0, −ln 8, −ln 9', () => {
    const ham = hypergraph()
      .layer('a', { shape: [7], lagrangian: L.identity() })
      .layer('b', { shape: [8], lagrangian: L.softmax() })
      .layer('c', { shape: [9], lagrangian: L.softmax() })
      .build({ seed: 0, isolatedLayers: 'allow' });
    const z = ham.zeros(1);
    const tree = ham.energyTree(z);
    expectClose(tree.layers.a.dataSync(), [0], { rtol: 0, atol: 0 }, 'identity');
    expectClose(tree.layers.b.dataSync(), [-Math.log(8)], { rtol: 1e-6 }, 'softmax of 8');
    expectClose(tree.layers.c.dataSync(), [-Math.log(9)], { rtol: 1e-6 }, 'softmax of 9');
    expectClose(tree.total.dataSync(), [-Math.log(8) - Math.log(9)], { rtol: 1e-6 }, 'total');
    tf.dispose([...Object.values(z), ...Object.values(tree.layers), tree.total]);
    ham.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Learnable parameters
// ---------------------------------------------------------------------------------------------

describe('learnable Lagrangian parameters', () => {
  it('learnable(β) is a trainable parameter of the layer; a fixed β is not', () => {
    const ham = hypergraph()
      .layer('h', { shape: [5], lagrangian: L.softmax({ beta: learnable(2) }) })
      .layer('f', { shape: [5], lagrangian: L.softmax({ beta: 3 }) })
      .layer('d', { shape: [5], lagrangian: L.tanh() })
      .layer('n', { shape: [2, 3], lagrangian: L.layernorm({ gamma: learnable(1.5), delta: learnable([0.1, 0.2, 0.3]) }) })
      .layer('s', { shape: [2, 3], lagrangian: L.spherical({ gamma: 0.5, delta: [1, 2], axis: 0 }) })
      .build({ seed: 0, isolatedLayers: 'allow' });
    expect(ham.paramSpecs.layers.h['beta']!.learnable).toBe(true);
    expect(ham.params.layers['h']!['beta']!.shape).toEqual([]);
    expect(ham.params.layers['h']!['beta']!.dataSync()[0]).toBe(2);
    expect(ham.paramSpecs.layers.f['beta']!.learnable).toBe(false);
    expect(ham.params.layers['f']!['beta']!.dataSync()[0]).toBe(3);
    expect(ham.paramSpecs.layers.d['beta']!.learnable).toBe(false);
    expect(ham.params.layers['d']!['beta']!.dataSync()[0]).toBe(1);
    expect(ham.paramSpecs.layers.n['gamma']!.learnable).toBe(true);
    expect(ham.paramSpecs.layers.n['delta']!.learnable).toBe(true);
    expect(ham.params.layers['n']!['delta']!.shape).toEqual([3]);
    expectClose(ham.params.layers['n']!['delta']!.dataSync(), [0.1, 0.2, 0.3], { rtol: 1e-7 }, 'δ values');
    expect(ham.paramSpecs.layers.s['gamma']!.learnable).toBe(false);
    expect(ham.paramSpecs.layers.s['delta']!.learnable).toBe(false);
    expect(ham.params.layers['s']!['delta']!.shape).toEqual([2]);
    // A scalar δ fills the axis.
    const ham2 = hypergraph()
      .layer('n', { shape: [2, 3], lagrangian: L.layernorm({ delta: 0.25, axis: -2 }) })
      .build({ seed: 0, isolatedLayers: 'allow' });
    expect(Array.from(ham2.params.layers['n']!['delta']!.dataSync())).toEqual([0.25, 0.25]);
    ham.dispose();
    ham2.dispose();
  });

  it('∂E/∂β, ∂E/∂γ, ∂E/∂δ through ham.energy match float64 central differences', () => {
    const deltaB = [0.2, -0.1, 0.4];
    const deltaC = [0.3, -0.2, 0.1, 0.5];
    const shapes = { a: [2, 5], b: [4, 3], c: [4, 3], d: [6], e: [6], f: [6], g: [6] } as const;
    type Name = keyof typeof shapes;
    const names = Object.keys(shapes) as Name[];
    // A bias synapse `−b·x̂` on every layer, so that the parameters also reach the energy through
    // the activations: without one, δ cancels from `Σ x̂⊙x − L` (checked in the next test).
    const biases = Object.fromEntries(
      names.map((n, i) => [n, randomNd([1, ...shapes[n]], 50 + i, 1).data]),
    ) as Record<Name, readonly number[]>;
    const bias = (n: Name) => Y.bias({ init: { b: { type: 'values', values: biases[n] } } });
    const ham = hypergraph()
      .layer('a', { shape: shapes.a, lagrangian: L.softmax({ beta: learnable(1.5) }) })
      .layer('b', { shape: shapes.b, lagrangian: L.layernorm({ gamma: learnable(1.3), delta: learnable(deltaB), eps: 1e-2 }) })
      .layer('c', { shape: shapes.c, lagrangian: L.spherical({ gamma: learnable(0.8), delta: learnable(deltaC), eps: 1e-2, axis: 0 }) })
      .layer('d', { shape: shapes.d, lagrangian: L.tanh({ beta: learnable(2) }) })
      .layer('e', { shape: shapes.e, lagrangian: L.sigmoid({ beta: learnable(0.7) }) })
      .layer('f', { shape: shapes.f, lagrangian: L.exp({ beta: learnable(0.9) }) })
      .layer('g', { shape: shapes.g, lagrangian: L.rexp({ beta: learnable(1.2) }) })
      .synapse('ba', bias('a'), ['a'])
      .synapse('bb', bias('b'), ['b'])
      .synapse('bc', bias('c'), ['c'])
      .synapse('bd', bias('d'), ['d'])
      .synapse('be', bias('e'), ['e'])
      .synapse('bf', bias('f'), ['f'])
      .synapse('bg', bias('g'), ['g'])
      .build({ seed: 0 });
    const B = 3;
    const xs = Object.fromEntries(names.map((n, i) => [n, randomNd([B, ...shapes[n]], 11 + i, 1.2)])) as Record<Name, Nd>;
    // θ = [βa, γb, δb(3), γc, δc(4), βd, βe, βf, βg]
    const theta0 = [1.5, 1.3, ...deltaB, 0.8, ...deltaC, 2, 0.7, 0.9, 1.2];
    const refEnergy = (t: readonly number[]): number => {
      const refs: Record<Name, RefLagrangian> = {
        a: ref.softmax(t[0]!),
        b: ref.layernorm({ gamma: t[1]!, delta: t.slice(2, 5), eps: 1e-2 }),
        c: ref.spherical({ gamma: t[5]!, delta: t.slice(6, 10), eps: 1e-2, axis: 0 }),
        d: ref.tanh(t[10]!),
        e: ref.sigmoid(t[11]!),
        f: ref.exp(t[12]!),
        g: ref.rexp(t[13]!),
      };
      let total = 0;
      for (const n of names) {
        const x = xs[n], r = refs[n];
        total += energyRef(r, x).reduce((a, v) => a + v, 0);
        const act = r.act(x);
        const per = biases[n].length;
        total -= act.reduce((a, v, i) => a + v * biases[n][i % per]!, 0);
      }
      return total;
    };
    const fd = theta0.map((_, k) =>
      centralDiff((v) => refEnergy(theta0.map((t, j) => (j === k ? v : t))), theta0[k]!),
    );

    const states = Object.fromEntries(names.map((n) => [n, toTensor(xs[n])])) as Record<Name, Tensor>;
    const p = ham.params.layers;
    const inputs = [
      p['a']!['beta']!, p['b']!['gamma']!, p['b']!['delta']!, p['c']!['gamma']!, p['c']!['delta']!,
      p['d']!['beta']!, p['e']!['beta']!, p['f']!['beta']!, p['g']!['beta']!,
    ];
    const before = tf.memory().numTensors;
    const grads = tf.grads((...t: Tensor[]) => {
      const params: Params = {
        layers: {
          a: { beta: t[0]! },
          b: { gamma: t[1]!, delta: t[2]! },
          c: { gamma: t[3]!, delta: t[4]! },
          d: { beta: t[5]! },
          e: { beta: t[6]! },
          f: { beta: t[7]! },
          g: { beta: t[8]! },
        },
        synapses: ham.params.synapses,
      };
      return tf.sum(ham.energy(states, { params }));
    })(inputs);
    const got = grads.flatMap((g) => Array.from(g.dataSync()));
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    // The total energy itself.
    const total = tf.tidy(() => tf.sum(ham.energy(states)).dataSync()[0]!);
    expectClose([total], [refEnergy(theta0)], { rtol: 1e-5 }, 'total energy');
    // Gradients (float32 autodiff) against float64 finite differences, at relative 1e-4.
    const labels = ['βa', 'γb', 'δb0', 'δb1', 'δb2', 'γc', 'δc0', 'δc1', 'δc2', 'δc3', 'βd', 'βe', 'βf', 'βg'];
    expect(got.length).toBe(fd.length);
    expectClose(got, fd, { rtol: 1e-4, atol: 1e-6 }, `gradients ${labels.join(', ')}`);
    // Every gradient is far from 0, so none of the comparisons is vacuous.
    for (const [i, g] of fd.entries()) expect(Math.abs(g), labels[i]).toBeGreaterThan(1e-2);
    tf.dispose(Object.values(states));
    ham.dispose();
  });

  it('δ cancels from an isolated norm layer’s energy (Legendre transform), γ does not', () => {
    // E = Σ x̂⊙x − L and both terms carry Σ δ⊙x, so ∂E/∂δ = 0. What is left is
    // E = −γ Σ_rows D ε / sd, so ε is large here to keep ∂E/∂γ = E/γ well away from 0.
    const ham = hypergraph()
      .layer('n', { shape: [3, 4], lagrangian: L.layernorm({ gamma: learnable(1.3), delta: learnable([1, -2, 3, 0.5]), eps: 0.5 }) })
      .build({ seed: 0, isolatedLayers: 'allow' });
    const x = randomNd([2, 3, 4], 61, 1);
    const states = { n: toTensor(x) };
    const [gGamma, gDelta] = tf.grads((gamma: Tensor, delta: Tensor) =>
      tf.sum(ham.energy(states, { params: { layers: { n: { gamma, delta } }, synapses: {} } })),
    )([ham.params.layers['n']!['gamma']!, ham.params.layers['n']!['delta']!]);
    const eOfGamma = (g: number) => energyRef(ref.layernorm({ gamma: g, delta: [1, -2, 3, 0.5], eps: 0.5 }), x).reduce((a, v) => a + v, 0);
    expectClose(gGamma!.dataSync(), [centralDiff(eOfGamma, 1.3)], { rtol: 1e-4 }, '∂E/∂γ');
    expect(Math.abs(centralDiff(eOfGamma, 1.3))).toBeGreaterThan(1e-2);
    // Float32 cancellation of terms of size |δ⊙x| ~ 1 leaves ~1e-6.
    expectClose(gDelta!.dataSync(), [0, 0, 0, 0], { rtol: 0, atol: 1e-5 }, '∂E/∂δ');
    tf.dispose([gGamma!, gDelta!, states.n]);
    ham.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 6. User-defined Lagrangians
// ---------------------------------------------------------------------------------------------

describe('a user-defined Lagrangian without a closed-form activation', () => {
  // L = Σ log cosh(x) + ¼ Σ x⁴, activation tanh(x) + x³.
  const logcoshQuartic = defineLagrangian({
    kind: 'logcosh-quartic',
    lagrangian: (x) => sumPerSample(tf.add(tf.log(tf.cosh(x)), tf.mul(0.25, tf.pow(x, 4)))),
  });
  const userRef: RefLagrangian = {
    L: (x) => {
      const n = x.data.length / x.shape[0]!;
      return Array.from({ length: x.shape[0]! }, (_, b) =>
        x.data.slice(n * b, n * (b + 1)).reduce((s, v) => s + Math.log(Math.cosh(v)) + 0.25 * v ** 4, 0),
      );
    },
    act: (x) => x.data.map((v) => Math.tanh(v) + v ** 3),
  };

  it('has no closed form: its activation is autodiff, and matches tanh(x) + x³', () => {
    expect(logcoshQuartic.activation).toBeUndefined();
    expect(logcoshQuartic.kind).toBe('logcosh-quartic');
    const x = randomNd([3, 3, 2], 21, 1);
    checkAgainstReference(logcoshQuartic, userRef, x, 'logcosh-quartic');
  });

  it('works in a graph like a built-in', () => {
    const ham = hypergraph()
      .layer('v', { shape: [4], lagrangian: L.identity() })
      .layer('u', { shape: [3, 2], lagrangian: logcoshQuartic })
      .synapse('s', Y.dense(), ['v', 'u'])
      .build({ seed: 3 });
    expect(ham.warnings).toEqual([]);
    const xv = randomNd([2, 4], 31, 1), xu = randomNd([2, 3, 2], 32, 1);
    const states = { v: toTensor(xv), u: toTensor(xu) };
    const W = Array.from(ham.params.synapses['s']!['W']!.dataSync()); // [4, 6]
    const uhat = userRef.act(xu);
    const vhat = xv.data;

    const acts = ham.activations(states);
    expectClose(acts.u.dataSync(), uhat, { rtol: 1e-5, atol: 1e-6 }, 'activation in the graph');
    expect(acts.u.shape).toEqual([2, 3, 2]);

    const tree = ham.energyTree(states);
    expectClose(tree.layers.u.dataSync(), energyRef(userRef, xu), { rtol: 1e-5, atol: energyScale(userRef, xu).map((s) => 1e-5 * s) }, 'layer energy');
    const synRef = [0, 1].map((b) => {
      let s = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) s += vhat[4 * b + i]! * W[6 * i + j]! * uhat[6 * b + j]!;
      return -s;
    });
    expectClose(tree.synapses.s.dataSync(), synRef, { rtol: 1e-5, atol: 1e-5 }, 'synapse energy');

    // ∂E/∂û = x_u − v̂ W, the same by closed forms and by autodiff of the whole energy.
    const auto = ham.energyAndDEdxhat(states);
    const ad = ham.energyAndDEdxhat(states, { method: 'autodiff' });
    const dRef = [0, 1].flatMap((b) =>
      Array.from({ length: 6 }, (_, j) => {
        let s = 0;
        for (let i = 0; i < 4; i++) s += vhat[4 * b + i]! * W[6 * i + j]!;
        return xu.data[6 * b + j]! - s;
      }),
    );
    expectClose(auto.dEdxhat.u.dataSync(), dRef, { rtol: 1e-5, atol: 1e-5 }, 'dE/dû (auto)');
    expectClose(ad.dEdxhat.u.dataSync(), dRef, { rtol: 1e-5, atol: 1e-5 }, 'dE/dû (autodiff)');
    expectClose(auto.energy.dataSync(), Array.from(tree.total.dataSync()), { rtol: 1e-6, atol: 1e-6 }, 'energy (auto)');
    expectClose(ad.energy.dataSync(), Array.from(tree.total.dataSync()), { rtol: 1e-6, atol: 1e-6 }, 'energy (autodiff)');

    tf.dispose([
      ...Object.values(states), ...Object.values(acts), ...Object.values(tree.layers), ...Object.values(tree.synapses),
      tree.total, auto.energy, ...Object.values(auto.dEdxhat), ad.energy, ...Object.values(ad.dEdxhat),
    ]);
    ham.dispose();
  });

  it('can declare its own learnable parameter, with a correct gradient', () => {
    // L = Σ log cosh(x) + a Σ x⁴, a learnable (default 0.25).
    const withA = defineLagrangian({
      kind: 'logcosh-aquartic',
      params: () => ({ a: { shape: [], init: { type: 'constant', value: 0.25 }, learnable: true } }),
      lagrangian: (x, p) => sumPerSample(tf.add(tf.log(tf.cosh(x)), tf.mul(p['a']!, tf.pow(x, 4)))),
    });
    const ham = hypergraph().layer('u', { shape: [5], lagrangian: withA }).build({ seed: 0, isolatedLayers: 'allow' });
    expect(ham.paramSpecs.layers.u['a']!.learnable).toBe(true);
    const x = randomNd([2, 5], 41, 1);
    const refE = (a: number) => {
      const r: RefLagrangian = {
        L: (y) => [0, 1].map((b) => y.data.slice(5 * b, 5 * b + 5).reduce((s, v) => s + Math.log(Math.cosh(v)) + a * v ** 4, 0)),
        act: (y) => y.data.map((v) => Math.tanh(v) + 4 * a * v ** 3),
      };
      return energyRef(r, x).reduce((s, v) => s + v, 0);
    };
    const states = { u: toTensor(x) };
    const g = tf.grad((a: Tensor) => tf.sum(ham.energy(states, { params: { layers: { u: { a } }, synapses: {} } })))(
      ham.params.layers['u']!['a']!,
    );
    expectClose(g.dataSync(), [centralDiff(refE, 0.25)], { rtol: 1e-4 }, '∂E/∂a');
    tf.dispose([g, states.u]);
    ham.dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Option checks
// ---------------------------------------------------------------------------------------------

describe('bad options', () => {
  // Each is a HamuxError at [kind, option] (`exp.beta: must be …`), code 'invalid_argument'.
  it.each([
    ['repu n = 1', () => L.repu({ n: 1 }), 'repu', 'n'],
    ['repu n = 0.5', () => L.repu({ n: 0.5 }), 'repu', 'n'],
    ['repu n = -2', () => L.repu({ n: -2 }), 'repu', 'n'],
    ['repu n = NaN', () => L.repu({ n: NaN }), 'repu', 'n'],
    ['repu n = Infinity', () => L.repu({ n: Infinity }), 'repu', 'n'],
    ['exp β = -1', () => L.exp({ beta: -1 }), 'exp', 'beta'],
    ['exp β = Infinity', () => L.exp({ beta: Infinity }), 'exp', 'beta'],
    ['rexp β = 0', () => L.rexp({ beta: 0 }), 'rexp', 'beta'],
    ['tanh β = -0.5', () => L.tanh({ beta: -0.5 }), 'tanh', 'beta'],
    ['tanh β = NaN', () => L.tanh({ beta: NaN }), 'tanh', 'beta'],
    ['sigmoid learnable(-2)', () => L.sigmoid({ beta: learnable(-2) }), 'sigmoid', 'beta'],
    ['sigmoid β = [1, 2]', () => L.sigmoid({ beta: [1, 2] }), 'sigmoid', 'beta'],
    ['softmax β = -1', () => L.softmax({ beta: -1 }), 'softmax', 'beta'],
    ['softmax β = learnable(0)', () => L.softmax({ beta: learnable(0) }), 'softmax', 'beta'],
    ['softmax axis 1.5', () => L.softmax({ axis: 1.5 }), 'softmax', 'axis'],
    ['softmax axis NaN', () => L.softmax({ axis: NaN }), 'softmax', 'axis'],
    ['ghostmax axis 0.5', () => L.ghostmax({ axis: 0.5 }), 'ghostmax', 'axis'],
    ['layernorm axis -0.5', () => L.layernorm({ axis: -0.5 }), 'layernorm', 'axis'],
    ['layernorm eps -1', () => L.layernorm({ eps: -1 }), 'layernorm', 'eps'],
    ['layernorm eps NaN', () => L.layernorm({ eps: NaN }), 'layernorm', 'eps'],
    ['layernorm δ = learnable("x")', () => L.layernorm({ delta: learnable('x' as unknown as number) }), 'layernorm', 'delta'],
    ['spherical axis 2.5', () => L.spherical({ axis: 2.5 }), 'spherical', 'axis'],
    ['spherical eps Infinity', () => L.spherical({ eps: Infinity }), 'spherical', 'eps'],
  ] as const)('%s is rejected at construction, naming the option', (_, make, kind, option) => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HamuxError);
    const e = error as HamuxError;
    expect(e.code).toBe('invalid_argument');
    expect(e.path).toEqual([kind, option]);
    expect(e.detail).toMatch(/^must be /);
    expect(e.message).toMatch(new RegExp(`^${kind}\\.${option}: must be `));
  });

  it('valid edge options construct', () => {
    expect(() => L.repu({ n: 1.0001 })).not.toThrow();
    expect(() => L.exp({ beta: 1e-3 })).not.toThrow();
    expect(() => L.layernorm({ eps: 0 })).not.toThrow();
    expect(() => L.softmax({ axis: -3 })).not.toThrow(); // the range is known only with a shape
  });

  const buildError = (f: () => unknown): HamuxErrors => thrownBy(f, HamuxErrors);

  it.each([
    ['softmax axis 2 on [4, 5]', L.softmax({ axis: 2 }), [4, 5], /softmax: axis 2 is out of range for a layer of shape \[4, 5\]/],
    ['softmax axis 1 on [5]', L.softmax({ axis: 1 }), [5], /softmax: axis 1 is out of range for a layer of shape \[5\]/],
    ['ghostmax axis -2 on [5]', L.ghostmax({ axis: -2 }), [5], /ghostmax: axis -2 is out of range/],
    ['layernorm axis -3 on [4, 5]', L.layernorm({ axis: -3 }), [4, 5], /layernorm: axis -3 is out of range/],
    ['spherical axis 3 on [2, 3, 4]', L.spherical({ axis: 3 }), [2, 3, 4], /spherical: axis 3 is out of range/],
    ['layernorm δ of the wrong length', L.layernorm({ delta: [1, 2, 3] }), [4, 5], /delta has 3 values but axis -1 of \[4, 5\] has 5/],
    ['spherical δ of the wrong length', L.spherical({ delta: learnable([1, 2]), axis: 0 }), [4, 5], /delta has 2 values but axis 0 of \[4, 5\] has 4/],
  ] as const)('%s is reported at build, naming layers.<name>', (_, lag, shape, message) => {
    const err = buildError(() =>
      hypergraph().layer('tokens', { shape, lagrangian: lag }).build({ seed: 0, isolatedLayers: 'allow' }),
    );
    expect(err.message).toContain('layers.tokens');
    expect(err.message).toMatch(message);
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]!.path.slice(0, 2)).toEqual(['layers', 'tokens']);
  });

  it('every bad layer is reported at once, each under its own path', () => {
    const err = buildError(() =>
      hypergraph()
        .layer('good', { shape: [3], lagrangian: L.softmax() })
        .layer('first', { shape: [3], lagrangian: L.softmax({ axis: 1 }) })
        .layer('second', { shape: [2, 3], lagrangian: L.layernorm({ axis: -3 }) })
        .build({ seed: 0, isolatedLayers: 'allow' }),
    );
    expect(err.errors.map((e) => e.path.slice(0, 2).join('.'))).toEqual(['layers.first', 'layers.second']);
    expect(err.message).toContain('layers.first');
    expect(err.message).toContain('layers.second');
    expect(err.message).not.toContain('layers.good');
  });
});

// ---------------------------------------------------------------------------------------------
// 8. Tensor hygiene
// ---------------------------------------------------------------------------------------------

describe('no tensors leak', () => {
  it('NeuronLayer methods, for every Lagrangian, in a loop', () => {
    const all = [
      ...elementwiseCases,
      ...collectiveCases34,
      {
        label: 'user',
        make: () => defineLagrangian({ kind: 'user', lagrangian: (x) => sumPerSample(tf.log(tf.cosh(x))) }),
        ref: ref.identity(),
      },
    ];
    const layers = all.map((c) => {
      const lag = c.make();
      const ham = hypergraph().layer('x', { shape: [3, 4], lagrangian: lag }).build({ seed: 0, isolatedLayers: 'allow' });
      return { layer: new NeuronLayer('x', { shape: [3, 4], lagrangian: lag }), ham };
    });
    const x = toTensor(fixed34);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) {
      for (const { layer, ham } of layers) {
        const p = ham.params.layers['x']!;
        const a = layer.activation(x, p);
        const ad = layer.activationByAutodiff(x, p);
        const e = layer.energy(x, a, p);
        tf.dispose([ad, e, ...(a === x ? [] : [a])]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    for (const { ham } of layers) ham.dispose();
  });

  it('graph evaluations with built-in and user-defined Lagrangians, in a loop', () => {
    const ham = hypergraph()
      .layer('v', { shape: [4], lagrangian: L.identity() })
      .layer('h', { shape: [3, 2], lagrangian: L.layernorm({ gamma: learnable(1.2), delta: [0.1, 0.2] }) })
      .layer('u', { shape: [5], lagrangian: defineLagrangian({ kind: 'user', lagrangian: (x) => sumPerSample(tf.log(tf.cosh(x))) }) })
      .layer('s', { shape: [5], lagrangian: L.softmax({ beta: learnable(2) }) })
      .synapse('vh', Y.dense(), ['v', 'h'])
      .synapse('hu', Y.dense(), ['h', 'u'])
      .synapse('us', Y.dense(), ['u', 's'])
      .build({ seed: 1 });
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) {
      const states = ham.randomStates(2, round);
      const acts = ham.activations(states);
      const tree = ham.energyTree(states);
      const auto = ham.energyAndDEdxhat(states);
      const ad = ham.energyAndDEdxhat(states, { method: 'autodiff' });
      const d = ham.dEdxhat(states);
      const e = ham.energy(states);
      tf.dispose([e,
        ...Object.values(states), ...Object.values(acts), ...Object.values(tree.layers), ...Object.values(tree.synapses),
        tree.total, auto.energy, ...Object.values(auto.dEdxhat), ad.energy, ...Object.values(ad.dEdxhat), ...Object.values(d),
      ]);
    }
    expect(tf.memory().numTensors).toBe(before);
    ham.dispose();
  });

});
