import type { Padding } from './synapses/conv.js';

/**
 * What a built-in component is, as plain data: its kind and the structural options its closed forms
 * depend on. Learnable or fixed parameters (β, γ, δ, W, ξ…) are not part of it: they are read from
 * `params` at run time. The built-in factories attach one (`lagrangian.builtin`, `synapse.builtin`);
 * a fast path that has its own form of a built-in (the host-array step of @hamux-ts/kernels)
 * switches on `kind`, and the compiler checks that every kind is handled. A component without a spec
 * (every `defineLagrangian` / `defineHypersynapse`) always runs through its own tfjs functions.
 */
export type BuiltinLagrangianSpec =
  | { readonly kind: 'identity' }
  | { readonly kind: 'relu' }
  | { readonly kind: 'repu'; readonly n: number }
  | { readonly kind: 'exp' }
  | { readonly kind: 'rexp' }
  | { readonly kind: 'tanh' }
  | { readonly kind: 'sigmoid' }
  | { readonly kind: 'softmax'; readonly axis: number }
  | { readonly kind: 'ghostmax'; readonly axis: number }
  | { readonly kind: 'layernorm'; readonly eps: number; readonly axis: number }
  | { readonly kind: 'spherical'; readonly eps: number; readonly axis: number };

type Pair = readonly [number, number];

/** The built-in hypersynapses as data (see `BuiltinLagrangianSpec`). */
export type BuiltinSynapseSpec =
  | { readonly kind: 'dense'; readonly perToken: boolean }
  | { readonly kind: 'denseBias'; readonly perToken: boolean }
  | { readonly kind: 'bias' }
  | { readonly kind: 'conv2d'; readonly kernel: Pair; readonly stride: Pair; readonly padding: Padding }
  | { readonly kind: 'avgPool'; readonly size: Pair; readonly stride: Pair; readonly padding: Padding }
  | { readonly kind: 'energyAttention'; readonly heads: number; readonly headDim: number; readonly maskSelf: boolean }
  | MemorySpec;

/** The dense memories: K stored patterns, on the flattened layer or per token. */
export type MemorySpec =
  | { readonly kind: 'polynomialMemory'; readonly memories: number; readonly perToken: boolean; readonly degree: number; readonly rectified: boolean }
  | { readonly kind: 'exponentialMemory'; readonly memories: number; readonly perToken: boolean }
  | { readonly kind: 'modernHopfield'; readonly memories: number; readonly perToken: boolean }
  | { readonly kind: 'reluSquaredMemory'; readonly memories: number; readonly perToken: boolean };
