import { tf, type Tensor } from '../tf.js';
import { HamuxError } from '../errors.js';
import type { Lagrangian } from '../lagrangian.js';
import { checkPositiveOption, paramFromOption, type ParamOption, type TensorMap } from '../params.js';
import { sumPerSample } from '../ops.js';
import { jsDotRows, jsTanhRows, SMALL_ROWS } from '@hamux-ts/kernels';
import { scalarOf, type HostLagrangian, type ParamGrads, type ParamValues } from '../host/types.js';
import type { GpuLagrangian } from '../gpu/types.js';
import { powerCode } from '../gpu/products.js';

/** Lagrangians that act on each neuron separately: `L(x) = Σ f(x)`, activation `f′(x)`. */

const LOG2 = Math.log(2);

/** A scalar inverse temperature β, fixed unless given as `learnable(β)`. */
function betaLagrangian(
  kind: 'exp' | 'rexp' | 'tanh' | 'sigmoid',
  options: { beta?: ParamOption },
  lagrangian: (x: Tensor, beta: Tensor) => Tensor,
  activation: (x: Tensor, beta: Tensor) => Tensor,
): Lagrangian {
  checkPositiveOption(kind, 'beta', options.beta);
  const beta = (p: TensorMap): Tensor => p['beta']!;
  return {
    kind,
    options: { beta: options.beta ?? 1 },
    builtin: { kind },
    params: () => ({ beta: paramFromOption(options.beta, 1, []) }),
    lagrangian: (x, p) => sumPerSample(lagrangian(x, beta(p))),
    activation: (x, p) => activation(x, beta(p)),
  };
}

/** `L = ½ Σ x²`, activation `x`. */
export function identity(): Lagrangian {
  return {
    kind: 'identity',
    options: {},
    builtin: { kind: 'identity' },
    params: () => ({}),
    lagrangian: (x) => tf.mul(0.5, sumPerSample(tf.square(x))),
    activation: (x) => x,
  };
}

/** Rectified power: `L = (1/n) Σ max(x, 0)ⁿ`, activation `max(x, 0)ⁿ⁻¹`, for `n > 1`. */
export function repu(options: { n: number }): Lagrangian {
  const { n } = options;
  if (!(typeof n === 'number' && Number.isFinite(n) && n > 1)) {
    throw new HamuxError(['repu', 'n'], `must be a finite number > 1, got ${n}`, 'invalid_argument');
  }
  return {
    kind: 'repu',
    options: { n },
    builtin: { kind: 'repu', n },
    params: () => ({}),
    lagrangian: (x) => tf.div(sumPerSample(rectifiedPower(x, n)), n),
    activation: (x) => (n === 2 ? tf.relu(x) : rectifiedPower(x, n - 1)),
  };
}

/**
 * `max(x, 0)^p`, with finite derivatives of every order where x ≤ 0 (they are 0 there). The plain
 * `pow(relu(x), p)` has the derivative `p · 0^(p−1) · 0`, which is `∞ · 0 = NaN` for p < 1 (the
 * activation of repu with n < 2) and for p < 2 one derivative later, poisoning any gradient taken
 * through it. Here the power only ever sees positive bases (x where x > 0, else 1).
 */
function rectifiedPower(x: Tensor, p: number): Tensor {
  // A 0/1 mask from `step`, whose gradient is registered (zero) to any order; `where` and
  // comparisons would break a second differentiation (no gradient for LogicalNot).
  const mask = tf.step(x);
  const base = tf.add(tf.mul(x, mask), tf.sub(1, mask));
  return tf.mul(tf.pow(base, p), mask);
}

/** `L = ½ Σ max(x, 0)²`, activation `max(x, 0)` (repu with n = 2). */
export function relu(): Lagrangian {
  return { ...repu({ n: 2 }), kind: 'relu', options: {}, builtin: { kind: 'relu' } };
}

/** `L = (1/β) Σ e^{βx}`, activation `e^{βx}`. */
export function exp(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'exp',
    options,
    (x, b) => tf.div(tf.exp(tf.mul(b, x)), b),
    (x, b) => tf.exp(tf.mul(b, x)),
  );
}

