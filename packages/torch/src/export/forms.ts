import { sizeOf, type BuiltinLagrangianSpec, type BuiltinSynapseSpec, type Shape } from '@hamux-ts/core';
import { pyFloat, pyNum, pyTuple } from './python.js';

/**
 * The PyTorch form of every built-in Lagrangian and hypersynapse: one table per spec union, keyed by
 * the built-in spec's `kind`, so the compiler checks that every kind has its form (a new built-in in
 * @hamux-ts/core fails to compile here until it has one).
 *
 * A form is Python statements, with the built-in's structural constants (axis, ε, n, kernel, padding,
 * sizes) written in as literals; parameters (β, γ, δ, W, ξ…) are read from `p`, the owner's
 * parameters by name. Lagrangians take `x` (`[B, *shape]`) and return `[B]`; synapses take `xh`, the
 * activations of the layers they connect in order, and return their energy `[B]`. The helpers they
 * call (`_per_sample`, `_rectified_power`, `_log_cosh`, `_softplus`, `_normalised`) are in the
 * generated file's prelude (runtime.ts), each the float32-careful form core's tfjs code takes.
 */

/** A Lagrangian in Python: `L(x)` per sample and its closed-form activation `∇L(x)`. */
export interface LagrangianForm {
  /** One line saying what it is, with its constants (for the generated file's comments). */
  readonly summary: string;
  /** Statements computing `L(x)`, `[B]`, from `x` and `p`; the last one returns. */
  readonly lagrangian: readonly string[];
  /** Statements computing `x̂ = ∇L(x)`, `[B, *shape]`; the last one returns. */
  readonly activation: readonly string[];
}

/** A hypersynapse in Python: its energy per sample. */
export interface SynapseForm {
  /** One line saying what it is, with its constants. */
  readonly summary: string;
  /** Statements computing `E_syn`, `[B]`, from `xh` and `p`; the last one returns. */
  readonly energy: readonly string[];
}

type LagrangianTable = { readonly [K in BuiltinLagrangianSpec['kind']]: (spec: Extract<BuiltinLagrangianSpec, { kind: K }>, shape: Shape) => LagrangianForm };
type SynapseTable = { readonly [K in BuiltinSynapseSpec['kind']]: (spec: Extract<BuiltinSynapseSpec, { kind: K }>, shapes: readonly Shape[]) => SynapseForm };

/** The dimension of the batched tensor `[B, *shape]` that a layer axis (negative from the end) is. */
function batchedDim(axis: number, shape: Shape): number {
  return (axis < 0 ? shape.length + axis : axis) + 1;
}

/** `p["delta"]` (`[D]`) shaped to broadcast along `dim` of a `[B, *shape]` tensor. */
function deltaAlong(dim: number, shape: Shape): string {
  const view = Array.from({ length: shape.length + 1 }, (_, i) => (i === dim ? -1 : 1));
  return `p["delta"].reshape(${pyTuple(view)})`;
}

/** `L = (1/β) Σ f(βx)`-style Lagrangians read β first. */
const BETA = 'b = p["beta"]';

/**
 * Each built-in Lagrangian's PyTorch form, by kind: given the layer's spec and shape, the Python
 * bodies of its `L(x)` and its activation that model.py holds (float32-careful, as @hamux-ts/core's).
 */
