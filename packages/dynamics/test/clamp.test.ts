import { describe, expect, it } from 'vitest';
import { HamuxErrors, hypergraph, lagrangians as Lg, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { descendSync, type DescendOptions } from '@hamux-ts/dynamics';
import { bitwiseEqual, disposeStates, hostStates, sampleOf, thrown } from './support.js';

const B = 2;

/** v (identity, [8]) — dense — h (tanh, [6], fast), plus a bias on v: no layer starts at rest. */
function graph() {
  return hypergraph()
    .layer('v', { shape: [8], lagrangian: Lg.identity() })
    .layer('h', { shape: [6], lagrangian: Lg.tanh({ beta: 2 }), tau: 0.3 })
    .synapse('enc', Y.dense(), ['v', 'h'])
    .synapse('bias', Y.bias({ init: { b: { type: 'normal', std: 1 } } }), ['v'])
    .build({ seed: 3 });
}
type G = ReturnType<typeof graph>;
type Options = DescendOptions<'v' | 'h'>;

/**
 * Clamped entries held away from their own rest keep the energy large (~10), where float32 stops
 * resolving the last steps near |∂E/∂x̂| ≈ 1e-3 (see the report): these tests are about what moves,
 * so they converge to 2e-3.
 */
const TOL = 2e-3;

function run(ham: G, options: Options) {
  const init = ham.randomStates(B, 11, 2);
  const x0 = hostStates(init);
  const r = descendSync(ham, init, { tolerance: { grad: TOL }, ...options });
  const x1 = hostStates(r.states);
  const g = ham.dEdxhat(r.states);
  const g1 = hostStates(g);
  disposeStates(init, r.states, g);
  return { r, x0, x1, g1 };
}

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

describe('clamping', () => {
  for (const extra of [{}, { multirate: true }, { mode: 'fixed' as const }]) {
    it(`a whole clamped layer does not move at all, the others converge (${JSON.stringify(extra)})`, () => {
      const ham = graph();
      const before = tf.memory().numTensors;
      const { r, x0, x1, g1 } = run(ham, { clamp: { v: true }, recordStatesEvery: 1, maxSteps: 3000, ...extra });
      expect(bitwiseEqual(x1.v, x0.v), 'the clamped layer').toBe(true);
      for (const rec of r.recorded) expect(bitwiseEqual(rec.states.v, x0.v), `clamped layer at step ${rec.step}`).toBe(true);
      expect(maxAbs(x1.h.map((x, i) => x - x0.h[i]!)), 'the free layer moved').toBeGreaterThan(0.01);
      expect(r.report.map((s) => s.reason)).toEqual(['gradient', 'gradient']);
      // Convergence ignores the clamped layer's signal, which is far from zero (its input is not
      // its state), and the reported gradient norm is the free layer's.
      expect(maxAbs(g1.v), 'the clamped layer is not at its own fixed point').toBeGreaterThan(0.1);
      for (let b = 0; b < B; b++) {
        expect(r.report[b]!.gradNorm).toBeCloseTo(maxAbs(sampleOf(g1.h, B, b)), 6);
        expect(r.report[b]!.gradNorm).toBeLessThanOrEqual(TOL);
      }
      // Adaptive steps never raise the energy (fixed steps may, by rounding, within riseTolerance).
      if (!('mode' in extra)) for (const e of r.energies) for (let t = 1; t < e.length; t++) expect(e[t]).toBeLessThanOrEqual(e[t - 1]!);
      expect(tf.memory().numTensors).toBe(before);
      ham.dispose();
    });
  }

  it("the clamped layer's activation still drives the others: h reaches its fixed point given v", () => {
    // With an identity h and v clamped, E is quadratic in h and its minimum is h = Wᵀ v.
    const ham = hypergraph()
      .layer('v', { shape: [8], lagrangian: Lg.identity() })
      .layer('h', { shape: [5], lagrangian: Lg.identity() })
      .synapse('enc', Y.dense(), ['v', 'h'])
      .build({ seed: 4 });
    const init = ham.randomStates(B, 5);
    const r = descendSync(ham, init, { clamp: { v: true }, tolerance: { grad: 1e-5 } });
    const expected = tf.matMul(init.v, ham.params.synapses['enc']!['W']!);
    const h = r.states.h.dataSync(), e = expected.dataSync();
    for (let i = 0; i < h.length; i++) expect(h[i]).toBeCloseTo(e[i]!, 4);
    disposeStates(init, r.states);
    expected.dispose();
    ham.dispose();
  });

  const layerMask = [1, 0, 0, 1, 1, 0, 1, 0];
  const batchMask = [
    [1, 1, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 1, 1, 1, 1],
  ];
  for (const [shape, values] of [
    ['[...shape]', layerMask],
    ['[B, ...shape]', batchMask],
  ] as const) {
    for (const extra of [{}, { mode: 'fixed' as const }, { multirate: true }]) {
      it(`masked entries (${shape} mask) do not move, the rest does (${JSON.stringify(extra)})`, () => {
        const ham = graph();
        const mask = tf.tensor(values as number[] | number[][]);
        const before = tf.memory().numTensors;
        const { r, x0, x1, g1 } = run(ham, { clamp: { v: mask }, recordStatesEvery: 5, maxSteps: 3000, ...extra });
        const held = (b: number, i: number) => (shape === '[...shape]' ? layerMask[i]! : batchMask[b]![i]!) === 1;
        for (let b = 0; b < B; b++) {
          const a0 = sampleOf(x0.v, B, b), a1 = sampleOf(x1.v, B, b), grad = sampleOf(g1.v, B, b);
          let freeSignal = 0, heldSignal = 0;
          for (let i = 0; i < 8; i++) {
            if (held(b, i)) {
              expect(bitwiseEqual(a1.subarray(i, i + 1), a0.subarray(i, i + 1)), `held entry ${i} of sample ${b}`).toBe(true);
              for (const rec of r.recorded) expect(sampleOf(rec.states.v, B, b)[i]).toBe(a0[i]);
              heldSignal = Math.max(heldSignal, Math.abs(grad[i]!));
            } else {
              expect(Math.abs(a1[i]! - a0[i]!), `free entry ${i} of sample ${b} moved`).toBeGreaterThan(1e-3);
              freeSignal = Math.max(freeSignal, Math.abs(grad[i]!));
            }
          }
          // Converged on the free entries only: the held ones still have large signals.
          expect(r.report[b]!.reason).toBe('gradient');
          expect(heldSignal, `held entries of sample ${b} are not at rest`).toBeGreaterThan(0.05);
          expect(r.report[b]!.gradNorm).toBeCloseTo(Math.max(freeSignal, maxAbs(sampleOf(g1.h, B, b))), 6);
        }
        expect(tf.memory().numTensors).toBe(before);
        // The caller's mask is neither consumed nor changed.
        expect(mask.isDisposed).toBe(false);
        expect(mask.arraySync()).toEqual(values);
        mask.dispose();
        ham.dispose();
      });
    }
  }

  it('a mask holds every nonzero entry (not only ones) and a mask of zeros holds nothing', () => {
    const ham = graph();
    const weird = tf.tensor1d([2, 0, -1, 0, 0.5, 0, 0, 0]);
    const { x0, x1 } = run(ham, { clamp: { v: weird } });
    for (const i of [0, 2, 4]) expect(x1.v[i]).toBe(x0.v[i]);
    const zeros = tf.zeros([8]);
    const a = run(ham, { clamp: { v: zeros } });
    const b = run(ham, {});
    expect(bitwiseEqual(a.x1.v, b.x1.v)).toBe(true);
    tf.dispose([weird, zeros]);
    ham.dispose();
  });

  for (const multirate of [false, true]) {
    it(`every layer clamped: nothing moves and the run ends at once (multirate ${multirate})`, () => {
      const ham = graph();
      const before = tf.memory().numTensors;
      const { r, x0, x1 } = run(ham, { clamp: { v: true, h: true }, multirate });
      expect(bitwiseEqual(x1.v, x0.v) && bitwiseEqual(x1.h, x0.h)).toBe(true);
      expect(r.steps).toBe(0);
      expect(r.report.map((s) => s.reason)).toEqual(['gradient', 'gradient']);
      expect(tf.memory().numTensors).toBe(before);
      ham.dispose();
    });
  }

  describe('bad clamp options', () => {
    const cases: [string, (ham: G) => { clamp: Options['clamp']; tensors: Tensor[] }, string[]][] = [
      ['an unknown layer', () => ({ clamp: { nope: true } as unknown as Options['clamp'], tensors: [] }), ['options.clamp.nope']],
      ['a mask of the wrong shape', () => { const m = tf.ones([7]); return { clamp: { v: m }, tensors: [m] }; }, ['options.clamp.v']],
      ['a mask of the wrong rank', () => { const m = tf.ones([8, 1]); return { clamp: { v: m }, tensors: [m] }; }, ['options.clamp.v']],
      ['a batched mask with the wrong batch', () => { const m = tf.ones([3, 8]); return { clamp: { v: m }, tensors: [m] }; }, ['options.clamp.v']],
      ['a mask for the wrong layer', () => { const m = tf.ones([8]); return { clamp: { h: m }, tensors: [m] }; }, ['options.clamp.h']],
      ['not a tensor', () => ({ clamp: { v: [1, 0] } as unknown as Options['clamp'], tensors: [] }), ['options.clamp.v']],
      ['a disposed mask', () => { const m = tf.ones([8]); m.dispose(); return { clamp: { v: m }, tensors: [] }; }, ['options.clamp.v']],
      [
        'several problems at once',
        () => { const m = tf.ones([2]); return { clamp: { v: m, h: 'yes', x: true } as unknown as Options['clamp'], tensors: [m] }; },
        ['options.clamp.x', 'options.clamp.v', 'options.clamp.h'],
      ],
    ];
    for (const [what, make, paths] of cases) {
      it(`rejects ${what} with HamuxErrors naming ${paths.join(', ')}`, () => {
        const ham = graph();
        const init = ham.randomStates(B, 1);
        const { clamp, tensors } = make(ham);
        const before = tf.memory().numTensors;
        let progressed = false;
        const e = thrown(() => descendSync(ham, init, { ...(clamp ? { clamp } : {}), onProgress: () => { progressed = true; } }));
        expect(e).toBeInstanceOf(HamuxErrors);
        expect((e as HamuxErrors).errors.map((x) => x.where)).toEqual(paths);
        expect(progressed, 'nothing ran').toBe(false);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose(tensors);
        disposeStates(init);
        ham.dispose();
      });
    }
  });
});