/** Rectified exponential: `L = Σ (e^{β max(x,0)}/β − max(x,0))`, activation `e^{β max(x,0)} − 1`. */
export function rexp(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'rexp',
    options,
    (x, b) => {
      const r = tf.relu(x);
      return tf.sub(tf.div(tf.exp(tf.mul(b, r)), b), r);
    },
    (x, b) => tf.sub(tf.exp(tf.mul(b, tf.relu(x))), 1),
  );
}

/** `log cosh z = |z| + log1p(e^{−2|z|}) − log 2`, finite for any finite z. */
export function logCosh(z: Tensor): Tensor {
  const a = tf.abs(z);
  return tf.sub(tf.add(a, tf.log1p(tf.exp(tf.mul(-2, a)))), LOG2);
}

/** `softplus z = max(z, 0) + log1p(e^{−|z|})`, finite for any finite z. */
export function softplus(z: Tensor): Tensor {
  return tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/** `L = (1/β) Σ log cosh(βx)`, activation `tanh(βx)`. */
export function tanh(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'tanh',
    options,
    (x, b) => tf.div(logCosh(tf.mul(b, x)), b),
    (x, b) => tf.tanh(tf.mul(b, x)),
  );
}

/** `L = (1/β) Σ log(1 + e^{βx})`, activation `σ(βx)`. */
export function sigmoid(options: { beta?: ParamOption } = {}): Lagrangian {
  return betaLagrangian(
    'sigmoid',
    options,
    (x, b) => tf.div(softplus(tf.mul(b, x)), b),
    (x, b) => tf.sigmoid(tf.mul(b, x)),
  );
}

// ---- Host forms: the same Lagrangians on host arrays (the lean step on cpu and wasm) ----

/** `log cosh z` without overflow. */
const logCoshOf = (z: number) => {
  const a = Math.abs(z);
  return a + Math.log1p(Math.exp(-2 * a)) - LOG2;
};
/** `log(1 + e^z)` without overflow. */
const softplusOf = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

/**
 * Elementwise Lagrangians: `L = Σ f(x)`, `x̂ = f′(x)`. The adjoint: `∇²L(x) w = f″(x) ⊙ w`, and for
 * β, `w · ∂x̂/∂β`; both are given in terms of x and x̂ (`f″` from the activation, as in `1 − x̂²`).
 */
function hostElementwise(
  kind: HostLagrangian['kind'],
  f: (x: number, beta: number) => number,
  df: (x: number, beta: number) => number,
  usesBeta: boolean,
  d2f: (x: number, xhat: number, beta: number) => number,
  dfdBeta?: (x: number, xhat: number, beta: number) => number,
  /** A fused loop computing x̂ and L together with fewer transcendental calls (tested against f and df). */
  fused?: HostLagrangian['run'],
): HostLagrangian {
  const betaOf = (p: ParamValues) => (usesBeta ? scalarOf(p, 'beta') : 1);
  return {
    kind,
    run: fused ?? ((x, xhat, L, B, n, p) => {
      const beta = betaOf(p);
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let i = b * n, end = i + n; i < end; i++) {
          const v = x[i]!;
          xhat[i] = df(v, beta);
          s += f(v, beta);
        }
        L[b] = s;
      }
    }),
    adjoint: {
      params: dfdBeta ? ['beta'] : [],
      hvp: (x, xhat, w, out, B, n, p) => {
        const beta = betaOf(p);
        for (let i = 0, end = B * n; i < end; i++) out[i] = d2f(x[i]!, xhat[i]!, beta) * w[i]!;
      },
      ...(dfdBeta
        ? {
            paramVjp: (x: Float32Array, xhat: Float32Array, w: Float32Array, B: number, n: number, p: ParamValues, d: ParamGrads) => {
              const dBeta = d['beta'];
              if (!dBeta) return;
              const beta = betaOf(p);
              let s = 0;
              for (let i = 0, end = B * n; i < end; i++) s += dfdBeta(x[i]!, xhat[i]!, beta) * w[i]!;
              dBeta[0]! += s;
            },
          }
        : {}),
    },
  };
}

