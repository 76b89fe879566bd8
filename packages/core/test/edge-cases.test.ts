// Numeric edge cases against exact values: ghostmax when every input is very negative (its
// log(1 + Σ eˣ) must not round away), a concave layer or spherical norm (γ < 0) refused, and layer
// and spherical norm on rows of equal, nearly equal, huge-offset or tiny entries (float64 references).
import { describe, expect, it } from 'vitest';
import { jsGemm, nativeGemm, rowRoutines, SMALL_ROWS, type RowRoutines } from '@hamux-ts/kernels';
import { uniformValues } from '@hamux-ts/test-support';
import { HamuxError, hostLagrangian, lagrangians as L, NeuronLayer, tf, type Tensor } from '../src/index.js';

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

// ---- layer norm and spherical norm on (nearly) degenerate rows, against float64 ----

/** The float32 value `k` units in the last place above v (toward +∞ for v ≥ 0, −∞ below). */
function ulpsAbove(v: number, k: number): number {
  const a = Float32Array.of(v);
  const bits = new Int32Array(a.buffer);
  bits[0]! += k;
  return a[0]!;
}

/** Row families of D float32 values each, flattened: where float32 statistics go wrong. */
function degenerateRows(D: number): Record<string, number[]> {
  const f = Math.fround;
  const fill = (v: number) => Array<number>(D).fill(f(v));
  const along = (g: (i: number) => number) => Array.from({ length: D }, (_, i) => g(i));
  return {
    'equal entries': [...fill(1e4), ...fill(0.1), ...fill(-3.7), ...fill(1 / 3)],
    zeros: fill(0),
    'entries 1 ulp apart': [
      ...along((i) => ulpsAbove(f(1e4), i % 3 === 0 ? 1 : 0)),
      ...along((i) => ulpsAbove(f(0.1), i === 0 ? 1 : 0)),
      ...along((i) => ulpsAbove(f(-3.7), i % 2)),
      ...along((i) => ulpsAbove(f(1 / 3), i % 4)),
    ],
    'a huge offset, small noise': [...along((i) => f(1e4 + 1e-2 * Math.sin(7 * i + 1))), ...along((i) => f(-1e4 + 0.1 * Math.sin(3 * i + 2)))],
    'tiny entries': [...along((i) => f(1e-30 * Math.sin(3 * i + 1))), ...along((i) => f(1e-42 * (1 + (i % 3))))],
    ordinary: along((i) => f(Math.sin(5 * i + 2))),
  };
}

type NormKind = 'layernorm' | 'spherical';

/** The float64 activation and Lagrangian of one row (a zero root: x̂ = δ, the subgradient with 0 in it). */
function normRef(kind: NormKind, x: number[], gamma: number, delta: number[], eps: number): { xhat: number[]; L: number } {
  const D = x.length;
  const mean = kind === 'layernorm' ? x.reduce((s, v) => s + v, 0) / D : 0;
  const ss = x.reduce((s, v) => s + (v - mean) ** 2, 0);
  const root = Math.sqrt((kind === 'layernorm' ? ss / D : ss) + eps);
  const shift = x.reduce((s, v, i) => s + delta[i]! * v, 0);
  return {
    xhat: x.map((v, i) => (root === 0 ? 0 : (gamma * (v - mean)) / root) + delta[i]!),
    L: (kind === 'layernorm' ? D * gamma : gamma) * root + shift,
  };
}

/**
 * Holds one form's x̂ and L of `rows` rows (one sample each) to the float64 reference: x̂ to a few
 * float32 ulps of its size, L to float32 precision of its terms, and the neuron energy Σ x̂x − L to
 * float32 precision of Σ |x̂x| + |L| (it is a difference of the two, whose exact value is −Dγε/sd).
 */
function expectNearRef(kind: NormKind, what: string, xs: number[], D: number, gamma: number, delta: number[], eps: number, xhat: ArrayLike<number>, L: ArrayLike<number>): void {
  for (let r = 0; r < xs.length / D; r++) {
    const x = xs.slice(r * D, (r + 1) * D);
    const ref = normRef(kind, x, gamma, delta, eps);
    let E = -L[r]!, Eref = -ref.L, scale = Math.abs(ref.L), shift = 0;
    for (let i = 0; i < D; i++) {
      const got = xhat[r * D + i]!;
      expect(Math.abs(got - ref.xhat[i]!), `${what}, row ${r}, x̂[${i}] = ${got}, float64 ${ref.xhat[i]}`).toBeLessThanOrEqual(3e-7 * (gamma + Math.abs(ref.xhat[i]!)));
      E += got * x[i]!;
      Eref += ref.xhat[i]! * x[i]!;
      scale += Math.abs(ref.xhat[i]! * x[i]!);
      shift += Math.abs(delta[i]! * x[i]!);
    }
    expect(Math.abs(L[r]! - ref.L), `${what}, row ${r}: L = ${L[r]}, float64 ${ref.L}`).toBeLessThanOrEqual(3e-7 * (Math.abs(ref.L) + shift));
    expect(Math.abs(E - Eref), `${what}, row ${r}: neuron energy ${E}, float64 ${Eref}`).toBeLessThanOrEqual(1e-6 * scale);
  }
}

