import { describe, expect, it } from 'vitest';
import {
  deriveKey, hypergraph, lagrangians as Lg, normalValues, synapses as Y, tf,
  type GraphBuilder, type Hypersynapse, type Lagrangian,
} from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { disposeStates, energyOf, hostStates, maxAbsDiff } from './support.js';

/**
 * math.md §4: a feature layer v and a memory layer h joined by a dense synapse with weights ξᵀ
 * (`[D, K]`), with τ_h → 0, is the one-layer graph v + the memory that h integrates out to (ξ as
 * `[K, D]`). At h's equilibrium h = ξv̂ the two energies are not just equal up to a constant but
 * equal (the neuron energy of h cancels the dense term):
 *
 * - softmax L_h:  ĥ·h − (1/β) lse(βh) − (ξv̂)·ĥ      = −(1/β) lse(βξv̂)       modernHopfield (Model B)
 * - relu L_h:     ½|relu h|² − (ξv̂)·relu(h)          = −½ Σ relu(ξv̂)²          rectified degree 2 (Model A)
 * - repu(3) L_h:  ⅔ Σ relu(h)³ − (ξv̂)·relu(h)²        = −⅓ Σ relu(ξv̂)³          rectified degree 3
 * - identity L_h: ½|h|² − (ξv̂)·h                      = −½ |ξv̂|²                unrectified degree 2
 *
 * so the fixed points in v agree, and so do the energies there. The Model A cases with an identity
 * feature layer have a bias on v and ‖ξ‖ < 1 (else the energy is unbounded below).
 */

const D = 16;
const K = 6;
const B = 3;

/** K patterns of norm `scale`, `[K, D]`. */
function patterns(scale: number): Float32Array {
  const xi = normalValues(deriveKey(7, 'patterns'), [K, D]);
  for (let k = 0; k < K; k++) {
    const row = xi.subarray(k * D, (k + 1) * D);
    const n = Math.hypot(...row);
    for (let i = 0; i < D; i++) row[i]! *= scale / n;
  }
  return xi;
}
const bias = normalValues(deriveKey(5, 'bias'), [D]);

interface Case {
  name: string;
  feature: () => Lagrangian;
  memoryLayer: () => Lagrangian;
  memory: () => Hypersynapse;
  scale: number;
  withBias: boolean;
  /**
   * The convergence tolerance both graphs are run to: the default. In float32 an energy of size
   * 1–10 stops resolving the last steps near |∂E/∂x̂| ≈ 3e-4 (the scheduler then ends in 'maxSteps'
   * or 'stepUnderflow'), so the fixed points agree to about 1e-3, not better.
   */
  grad: number;
}

const cases: Case[] = [
  { name: 'softmax(β=2) layer ↔ modernHopfield(β=2)', feature: () => Lg.identity(), memoryLayer: () => Lg.softmax({ beta: 2 }), memory: () => Y.modernHopfield({ memories: K, beta: 2 }), scale: 1, withBias: false, grad: 1e-3 },
  { name: 'softmax(β=8) layer ↔ modernHopfield(β=8)', feature: () => Lg.identity(), memoryLayer: () => Lg.softmax({ beta: 8 }), memory: () => Y.modernHopfield({ memories: K, beta: 8 }), scale: 1, withBias: false, grad: 1e-3 },
  { name: 'relu layer ↔ rectified polynomialMemory of degree 2', feature: () => Lg.identity(), memoryLayer: () => Lg.relu(), memory: () => Y.polynomialMemory({ memories: K, degree: 2, rectified: true }), scale: 0.5, withBias: true, grad: 1e-3 },
  { name: 'identity layer ↔ polynomialMemory of degree 2', feature: () => Lg.identity(), memoryLayer: () => Lg.identity(), memory: () => Y.polynomialMemory({ memories: K, degree: 2 }), scale: 0.5, withBias: true, grad: 1e-3 },
  { name: 'repu(3) layer ↔ rectified polynomialMemory of degree 3 (tanh features)', feature: () => Lg.tanh(), memoryLayer: () => Lg.repu({ n: 3 }), memory: () => Y.polynomialMemory({ memories: K, degree: 3, rectified: true }), scale: 1, withBias: false, grad: 1e-3 },
];

function graphs(c: Case, tauH: number) {
  const xi = patterns(c.scale);
  const xiK = tf.tensor2d(xi, [K, D]);
  const xiT = tf.transpose(xiK);
  const b = tf.tensor1d(bias);
  let one = hypergraph()
    .layer('v', { shape: [D], lagrangian: c.feature(), tau: 1 })
    .synapse('mem', c.memory(), ['v']) as unknown as GraphBuilder<string, string>;
  let two = hypergraph()
    .layer('v', { shape: [D], lagrangian: c.feature(), tau: 1 })
    .layer('h', { shape: [K], lagrangian: c.memoryLayer(), tau: tauH })
    .synapse('enc', Y.dense(), ['v', 'h']) as unknown as GraphBuilder<string, string>;
  if (c.withBias) {
    one = one.synapse('bias', Y.bias(), ['v']);
    two = two.synapse('bias', Y.bias(), ['v']);
  }
  const biasParams = c.withBias ? { bias: { b } } : {};
  const hams = {
    one: one.build({ seed: 0, params: { synapses: { mem: { xi: xiK }, ...biasParams } } }),
    two: two.build({ seed: 0, params: { synapses: { enc: { W: xiT }, ...biasParams } } }),
  };
  tf.dispose([xiK, xiT, b]);
  // Every sample starts near a different pattern; h starts on its equilibrium h = ξv̂.
  const start = normalValues(deriveKey(3, 'v0'), [B, D], 0, 0.3);
  for (let s = 0; s < B; s++) for (let i = 0; i < D; i++) start[s * D + i]! += (1.5 * xi[s * D + i]!) / c.scale;
  const v0 = tf.tensor2d(start, [B, D]);
  const vhat = hams.one.activations({ v: v0 });
  const h0 = tf.matMul(vhat['v']!, hams.one.params.synapses['mem']!['xi']!, false, true);
  disposeStates(vhat);
  return { ...hams, v0, h0 };
}

