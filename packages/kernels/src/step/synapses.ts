import type { BuiltinSynapseSpec } from '@hamux-ts/core';
import type { Gemm } from '../gemm.js';
import type { ParamValues } from './lagrangians.js';
import { jsDenseRows, jsReluSquaredRows, SMALL_ROWS, type RowRoutines } from './row-kernels.js';

/**
 * Closed forms of the built-in hypersynapses on host arrays: each adds its energy per sample to
 * `E` and its `∂E_syn/∂x̂` to the gradient buffers of the layers it connects, sharing the
 * products between the two (the energy of a memory and its signal both start from `ξ x̂`). They
 * mirror @hamux-ts/core/synapses (math.md §2); test/lean-step.test.ts holds them to autodiff.
 */
export interface LeanSynapse {
  readonly kind: BuiltinSynapseSpec['kind'];
  /** Scratch floats it needs for a batch of B. */
  scratch(B: number): number;
  /** Rows of log-sum-exp scratch (float64) it needs for a batch of B. */
  lseRows?(B: number): number;
  run(ctx: SynapseContext): void;
}

export interface SynapseContext {
  readonly gemm: Gemm;
  /** The gemm's row routines (native where it has them, else JavaScript). */
  readonly k: RowRoutines;
  readonly B: number;
  /** x̂ of each connected layer, `[B, size]`. */
  readonly xhat: readonly Float32Array[];
  /** ∂E/∂x̂ accumulators of each connected layer (the same array twice for a self-connection). */
  readonly grad: readonly Float32Array[];
  /** Energy per sample, accumulated in float64. */
  readonly E: Float64Array;
  readonly p: ParamValues;
  readonly work: Float32Array;
  readonly lse: Float64Array;
}

const scalar = (p: ParamValues, name: string) => p[name]![0]!;
const NO_BIAS = new Float32Array(0);

/**
 * E = −x̂₁ᵀ W x̂₂ (− b·x̂₂ with a bias); W is [d1, d2]. R rows per sample: 1 when both layers are
 * flattened, the tokens with `perToken` (one W, and one b, shared by every token).
 */
function dense(d1: number, d2: number, withBias: boolean, R: number): LeanSynapse {
  return {
    kind: withBias ? 'denseBias' : 'dense',
    scratch: (B) => B * R * d2,
    run: ({ gemm, k, B, xhat: [a, c], grad: [ga, gc], E, p, work }) => {
      const W = p['W']!, bias = withBias ? p['b']! : NO_BIAS;
      const rows = B * R;
      // P = x̂₁ W; E −= Σ (P + b) ⊙ x̂₂; ∂/∂x̂₂ −= P + b; ∂/∂x̂₁ −= x̂₂ Wᵀ
      gemm.sgemm(false, false, rows, d2, d1, 1, a!, 0, d1, W, 0, d2, 0, work, 0, d2, 1, 0, 0, 0);
      (rows * d2 > SMALL_ROWS ? k.denseRows : jsDenseRows)(work, c!, gc!, rows, d2, bias, E, 0, R);
      gemm.sgemm(false, true, rows, d1, d2, -1, c!, 0, d2, W, 0, d2, 1, ga!, 0, d1, 1, 0, 0, 0);
    },
  };
}

/** E = −b·x̂. */
function bias(n: number): LeanSynapse {
  return {
    kind: 'bias',
    scratch: () => 0,
    run: ({ B, xhat: [x], grad: [g], E, p }) => {
      const b = p['b']!;
      for (let s = 0; s < B; s++) {
        let e = 0;
        for (let j = 0, o = s * n; j < n; j++, o++) {
          e += b[j]! * x![o]!;
          g![o]! -= b[j]!;
        }
        E[s]! -= e;
      }
    },
  };
}

/**
 * Dense memories on rows of D features (R rows per sample: 1 when flattened, the tokens when per
 * token): overlaps `H = x̂ ξᵀ` (rows × K), then per row an energy and weights `F′(H)`, and the
 * signal `−F′(H) ξ`. `row` turns one row of overlaps into its weights, in place, and returns its energy.
 */
