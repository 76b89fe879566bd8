/** Padding of a convolution or pooling: tfjs's `'valid'` / `'same'`, or zeros on every side. */
export type Padding = 'valid' | 'same' | number;

/**
 * What a built-in component is, as plain data: its kind and the structural options its closed forms
 * depend on. Learnable or fixed parameters (β, γ, δ, W, ξ…) are not part of it: they are read from
 * `params` at run time. The built-in factories attach one (`lagrangian.builtin`, `synapse.builtin`);
 * a fast path that has its own form of a built-in (the host-array step of @hamux-ts/kernels)
 * switches on `kind`, and the compiler checks that every kind is handled. A component without a spec
 * (every `defineLagrangian` / `defineHypersynapse`) always runs through its own tfjs functions.
 */
export type BuiltinLagrangianSpec =
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'identity';
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'relu';
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'repu';
      /** The power n > 1 of `L = (1/n) Σ max(x, 0)ⁿ`. */
      readonly n: number;
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'exp';
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'rexp';
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'tanh';
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'sigmoid';
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'softmax';
      /** The axis along which each row is coupled (negative counts from the end). */
      readonly axis: number;
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'ghostmax';
      /** The axis along which each row is coupled (negative counts from the end). */
      readonly axis: number;
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'layernorm';
      /** The regulariser ε inside the square root. */
      readonly eps: number;
      /** The axis along which each row is coupled (negative counts from the end). */
      readonly axis: number;
    }
  | {
      /** Which built-in Lagrangian it is; the fast paths switch on it. */
      readonly kind: 'spherical';
      /** The regulariser ε inside the square root. */
      readonly eps: number;
      /** The axis along which each row is coupled (negative counts from the end). */
      readonly axis: number;
    };

type Pair = readonly [number, number];

/** The built-in hypersynapses as data (see `BuiltinLagrangianSpec`). */
export type BuiltinSynapseSpec =
  | {
      /** Which built-in hypersynapse it is; the fast paths switch on it. */
      readonly kind: 'dense';
      /** Whether W acts on each token's last (feature) axis, shared over the leading (token) axes, instead of the flattened layers. */
      readonly perToken: boolean;
    }
  | {
      /** Which built-in hypersynapse it is; the fast paths switch on it. */
      readonly kind: 'denseBias';
      /** Whether W acts on each token's last (feature) axis, shared over the leading (token) axes, instead of the flattened layers. */
      readonly perToken: boolean;
    }
  | {
      /** Which built-in hypersynapse it is; the fast paths switch on it. */
      readonly kind: 'bias';
    }
  | {
      /** Which built-in hypersynapse it is; the fast paths switch on it. */
      readonly kind: 'tie';
    }
  | {
      /** Which built-in hypersynapse it is; the fast paths switch on it. */
      readonly kind: 'conv2d';
      /** Kernel height and width, `[kh, kw]`. */
      readonly kernel: Pair;
      /** Step along height and width, `[sh, sw]`. */
      readonly stride: Pair;
      /** `'valid'`, `'same'`, or that many zeros on each side. */
      readonly padding: Padding;
    }
  | {
      /** Which built-in hypersynapse it is; the fast paths switch on it. */
      readonly kind: 'avgPool';
      /** Pooling window height and width, `[h, w]`. */
      readonly size: Pair;
      /** Step along height and width, `[sh, sw]`. */
      readonly stride: Pair;
      /** `'valid'`, `'same'`, or that many zeros on each side. */
      readonly padding: Padding;
    }
  | {
      /** Which built-in hypersynapse it is; the fast paths switch on it. */
      readonly kind: 'energyAttention';
      /** The number of heads H. */
      readonly heads: number;
      /** The width Y of each head's keys and queries. */
      readonly headDim: number;
      /** Whether each token is left out of its own attention (`B ≠ C` in the energy). */
      readonly maskSelf: boolean;
    }
  | MemorySpec;

/** The dense memories: K stored patterns, on the flattened layer or per token. */
export type MemorySpec =
  | { readonly kind: 'polynomialMemory'; readonly memories: number; readonly perToken: boolean; readonly degree: number; readonly rectified: boolean }
  | { readonly kind: 'exponentialMemory'; readonly memories: number; readonly perToken: boolean }
  | { readonly kind: 'modernHopfield'; readonly memories: number; readonly perToken: boolean }
  | { readonly kind: 'reluSquaredMemory'; readonly memories: number; readonly perToken: boolean };