export const lagrangianForms: LagrangianTable = {
  identity: () => ({
    summary: 'identity: L = ½ Σ x², x̂ = x',
    lagrangian: ['return 0.5 * _per_sample(x * x)'],
    activation: ['return x'],
  }),
  relu: () => ({
    summary: 'relu: L = ½ Σ max(x, 0)², x̂ = max(x, 0)',
    lagrangian: ['r = torch.relu(x)', 'return 0.5 * _per_sample(r * r)'],
    activation: ['return torch.relu(x)'],
  }),
  repu: ({ n }) => ({
    summary: `repu: L = (1/n) Σ max(x, 0)ⁿ, x̂ = max(x, 0)ⁿ⁻¹, n = ${n}`,
    lagrangian: [`return _per_sample(_rectified_power(x, ${pyFloat(n)})) / ${pyFloat(n)}`],
    activation: [n === 2 ? 'return torch.relu(x)' : `return _rectified_power(x, ${pyFloat(n - 1)})`],
  }),
  exp: () => ({
    summary: 'exp: L = (1/β) Σ e^{βx}, x̂ = e^{βx}',
    lagrangian: [BETA, 'return _per_sample(torch.exp(b * x) / b)'],
    activation: ['return torch.exp(p["beta"] * x)'],
  }),
  rexp: () => ({
    summary: 'rexp: L = Σ (e^{β max(x,0)}/β − max(x,0)), x̂ = e^{β max(x,0)} − 1',
    lagrangian: [BETA, 'r = torch.relu(x)', 'return _per_sample(torch.exp(b * r) / b - r)'],
    activation: ['return torch.exp(p["beta"] * torch.relu(x)) - 1'],
  }),
  tanh: () => ({
    summary: 'tanh: L = (1/β) Σ log cosh(βx), x̂ = tanh(βx)',
    lagrangian: [BETA, 'return _per_sample(_log_cosh(b * x) / b)'],
    activation: ['return torch.tanh(p["beta"] * x)'],
  }),
  sigmoid: () => ({
    summary: 'sigmoid: L = (1/β) Σ log(1 + e^{βx}), x̂ = σ(βx)',
    lagrangian: [BETA, 'return _per_sample(_softplus(b * x) / b)'],
    activation: ['return torch.sigmoid(p["beta"] * x)'],
  }),
  softmax: ({ axis }, shape) => {
    const dim = batchedDim(axis, shape);
    return {
      summary: `softmax: L = (1/β) Σ_rows log Σ_axis e^{βx}, x̂ = softmax(βx), axis ${axis}`,
      lagrangian: [BETA, `return _per_sample(torch.logsumexp(b * x, dim=${dim})) / b`],
      activation: [`return torch.softmax(p["beta"] * x, dim=${dim})`],
    };
  },
  ghostmax: ({ axis }, shape) => {
    const dim = batchedDim(axis, shape);
    // m = max(0, max_axis x) keeps every exponent ≤ 0; log z = log1p(expm1(−m) + Σe), exact when every x ≪ 0
    const shifted = [`m = torch.relu(x.amax(dim=${dim}, keepdim=True))`, 'e = torch.exp(x - m)', `s = e.sum(dim=${dim}, keepdim=True)`];
    return {
      summary: `ghostmax: L = Σ_rows log(1 + Σ_axis e^x), x̂ = softmax with an extra zero logit, axis ${axis}`,
      lagrangian: [...shifted, 'return _per_sample(m + torch.log1p(torch.expm1(-m) + s))'],
      activation: [...shifted, 'return e / (torch.exp(-m) + s)'],
    };
  },
  layernorm: ({ eps, axis }, shape) => {
    const dim = batchedDim(axis, shape);
    const d = shape[dim - 1]!;
    // x − x̄ as a corrected two-pass mean of x − max(x) (the max held constant), as core's layernorm
    const centred = [
      `r = x - x.amax(dim=${dim}, keepdim=True).detach()`,
      `c = r - r.mean(dim=${dim}, keepdim=True)`,
      `root, unit = _normalised(c - c.mean(dim=${dim}, keepdim=True), ${dim}, ${pyFloat(eps)}, True)`,
    ];
    return {
      summary: `layernorm: L = Σ_rows D γ sqrt(mean((x − x̄)²) + ε) + Σ δ⊙x, D = ${d}, ε = ${eps}, axis ${axis}`,
      lagrangian: [...centred, `return p["gamma"] * ${d} * _per_sample(root) + _per_sample(${deltaAlong(dim, shape)} * x)`],
      activation: [...centred, `return p["gamma"] * unit + ${deltaAlong(dim, shape)}`],
    };
  },
  spherical: ({ eps, axis }, shape) => {
    const dim = batchedDim(axis, shape);
    const norm = `root, unit = _normalised(x, ${dim}, ${pyFloat(eps)}, False)`;
    return {
      summary: `spherical: L = Σ_rows γ sqrt(Σ x² + ε) + Σ δ⊙x, ε = ${eps}, axis ${axis}`,
      lagrangian: [norm, `return p["gamma"] * _per_sample(root) + _per_sample(${deltaAlong(dim, shape)} * x)`],
      activation: [norm, `return p["gamma"] * unit + ${deltaAlong(dim, shape)}`],
    };
  },
};

/** Feature sizes of a dense synapse: the whole layers, or their last axes per token. */
function denseSizes([s1, s2]: readonly Shape[], perToken: boolean): [number, number] {
  return perToken ? [s1![s1!.length - 1]!, s2![s2!.length - 1]!] : [sizeOf(s1!), sizeOf(s2!)];
}

