/**
 * An independent float64 implementation of one small training loss, written from math.md alone
 * (no tfjs): layers v [3] identity, h [4] layer norm (γ, δ), y [3] softmax (β); synapses
 * `vh: −v̂ᵀ W1 ĥ` and `hy: −ĥᵀ W2 ŷ − b·ŷ`; T Euler steps `x ← x − (dt/τ) m ⊙ ∂E/∂x̂` with
 * `∂E/∂x̂_v = x_v − W1 ĥ`, `∂E/∂x̂_h = x_h − W1ᵀ v̂ − W2 ŷ`, `∂E/∂x̂_y = x_y − W2ᵀ ĥ − b`; loss
 * `CE(ŷ, labels) + λ · mean over free entries of (v̂ − target)²`.
 */
export interface RefParams {
  W1: Float64Array; // [3, 4] row-major
  W2: Float64Array; // [4, 3]
  b: Float64Array; // [3]
  gamma: Float64Array; // [1]
  delta: Float64Array; // [4]
  beta: Float64Array; // [1]
}

export interface RefProblem {
  batch: number;
  steps: number;
  dt: number;
  tau: { v: number; h: number; y: number };
  eps: number; // layer norm ε
  lambda: number; // weight of the reconstruction term
  v0: Float64Array; // [B, 3]
  h0: Float64Array; // [B, 4]
  y0: Float64Array; // [B, 3]
  clampV: Float64Array; // [B, 3], 1 where held
  target: Float64Array; // [B, 3]
  labels: Int32Array; // [B]
}

const DV = 3, DH = 4, DY = 3;

function layerNorm(x: ArrayLike<number>, gamma: number, delta: ArrayLike<number>, eps: number): number[] {
  const m = Array.from(x).reduce((a, b) => a + b, 0) / x.length;
  const xc = Array.from(x, (v) => v - m);
  const sd = Math.sqrt(xc.reduce((a, c) => a + c * c, 0) / x.length + eps);
  return xc.map((c, i) => (gamma * c) / sd + delta[i]!);
}

function softmax(x: ArrayLike<number>, beta: number): number[] {
  const z = Array.from(x, (v) => beta * v);
  const mx = Math.max(...z);
  const e = z.map((v) => Math.exp(v - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function referenceLoss(p: RefParams, q: RefProblem): number {
  const B = q.batch;
  let ce = 0, sq = 0, free = 0;
  for (let s = 0; s < B; s++) {
    let v = Array.from(q.v0.subarray(s * DV, (s + 1) * DV));
    let h = Array.from(q.h0.subarray(s * DH, (s + 1) * DH));
    let y = Array.from(q.y0.subarray(s * DY, (s + 1) * DY));
    const held = q.clampV.subarray(s * DV, (s + 1) * DV);
    const acts = () => ({ vh: v, hh: layerNorm(h, p.gamma[0]!, p.delta, q.eps), yh: softmax(y, p.beta[0]!) });
    for (let t = 0; t < q.steps; t++) {
      const { vh, hh, yh } = acts();
      const gv = v.map((x, i) => x - hh.reduce((a, hj, j) => a + p.W1[i * DH + j]! * hj, 0));
      const gh = h.map((x, j) =>
        x - vh.reduce((a, vi, i) => a + p.W1[i * DH + j]! * vi, 0) - yh.reduce((a, yk, k) => a + p.W2[j * DY + k]! * yk, 0));
      const gy = y.map((x, k) => x - hh.reduce((a, hj, j) => a + p.W2[j * DY + k]! * hj, 0) - p.b[k]!);
      v = v.map((x, i) => (held[i] ? x : x - (q.dt / q.tau.v) * gv[i]!));
      h = h.map((x, j) => x - (q.dt / q.tau.h) * gh[j]!);
      y = y.map((x, k) => x - (q.dt / q.tau.y) * gy[k]!);
    }
    const { vh, yh } = acts();
    ce -= Math.log(yh[q.labels[s]!]!);
    for (let i = 0; i < DV; i++) {
      if (held[i]) continue;
      free++;
      sq += (vh[i]! - q.target[s * DV + i]!) ** 2;
    }
  }
  return ce / B + q.lambda * (sq / Math.max(free, 1));
}

/** Central differences of `referenceLoss` in float64 for every entry of every parameter. */
export function referenceGradients(p: RefParams, q: RefProblem, h = 1e-6): Record<keyof RefParams, Float64Array> {
  const out = {} as Record<keyof RefParams, Float64Array>;
  for (const key of Object.keys(p) as (keyof RefParams)[]) {
    const values = p[key];
    out[key] = values.map((v0, j) => {
      const at = (delta: number) => {
        const copy = Float64Array.from(values);
        copy[j] = v0 + delta;
        return referenceLoss({ ...p, [key]: copy }, q);
      };
      return (at(h) - at(-h)) / (2 * h);
    });
  }
  return out;
}