/** Largest |∂E/∂x̂| of the one-layer graph at the given feature states. */
function residual(ham: ReturnType<typeof graphs>['one'], v: tf.Tensor): number {
  const g = ham.dEdxhat({ v });
  const r = Math.max(...Array.from(g['v']!.dataSync(), Math.abs));
  disposeStates(g);
  return r;
}

describe('integrating out a fast memory layer (math.md §4)', () => {
  for (const c of cases) {
    it(`${c.name}: τ_h = 1e-3 with multirate reaches the one-layer graph's fixed points`, () => {
      const before = tf.memory().numTensors;
      const { one, two, v0, h0 } = graphs(c, 1e-3);
      const tolerance = { grad: c.grad };
      const rOne = descendSync(one, { v: v0 }, { tolerance });
      const rTwo = descendSync(two, { v: v0, h: h0 }, { multirate: true, tolerance });
      expect(rOne.report.map((r) => r.reason), 'one-layer graph').toEqual(Array(B).fill('gradient'));
      expect(rTwo.report.map((r) => r.converged), 'two-layer graph').toEqual(Array(B).fill(true));
      const vOne = hostStates(rOne.states)['v']!, vTwo = hostStates(rTwo.states)['v']!;
      expect(maxAbsDiff(vOne, v0.dataSync()), 'the fixed point is not the start').toBeGreaterThan(0.05);
      expect(Math.max(...Array.from(vOne, Math.abs)), 'the fixed point is not v = 0').toBeGreaterThan(0.1);
      const d = maxAbsDiff(vTwo, vOne);
      expect(d, `fixed points in v (${rTwo.steps} vs ${rOne.steps} steps)`).toBeLessThan(1.5e-3);
      // The two-layer graph's v is a fixed point of the one-layer graph (to the tolerance).
      expect(residual(one, rTwo.states['v']!)).toBeLessThan(2 * c.grad);
      const eOne = energyOf(one, rOne.states), eTwo = energyOf(two, rTwo.states);
      for (let b = 0; b < B; b++) expect(eTwo[b]! - eOne[b]!, `energies of sample ${b}`).toBeCloseTo(0, 4);
      disposeStates(rOne.states, rTwo.states);
      tf.dispose([v0, h0]);
      one.dispose();
      two.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the linear case matches the closed form v* = (I − ξᵀξ)⁻¹ b', () => {
    const c = cases[3]!;
    const { one, two, v0, h0 } = graphs(c, 1e-3);
    const rTwo = descendSync(two, { v: v0, h: h0 }, { multirate: true, tolerance: { grad: 3e-4 } });
    expect(rTwo.converged).toBe(true);
    // Solve (I − ξᵀξ) v = b in float64 (Gaussian elimination).
    const xi = patterns(c.scale);
    const A = Array.from({ length: D }, (_, i) => Array.from({ length: D + 1 }, (_, j) => {
      if (j === D) return bias[i]!;
      let s = i === j ? 1 : 0;
      for (let k = 0; k < K; k++) s -= xi[k * D + i]! * xi[k * D + j]!;
      return s;
    }));
    for (let p = 0; p < D; p++) {
      for (let r = p + 1; r < D; r++) {
        const f = A[r]![p]! / A[p]![p]!;
        for (let j = p; j <= D; j++) A[r]![j]! -= f * A[p]![j]!;
      }
    }
    const vStar = new Array<number>(D).fill(0);
    for (let i = D - 1; i >= 0; i--) {
      let s = A[i]![D]!;
      for (let j = i + 1; j < D; j++) s -= A[i]![j]! * vStar[j]!;
      vStar[i] = s / A[i]![i]!;
    }
    const v = hostStates(rTwo.states)['v']!;
    for (let b = 0; b < B; b++) expect(maxAbsDiff(v.subarray(b * D, (b + 1) * D), vStar), `sample ${b}`).toBeLessThan(1.5e-3);
    disposeStates(rTwo.states);
    tf.dispose([v0, h0]);
    one.dispose();
    two.dispose();
  });

  // Without multirate every step is limited by the fast layer, and in float32 the slow layer's
  // energy decrease per step falls below rounding once τ_v/τ_h ≳ 100 (see the report): single-rate
  // runs use τ_h = 0.05 here, where the fixed points are the same (they do not depend on τ).
  for (const c of cases.slice(0, 2)) {
    it(`${c.name}: single-rate descent with τ_h = 0.05 reaches the same fixed points`, () => {
      const { one, two, v0, h0 } = graphs(c, 0.05);
      const rOne = descendSync(one, { v: v0 }, { tolerance: { grad: 3e-4 } });
      const rTwo = descendSync(two, { v: v0, h: h0 });
      expect(rTwo.report.map((r) => r.reason)).toEqual(Array(B).fill('gradient'));
      expect(maxAbsDiff(hostStates(rTwo.states)['v']!, hostStates(rOne.states)['v']!)).toBeLessThan(2.5e-3);
      expect(residual(one, rTwo.states['v']!)).toBeLessThan(2e-3);
      disposeStates(rOne.states, rTwo.states);
      tf.dispose([v0, h0]);
      one.dispose();
      two.dispose();
    });
  }
});
