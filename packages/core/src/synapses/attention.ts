import { tf, type Tensor } from '../tf.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { checkPositiveOption, normal, paramFromOption, type Init, type ParamOption, type TensorMap } from '../params.js';
import { formatShape } from '../shape.js';
import { learnableParam, positiveInteger } from './common.js';
import { scalarOf, type HostSynapse } from '../host/types.js';
import type { GpuProgram, GpuSum, GpuSynapse } from '../gpu/types.js';
import { entryProgram, projectedOf, reduceMaxCode, reduceSumCode, spread, workgroupRow } from '../gpu/products.js';

/** `[N, N]` with −∞ on the diagonal and 0 elsewhere. */
function selfMask(n: number): Tensor {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = -Infinity;
  return tf.tensor2d(m, [n, n]);
}

/** Options of `energyAttention`: heads, head size, β and self-masking. */
export interface AttentionOptions {
  /** Number of heads H. */
  heads: number;
  /** Width Y of each head's keys and queries. */
  headDim: number;
  /** Inverse temperature; default `1/sqrt(headDim)`. */
  beta?: ParamOption;
  /** Leave each token out of its own attention (`B ≠ C` in the energy); default false. */
  maskSelf?: boolean;
  /** Initialisers of Wᴷ and Wᵠ (`[H, Y, D]`); default normal with std 0.02. */
  init?: {
    /** Initialiser of the keys' weights Wᴷ. */
    Wk?: Init;
    /** Initialiser of the queries' weights Wᵠ. */
    Wq?: Init;
  };
}

/**
 * Energy attention of the Energy Transformer (Hoover et al. 2023) on a layer of tokens `[N, D]`:
 * `E = −(1/β) Σ_h Σ_C log Σ_B exp(β Σ_α K_{hαB} Q_{hαC})`, with `K = Wᴷ x̂`, `Q = Wᵠ x̂`.
 */
export function energyAttention(options: AttentionOptions): Hypersynapse {
  const heads = positiveInteger('energyAttention', 'heads', options.heads);
  const headDim = positiveInteger('energyAttention', 'headDim', options.headDim);
  const maskSelf = options.maskSelf ?? false;
  checkPositiveOption('energyAttention', 'beta', options.beta);
  const defaultBeta = 1 / Math.sqrt(headDim);

  /** `[B, N, D]` → `[B, H, N, Y]`. */
  const project = (x: Tensor, W: Tensor): Tensor => {
    const [batch, n, d] = x.shape as [number, number, number];
    const flat = tf.matMul(tf.reshape(x, [batch * n, d]), tf.reshape(W, [heads * headDim, d]), false, true);
    return tf.transpose(tf.reshape(flat, [batch, n, heads, headDim]), [0, 2, 1, 3]);
  };

  /** The transpose of `project`: `[B, H, N, Y]` → `[B, N, D]`. */
  const unproject = (g: Tensor, W: Tensor): Tensor => {
    const [batch, , n] = g.shape as [number, number, number, number];
    const d = W.shape[2]!;
    const rows = tf.reshape(tf.transpose(g, [0, 2, 1, 3]), [batch * n, heads * headDim]);
    return tf.reshape(tf.matMul(rows, tf.reshape(W, [heads * headDim, d])), [batch, n, d]);
  };

  /** `β Q Kᵀ` per head, `[B, H, C (query), B (key)]`, with −∞ on the diagonal when self is masked. */
  const scores = (x: Tensor, p: TensorMap) => {
    const K = project(x, p['Wk']!);
    const Q = project(x, p['Wq']!);
    let s = tf.mul(p['beta']!, tf.matMul(Q, K, false, true));
    if (maskSelf) s = tf.add(s, selfMask(x.shape[1]!)); // −∞ on the diagonal drops B = C
    return { K, Q, s };
  };

  return {
    kind: 'energyAttention',
    arity: 1,
    options: { heads, headDim, beta: options.beta ?? defaultBeta, maskSelf },
    builtin: { kind: 'energyAttention', heads, headDim, maskSelf },
    check: ([s]) => {
      if (s!.length !== 2) return `needs a layer of tokens [N, D], got ${formatShape(s!)}`;
      if (maskSelf && s![0]! < 2) return `maskSelf needs at least 2 tokens, got ${formatShape(s!)}`;
      return undefined;
    },
    params: ([s]) => {
      const shape = [heads, headDim, s![1]!];
      return {
        Wk: learnableParam(shape, options.init?.Wk, normal(0.02)),
        Wq: learnableParam(shape, options.init?.Wq, normal(0.02)),
        beta: paramFromOption(options.beta, defaultBeta, []),
      };
    },
    energy: ([x], p) => {
      const { s } = scores(x!, p);
      return tf.neg(tf.div(tf.sum(tf.logSumExp(s, 3), [1, 2]), p['beta']!));
    },
    // With A = softmax over keys of the scores: ∂E/∂Q = −A K and ∂E/∂K = −Aᵀ Q, carried back to x̂
    // through Wᵠ and Wᴷ. Besides saving a backward pass, this closed form is what makes training
    // through the dynamics possible: tfjs cannot differentiate the autodiff signal of logSumExp
    // (its max has no second derivative registered), but it can differentiate softmax and matMul.
    dEdxhat: ([x], p) => {
      const { K, Q, s } = scores(x!, p);
      const A = tf.softmax(s); // [B, H, C, B]
      const dQ = tf.neg(tf.matMul(A, K)); // [B, H, C, Y]
      const dK = tf.neg(tf.matMul(A, Q, true, false)); // [B, H, B, Y]
      return [tf.add(unproject(dQ, p['Wq']!), unproject(dK, p['Wk']!))];
    },
  };
}