/** Rectified power, `x̂ = max(x, 0)ⁿ⁻¹`: `∇²L = (n − 1) max(x, 0)ⁿ⁻² ` (0 where x ≤ 0). */
function hostRepu(n: number): HostLagrangian {
  // L = (1/n) Σ max(x,0)ⁿ, x̂ = max(x,0)ⁿ⁻¹
  if (n === 2) {
    // relu: one loop with no calls in it (the common case); ∇²L w = [x > 0] w
    return {
      kind: 'repu',
      run: (x, xhat, L, B, size) => {
        for (let b = 0; b < B; b++) {
          let s = 0;
          for (let i = b * size, end = i + size; i < end; i++) {
            const v = x[i]! > 0 ? x[i]! : 0;
            xhat[i] = v;
            s += v * v;
          }
          L[b] = 0.5 * s;
        }
      },
      adjoint: {
        params: [],
        hvp: (x, _xhat, w, out, B, size) => {
          for (let i = 0, end = B * size; i < end; i++) out[i] = x[i]! > 0 ? w[i]! : 0;
        },
      },
    };
  }
  return hostElementwise(
    'repu',
    (x) => (x > 0 ? x ** n / n : 0),
    (x) => (x > 0 ? x ** (n - 1) : 0),
    false,
    (x) => (x > 0 ? (n - 1) * x ** (n - 2) : 0),
  );
}

// tanh, fused: x̂ and log cosh per entry with one exp and one log (kernels' tanhRows, in C inside the
// OpenBLAS addon where it is loaded; its JavaScript twin jsTanhRows otherwise and for small layers).
const tanhRun: HostLagrangian['run'] = (x, xhat, L, B, n, p, k) =>
  (B * n > SMALL_ROWS ? k.tanhRows : jsTanhRows)(x, xhat, 0, B, n, scalarOf(p, 'beta'), L, 0, 1);

// sigmoid, fused: with e = exp(−β|x|), σ(βx) = 1/(1 + e) for x ≥ 0 (e/(1 + e) below) and
// softplus(βx) = max(βx, 0) + log1p(e): two calls per entry instead of three.
const sigmoidRun: HostLagrangian['run'] = (x, xhat, L, B, n, p) => {
  const beta = scalarOf(p, 'beta');
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = b * n, end = i + n; i < end; i++) {
      const z = beta * x[i]!, e = Math.exp(-Math.abs(z)), r = 1 / (1 + e);
      xhat[i] = z >= 0 ? r : e * r;
      s += (z > 0 ? z : 0) + Math.log1p(e);
    }
    L[b] = s / beta;
  }
};

/** The host forms of the elementwise built-ins (host/forms.ts picks one by spec). */
export const elementwiseHost = {
  // L = ½ Σ x², x̂ = x, ∇²L = I
  identity: (): HostLagrangian => ({
    kind: 'identity',
    isIdentity: true,
    run: (x, _xhat, L, B, n, _p, k) => {
      L.fill(0, 0, B);
      (B * n > SMALL_ROWS ? k.dotRows : jsDotRows)(x, 0, x, 0, B, n, L, 0, 0.5);
    },
    adjoint: { params: [], hvp: (_x, _xhat, w, out) => out.set(w) },
  }),
  relu: (): HostLagrangian => ({ ...hostRepu(2), kind: 'relu' }),
  repu: (n: number): HostLagrangian => hostRepu(n),
  // x̂ = e^{βx}: ∇²L = β x̂, ∂x̂/∂β = x x̂
  exp: (): HostLagrangian =>
    hostElementwise('exp', (x, b) => Math.exp(b * x) / b, (x, b) => Math.exp(b * x), true, (_x, e, b) => b * e, (x, e) => x * e),
  // x̂ = e^{β max(x,0)} − 1: ∇²L = β (x̂ + 1) [x > 0], ∂x̂/∂β = max(x,0) (x̂ + 1)
  rexp: (): HostLagrangian =>
    hostElementwise('rexp', (x, b) => {
      const r = Math.max(x, 0);
      return Math.exp(b * r) / b - r;
    }, (x, b) => Math.exp(b * Math.max(x, 0)) - 1, true, (x, e, b) => (x > 0 ? b * (e + 1) : 0), (x, e) => (x > 0 ? x * (e + 1) : 0)),
  // x̂ = tanh(βx): ∇²L = β (1 − x̂²), ∂x̂/∂β = x (1 − x̂²)
  tanh: (): HostLagrangian =>
    hostElementwise('tanh', (x, b) => logCoshOf(b * x) / b, (x, b) => Math.tanh(b * x), true, (_x, t, b) => b * (1 - t * t), (x, t) => x * (1 - t * t), tanhRun),
  // x̂ = σ(βx): ∇²L = β x̂ (1 − x̂), ∂x̂/∂β = x x̂ (1 − x̂)
  sigmoid: (): HostLagrangian =>
    hostElementwise('sigmoid', (x, b) => softplusOf(b * x) / b, (x, b) => 1 / (1 + Math.exp(-b * x)), true, (_x, s, b) => b * s * (1 - s), (x, s) => x * s * (1 - s), sigmoidRun),
};

