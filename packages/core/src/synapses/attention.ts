import { tf, type Tensor } from '../tf.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { checkPositiveOption, normal, paramFromOption, type Init, type ParamOption, type TensorMap } from '../params.js';
import { formatShape } from '../shape.js';
import { learnableParam, positiveInteger } from './common.js';

/** `[N, N]` with −∞ on the diagonal and 0 elsewhere. */
function selfMask(n: number): Tensor {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = -Infinity;
  return tf.tensor2d(m, [n, n]);
}

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
  init?: { Wk?: Init; Wq?: Init };
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