// ---- Host form: the same energy and signal on host arrays (the lean step on cpu and wasm) ----

/**
 * Energy attention on tokens [N, D] with H heads of width Y (Wᴷ, Wᵠ of shape [H, Y, D]):
 * K = x̂ Wᴷᵀ, Q = x̂ Wᵠᵀ per head; per sample and head, scores S = β Q Kᵀ, A = softmax over keys
 * (the diagonal left out when self is masked), E = −(1/β) Σ_C log Σ_B e^{S}, and
 * ∂E/∂x̂ = −(A K) Wᵠ − (Aᵀ Q) Wᴷ. Everything per head is laid out head-major, [H, B, N, Y], so that
 * each stage is one batched product over all H·B (head, sample) pairs.
 *
 * Adjoint for a direction v, with K̇ = v Wᴷᵀ, Q̇ = v Wᵠᵀ: `f = ∇E · v = −⟨A, M⟩`, `M = Q̇ Kᵀ + Q K̇ᵀ`
 * per head and sample. Its gradient with respect to the scores is `G = −A ⊙ (M − rowsum(A ⊙ M))`
 * (softmax's transpose), so `∂f/∂Q = −A K̇ + β G K`, `∂f/∂K = −Aᵀ Q̇ + β Gᵀ Q`, `∂f/∂Q̇ = −A K`,
 * `∂f/∂K̇ = −Aᵀ Q`, `∂f/∂β = ⟨G K, Q⟩`; then `∇²E · v = (∂f/∂Q) Wᵠ + (∂f/∂K) Wᴷ` and
 * `∂f/∂Wᵠ_h = (∂f/∂Q_h)ᵀ x̂ + (∂f/∂Q̇_h)ᵀ v` (Wᴷ alike). The forward keeps K, Q and A.
 */