function memory(kind: LeanSynapse['kind'], D: number, R: number, K: number, row: ((h: Float32Array, o: number, K: number, p: ParamValues) => number) | 'softmax' | 'reluSquared'): LeanSynapse {
  return {
    kind,
    scratch: (B) => B * R * K,
    lseRows: (B) => B * R,
    run: ({ gemm, k, B, xhat: [x], grad: [g], E, p, work, lse }) => {
      const xi = p['xi']!;
      const rowsN = B * R;
      gemm.sgemm(false, true, rowsN, K, D, 1, x!, 0, D, xi, 0, D, 0, work, 0, K, 1, 0, 0, 0);
      if (row === 'softmax') {
        // modern Hopfield: E = −(1/β) log Σ e^{βh} per row, weights softmax(βh)
        const beta = scalar(p, 'beta');
        gemm.softmax(work, 0, rowsN, K, beta, lse, 0, 0);
        for (let s = 0; s < B; s++) {
          let e = 0;
          for (let r = s * R; r < (s + 1) * R; r++) e += lse[r]!;
          E[s]! -= e / beta;
        }
      } else if (row === 'reluSquared') {
        // E += −½ Σ max(h, 0)² per sample, weights max(h, 0)
        (rowsN * K > SMALL_ROWS ? k.reluSquaredRows : jsReluSquaredRows)(work, 0, rowsN, K, E, 0, R);
      } else {
        for (let s = 0; s < B; s++) {
          let e = 0;
          for (let r = 0; r < R; r++) e += row(work, (s * R + r) * K, K, p);
          E[s]! += e;
        }
      }
      gemm.sgemm(false, false, rowsN, D, K, -1, work, 0, K, xi, 0, D, 1, g!, 0, D, 1, 0, 0, 0);
    },
  };
}

// −(1/β) Σ e^{βh}; weights e^{βh}
const exponentialRow = (h: Float32Array, o: number, K: number, p: ParamValues) => {
  const beta = scalar(p, 'beta');
  let e = 0;
  for (let k = o; k < o + K; k++) {
    const v = Math.exp(beta * h[k]!);
    h[k] = v;
    e += v;
  }
  return -e / beta;
};

// −(1/n) Σ base(h)ⁿ; weights base(h)ⁿ⁻¹ (base = h, or max(h, 0) when rectified)
const polynomialRow = (n: number, rectified: boolean) => (h: Float32Array, o: number, K: number) => {
  let e = 0;
  for (let k = o; k < o + K; k++) {
    const v = h[k]!;
    if (rectified && v <= 0) {
      h[k] = 0;
      continue;
    }
    e += v ** n;
    h[k] = n === 1 ? 1 : v ** (n - 1);
  }
  return -e / n;
};

/**
 * Energy attention on tokens [N, D] with H heads of width Y (Wᴷ, Wᵠ of shape [H, Y, D]):
 * K = x̂ Wᴷᵀ, Q = x̂ Wᵠᵀ per head; per sample and head, scores S = β Q Kᵀ, A = softmax over keys
 * (the diagonal left out when self is masked), E = −(1/β) Σ_C log Σ_B e^{S}, and
 * ∂E/∂x̂ = −(A K) Wᵠ − (Aᵀ Q) Wᴷ. Everything per head is laid out head-major, [H, B, N, Y], so that
 * each stage is one batched product over all H·B (head, sample) pairs.
 */