describe('layer norm and spherical norm on rows of (nearly) equal, huge-offset or tiny entries', () => {
  const gamma = Math.fround(1.3);
  const deltaOf = (D: number, on: boolean) => Array.from({ length: D }, (_, i) => (on ? Math.fround(0.1 * ((i % 5) - 2)) : 0));
  const params = (delta: number[]) => ({ gamma: tf.scalar(gamma), delta: tf.tensor1d(delta) });

  for (const kind of ['layernorm', 'spherical'] as const) {
    for (const eps of [0, 1e-8, 1e-5]) {
      it(`${kind}, ε = ${eps}: tfjs and host forms match float64, x̂ = δ exactly on a row of equal entries`, async () => {
        const native = await nativeGemm();
        for (const D of [7, 96]) {
          for (const withDelta of [false, true]) {
            const delta = deltaOf(D, withDelta);
            const lag = L[kind]({ gamma, delta, eps });
            const host = hostLagrangian(lag.builtin!, [D]);
            if (typeof host === 'string') throw new Error(host);
            for (const [family, xs] of Object.entries(degenerateRows(D))) {
              const rows = xs.length / D, what = `${kind} ε=${eps} D=${D} δ=${withDelta ? 'vector' : '0'} ${family}`;
              // tfjs: the closed form, autodiff of the Lagrangian, and the Lagrangian
              const before = tf.memory().numTensors;
              const x = tf.tensor2d(xs, [rows, D]), p = params(delta);
              const layer = new NeuronLayer('n', { shape: [D], lagrangian: lag });
              const [act, auto, Lt] = [layer.activation(x, p), layer.activationByAutodiff(x, p), tf.tidy(() => lag.lagrangian(x, p))];
              expectNearRef(kind, `${what} (tfjs)`, xs, D, gamma, delta, eps, act.dataSync(), Lt.dataSync());
              expectNearRef(kind, `${what} (autodiff of L)`, xs, D, gamma, delta, eps, auto.dataSync(), Lt.dataSync());
              if (family === 'equal entries' && kind === 'layernorm' || family === 'zeros') {
                for (let r = 0; r < rows; r++) expect(Array.from(act.dataSync().subarray(r * D, (r + 1) * D)), `${what}: x̂ = δ`).toEqual(delta);
              }
              tf.dispose([x, p.gamma, p.delta, act, auto, Lt]);
              expect(tf.memory().numTensors, `${what}: tensors left behind`).toBe(before);
              // host forms: the JavaScript rows, and the native ones where the addon is built (> SMALL_ROWS values)
              const forms: Array<[string, RowRoutines, number]> = [['host, js', rowRoutines(jsGemm), 1]];
              if (typeof native !== 'string') forms.push(['host, native', rowRoutines(native), Math.ceil((SMALL_ROWS + 1) / xs.length)]);
              for (const [form, k, copies] of forms) {
                const xf = new Float32Array(copies * xs.length);
                for (let c = 0; c < copies; c++) xf.set(xs, c * xs.length);
                const xhat = new Float32Array(xf.length), Lh = new Float64Array(xf.length / D);
                host.run(xf, xhat, Lh, xf.length / D, D, { gamma: Float32Array.of(gamma), delta: Float32Array.from(delta) }, k);
                expectNearRef(kind, `${what} (${form})`, xs, D, gamma, delta, eps, xhat, Lh);
              }
            }
          }
        }
      });
    }

    it(`${kind}: on a row of zeros (and for layer norm, of equal entries) with ε = 0, x̂ = δ has a zero derivative in both forms`, () => {
      const D = 5, delta = [0.1, -0.2, 0.3, 0, 0.5];
      const lag = L[kind]({ gamma, delta, eps: 0 });
      const host = hostLagrangian(lag.builtin!, [D]);
      if (typeof host === 'string') throw new Error(host);
      const xs = kind === 'layernorm' ? [...Array<number>(D).fill(2.5), ...Array<number>(D).fill(0)] : Array<number>(D).fill(0);
      const B = xs.length / D, w = uniformValues(xs.length, 9, 1.5);
      const x = tf.tensor2d(xs, [B, D]), wt = tf.tensor2d(w, [B, D]), p = params(delta);
      const layer = new NeuronLayer('n', { shape: [D], lagrangian: lag });
      // (∂x̂/∂x)ᵀ w by autodiff of the closed form; the Hessian is symmetric, so the host's ∇²L·w is the same
      const jw = tf.grad((s: Tensor) => tf.sum(tf.mul(layer.activation(s, p), wt)))(x);
      expect(jw.dataSync().every((v) => v === 0), `autodiff: ${jw.dataSync()}`).toBe(true);
      const out = new Float32Array(xs.length).fill(7);
      host.adjoint!.hvp(Float32Array.from(xs), new Float32Array(xs.length), w, out, B, D, { gamma: Float32Array.of(gamma), delta: Float32Array.from(delta) });
      expect(out.every((v) => v === 0), `host: ${out}`).toBe(true);
      const dGamma = new Float32Array(1), dDelta = new Float32Array(D);
      host.adjoint!.paramVjp!(Float32Array.from(xs), new Float32Array(xs.length), w, B, D, { gamma: Float32Array.of(gamma), delta: Float32Array.from(delta) }, { gamma: dGamma, delta: dDelta });
      expect(dGamma[0]).toBe(0); // ∂x̂/∂γ = (x − x̄)/sd, taken as 0 with x̂ = δ
      tf.dispose([x, wt, p.gamma, p.delta, jw]);
    });
  }
});
