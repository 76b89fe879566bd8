// Numeric edge cases against exact values: ghostmax when every input is very negative (its
// log(1 + Σ eˣ) must not round away), and a concave layer or spherical norm (γ < 0) refused.
import { describe, expect, it } from 'vitest';
import { jsGemm, rowRoutines } from '@hamux-ts/kernels';
import { HamuxError, hostLagrangian, lagrangians as L, tf } from '../src/index.js';

describe('ghostmax with every input very negative', () => {
  const rows = [[-30, -31, -29.5, -40], [-80, -75, -90, -85], [-5, -30, -2, -7]];
  // float64: L = log(1 + Σ eˣ) = log1p(Σ eˣ) (no shift needed below 0), x̂ = eˣ / (1 + Σ eˣ)
  const exact = rows.map((r) => Math.log1p(r.reduce((s, v) => s + Math.exp(v), 0)));
  const exactAct = rows.map((r) => r.map((v) => Math.exp(v) / (1 + r.reduce((s, w) => s + Math.exp(w), 0))));

  it('its Lagrangian keeps the tiny log(1 + Σ eˣ) term (tfjs form) to float32 precision', () => {
    const lag = L.ghostmax();
    const x = tf.tensor2d(rows);
    const got = lag.lagrangian(x, {}).dataSync();
    exact.forEach((want, b) => expect(Math.abs(got[b]! - want)).toBeLessThanOrEqual(2e-7 * want));
    const act = lag.activation!(x, {}).dataSync();
    exactAct.flat().forEach((want, i) => expect(Math.abs(act[i]! - want)).toBeLessThanOrEqual(2e-7 * want + 1.5e-45)); // float32 subnormals below 1.2e-38
    x.dispose();
  });

  it('and so does its host form', () => {
    const host = hostLagrangian(L.ghostmax().builtin!, [4]);
    if (typeof host === 'string') throw new Error(host);
    const x = Float32Array.from(rows.flat()), xhat = new Float32Array(x.length), Lv = new Float64Array(rows.length);
    host.run(x, xhat, Lv, rows.length, 4, {}, rowRoutines(jsGemm));
    exact.forEach((want, b) => expect(Math.abs(Lv[b]! - want)).toBeLessThanOrEqual(1e-12 * want));
    exactAct.flat().forEach((want, i) => expect(Math.abs(xhat[i]! - want)).toBeLessThanOrEqual(2e-7 * want + 1.5e-45));
  });
});

describe('norm Lagrangians refuse a negative γ', () => {
  for (const kind of ['layernorm', 'spherical'] as const) {
    it(`${kind}: γ < 0 would make the energy unbounded below`, () => {
      let caught: unknown;
      try { L[kind]({ gamma: -0.5 }); } catch (e) { caught = e; }
      expect(caught).toBeInstanceOf(HamuxError);
      expect((caught as HamuxError).code).toBe('invalid_argument');
      expect((caught as HamuxError).path).toEqual([kind, 'gamma']);
      expect(() => L[kind]({ gamma: 0 })).not.toThrow();
    });
  }
});
