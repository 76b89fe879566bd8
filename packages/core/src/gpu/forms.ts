import type { BuiltinLagrangianSpec, BuiltinSynapseSpec } from '../builtin.js';
import { elementwiseGpu } from '../lagrangians/elementwise.js';
import { collectiveGpu } from '../lagrangians/collective.js';
import { memoryGpu } from '../synapses/memory.js';
import { denseGpu } from '../synapses/dense.js';
import { attentionGpu } from '../synapses/attention.js';
import type { GpuLagrangian, GpuSynapse } from './types.js';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The WGSL form of a built-in Lagrangian on a layer of this shape, or why there is none yet. */
export function gpuLagrangian(spec: BuiltinLagrangianSpec, shape: readonly number[]): GpuLagrangian | string {
  switch (spec.kind) {
    case 'identity':
      return elementwiseGpu.identity();
    case 'tanh':
      return elementwiseGpu.tanh();
    case 'softmax':
      return spec.axis === -1 || spec.axis === shape.length - 1
        ? collectiveGpu.softmax(shape[shape.length - 1]!)
        : `no WGSL form for a softmax along axis ${spec.axis} (only the last axis)`;
    case 'layernorm':
    case 'spherical': {
      const D = shape[shape.length - 1]!;
      if (!(spec.axis === -1 || spec.axis === shape.length - 1)) return `no WGSL form for a ${spec.kind} along axis ${spec.axis} (only the last axis)`;
      return spec.kind === 'layernorm' ? collectiveGpu.layernorm(spec.eps, D) : collectiveGpu.spherical(spec.eps, D);
    }
    case 'relu':
      return elementwiseGpu.repu('relu', 2);
    case 'repu':
      return elementwiseGpu.repu('repu', spec.n);
    case 'exp':
      return elementwiseGpu.exp();
    case 'rexp':
      return elementwiseGpu.rexp();
    case 'sigmoid':
      return elementwiseGpu.sigmoid();
    case 'ghostmax':
      return `no WGSL form for the Lagrangian "${spec.kind}" yet`;
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no WGSL form for the Lagrangian "${(unknown as { kind: string }).kind}"`;
    }
  }
}

/** The WGSL form of a built-in synapse between layers of these shapes, or why there is none yet. */
export function gpuSynapse(spec: BuiltinSynapseSpec, shapes: readonly (readonly number[])[]): GpuSynapse | string {
  switch (spec.kind) {
    case 'modernHopfield':
    case 'reluSquaredMemory':
    case 'polynomialMemory':
    case 'exponentialMemory': {
      // D features; R rows per sample: the tokens (per token) or one (flattened)
      const shape = shapes[0]!;
      const D = spec.perToken ? shape[shape.length - 1]! : sizeOf(shape);
      const R = sizeOf(shape) / D;
      const { curves } = memoryGpu;
      switch (spec.kind) {
        case 'modernHopfield':
          return memoryGpu.modernHopfield(D, R, spec.memories);
        case 'reluSquaredMemory':
          return memoryGpu.diagonal(spec.kind, curves.reluSquared(), D, R, spec.memories);
        case 'exponentialMemory':
          return memoryGpu.diagonal(spec.kind, curves.exponential(), D, R, spec.memories);
        case 'polynomialMemory':
          return memoryGpu.diagonal(spec.kind, curves.polynomial(spec.degree, spec.rectified), D, R, spec.memories);
      }
    }
    case 'dense':
      return spec.perToken ? 'no WGSL form for a per-token dense yet' : denseGpu.dense(sizeOf(shapes[0]!), sizeOf(shapes[1]!));
    case 'energyAttention': {
      const [N, D] = shapes[0]! as [number, number];
      return attentionGpu.energyAttention(N, D, spec.heads, spec.headDim, spec.maskSelf);
    }
    case 'denseBias':
    case 'bias':
    case 'tie':
    case 'conv2d':
    case 'avgPool':
      return `no WGSL form for the synapse "${spec.kind}" yet`;
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no WGSL form for the synapse "${(unknown as { kind: string }).kind}"`;
    }
  }
}