function hostEnergyAttention(N: number, D: number, H: number, Y: number, maskSelf: boolean): HostSynapse {
  const HY = H * Y;
  return {
    kind: 'energyAttention',
    scratch: (B) => 5 * B * N * HY + B * H * N * N,
    lseRows: (B) => H * B * N,
    run: ({ gemm, k, B, xhat: [x], grad: [g], E, p, work, lse, save }) => {
      const Wk = p['Wk']!, Wq = p['Wq']!, beta = scalarOf(p, 'beta');
      const BN = B * N, size = BN * HY, NY = N * Y, NN = N * N, HB = H * B;
      const Kh = 0, Qh = size, dQh = 2 * size, dKh = 3 * size, T = 4 * size, S = 5 * size;
      // K_h = x̂ W_hᵀ for every head h: [B·N, Y] each, head after head
      gemm.sgemm(false, true, BN, Y, D, 1, x!, 0, D, Wk, 0, D, 0, work, Kh, Y, H, 0, Y * D, BN * Y);
      gemm.sgemm(false, true, BN, Y, D, 1, x!, 0, D, Wq, 0, D, 0, work, Qh, Y, H, 0, Y * D, BN * Y);
      gemm.sgemm(false, true, N, N, Y, beta, work, Qh, Y, work, Kh, Y, 0, work, S, N, HB, NY, NY, NN);
      gemm.softmax(work, S, HB * N, N, 1, lse, 0, maskSelf ? N : 0);
      if (save) {
        save.set(work.subarray(Kh, Qh + size)); // K, Q
        save.set(work.subarray(S, S + HB * NN), 2 * size); // A
      }
      for (let h = 0; h < H; h++) {
        for (let s = 0; s < B; s++) {
          let e = 0;
          for (let r = (h * B + s) * N, end = r + N; r < end; r++) e += lse[r]!;
          E[s]! -= e / beta;
        }
      }
      if (!g) return; // nobody reads this layer's signal
      gemm.sgemm(false, false, N, Y, N, 1, work, S, N, work, Kh, Y, 0, work, dQh, Y, HB, NN, NY, NY);
      gemm.sgemm(true, false, N, Y, N, 1, work, S, N, work, Qh, Y, 0, work, dKh, Y, HB, NN, NY, NY);
      // [H, B·N, Y] → [B·N, H·Y], then ∂E/∂x̂ −= dQ Wᵠ (and dK Wᴷ), W as [H·Y, D]
      for (const [from, W] of [[dQh, Wq], [dKh, Wk]] as const) {
        // head h's [B·N, Y] block (from + h·B·N·Y, pitch Y) → columns h·Y.. of T (pitch H·Y)
        k.copyBlocks(work, from, Y, work, T, HY, BN, Y, H, BN * Y, Y);
        gemm.sgemm(false, false, BN, D, HY, -1, work, T, HY, W, 0, D, 1, g, 0, D, 1, 0, 0, 0);
      }
    },
    adjoint: {
      saved: (B) => 2 * B * N * HY + H * B * N * N,
      scratch: (B) => 7 * B * N * HY + H * B * N * N,
      params: ['Wk', 'Wq', 'beta'],
      run: ({ gemm, k, B, xhat: [x], v: [v], hv: [hv], p, d, saved, work }) => {
        if (!v) return; // a zero direction adds nothing
        const Wk = p['Wk']!, Wq = p['Wq']!, beta = scalarOf(p, 'beta');
        const BN = B * N, size = BN * HY, NY = N * Y, NN = N * N, HB = H * B;
        // saved: K, Q [H, B·N, Y], A [H·B, N, N]; scratch: K̇, Q̇, ∂f/∂Q, ∂f/∂K, A K, Aᵀ Q, T, G
        const K = 0, Q = size, A = 2 * size;
        const Kd = 0, Qd = size, PQ = 2 * size, PK = 3 * size, AK = 4 * size, AtQ = 5 * size, T = 6 * size, G = 7 * size;
        gemm.sgemm(false, true, BN, Y, D, 1, v, 0, D, Wk, 0, D, 0, work, Kd, Y, H, 0, Y * D, BN * Y);
        gemm.sgemm(false, true, BN, Y, D, 1, v, 0, D, Wq, 0, D, 0, work, Qd, Y, H, 0, Y * D, BN * Y);
        // M = Q̇ Kᵀ + Q K̇ᵀ, then G = −A ⊙ (M − rowsum(A ⊙ M)) in place
        gemm.sgemm(false, true, N, N, Y, 1, work, Qd, Y, saved, K, Y, 0, work, G, N, HB, NY, NY, NN);
        gemm.sgemm(false, true, N, N, Y, 1, saved, Q, Y, work, Kd, Y, 1, work, G, N, HB, NY, NY, NN);
        for (let o = 0, end = HB * NN; o < end; o += N) {
          let am = 0;
          for (let i = 0; i < N; i++) am += saved[A + o + i]! * work[G + o + i]!;
          for (let i = 0; i < N; i++) work[G + o + i] = -saved[A + o + i]! * (work[G + o + i]! - am);
        }
        // ∂f/∂Q = −A K̇ + β G K (with ∂f/∂β = ⟨G K, Q⟩ on the way), ∂f/∂K = −Aᵀ Q̇ + β Gᵀ Q
        gemm.sgemm(false, false, N, Y, N, 1, work, G, N, saved, K, Y, 0, work, PQ, Y, HB, NN, NY, NY);
        const dBeta = d['beta'];
        if (dBeta) {
          let s = 0;
          for (let i = 0; i < size; i++) s += work[PQ + i]! * saved[Q + i]!;
          dBeta[0]! += s;
        }
        gemm.sgemm(false, false, N, Y, N, -1, saved, A, N, work, Kd, Y, beta, work, PQ, Y, HB, NN, NY, NY);
        gemm.sgemm(true, false, N, Y, N, beta, work, G, N, saved, Q, Y, 0, work, PK, Y, HB, NN, NY, NY);
        gemm.sgemm(true, false, N, Y, N, -1, saved, A, N, work, Qd, Y, 1, work, PK, Y, HB, NN, NY, NY);
        // ∇²E · v = (∂f/∂Q) Wᵠ + (∂f/∂K) Wᴷ, through [B·N, H·Y] as in the forward
        if (hv) {
          for (const [from, W] of [[PQ, Wq], [PK, Wk]] as const) {
            k.copyBlocks(work, from, Y, work, T, HY, BN, Y, H, BN * Y, Y);
            gemm.sgemm(false, false, BN, D, HY, 1, work, T, HY, W, 0, D, 1, hv, 0, D, 1, 0, 0, 0);
          }
        }
        // ∂f/∂W_h = (∂f/∂P_h)ᵀ x̂ + (∂f/∂Ṗ_h)ᵀ v for P = Q, K, with ∂f/∂Q̇ = −A K and ∂f/∂K̇ = −Aᵀ Q
        const dWq = d['Wq'], dWk = d['Wk'];
        if (dWq) {
          gemm.sgemm(false, false, N, Y, N, 1, saved, A, N, saved, K, Y, 0, work, AK, Y, HB, NN, NY, NY);
          gemm.sgemm(true, false, Y, D, BN, 1, work, PQ, Y, x!, 0, D, 1, dWq, 0, D, H, BN * Y, 0, Y * D);
          gemm.sgemm(true, false, Y, D, BN, -1, work, AK, Y, v, 0, D, 1, dWq, 0, D, H, BN * Y, 0, Y * D);
        }
        if (dWk) {
          gemm.sgemm(true, false, N, Y, N, 1, saved, A, N, saved, Q, Y, 0, work, AtQ, Y, HB, NN, NY, NY);
          gemm.sgemm(true, false, Y, D, BN, 1, work, PK, Y, x!, 0, D, 1, dWk, 0, D, H, BN * Y, 0, Y * D);
          gemm.sgemm(true, false, Y, D, BN, -1, work, AtQ, Y, v, 0, D, 1, dWk, 0, D, H, BN * Y, 0, Y * D);
        }
      },
    },
  };
}

