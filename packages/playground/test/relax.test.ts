// The page's step loop against closed forms: a linear system whose Euler iterates and fixed point
// are known exactly, step control that never lets the energy rise, clamps, β changes, and no leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { Relaxation } from '../src/lib/relax.js';
import { neverRises } from '../src/lib/readout.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const b = [0.5, -1, 2];
/** E = ½‖x‖² − b·x: Euler gives x_t = b + (1 − dt/τ)^t (x₀ − b), E_t = ½‖x_t‖² − b·x_t. */
const biased = (tau = 1) =>
  hypergraph()
    .layer('x', { shape: [3], lagrangian: L.identity(), tau })
    .synapse('bias', Y.bias(), ['x'])
    .build({ seed: 0, params: { synapses: { bias: { b: tf.tensor1d(b) } } } });

const energyOf = (x: number[]) => 0.5 * x.reduce((s, v) => s + v * v, 0) - x.reduce((s, v, i) => s + v * b[i]!, 0);

describe('Relaxation (the page step loop)', () => {
  it('takes exactly the Euler steps of τ dx/dt = −∂E/∂x̂ in fixed mode (closed form per step)', async () => {
    const ham = biased(2);
    const x0 = [1, 1, 1];
    const init = { x: tf.tensor2d([x0]) };
    const relax = new Relaxation(ham, init, { dt: 0.5, mode: 'fixed' });
    relax.advance(5);
    const r = await relax.read();
    const alpha = 0.5 / 2;
    const expected = Array.from({ length: 6 }, (_, t) => x0.map((v, i) => b[i]! + (1 - alpha) ** t * (v - b[i]!)));
    expect(r.step).toBe(5);
    expect(r.restart).toBe(true);
    expect(r.energies[0]).toHaveLength(6);
    r.energies[0]!.forEach((e, t) => expect(e).toBeCloseTo(energyOf(expected[t]!), 5));
    Array.from(r.activations['x']!).forEach((v, i) => expect(v).toBeCloseTo(expected[5]![i]!, 6));
    expect(r.dt[0]).toBeCloseTo(0.5, 7);
    expect(r.rejected[0]).toBe(0);
    // The next read holds only the new steps.
    relax.advance(2);
    const r2 = await relax.read();
    expect(r2.restart).toBe(false);
    expect(r2.energies[0]).toHaveLength(2);
    r2.energies[0]!.forEach((e, k) => expect(e).toBeCloseTo(energyOf(x0.map((v, i) => b[i]! + (1 - alpha) ** (6 + k) * (v - b[i]!))), 5));
    relax.dispose();
    tf.dispose(init.x);
    ham.dispose();
  });

  it('converges adaptively to the fixed point of a clamped two-layer system, the energy never rising', async () => {
    // E = ½‖a‖² + ½‖h‖² − aᵀWh with a held: h* = Wᵀa.
    const W = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]];
    const ham = hypergraph()
      .layer('a', { shape: [3], lagrangian: L.identity() })
      .layer('h', { shape: [2], lagrangian: L.identity(), tau: 0.1 })
      .synapse('w', Y.dense(), ['a', 'h'])
      .build({ seed: 0, params: { synapses: { w: { W: tf.tensor2d(W) } } } });
    const a = [[1, -2, 0.5], [0, 1, 1]];
    const init = { a: tf.tensor2d(a), h: tf.zeros([2, 2]) };
    const relax = new Relaxation(ham, init, { dt: 0.01, clamp: { a: true }, tolerance: 1e-5 });
    const energies: number[][] = [[], []];
    let r;
    do {
      relax.advance(4);
      r = await relax.read();
      r.energies.forEach((e, s) => energies[s]!.push(...e));
    } while (!r.stopped);
    expect(r.stopped).toBe('converged');
    expect(r.step).toBeLessThan(200);
    for (const e of energies) expect(neverRises(e, 0)).toBe(true);
    const h = r.activations['h']!;
    for (let s = 0; s < 2; s++) {
      for (let j = 0; j < 2; j++) expect(h[s * 2 + j]).toBeCloseTo(a[s]!.reduce((sum, v, i) => sum + v * W[i]![j]!, 0), 4);
    }
    expect(Array.from(r.activations['a']!)).toEqual(a.flat().map(Math.fround));
    relax.dispose();
    tf.dispose(Object.values(init));
    ham.dispose();
  });

  it('rejects steps that would raise the energy and halves dt instead (dt/τ = 3 would diverge)', async () => {
    const ham = biased(1);
    const init = { x: tf.tensor2d([[4, 4, 4]]) };
    const relax = new Relaxation(ham, init, { dt: 3, mode: 'fixed' });
    relax.advance(12);
    const r = await relax.read();
    expect(r.rejected[0]).toBeGreaterThan(0);
    expect(r.dt[0]).toBeLessThan(2);
    expect(neverRises(r.energies[0]!, 0)).toBe(true);
    expect(r.energies[0]!.at(-1)!).toBeLessThan(r.energies[0]![0]!);
    relax.dispose();
    tf.dispose(init.x);
    ham.dispose();
  });

  it('holds the masked entries and moves only the free ones', async () => {
    const ham = biased(1);
    const init = { x: tf.tensor2d([[4, 4, 4]]) };
    const relax = new Relaxation(ham, init, { dt: 0.5, mode: 'fixed', clamp: { x: Float32Array.from([1, 0, 1]) } });
    relax.advance(3);
    const x = (await relax.read()).activations['x']!;
    expect(x[0]).toBe(4);
    expect(x[2]).toBe(4);
    expect(x[1]).toBeCloseTo(-1 + 0.5 ** 3 * 5, 6);
    relax.dispose();
    tf.dispose(init.x);
    ham.dispose();
  });

  it('starts a new energy curve when β changes, at the energy of the same state under the new β', async () => {
    const ham = hypergraph()
      .layer('x', { shape: [4], lagrangian: L.softmax({ beta: 1 }) })
      .synapse('bias', Y.bias(), ['x'])
      .build({ seed: 0, params: { synapses: { bias: { b: tf.tensor1d([0.1, 0.2, 0.3, 0.4]) } } } });
    const init = { x: tf.tensor2d([[0.3, -0.1, 0.2, 0]]) };
    const relax = new Relaxation(ham, init, { dt: 0.2 });
    const first = await relax.read();
    const beta: Tensor = tf.scalar(4);
    const params = { layers: { x: { beta } }, synapses: ham.params.synapses };
    relax.setParams(params);
    const r = await relax.read();
    // No step taken: the same state, evaluated under β = 1 and then β = 4.
    const [e1, e4] = [ham.energy(init), ham.energy(init, { params })];
    expect(first.energies[0]![0]).toBeCloseTo((await e1.data())[0]!, 6);
    expect(r.restart).toBe(true);
    expect(r.energies[0]).toHaveLength(1);
    expect(r.energies[0]![0]).toBeCloseTo((await e4.data())[0]!, 6);
    expect(Math.abs(r.energies[0]![0]! - first.energies[0]![0]!)).toBeGreaterThan(1e-3);
    relax.advance(5);
    const after = await relax.read();
    expect(after.restart).toBe(false);
    expect(neverRises([r.energies[0]![0]!, ...after.energies[0]!], 0)).toBe(true);
    expect(after.activations['x']!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    const reference = [e1, e4];
    tf.dispose([...reference, beta]);
    relax.dispose();
    tf.dispose(init.x);
    ham.dispose();
  });

  it('reports bad options at their path', () => {
    const ham = biased();
    const init = { x: tf.zeros([1, 3]) };
    expect(() => new Relaxation(ham, init, { dt: -1 })).toThrow(/options\.dt: expected a positive number, got -1/);
    expect(() => new Relaxation(ham, init, { clamp: { nope: true } })).toThrow(/options\.clamp\.nope: unknown layer/);
    expect(() => new Relaxation(ham, init, { clamp: { x: new Float32Array(5) } })).toThrow(/options\.clamp\.x: expected true or a Float32Array mask of 3 or 1·3 entries/);
    expect(() => new Relaxation(ham, init, { tau: { x: 0 } })).toThrow(/options\.tau\.x: expected a positive number, got 0/);
    expect(() => new Relaxation(ham, { x: tf.zeros([1, 4]) })).toThrow(/initial states\.x: expected shape \[batch, 3\]/);
    tf.dispose(init.x);
    ham.dispose();
  });

  it('leaks no tensors over repeated runs', async () => {
    const ham = biased();
    const init = { x: tf.tensor2d([[1, 2, 3]]) };
    const before = tf.memory().numTensors;
    for (let run = 0; run < 3; run++) {
      const relax = new Relaxation(ham, init, { dt: 0.3, clamp: { x: Float32Array.from([0, 1, 0]) } });
      relax.advance(4);
      await relax.read();
      relax.configure({ dt: 0.1, tau: { x: 2 }, mode: 'fixed' });
      relax.setParams(undefined);
      relax.advance(2);
      await relax.read();
      relax.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose(init.x);
    ham.dispose();
  });
});