function energyAttention(N: number, D: number, H: number, Y: number, maskSelf: boolean): LeanSynapse {
  const HY = H * Y;
  return {
    kind: 'energyAttention',
    scratch: (B) => 5 * B * N * HY + B * H * N * N,
    lseRows: (B) => H * B * N,
    run: ({ gemm, k, B, xhat: [x], grad: [g], E, p, work, lse }) => {
      const Wk = p['Wk']!, Wq = p['Wq']!, beta = scalar(p, 'beta');
      const BN = B * N, size = BN * HY, NY = N * Y, NN = N * N, HB = H * B;
      const Kh = 0, Qh = size, dQh = 2 * size, dKh = 3 * size, T = 4 * size, S = 5 * size;
      // K_h = x̂ W_hᵀ for every head h: [B·N, Y] each, head after head
      gemm.sgemm(false, true, BN, Y, D, 1, x!, 0, D, Wk, 0, D, 0, work, Kh, Y, H, 0, Y * D, BN * Y);
      gemm.sgemm(false, true, BN, Y, D, 1, x!, 0, D, Wq, 0, D, 0, work, Qh, Y, H, 0, Y * D, BN * Y);
      gemm.sgemm(false, true, N, N, Y, beta, work, Qh, Y, work, Kh, Y, 0, work, S, N, HB, NY, NY, NN);
      gemm.softmax(work, S, HB * N, N, 1, lse, 0, maskSelf ? N : 0);
      for (let h = 0; h < H; h++) {
        for (let s = 0; s < B; s++) {
          let e = 0;
          for (let r = (h * B + s) * N, end = r + N; r < end; r++) e += lse[r]!;
          E[s]! -= e / beta;
        }
      }
      gemm.sgemm(false, false, N, Y, N, 1, work, S, N, work, Kh, Y, 0, work, dQh, Y, HB, NN, NY, NY);
      gemm.sgemm(true, false, N, Y, N, 1, work, S, N, work, Qh, Y, 0, work, dKh, Y, HB, NN, NY, NY);
      // [H, B·N, Y] → [B·N, H·Y], then ∂E/∂x̂ −= dQ Wᵠ (and dK Wᴷ), W as [H·Y, D]
      for (const [from, W] of [[dQh, Wq], [dKh, Wk]] as const) {
        // head h's [B·N, Y] block (from + h·B·N·Y, pitch Y) → columns h·Y.. of T (pitch H·Y)
        k.copyBlocks(work, from, Y, work, T, HY, BN, Y, H, BN * Y, Y);
        gemm.sgemm(false, false, BN, D, HY, -1, work, T, HY, W, 0, D, 1, g!, 0, D, 1, 0, 0, 0);
      }
    },
  };
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The lean form of a built-in synapse between layers of these shapes, or why there is none. */
export function leanSynapse(spec: BuiltinSynapseSpec, shapes: readonly (readonly number[])[]): LeanSynapse | string {
  // R rows of D features per sample: the whole layer, or its tokens
  const rowsOf = (s: readonly number[], perToken: boolean) => {
    const D = perToken ? s[s.length - 1]! : sizeOf(s);
    return { D, R: sizeOf(s) / D };
  };
  switch (spec.kind) {
    case 'dense':
    case 'denseBias': {
      const a = rowsOf(shapes[0]!, spec.perToken), b = rowsOf(shapes[1]!, spec.perToken);
      return dense(a.D, b.D, spec.kind === 'denseBias', a.R);
    }
    case 'bias':
      return bias(sizeOf(shapes[0]!));
    case 'modernHopfield': {
      const { D, R } = rowsOf(shapes[0]!, spec.perToken);
      return memory('modernHopfield', D, R, spec.memories, 'softmax');
    }
    case 'reluSquaredMemory': {
      const { D, R } = rowsOf(shapes[0]!, spec.perToken);
      return memory('reluSquaredMemory', D, R, spec.memories, 'reluSquared');
    }
    case 'exponentialMemory': {
      const { D, R } = rowsOf(shapes[0]!, spec.perToken);
      return memory('exponentialMemory', D, R, spec.memories, exponentialRow);
    }
    case 'polynomialMemory': {
      const { D, R } = rowsOf(shapes[0]!, spec.perToken);
      return memory('polynomialMemory', D, R, spec.memories, polynomialRow(spec.degree, spec.rectified));
    }
    case 'energyAttention': {
      const [N, D] = shapes[0] as [number, number];
      return energyAttention(N, D, spec.heads, spec.headDim, spec.maskSelf);
    }
    case 'conv2d':
    case 'avgPool':
      return `no lean form for the synapse "${spec.kind}"`;
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no lean form for the synapse "${(unknown as { kind: string }).kind}"`;
    }
  }
}
