import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, hypergraph, lagrangians as Lg, normal, synapses as Y, tf, type States, type Tensor } from '@hamux-ts/core';
import { DivergenceError, descend, descendSync, levelSchedule, rateLevels, type DescendOptions, type Progress } from '@hamux-ts/dynamics';
import { bitwiseEqual, disposeStates, energyOf, hostStates, maxAbsDiff, rejected, sampleOf, statesFrom, thrown } from './support.js';

/** v (identity, [8]) — dense — h (tanh, [6], τ = 0.3), with a bias on v. */
function small() {
  return hypergraph()
    .layer('v', { shape: [8], lagrangian: Lg.identity() })
    .layer('h', { shape: [6], lagrangian: Lg.tanh({ beta: 2 }), tau: 0.3 })
    .synapse('enc', Y.dense(), ['v', 'h'])
    .synapse('bias', Y.bias({ init: { b: normal(1) } }), ['v'])
    .build({ seed: 3 });
}
type Small = ReturnType<typeof small>;

/** One identity layer [2] with a bias b = (1, −1): E = ½|x − b|² − ½|b|², fixed point x = b. */
function line() {
  return hypergraph()
    .layer('x', { shape: [2], lagrangian: Lg.identity() })
    .synapse('b', Y.bias({ init: { b: { type: 'values', values: [1, -1] } } }), ['x'])
    .build({ seed: 0 });
}

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