// ---- WGSL forms: the same activations and Lagrangians in the fused webgpu step (gpu/forms.ts picks one by spec) ----

/** tanh(z) as `sign(z) (1 − e^{−2|z|}) / (1 + e^{−2|z|})`: finite for every z (some drivers' `tanh` overflows to NaN past |z| ≈ 44, as tfjs's webgpu kernels note). */
const tanhCode = (z: string) => `(sign(${z}) * (1.0 - exp(-2.0 * abs(${z}))) / (1.0 + exp(-2.0 * abs(${z}))))`;

export const elementwiseGpu = {
  // L = ½ Σ x², x̂ = x
  identity: (): GpuLagrangian => ({ kind: 'identity', inline: { key: 'identity', params: [], activation: (x) => x, energy: (x) => `(0.5 * ${x} * ${x})` } }),
  // L = (1/β) Σ log cosh(βx), x̂ = tanh(βx); x̂x − L with log cosh z = |z| + log(1 + e^{−2|z|}) − log 2 (no overflow)
  tanh: (): GpuLagrangian => ({
    kind: 'tanh',
    inline: {
      key: 'tanh',
      params: ['beta'],
      activation: (x, [b]) => tanhCode(`${b} * ${x}`),
      energy: (x, [b]) => `(${tanhCode(`${b} * ${x}`)} * ${x} - (abs(${b} * ${x}) + log(1.0 + exp(-2.0 * abs(${b} * ${x}))) - 0.6931471805599453) / ${b})`,
    },
  }),
  // L = Σ r(x)ⁿ/n with r = max(x, 0), x̂ = rⁿ⁻¹; x̂x − L = rⁿ (1 − 1/n) (relu: n = 2)
  repu: (kind: 'relu' | 'repu', n: number): GpuLagrangian => ({
    kind,
    inline: {
      key: `repu${n}`,
      params: [],
      activation: (x) => powerCode(`max(${x}, 0.0)`, n - 1),
      energy: (x) => `(${powerCode(`max(${x}, 0.0)`, n)} * ${(1 - 1 / n).toPrecision(9)})`,
    },
  }),
  // L = (1/β) Σ e^{βx}, x̂ = e^{βx}
  exp: (): GpuLagrangian => ({
    kind: 'exp',
    inline: { key: 'exp', params: ['beta'], activation: (x, [b]) => `exp(${b} * ${x})`, energy: (x, [b]) => `(exp(${b} * ${x}) * (${x} - 1.0 / ${b}))` },
  }),
  // L = Σ (e^{βr}/β − r) with r = max(x, 0), x̂ = e^{βr} − 1
  rexp: (): GpuLagrangian => ({
    kind: 'rexp',
    inline: {
      key: 'rexp',
      params: ['beta'],
      activation: (x, [b]) => `(exp(${b} * max(${x}, 0.0)) - 1.0)`,
      energy: (x, [b]) => `((exp(${b} * max(${x}, 0.0)) - 1.0) * ${x} - exp(${b} * max(${x}, 0.0)) / ${b} + max(${x}, 0.0))`,
    },
  }),
  // L = (1/β) Σ softplus(βx), x̂ = σ(βx); softplus z = max(z, 0) + log(1 + e^{−|z|}) (no overflow)
  sigmoid: (): GpuLagrangian => ({
    kind: 'sigmoid',
    inline: {
      key: 'sigmoid',
      params: ['beta'],
      activation: (x, [b]) => `(1.0 / (1.0 + exp(-${b} * ${x})))`,
      energy: (x, [b]) => `(${x} / (1.0 + exp(-${b} * ${x})) - (max(${b} * ${x}, 0.0) + log(1.0 + exp(-abs(${b} * ${x})))) / ${b})`,
    },
  }),
};
