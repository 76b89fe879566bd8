import type { BuiltinLagrangianSpec } from '@hamux-ts/core';
import { jsLayernormRows, SMALL_ROWS, type RowRoutines } from './row-kernels.js';

/**
 * Closed forms of the built-in Lagrangians on host arrays: the activation `x̂ = ∇L(x)` and the
 * value `L(x)` per sample, for a batch of B samples of n neurons each (`x` is `[B, n]` row-major).
 * Collective Lagrangians act on rows of D neurons (the layer's last axis). Each mirrors the tfjs
 * definition in @hamux-ts/core/lagrangians (math.md §1); test/lean-step.test.ts holds them to it.
 */
export interface LeanLagrangian {
  readonly kind: BuiltinLagrangianSpec['kind'];
  /** Writes x̂ into `xhat` and returns nothing; `L[b]` gets L of sample b. `k`: the row routines (native where the gemm has them). */
  run(x: Float32Array, xhat: Float32Array, L: Float64Array, B: number, n: number, p: ParamValues, k: RowRoutines): void;
  /** x̂ is x itself (identity): the lean step skips the copy. */
  readonly isIdentity?: boolean;
}

/** The Lagrangian's parameters as host arrays (a scalar is an array of one). */
export type ParamValues = Readonly<Record<string, Float32Array>>;

const LOG2 = Math.log(2);
/** `log cosh z` without overflow. */
const logCosh = (z: number) => {
  const a = Math.abs(z);
  return a + Math.log1p(Math.exp(-2 * a)) - LOG2;
};
/** `log(1 + e^z)` without overflow. */
const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

const scalar = (p: ParamValues, name: string) => p[name]![0]!;

/** Elementwise Lagrangians: `L = Σ f(x)`, `x̂ = f′(x)`. */
function elementwise(kind: LeanLagrangian['kind'], f: (x: number, beta: number) => number, df: (x: number, beta: number) => number, usesBeta: boolean): LeanLagrangian {
  return {
    kind,
    run: (x, xhat, L, B, n, p) => {
      const beta = usesBeta ? scalar(p, 'beta') : 1;
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let i = b * n, end = i + n; i < end; i++) {
          const v = x[i]!;
          xhat[i] = df(v, beta);
          s += f(v, beta);
        }
        L[b] = s;
      }
    },
  };
}

function repu(n: number): LeanLagrangian {
  // L = (1/n) Σ max(x,0)ⁿ, x̂ = max(x,0)ⁿ⁻¹
  if (n === 2) {
    // relu: one loop with no calls in it (the common case)
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
    };
  }
  return elementwise('repu', (x) => (x > 0 ? x ** n / n : 0), (x) => (x > 0 ? x ** (n - 1) : 0), false);
}

/** Row-wise Lagrangians along the last axis (rows of D): softmax, ghostmax, layer norm, spherical. */
function rows(kind: LeanLagrangian['kind'], row: (x: Float32Array, xhat: Float32Array, o: number, D: number, p: ParamValues) => number): (D: number) => LeanLagrangian {
  return (D) => ({
    kind,
    run: (x, xhat, L, B, n, p) => {
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let o = b * n, end = o + n; o < end; o += D) s += row(x, xhat, o, D, p);
        L[b] = s;
      }
    },
  });
}

// softmax: L = (1/β) log Σ e^{βx}, x̂ = softmax(βx), per row of D: the gemm's softmax rows on a copy
// of x, their log-sum-exps summed per sample (in place in L when a sample is one row)
const softmaxRow = (D: number): LeanLagrangian => {
  let lse = new Float64Array(0);
  return {
    kind: 'softmax',
    run: (x, xhat, L, B, n, p, k) => {
      const beta = scalar(p, 'beta'), R = n / D, rows = B * R;
      xhat.set(x);
      if (R === 1) {
        k.softmax(xhat, 0, rows, D, beta, L, 0, 0);
        for (let b = 0; b < B; b++) L[b]! /= beta;
        return;
      }
      if (lse.length < rows) lse = new Float64Array(rows);
      k.softmax(xhat, 0, rows, D, beta, lse, 0, 0);
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let r = b * R; r < (b + 1) * R; r++) s += lse[r]!;
        L[b] = s / beta;
      }
    },
  };
};

