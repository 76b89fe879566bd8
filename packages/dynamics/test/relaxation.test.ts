// A relaxation stepped by its caller (what a page that draws the descent does): readings between
// steps, and dt, τ, parameters changed mid-run, checked against closed forms of a linear system.
import { describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
import { DivergenceError, Relaxation } from '@hamux-ts/dynamics';
import { disposeStates } from './support.js';

const b = [0.5, -1, 2];
/** E = ½‖x‖² − b·x: Euler gives x_t = b + (1 − dt/τ)^t (x₀ − b). */
const biased = (tau = 1) =>
  hypergraph()
    .layer('x', { shape: [3], lagrangian: L.identity(), tau })
    .synapse('bias', Y.bias(), ['x'])
    .build({ seed: 0, params: { synapses: { bias: { b: tf.tensor1d(b) } } } });
const energyOf = (x: number[], bias = b) => 0.5 * x.reduce((s, v) => s + v * v, 0) - x.reduce((s, v, i) => s + v * bias[i]!, 0);
const iterate = (x0: number[], alpha: number, t: number, bias = b) => x0.map((v, i) => bias[i]! + (1 - alpha) ** t * (v - bias[i]!));

describe('Relaxation', () => {
  it('takes exactly the Euler steps in fixed mode; each reading holds the steps since the last', () => {
    const ham = biased(2);
    const x0 = [1, 1, 1];
    const init = { x: tf.tensor2d([x0]) };
    const relax = new Relaxation(ham, init, { dt: 0.5, mode: 'fixed' });
    relax.advance(5);
    const r = relax.readSync();
    expect(r.step).toBe(5);
    expect(r.restart).toBe(true);
    expect(r.energies).toHaveLength(6);
    r.energies.forEach((e, t) => expect(e[0]).toBeCloseTo(energyOf(iterate(x0, 0.25, t)), 5));
    expect(r.dt[0]).toBeCloseTo(0.5, 7);
    relax.advance(2);
    const r2 = relax.readSync();
    expect(r2.restart).toBe(false);
    expect(r2.energies).toHaveLength(2);
    r2.energies.forEach((e, k) => expect(e[0]).toBeCloseTo(energyOf(iterate(x0, 0.25, 6 + k)), 5));
    const final = relax.finish();
    Array.from(final.x.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(iterate(x0, 0.25, 7)[i]!, 6));
    expect(() => relax.advance()).toThrow(/finished or disposed/);
    disposeStates(final, init);
    ham.dispose();
  });

  it('configure changes dt and τ from the next step on, and resumes samples stopped by maxSteps', () => {
    const ham = biased(1);
    const x0 = [2, 0, -1];
    const init = { x: tf.tensor2d([x0]) };
    const relax = new Relaxation(ham, init, { dt: 0.1, mode: 'fixed', maxSteps: 3 });
    relax.advance(3);
    const r = relax.readSync();
    expect(r.reports[0]?.reason).toBe('maxSteps');
    expect(r.active).toBe(0);
    relax.configure({ dt: 0.2, tau: { x: 0.5 }, maxSteps: 10 });
    expect(relax.tau.x).toBe(0.5);
    relax.advance(2); // α = 0.2 / 0.5 = 0.4
    const r2 = relax.readSync();
    expect(r2.active).toBe(1);
    const x3 = iterate(x0, 0.1, 3);
    r2.energies.forEach((e, k) => expect(e[0]).toBeCloseTo(energyOf(iterate(x3, 0.4, k + 1)), 5));
    relax.dispose();
    disposeStates(init);
    ham.dispose();
  });

  it('setParams re-evaluates at the current state and starts a new curve; a rise across it is no divergence', async () => {
    const ham = biased(1);
    const x0 = [0, 0, 0];
    const init = { x: tf.tensor2d([x0]) };
    const relax = new Relaxation(ham, init, { dt: 0.5, mode: 'fixed' });
    relax.advance(4);
    await relax.read();
    const b2 = [-3, 3, 1];
    const params = { ...ham.params, synapses: { bias: { b: tf.tensor1d(b2) } } };
    relax.setParams(params);
    relax.advance(3);
    const r = await relax.read();
    expect(r.restart).toBe(true);
    const x4 = iterate(x0, 0.5, 4);
    expect(r.energies).toHaveLength(4);
    r.energies.forEach((e, t) => expect(e[0]).toBeCloseTo(energyOf(iterate(x4, 0.5, t, b2), b2), 5));
    relax.dispose();
    disposeStates(init, params.synapses.bias);
    ham.dispose();
  });

  it('a fixed step too large for the system is reported as divergence at the reading', () => {
    const ham = biased(1);
    const init = { x: tf.tensor2d([[5, 5, 5]]) };
    const relax = new Relaxation(ham, init, { dt: 2.5, mode: 'fixed' });
    relax.advance(3);
    expect(() => relax.readSync()).toThrow(DivergenceError);
    relax.dispose();
    disposeStates(init);
    ham.dispose();
  });

  it('rejects a τ for an unknown layer or a non-positive one, naming it', () => {
    const ham = biased(1);
    const init = { x: tf.tensor2d([[1, 1, 1]]) };
    expect(() => new Relaxation(ham, init, { tau: { y: 1 } as never })).toThrow(/options\.tau\.y: unknown layer/);
    expect(() => new Relaxation(ham, init, { tau: { x: 0 } })).toThrow(/options\.tau\.x: expected a positive number/);
    disposeStates(init);
    ham.dispose();
  });
});