describe('time constants and levels', () => {
  it('in fixed mode one step moves layer i by exactly (dt/τ_i)·(−∂E/∂x̂_i)', () => {
    const taus = { a: 0.05, b: 1, c: 20 };
    const ham = hypergraph()
      .layer('a', { shape: [5], lagrangian: Lg.tanh(), tau: taus.a })
      .layer('b', { shape: [4], lagrangian: Lg.softmax({ beta: 2 }), tau: taus.b })
      .layer('c', { shape: [3], lagrangian: Lg.identity(), tau: taus.c })
      .synapse('ab', Y.dense(), ['a', 'b'])
      .synapse('bc', Y.dense(), ['b', 'c'])
      .synapse('cb', Y.bias({ init: { b: normal(1) } }), ['c'])
      .build({ seed: 1 });
    const init = ham.randomStates(3, 2);
    const dt = 0.01;
    const g = ham.dEdxhat(init);
    const r = descendSync(ham, init, { mode: 'fixed', dt, maxSteps: 1 });
    expect(r.steps).toBe(1);
    expect(r.report.map((s) => s.reason)).toEqual(['maxSteps', 'maxSteps', 'maxSteps']);
    const x0 = hostStates(init), g0 = hostStates(g), x1 = hostStates(r.states);
    for (const n of ['a', 'b', 'c'] as const) {
      const alpha = Math.fround(Math.fround(dt) / Math.fround(taus[n]));
      const expected = x0[n].map((x, i) => Math.fround(x - Math.fround(alpha * g0[n][i]!)));
      for (let i = 0; i < expected.length; i++) {
        expect(Math.abs(x1[n][i]! - expected[i]!), `layer ${n}, entry ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected[i]!)));
      }
      // And the layers really moved by different multiples of their signals.
      expect(maxAbsDiff(x1[n], x0[n])).toBeGreaterThan(0);
    }
    const moved = (n: 'a' | 'c') => maxAbsDiff(x1[n], x0[n]) / maxAbs(g0[n]);
    expect(moved('a') / moved('c') / (taus.c / taus.a)).toBeCloseTo(1, 4);
    disposeStates(init, g, r.states);
    ham.dispose();
  });

  it('rateLevels groups layers by time constant (slowest level first) and levelSchedule interleaves them', () => {
    const taus = new Map([['a', 1], ['b', 0.05], ['c', 20], ['d', 1.5]] as const);
    expect(rateLevels(taus, 10)).toEqual([['c'], ['a', 'd'], ['b']]);
    expect(rateLevels(taus, 1000)).toEqual([['b', 'a', 'd', 'c']]);
    expect(levelSchedule(1, 3)).toEqual([0]);
    expect(levelSchedule(2, 3)).toEqual([1, 1, 1, 0]);
    expect(levelSchedule(3, 3)).toEqual([2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1, 0]);
    expect(levelSchedule(2, 1)).toEqual([1, 0]);
  });

  it('multirate: the fast level relaxes for innerSteps steps before the slow level moves once', () => {
    const ham = hypergraph()
      .layer('v', { shape: [6], lagrangian: Lg.identity(), tau: 1 })
      .layer('h', { shape: [4], lagrangian: Lg.softmax({ beta: 2 }), tau: 0.01 })
      .synapse('enc', Y.dense(), ['v', 'h'])
      .build({ seed: 2 });
    const init = ham.randomStates(2, 3);
    const x0 = hostStates(init);
    const after = (steps: number) => {
      const r = descendSync(ham, init, { mode: 'fixed', dt: 0.005, multirate: { innerSteps: 3 }, maxSteps: steps, recordStatesEvery: 1 });
      const out = hostStates(r.states);
      disposeStates(r.states);
      return out;
    };
    const s3 = after(3), s4 = after(4);
    expect(bitwiseEqual(s3.v, x0.v), 'v waits for three steps of h').toBe(true);
    expect(maxAbsDiff(s3.h, x0.h)).toBeGreaterThan(0);
    expect(maxAbsDiff(s4.v, x0.v), 'then v moves once').toBeGreaterThan(0);
    expect(bitwiseEqual(s4.h, s3.h), 'while h waits').toBe(true);
    disposeStates(init);
    ham.dispose();
  });

  it('multirate makes a stiff graph (τ ratio 1000) cheap', () => {
    const ham = hypergraph()
      .layer('v', { shape: [8], lagrangian: Lg.identity(), tau: 1 })
      .layer('h', { shape: [6], lagrangian: Lg.softmax({ beta: 2 }), tau: 1e-3 })
      .synapse('enc', Y.dense(), ['v', 'h'])
      .synapse('bias', Y.bias({ init: { b: normal(1) } }), ['v'])
      .build({ seed: 5 });
    const init = ham.randomStates(2, 4);
    const r = descendSync(ham, init, { multirate: true, maxSteps: 400 });
    expect(r.report.map((s) => s.reason)).toEqual(['gradient', 'gradient']);
    for (const e of r.energies) for (let t = 1; t < e.length; t++) expect(e[t]).toBeLessThanOrEqual(e[t - 1]!);
    disposeStates(init, r.states);
    ham.dispose();
  });
});

describe('adaptive step control', () => {
  it('by default keeps every step at dt/τ ≤ 1, even where a saturated energy is flat', () => {
    // A classical Hopfield layer with tanh β=8 saturates to ±1: its energy barely changes with x,
    // so the energy test alone would let the step grow to dtMax = 100·dt and overshoot.
    const N = 16;
    const xi = Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? -1 : 1));
    const W = tf.tensor2d(Float32Array.from({ length: N * N }, (_, k) => (xi[Math.floor(k / N)]! * xi[k % N]!) / N), [N, N]);
    const ham = hypergraph()
      .layer('v', { shape: [N], lagrangian: Lg.tanh({ beta: 8 }), tau: 0.5 })
      .synapse('hop', Y.dense(), ['v', 'v'])
      .build({ seed: 0, params: { synapses: { hop: { W } } } });
    const init = { v: tf.tensor2d(xi.map((s, i) => (i % 5 === 0 ? -s : s) * 3), [1, N]) };
    for (const [options, bound] of [[{}, 1 / 0.5], [{ dtMax: 5 }, 5 / 0.5]] as const) {
      const r = descendSync(ham, init, { ...options, recordStatesEvery: 1, maxSteps: 300 });
      let ratio = 0;
      for (let t = 1; t < r.recorded.length; t++) {
        const prev = statesFrom(ham, r.recorded[t - 1]!.states, 1);
        const g = hostStates(ham.dEdxhat(prev)).v;
        disposeStates(prev);
        const dx = r.recorded[t]!.states.v.map((x, i) => x - r.recorded[t - 1]!.states.v[i]!);
        for (let i = 0; i < N; i++) if (Math.abs(g[i]!) > 1e-3) ratio = Math.max(ratio, Math.abs(dx[i]!) / Math.abs(g[i]!));
      }
      // Each step moves by (dt/τ)·|∂E/∂x̂|: the largest ratio is the largest dt/τ used.
      expect(ratio, `largest dt/τ with ${JSON.stringify(options)}`).toBeLessThanOrEqual(bound * (1 + 1e-5));
      if ('dtMax' in options) expect(ratio, 'an explicit dtMax is honoured').toBeGreaterThan(2);
      else expect(r.report[0]!.reason).toBe('gradient');
      disposeStates(r.states);
    }
    disposeStates(init);
    W.dispose();
    ham.dispose();
  });
});

describe('stopping reasons', () => {
  it("a window of rejected steps is not mistaken for convergence by 'energy'", () => {
    // dt/τ = 1e4 on E = ½|x − b|²: the first ~14 steps are all rejected (nothing moves, E does not
    // change), which must not read as 'the energy stopped changing'.
    const ham = line();
    const init = { x: tf.zeros([1, 2]) };
    const r = descendSync(ham, init, { dt: 1e4, dtMax: 1e4 });
    expect(r.report[0]!.reason).toBe('gradient');
    expect(r.report[0]!.steps).toBeGreaterThan(10);
    expect(maxAbsDiff(r.states.x.dataSync(), [1, -1])).toBeLessThan(1e-3);
    disposeStates(init, r.states);
    ham.dispose();
  });

  it("with no gradient tolerance a sample converges by 'energy' once E and x stop changing", () => {
    const ham = small();
    const init = ham.randomStates(2, 21);
    const r = descendSync(ham, init, { tolerance: { grad: 0 } });
    expect(r.report.map((s) => s.reason)).toEqual(['energy', 'energy']);
    expect(r.converged).toBe(true);
    const reference = descendSync(ham, init);
    expect(reference.converged).toBe(true);
    for (const n of ['v', 'h'] as const) expect(maxAbsDiff(r.states[n].dataSync(), reference.states[n].dataSync())).toBeLessThan(3e-3);
    disposeStates(reference.states);
    disposeStates(init, r.states);
    ham.dispose();
  });

  it("a layer too slow to move (τ = 1e308) is not reported converged: E and x stand still only because the steps do nothing", () => {
    const ham = small();
    const init = ham.randomStates(2, 21);
    const start = Array.from(ham.dEdxhat(init).v.dataSync(), Math.abs).reduce((a, b) => Math.max(a, b), 0);
    for (const mode of ['adaptive', 'fixed'] as const) {
      const r = descendSync(ham, init, { mode, tau: { v: 1e308, h: 1e308 }, maxSteps: 60 });
      expect(r.report.map((s) => s.reason), mode).toEqual(['maxSteps', 'maxSteps']);
      expect(r.converged).toBe(false);
      expect(r.report[0]!.gradNorm, `${mode}: the signal is still large`).toBeGreaterThanOrEqual(start);
      for (const n of ['v', 'h'] as const) expect(maxAbsDiff(r.states[n].dataSync(), init[n].dataSync()), `${mode}: ${n} never moved`).toBe(0);
      disposeStates(r.states);
    }
    disposeStates(init);
    ham.dispose();
  });

  it("tolerance.energy 0 turns the energy test off: a descent asked for a gradient float32 cannot resolve does not claim convergence", () => {
    // input (clamped) — tanh — softmax: with energy and state tolerances 0, an adaptive descent
    // asked for |∂E/∂x̂| ≤ 1e-6 stalls at 1e-4–1e-3, where E changes by less than its float32
    // rounding and steps are accepted or halved by noise; within a window no neuron moves and E is
    // unchanged. That once read as 'energy' (≤ 0 change) by step 230; it is not convergence.
    const ham = hypergraph()
      .layer('input', { shape: [4], lagrangian: Lg.identity() })
      .layer('hidden', { shape: [6], lagrangian: Lg.tanh(), tau: 0.5 })
      .layer('label', { shape: [3], lagrangian: Lg.softmax({ beta: 1.5 }), tau: 0.2 })
      .synapse('encode', Y.denseBias(), ['input', 'hidden'])
      .synapse('classify', Y.dense(), ['hidden', 'label'])
      .build({ seed: 3 });
    const init = { input: tf.tensor2d([[1, -0.5, 0.3, 0.8], [-0.7, 0.2, 0.9, -0.1], [0.4, 0.6, -0.8, 0.5]]), hidden: tf.zeros([3, 6]), label: tf.zeros([3, 3]) };
    const options = { dt: 0.1, maxSteps: 1000, tolerance: { grad: 1e-6, energy: 0, state: 0 }, clamp: { input: true } } as const;
    const adaptive = descendSync(ham, init, options);
    expect(adaptive.report.map((s) => s.reason)).toEqual(['maxSteps', 'maxSteps', 'maxSteps']);
    for (const s of adaptive.report) expect(s.gradNorm).toBeGreaterThan(1e-6);
    // fixed steps of the same dt do get there, by the gradient
    const fixed = descendSync(ham, init, { ...options, mode: 'fixed' });
    expect(fixed.report.map((s) => s.reason)).toEqual(['gradient', 'gradient', 'gradient']);
    disposeStates(init, adaptive.states, fixed.states);
    ham.dispose();
  });

  it("'energy' is claimed only with steps of at least a tenth of every free layer's τ", () => {
    // Every τ and dt a thousand times the previous test's: the same descent in other units, which
    // converges by 'energy' as before; so it does with dt = 1 (steps capped at 100·dt, a tenth of
    // τ_v). With dt = 0.1 the steps are capped at a hundredth of τ_v: the energy stands still in
    // float32 from about step 820 with |∂E/∂x̂| above 2e-3, which no longer counts as convergence.
    const ham = small();
    const init = ham.randomStates(2, 21);
    const tau = { v: 1000, h: 300 };
    for (const dt of [100, 1]) {
      const r = descendSync(ham, init, { tau, dt, tolerance: { grad: 0 } });
      expect(r.report.map((s) => s.reason), `dt = ${dt}`).toEqual(['energy', 'energy']);
      disposeStates(r.states);
    }
    const slow = descendSync(ham, init, { tau, tolerance: { grad: 0 } });
    expect(slow.report.map((s) => s.reason)).toEqual(['maxSteps', 'maxSteps']);
    expect(slow.converged).toBe(false);
    for (const s of slow.report) expect(s.gradNorm).toBeGreaterThan(2e-3);
    disposeStates(init, slow.states);
    ham.dispose();
  });
});

describe('divergence and bad input', () => {
  it('fixed mode with a too-large step on an oscillating graph throws DivergenceError naming the sample and step', () => {
    const ham = line();
    // Sample 0 sits at the fixed point; sample 1 overshoots it by a factor −2 every step.
    const init = { x: tf.tensor2d([[1, -1], [0, 0]]) };
    const before = tf.memory().numTensors;
    const e = thrown(() => descendSync(ham, init, { mode: 'fixed', dt: 3 }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e).toBeInstanceOf(HamuxError);
    const d = e as DivergenceError;
    expect([d.sample, d.step]).toEqual([1, 1]);
    expect(d.message).toMatch(/sample 1/);
    expect(d.message).toMatch(/step 1\b/);
    expect(tf.memory().numTensors, 'nothing leaked by the throw').toBe(before);
    // The adaptive default converges on the same graph from the same start with the same dt.
    const r = descendSync(ham, init, { dt: 3 });
    expect(r.report.map((s) => s.reason)).toEqual(['gradient', 'gradient']);
    expect(maxAbsDiff(r.states.x.dataSync(), [1, -1, 1, -1])).toBeLessThan(1e-3);
    disposeStates(init, r.states);
    ham.dispose();
  });

  it('fixed mode that overflows names the sample and the layer', () => {
    const ham = line();
    const init = { x: tf.tensor2d([[1, -1], [0, 0]]) };
    const before = tf.memory().numTensors;
    const e = thrown(() => descendSync(ham, init, { mode: 'fixed', dt: 1e6 }));
    expect(e).toBeInstanceOf(DivergenceError);
    const d = e as DivergenceError;
    expect(d.sample).toBe(1);
    expect(d.layer).toBe('x');
    expect(d.where).toBe('layers.x');
    expect(d.step).toBeGreaterThanOrEqual(1);
    expect(d.step).toBeLessThanOrEqual(10);
    expect(tf.memory().numTensors).toBe(before);
    disposeStates(init);
    ham.dispose();
  });

  it('rejects NaN or infinite initial states naming the layer and sample, before anything runs', async () => {
    const ham = small();
    const init = ham.randomStates(3, 1);
    const bad = { v: tf.tensor2d(Float32Array.from(init.v.dataSync(), (x, i) => (i === 8 + 2 ? NaN : x)), [3, 8]), h: init.h };
    const worse = { v: bad.v, h: tf.tensor2d(Float32Array.from(init.h.dataSync(), (x, i) => (i === 0 ? Infinity : x)), [3, 6]) };
    const before = tf.memory().numTensors;
    let progressed = false;
    const onProgress = () => { progressed = true; };
    const e1 = thrown(() => descendSync(ham, bad, { onProgress }));
    expect(e1).toBeInstanceOf(HamuxErrors);
    expect((e1 as HamuxErrors).errors.map((x) => x.where)).toEqual(['initial states.v']);
    expect((e1 as HamuxErrors).message).toMatch(/sample 1/);
    const e2 = await rejected(descend(ham, worse, { onProgress }));
    expect(e2).toBeInstanceOf(HamuxErrors);
    expect((e2 as HamuxErrors).errors.map((x) => x.where)).toEqual(['initial states.v', 'initial states.h']);
    expect((e2 as HamuxErrors).errors[1]!.message).toMatch(/sample 0/);
    expect(progressed, 'no step and no progress report').toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    disposeStates(init, bad, worse);
    ham.dispose();
  });

  it('rejects states of the wrong shape, dtype or batch, missing and unknown layers', () => {
    const ham = small();
    const v = tf.zeros([2, 8]), h = tf.zeros([2, 6]);
    const tensors = { v7: tf.zeros([2, 7]), h3: tf.zeros([3, 6]), vInt: tf.zeros([2, 8], 'int32'), flat: tf.zeros([8]) };
    const cases: [Record<string, Tensor>, string[]][] = [
      [{ v: tensors.v7, h }, ['initial states.v']],
      [{ v: tensors.flat, h }, ['initial states.v']],
      [{ v, h: tensors.h3 }, ['initial states.h']],
      [{ v: tensors.vInt, h }, ['initial states.v']],
      [{ v }, ['initial states.h']],
      [{ v, h, w: h }, ['initial states.w']],
    ];
    const before = tf.memory().numTensors;
    for (const [states, paths] of cases) {
      let progressed = false;
      const e = thrown(() => descendSync(ham, states as unknown as States<'v' | 'h'>, { onProgress: () => { progressed = true; } }));
      expect(e).toBeInstanceOf(HamuxErrors);
      expect((e as HamuxErrors).errors.map((x) => x.where), JSON.stringify(Object.keys(states))).toEqual(paths);
      expect(progressed).toBe(false);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([v, h, ...Object.values(tensors)]);
    ham.dispose();
  });

  it('rejects bad options with HamuxErrors naming options.<name>, all at once', () => {
    const ham = small();
    const init = ham.randomStates(1, 1);
    const cases: [DescendOptions<'v' | 'h'>, string[]][] = [
      [{ dt: -0.1 }, ['options.dt']],
      [{ dt: 0 }, ['options.dt']],
      [{ dt: NaN }, ['options.dt']],
      [{ maxSteps: 0 }, ['options.maxSteps']],
      [{ maxSteps: 2.5 }, ['options.maxSteps']],
      [{ checkEvery: 0 }, ['options.checkEvery']],
      [{ recordStatesEvery: -1 }, ['options.recordStatesEvery']],
      [{ mode: 'sometimes' as 'fixed' }, ['options.mode']],
      [{ grow: 0.5 }, ['options.grow']],
      [{ shrink: 1 }, ['options.shrink']],
      [{ dtMin: 0 }, ['options.dtMin']],
      [{ dtMax: -1 }, ['options.dtMax']],
      [{ riseTolerance: -1 }, ['options.riseTolerance']],
      [{ tolerance: { grad: -1 } }, ['options.tolerance.grad']],
      [{ tolerance: { energy: NaN, state: -1 } }, ['options.tolerance.energy', 'options.tolerance.state']],
      [{ multirate: { ratio: 1 } }, ['options.multirate.ratio']],
      [{ multirate: { innerSteps: 0 } }, ['options.multirate.innerSteps']],
      [{ dt: -1, maxSteps: 0, checkEvery: 1.5 }, ['options.dt', 'options.maxSteps', 'options.checkEvery']],
    ];
    const before = tf.memory().numTensors;
    for (const [options, paths] of cases) {
      const e = thrown(() => descendSync(ham, init, options));
      expect(e, JSON.stringify(options)).toBeInstanceOf(HamuxErrors);
      expect((e as HamuxErrors).errors.map((x) => x.where), JSON.stringify(options)).toEqual(paths);
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeStates(init);
    ham.dispose();
  });
});

describe('the Energy Transformer update (neuronEnergy: false)', () => {
  function transformer() {
    return hypergraph()
      .layer('tokens', { shape: [4, 8], lagrangian: Lg.layernorm() })
      .synapse('attn', Y.energyAttention({ heads: 2, headDim: 4, init: { Wk: normal(0.3), Wq: normal(0.3) } }), ['tokens'])
      .synapse('hop', Y.reluSquaredMemory({ memories: 8, perToken: true }), ['tokens'])
      .build({ seed: 6 });
  }

  it('descends the synapse-only energy monotonically', () => {
    const ham = transformer();
    const init = ham.randomStates(2, 7);
    const r = descendSync(ham, init, { neuronEnergy: false, recordStatesEvery: 1, maxSteps: 150 });
    for (const [b, e] of r.energies.entries()) {
      for (let t = 1; t < e.length; t++) expect(e[t], `sample ${b}, step ${t}`).toBeLessThanOrEqual(e[t - 1]!);
      expect(e[e.length - 1]!, 'the energy fell').toBeLessThan(e[0]! - 1e-3);
    }
    // The recorded energies are the synapse-only energy of the recorded states.
    for (const { step, states } of r.recorded) {
      const s = statesFrom(ham, states, 2);
      const E = energyOf(ham, s, { neuronEnergy: false });
      for (let b = 0; b < 2; b++) if (step <= r.report[b]!.steps) expect(E[b]).toBe(r.energies[b]![step]);
      disposeStates(s);
    }
    for (const s of r.report) expect(['gradient', 'energy', 'maxSteps', 'stepUnderflow']).toContain(s.reason);
    disposeStates(init, r.states);
    ham.dispose();
  });

  it('one fixed step is x ← x − (dt/τ) ∂E_syn/∂x̂, without the neuron-energy term', () => {
    const ham = transformer();
    const init = ham.randomStates(1, 8);
    const gSyn = hostStates(ham.dEdxhat(init, { neuronEnergy: false })).tokens;
    const gAll = hostStates(ham.dEdxhat(init)).tokens;
    const r = descendSync(ham, init, { neuronEnergy: false, mode: 'fixed', dt: 0.1, maxSteps: 1 });
    const x0 = hostStates(init).tokens, x1 = hostStates(r.states).tokens;
    const step = x1.map((x, i) => (x0[i]! - x) / 0.1);
    expect(maxAbsDiff(step, gSyn)).toBeLessThan(1e-4);
    expect(maxAbsDiff(step, gAll)).toBeGreaterThan(0.1);
    disposeStates(init, r.states);
    ham.dispose();
  });
});

describe('progress, recording, async and cancellation', () => {
  it('onProgress is called every checkEvery steps with increasing steps and consistent values', () => {
    const ham = small();
    const init = ham.randomStates(3, 9);
    const calls: Progress[] = [];
    const r = descendSync(ham, init, { checkEvery: 7, onProgress: (p) => calls.push({ ...p, energies: p.energies.slice(), gradNorms: p.gradNorms.slice() }) });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.map((c) => c.step)).toEqual(calls.map((_, k) => 7 * k));
    expect(calls[calls.length - 1]!.step).toBe(r.steps);
    for (let k = 1; k < calls.length; k++) expect(calls[k]!.active).toBeLessThanOrEqual(calls[k - 1]!.active);
    expect(calls[0]!.active).toBe(3);
    expect(calls[calls.length - 1]!.active).toBe(0);
    for (const c of calls) {
      expect(c.batch).toBe(3);
      for (let b = 0; b < 3; b++) if (c.step <= r.report[b]!.steps) expect(c.energies[b]).toBe(r.energies[b]![c.step]);
    }
    disposeStates(init, r.states);
    ham.dispose();
  });

  it('recordStatesEvery records the states every k steps, starting with the initial ones', () => {
    const ham = small();
    const init = ham.randomStates(2, 10);
    const r = descendSync(ham, init, { recordStatesEvery: 5 });
    expect(r.recorded.map((x) => x.step)).toEqual(Array.from({ length: Math.floor(r.steps / 5) + 1 }, (_, k) => 5 * k));
    const x0 = hostStates(init);
    expect(bitwiseEqual(r.recorded[0]!.states.v, x0.v) && bitwiseEqual(r.recorded[0]!.states.h, x0.h)).toBe(true);
    expect(r.recorded[1]!.states.v.length).toBe(2 * 8);
    expect(maxAbsDiff(r.recorded[1]!.states.v, x0.v)).toBeGreaterThan(0);
    const none = descendSync(ham, init, {});
    expect(none.recorded).toEqual([]);
    // The initial states are not consumed or changed.
    expect(bitwiseEqual(hostStates(init).v, x0.v)).toBe(true);
    disposeStates(init, r.states, none.states);
    ham.dispose();
  });

  it('the async descend gives the same result as descendSync', async () => {
    const ham = small();
    const init = ham.randomStates(3, 12);
    for (const options of [{ recordStatesEvery: 3 }, { mode: 'fixed' as const, dt: 0.05 }, { multirate: true, checkEvery: 4 }]) {
      const a = descendSync(ham, init, options);
      const b = await descend(ham, init, options);
      expect(b.report).toEqual(a.report);
      expect(b.energies).toEqual(a.energies);
      expect(b.steps).toBe(a.steps);
      expect(b.recorded).toEqual(a.recorded);
      const sa = hostStates(a.states), sb = hostStates(b.states);
      expect(bitwiseEqual(sa.v, sb.v) && bitwiseEqual(sa.h, sb.h), JSON.stringify(options)).toBe(true);
      disposeStates(a.states, b.states);
    }
    disposeStates(init);
    ham.dispose();
  });

  it('aborting from inside onProgress stops at the next check with reason cancelled (sync and async)', async () => {
    const ham = small();
    const init = ham.randomStates(2, 13);
    const tolerance = { grad: 0, energy: 0, state: 0 };
    for (const driver of ['sync', 'async'] as const) {
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      const options = {
        tolerance, dt: 1e-3, dtMax: 1e-3, maxSteps: 10_000, signal: controller.signal,
        onProgress: (p: Progress) => { if (p.step >= 20) controller.abort(); },
      };
      const r = driver === 'sync' ? descendSync(ham, init, options) : await descend(ham, init, options);
      expect(r.report.map((s) => s.reason), driver).toEqual(['cancelled', 'cancelled']);
      expect(r.steps).toBe(30);
      expect(r.converged).toBe(false);
      expect(r.energies[0]!.length).toBe(31);
      disposeStates(r.states);
      expect(tf.memory().numTensors).toBe(before);
    }
    // Already aborted: nothing moves.
    const r = descendSync(ham, init, { signal: AbortSignal.abort() });
    expect(r.steps).toBe(0);
    expect(r.report.map((s) => s.reason)).toEqual(['cancelled', 'cancelled']);
    expect(bitwiseEqual(hostStates(r.states).v, hostStates(init).v)).toBe(true);
    disposeStates(init, r.states);
    ham.dispose();
  });

  it('the async descend yields to the event loop, so a timer can cancel it', async () => {
    const ham = small();
    const init = ham.randomStates(1, 14);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30);
    const r = await descend(ham, init, { tolerance: { grad: 0, energy: 0, state: 0 }, dt: 1e-4, dtMax: 1e-4, maxSteps: 1_000_000, signal: controller.signal });
    clearTimeout(timer);
    expect(r.report[0]!.reason).toBe('cancelled');
    expect(r.steps).toBeLessThan(1_000_000);
    disposeStates(init, r.states);
    ham.dispose();
  });
});

describe('per-sample convergence', () => {
  /** A state of `small()` converged to the default tolerance (the runs below use twice that). */
  function converged(ham: Small) {
    const init = ham.randomStates(1, 15);
    const r = descendSync(ham, init);
    expect(r.report[0]!.reason).toBe('gradient');
    disposeStates(init);
    return hostStates(r.states);
  }
  const pair = (ham: Small, a: Record<'v' | 'h', Float32Array>, b: States<'v' | 'h'>) =>
    ({
      v: tf.concat([tf.tensor2d(a.v, [1, 8]), b.v]),
      h: tf.concat([tf.tensor2d(a.h, [1, 6]), b.h]),
    }) as States<'v' | 'h'>;

  for (const mode of ['adaptive', 'fixed'] as const) {
    it(`a sample that starts converged never moves while another descends (${mode})`, () => {
      const ham = small();
      const fixed = converged(ham);
      const other = ham.randomStates(1, 16, 2);
      const init = pair(ham, fixed, other);
      const r = descendSync(ham, init, { mode, recordStatesEvery: 1, tolerance: { grad: 2e-3 } });
      expect(r.report[0]!.steps).toBe(0);
      expect(r.report[1]!.steps).toBeGreaterThan(20);
      for (const rec of r.recorded) {
        expect(bitwiseEqual(sampleOf(rec.states.v, 2, 0), fixed.v) && bitwiseEqual(sampleOf(rec.states.h, 2, 0), fixed.h), `step ${rec.step}`).toBe(true);
      }
      expect(r.energies[0]!.length).toBe(1);
      disposeStates(other, init, r.states);
      ham.dispose();
    });

    it(`a sample that converges first stays bitwise still while the others continue (${mode})`, () => {
      const ham = small();
      const fixed = converged(ham);
      // Sample 0 starts just off the fixed point, sample 1 far away.
      const near = { v: fixed.v.map((x, i) => x + 0.05 * Math.sin(i)), h: fixed.h.map((x, i) => x + 0.05 * Math.cos(i)) };
      const other = ham.randomStates(1, 17, 3);
      const init = pair(ham, near, other);
      const r = descendSync(ham, init, { mode, recordStatesEvery: 1, tolerance: { grad: 2e-3 } });
      const s0 = r.report[0]!.steps;
      expect(r.report.map((s) => s.converged)).toEqual([true, true]);
      expect(s0).toBeGreaterThan(0);
      expect(r.report[1]!.steps).toBeGreaterThan(s0);
      const at = r.recorded[s0]!.states;
      for (const rec of r.recorded.slice(s0)) {
        for (const n of ['v', 'h'] as const) expect(bitwiseEqual(sampleOf(rec.states[n], 2, 0), sampleOf(at[n], 2, 0)), `${n} at step ${rec.step}`).toBe(true);
      }
      const final = hostStates(r.states);
      expect(bitwiseEqual(sampleOf(final.v, 2, 0), sampleOf(at.v, 2, 0))).toBe(true);
      expect(r.report[0]!.energy).toBe(r.energies[0]![s0]);
      disposeStates(other, init, r.states);
      ham.dispose();
    });
  }
});

describe('tensor hygiene', () => {
  for (const options of [{}, { multirate: true }, { mode: 'fixed' as const }, { clamp: 'mask' as const }]) {
    it(`no tensor leaks over 3000 steps (${JSON.stringify(options)})`, () => {
      const ham = hypergraph()
        .layer('v', { shape: [8], lagrangian: Lg.identity() })
        .layer('h', { shape: [6], lagrangian: Lg.softmax(), tau: 0.05 })
        .synapse('enc', Y.dense(), ['v', 'h'])
        .build({ seed: 3 });
      const init = ham.randomStates(2, 1);
      const before = tf.memory().numTensors;
      const mask = tf.tensor1d([1, 0, 1, 0, 0, 0, 0, 0]);
      const { clamp, ...rest } = options as { clamp?: 'mask' };
      const r = descendSync(ham, init, {
        ...rest, ...(clamp ? { clamp: { v: mask } } : {}),
        dt: 1e-5, dtMax: 1e-5, maxSteps: 3000, tolerance: { grad: 0, energy: 0, state: 0 },
      });
      expect(r.report.map((s) => s.reason)).toEqual(['maxSteps', 'maxSteps']);
      expect(r.steps).toBe(3000);
      disposeStates(r.states);
      mask.dispose();
      expect(tf.memory().numTensors).toBe(before);
      disposeStates(init);
      ham.dispose();
    });
  }

  it('the params and method options are used: other weights give their own fixed point', () => {
    const ham = line();
    const init = { x: tf.zeros([1, 2]) };
    const b = tf.tensor1d([3, 4]);
    const r = descendSync(ham, init, { params: { layers: { x: {} }, synapses: { b: { b } } }, method: 'autodiff' });
    expect(r.converged).toBe(true);
    expect(maxAbsDiff(r.states.x.dataSync(), [3, 4])).toBeLessThan(1e-3);
    disposeStates(init, r.states);
    b.dispose();
    ham.dispose();
  });
});