// ghostmax: L = log(1 + Σ e^x), x̂ = e^x / (1 + Σ e^x), shifted by m = max(0, max x)
const ghostmaxRow = rows('ghostmax', (x, xhat, o, D) => {
  let m = 0;
  for (let i = 0; i < D; i++) m = Math.max(m, x[o + i]!);
  let z = Math.exp(-m);
  for (let i = 0; i < D; i++) {
    const e = Math.exp(x[o + i]! - m);
    xhat[o + i] = e;
    z += e;
  }
  for (let i = 0; i < D; i++) xhat[o + i]! /= z;
  return m + Math.log(z);
});

// layer norm: L = D γ sd + Σ δx, x̂ = γ (x − x̄)/sd + δ, sd = sqrt(mean((x − x̄)²) + ε), per row of D
// (row-kernels.ts, or the addon's version of it)
const layernormRow = (eps: number) => (D: number): LeanLagrangian => ({
  kind: 'layernorm',
  run: (x, xhat, L, B, n, p, k) => {
    const count = (B * n) / D;
    (B * n > SMALL_ROWS ? k.layernormRows : jsLayernormRows)(x, xhat, 0, count, D, scalar(p, 'gamma'), p['delta']!, eps, L, 0, n / D);
  },
});

// spherical: L = γ sqrt(Σx² + ε) + Σ δx, x̂ = γ x / sqrt(Σx² + ε) + δ
const sphericalRow = (eps: number) =>
  rows('spherical', (x, xhat, o, D, p) => {
    const gamma = scalar(p, 'gamma'), delta = p['delta']!;
    let ss = 0, shift = 0;
    for (let i = 0; i < D; i++) {
      ss += x[o + i]! * x[o + i]!;
      shift += delta[i]! * x[o + i]!;
    }
    const norm = Math.sqrt(ss + eps);
    for (let i = 0; i < D; i++) xhat[o + i] = (gamma * x[o + i]!) / norm + delta[i]!;
    return gamma * norm + shift;
  });

/** The lean form of a built-in Lagrangian on a layer of this shape, or why there is none. */
export function leanLagrangian(spec: BuiltinLagrangianSpec, shape: readonly number[]): LeanLagrangian | string {
  const D = shape[shape.length - 1] ?? 1;
  // collective Lagrangians act on rows along the last axis only
  const lastAxis = (axis: number) => axis === -1 || axis === shape.length - 1;
  const offAxis = `${spec.kind} along an axis other than the last`;
  switch (spec.kind) {
    case 'identity':
      return {
        kind: 'identity',
        isIdentity: true,
        run: (x, _xhat, L, B, n) => {
          for (let b = 0; b < B; b++) {
            let s = 0;
            for (let i = b * n, end = i + n; i < end; i++) s += x[i]! * x[i]!;
            L[b] = 0.5 * s;
          }
        },
      };
    case 'relu':
      return { ...repu(2), kind: 'relu' };
    case 'repu':
      return repu(spec.n);
    case 'exp':
      return elementwise('exp', (x, b) => Math.exp(b * x) / b, (x, b) => Math.exp(b * x), true);
    case 'rexp':
      return elementwise('rexp', (x, b) => {
        const r = Math.max(x, 0);
        return Math.exp(b * r) / b - r;
      }, (x, b) => Math.exp(b * Math.max(x, 0)) - 1, true);
    case 'tanh':
      return elementwise('tanh', (x, b) => logCosh(b * x) / b, (x, b) => Math.tanh(b * x), true);
    case 'sigmoid':
      return elementwise('sigmoid', (x, b) => softplus(b * x) / b, (x, b) => 1 / (1 + Math.exp(-b * x)), true);
    case 'softmax':
      return lastAxis(spec.axis) ? softmaxRow(D) : offAxis;
    case 'ghostmax':
      return lastAxis(spec.axis) ? ghostmaxRow(D) : offAxis;
    case 'layernorm':
      return lastAxis(spec.axis) ? layernormRow(spec.eps)(D) : offAxis;
    case 'spherical':
      return lastAxis(spec.axis) ? sphericalRow(spec.eps)(D) : offAxis;
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no lean form for the Lagrangian "${(unknown as { kind: string }).kind}"`;
    }
  }
}