/** The host form of energy attention on N tokens of D features, H heads of width Y (host/forms.ts picks it by spec). */
export const attentionHost = {
  energyAttention: (N: number, D: number, H: number, Y: number, maskSelf: boolean): HostSynapse => hostEnergyAttention(N, D, H, Y, maskSelf),
};

// ---- WGSL form: the same energy and signal in the fused webgpu step (gpu/forms.ts picks it by spec) ----

/** Invocations per row of scores. */
const SCORE_GROUP = 64;

/**
 * Per sample b, head h and query C (one workgroup each, `(b·H + h)·N + C`): the scores
 * `β Q_C · K_B` over the N keys B (B = C left out when self is masked), A = their softmax, and the
 * row's energy `−(1/β) log Σ_B e^{scores}`. Inputs `kq` (`[B·N, 2HY]` from entry `kqOffset`, K then Q
 * per token, head after head) and `betas` `[1]`; output A (`[B·H·N·N]`, rows of N keys) then the B·H·N energies.
 */
function attentionScoresProgram(B: number, N: number, H: number, Y: number, maskSelf: boolean, kqOffset: number): GpuProgram {
  const HY = H * Y, rows = B * H * N;
  const keep = (k: string) => (maskSelf ? `${k} != C` : 'true');
  return {
    variableNames: ['kq', 'betas'],
    outputShape: [rows * N + rows],
    shaderKey: `hamuxAttentionScores_${N}_${H}_${Y}_${maskSelf}_${B}_${kqOffset}`, // B is baked in
    dispatchLayout: { x: [0] },
    dispatch: spread(rows),
    workgroupSize: [SCORE_GROUP, 1, 1],
    getUserCode: () => `
      var<workgroup> red : array<f32, ${SCORE_GROUP}>;
      fn main(index : i32) {
        let row = ${workgroupRow(rows)};
        let tid = i32(localId.x);
        let C = row % ${N};
        let h = (row / ${N}) % ${H};
        let b = row / ${N * H};
        let beta = betas[0];
        let q0 = ${kqOffset} + (b * ${N} + C) * ${2 * HY} + ${HY} + h * ${Y};
        var m = -3.402823e+38;
        for (var k = tid; k < ${N}; k = k + ${SCORE_GROUP}) {
          let k0 = ${kqOffset} + (b * ${N} + k) * ${2 * HY} + h * ${Y};
          var dot = 0.0;
          for (var y = 0; y < ${Y}; y = y + 1) { dot = dot + kq[q0 + y] * kq[k0 + y]; }
          result[row * ${N} + k] = beta * dot;
          if (${keep('k')}) { m = max(m, beta * dot); }
        }
        red[tid] = m;${reduceMaxCode(SCORE_GROUP)}
        let mx = red[0];
        workgroupBarrier();
        var sum = 0.0;
        for (var k = tid; k < ${N}; k = k + ${SCORE_GROUP}) { if (${keep('k')}) { sum = sum + exp(result[row * ${N} + k] - mx); } }
        red[tid] = sum;${reduceSumCode(SCORE_GROUP)}
        let lse = mx + log(red[0]);
        for (var k = tid; k < ${N}; k = k + ${SCORE_GROUP}) { result[row * ${N} + k] = select(0.0, exp(result[row * ${N} + k] - lse), ${keep('k')}); }
        // (reads a uniform: tfjs binds the uniforms, and a layout made from the code must have them)
        if (tid == 0 && row < uniforms.outShape) { result[${rows * N} + row] = -lse / beta; }
      }`,
  };
}

