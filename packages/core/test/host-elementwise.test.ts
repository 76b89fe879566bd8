// The fused host loops of tanh and sigmoid (two transcendental calls an entry) against float64
// closed forms, near 0 (where differences cancel), across the switch of the tanh series, and in saturation.
import { describe, expect, it } from 'vitest';
import { jsGemm, rowRoutines } from '@hamux-ts/kernels';
import { hostLagrangian, lagrangians as L } from '../src/index.js';

const points = [0, 1e-9, -3e-7, 9.99e-5, 1.0001e-4, -1e-4, 0.003, -0.5, 1, 2.5, -7, 19, -20, 40, 400, -400];
// float64 references: the series below 1e-3 (where the closed form cancels), the closed form above
const logCosh = (z: number) =>
  Math.abs(z) < 1e-3 ? (z * z) / 2 - z ** 4 / 12 + z ** 6 / 45 : Math.abs(z) + Math.log1p(Math.exp(-2 * Math.abs(z))) - Math.LN2;
const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

describe('fused host forms of the elementwise Lagrangians', () => {
  for (const [kind, act, lag] of [
    ['tanh', Math.tanh, logCosh],
    ['sigmoid', (z: number) => 1 / (1 + Math.exp(-z)), softplus],
  ] as const) {
    for (const beta of [1, 3, 0.05]) {
      it(`${kind} (β ${beta}): x̂ and L per entry to float32 precision`, () => {
        const host = hostLagrangian(L[kind]().builtin!, [1]);
        if (typeof host === 'string') throw new Error(host);
        const x = Float32Array.from(points.map((z) => z / beta));
        const xhat = new Float32Array(x.length), Lv = new Float64Array(x.length);
        host.run(x, xhat, Lv, x.length, 1, { beta: new Float32Array([beta]) }, rowRoutines(jsGemm));
        const b32 = Math.fround(beta); // β as the parameter array holds it
        x.forEach((xi, i) => {
          const z = b32 * xi;
          expect(Math.abs(xhat[i]! - act(z)), `x̂ at ${z}`).toBeLessThanOrEqual(1e-7 * Math.max(Math.abs(act(z)), 1e-30));
          const want = lag(z) / b32;
          expect(Math.abs(Lv[i]! - want), `L at ${z}`).toBeLessThanOrEqual(1e-7 * Math.abs(want) + 1e-300);
        });
      });
    }
  }
});