/** `Σ_rows x̂₁ᵀ W x̂₂` per sample (rows of d₁ features: the flattened layer, or each token). */
const overlap = (d1: number) => `_per_sample((a.reshape(-1, ${d1}) @ p["W"]).reshape(c.shape) * c)`;

type Pair = readonly [number, number];
type Padding = 'valid' | 'same' | number;

/**
 * Zeros before and after one spatial axis of input length n, window k, stride s, for the output
 * length `out` the layers have: TensorFlow's split for `'same'` (the smaller half before), as tfjs
 * and core's `paddingAmounts` take it.
 */
function padAmounts(n: number, k: number, s: number, out: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding !== 'same') return [padding, padding];
  const total = Math.max((out - 1) * s + k - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** `F.pad`'s amounts `(left, right, top, bottom)` for NCHW input of layer `[H, W, C]` giving `[H′, W′, C′]`. */
function spatialPads(input: Shape, output: Shape, window: Pair, stride: Pair, padding: Padding): number[] {
  const [top, bottom] = padAmounts(input[0]!, window[0], stride[0], output[0]!, padding);
  const [left, right] = padAmounts(input[1]!, window[1], stride[1], output[1]!, padding);
  return [left, right, top, bottom];
}

const describePadding = (padding: Padding) => (typeof padding === 'number' ? `${padding}` : `'${padding}'`);

/** Memories: overlaps `h = ξ x̂` as `[B, R, K]` over rows of D features (R = 1, or the tokens). */
function overlaps(shapes: readonly Shape[], perToken: boolean, memories: number): string[] {
  const s = shapes[0]!;
  const d = perToken ? s[s.length - 1]! : sizeOf(s);
  return ['(x,) = xh', `h = (x.reshape(-1, ${d}) @ p["xi"].t()).reshape(x.shape[0], -1, ${memories})`];
}

const layout = (perToken: boolean) => (perToken ? ', per token' : '');

/**
 * Each built-in hypersynapse's PyTorch form, by kind: given its spec and the shapes of the layers it
 * connects, the Python body of its per-sample energy that model.py holds.
 */
export const synapseForms: SynapseTable = {
  dense: ({ perToken }, shapes) => {
    const [d1, d2] = denseSizes(shapes, perToken);
    return {
      summary: `dense: E = −x̂₁ᵀ W x̂₂, W [${d1}, ${d2}]${layout(perToken)}`,
      energy: ['a, c = xh', `return -${overlap(d1)}`],
    };
  },
  denseBias: ({ perToken }, shapes) => {
    const [d1, d2] = denseSizes(shapes, perToken);
    return {
      summary: `denseBias: E = −x̂₁ᵀ W x̂₂ − b·x̂₂, W [${d1}, ${d2}]${layout(perToken)}`,
      // b is layer₂'s shape, or [D₂] per token: either broadcasts against x̂₂ [B, *shape₂]
      energy: ['a, c = xh', `return -(${overlap(d1)} + _per_sample(c * p["b"]))`],
    };
  },
  bias: () => ({
    summary: 'bias: E = −b·x̂',
    energy: ['return -_per_sample(xh[0] * p["b"])'],
  }),
  tie: () => ({
    summary: 'tie: E = (γ/2) ‖x̂₁ − x̂₂‖²',
    energy: ['a, c = xh', 'return 0.5 * p["gamma"] * _per_sample((a - c) ** 2)'],
  }),
  conv2d: ({ kernel, stride, padding }, [input, output]) => {
    const pads = spatialPads(input!, output!, kernel, stride, padding);
    return {
      summary: `conv2d: E = −Σ x̂₂ ⊙ conv(x̂₁, W), kernel ${kernel.join('×')}, stride ${pyTuple(stride)}, padding ${describePadding(padding)}`,
      // layers are NHWC and W is HWIO, as in tfjs; torch's conv2d takes NCHW and OIHW
      energy: [
        'a, c = xh',
        `y = F.conv2d(F.pad(a.permute(0, 3, 1, 2), ${pyTuple(pads)}), p["W"].permute(3, 2, 0, 1), stride=${pyTuple(stride)})`,
        'return -_per_sample(c * y.permute(0, 2, 3, 1))',
      ],
    };
  },
  avgPool: ({ size, stride, padding }, [input, output]) => {
    const pads = spatialPads(input!, output!, size, stride, padding);
    const padded = pads.some((v) => v > 0);
    return {
      summary: `avgPool: E = −Σ x̂₂ ⊙ avgPool(x̂₁), window ${size.join('×')}, stride ${pyTuple(stride)}, padding ${describePadding(padding)}`,
      // As in TensorFlow, padded entries are left out of each window's mean (a window wholly in the
      // padding averages to 0): the zero-padded mean divided by each window's share of real entries.
      energy: [
        'a, c = xh',
        `y = F.avg_pool2d(F.pad(a.permute(0, 3, 1, 2), ${pyTuple(pads)}), ${pyTuple(size)}, ${pyTuple(stride)})`,
        ...(padded
          ? [
              `share = F.avg_pool2d(F.pad(torch.ones((1, 1) + tuple(a.shape[1:3]), dtype=a.dtype, device=a.device), ${pyTuple(pads)}), ${pyTuple(size)}, ${pyTuple(stride)})`,
              'y = y * torch.where(share > 0, 1 / torch.where(share > 0, share, torch.ones_like(share)), torch.zeros_like(share))',
            ]
          : []),
        'return -_per_sample(c * y.permute(0, 2, 3, 1))',
      ],
    };
  },
  energyAttention: ({ heads, headDim, maskSelf }, [tokens]) => ({
    summary: `energyAttention: E = −(1/β) Σ_h Σ_C log Σ_B exp(β K_B · Q_C), ${heads} heads of ${headDim}${maskSelf ? ', self masked' : ''}`,
    energy: [
      '(x,) = xh',
      'b = p["beta"]',
      'k = torch.einsum("bnd,hyd->bhny", x, p["Wk"])',
      'q = torch.einsum("bnd,hyd->bhny", x, p["Wq"])',
      's = b * (q @ k.transpose(-1, -2))  # [B, H, C (query), B (key)]',
      ...(maskSelf ? [`s = s.masked_fill(torch.eye(${tokens![0]}, dtype=torch.bool, device=s.device), float("-inf"))`] : []),
      'return -torch.logsumexp(s, dim=-1).sum((1, 2)) / b',
    ],
  }),
  polynomialMemory: ({ memories, perToken, degree, rectified }, shapes) => ({
    summary: `polynomialMemory: E = −(1/n) Σ_μ ${rectified ? 'max(ξ_μ·x̂, 0)' : '(ξ_μ·x̂)'}ⁿ, n = ${degree}, ${memories} memories${layout(perToken)}`,
    energy: [
      ...overlaps(shapes, perToken, memories),
      // an unrectified degree is an integer: odd powers keep their sign
      rectified ? `f = _rectified_power(h, ${pyFloat(degree)})` : `f = h ** ${pyNum(degree)}`,
      `return -f.sum((1, 2)) / ${pyFloat(degree)}`,
    ],
  }),
  exponentialMemory: ({ memories, perToken }, shapes) => ({
    summary: `exponentialMemory: E = −(1/β) Σ_μ exp(β ξ_μ·x̂), ${memories} memories${layout(perToken)}`,
    energy: [...overlaps(shapes, perToken, memories), 'b = p["beta"]', 'return -torch.exp(b * h).sum((1, 2)) / b'],
  }),
  modernHopfield: ({ memories, perToken }, shapes) => ({
    summary: `modernHopfield: E = −(1/β) log Σ_μ exp(β ξ_μ·x̂), ${memories} memories${layout(perToken)}`,
    energy: [...overlaps(shapes, perToken, memories), 'b = p["beta"]', 'return -torch.logsumexp(b * h, dim=2).sum(1) / b'],
  }),
  reluSquaredMemory: ({ memories, perToken }, shapes) => ({
    summary: `reluSquaredMemory: E = −½ Σ_μ max(ξ_μ·x̂, 0)², ${memories} memories${layout(perToken)}`,
    energy: [...overlaps(shapes, perToken, memories), 'r = torch.relu(h)', 'return -0.5 * (r * r).sum((1, 2))'],
  }),
};

/** The PyTorch form of a built-in Lagrangian on a layer of this shape. */
export function lagrangianForm(spec: BuiltinLagrangianSpec, shape: Shape): LagrangianForm {
  return (lagrangianForms[spec.kind] as (s: BuiltinLagrangianSpec, shape: Shape) => LagrangianForm)(spec, shape);
}

/** The PyTorch form of a built-in hypersynapse between layers of these shapes. */
export function synapseForm(spec: BuiltinSynapseSpec, shapes: readonly Shape[]): SynapseForm {
  return (synapseForms[spec.kind] as (s: BuiltinSynapseSpec, shapes: readonly Shape[]) => SynapseForm)(spec, shapes);
}