/**
 * `P = [Aᵀ Q | A K]` (`[B·N, 2HY]`, per head): for token n, `Σ_C A_{Cn} Q_C` then `Σ_B A_{nB} K_B`,
 * laid out as `[Wᴷ; Wᵠ]`'s rows, so that the signal is `−P [Wᴷ; Wᵠ]`. Inputs `att` (the scores
 * program's output) and `kq`. One invocation per entry.
 */
function attentionWeightedProgram(B: number, N: number, H: number, Y: number, kqOffset: number): GpuProgram {
  const HY = H * Y;
  return entryProgram({
    shaderKey: `hamuxAttentionWeighted_${N}_${H}_${Y}_${kqOffset}`,
    rows: B * N,
    n: 2 * HY,
    variableNames: ['att', 'kq'],
    body: `
          let r = index / ${2 * HY};
          let c = index % ${2 * HY};
          let b = r / ${N};
          let n = r % ${N};
          let h = (c % ${HY}) / ${Y};
          let y = c % ${Y};
          var acc = 0.0;
          if (c < ${HY}) {
            // Σ_C A[b, h, C, n] Q[b, C, h, y]
            for (var C = 0; C < ${N}; C = C + 1) { acc = acc + att[((b * ${H} + h) * ${N} + C) * ${N} + n] * kq[${kqOffset} + (b * ${N} + C) * ${2 * HY} + ${HY} + h * ${Y} + y]; }
          } else {
            // Σ_B A[b, h, n, B] K[b, B, h, y]
            for (var k = 0; k < ${N}; k = k + 1) { acc = acc + att[((b * ${H} + h) * ${N} + n) * ${N} + k] * kq[${kqOffset} + (b * ${N} + k) * ${2 * HY} + h * ${Y} + y]; }
          }
          result[index] = acc;`,
  });
}

/** The WGSL form of energy attention; gpu/forms.ts picks it by spec. */
export const attentionGpu = {
  /**
   * Energy attention on N tokens of width D, H heads of width Y: K and Q (`x̂ [Wᴷ; Wᵠ]ᵀ`, the
   * form's projection, run by the step); per query row the scores, their softmax A and the energy
   * (one program); `P = [AᵀQ | AK]` (one program); the signal `− P [Wᴷ; Wᵠ]` left to the step (the
   * last two skipped where the signal is not wanted).
   */
  energyAttention: (N: number, D: number, H: number, Y: number, maskSelf: boolean): GpuSynapse => ({
    kind: 'energyAttention',
    dispatches: 4,
    projection: { layer: 0, width: D, weights: (p) => [p['Wk']!, p['Wq']!] },
    run: ({ run, batch: B, wanted: [want], p, projected }) => {
      const HY = H * Y;
      const kq = projectedOf(projected);
      const beta = tf.reshape(p['beta']!, [1]);
      let att: Tensor;
      try {
        att = run(attentionScoresProgram(B, N, H, Y, maskSelf, kq.offset), [kq.tensor, beta]);
      } finally {
        beta.dispose();
      }
      const energy: GpuSum = { operands: [{ tensor: att }], count: H * N, stride: H * N, offset: B * H * N * N, summand: ([e]) => e! };
      if (!want) return { energy, grad: [undefined], keep: [att] };
      let P: Tensor;
      try {
        P = run(attentionWeightedProgram(B, N, H, Y, kq.offset), [att, kq.tensor]);
      } catch (e) {
        att.dispose();
        throw e;
      }
      const signal = { width: D, terms: [{ lhs: { tensor: P }, K: 2 * HY, layout: 'kn' as const, weights: [p['Wk']!, p['Wq']!] }] };
      return { energy, grad: [undefined], deferred: [signal], keep: [att, P] };
    },
  }),
};
