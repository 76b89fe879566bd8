import type { BuiltinLagrangianSpec, BuiltinSynapseSpec } from '../builtin.js';
import { elementwiseGpu } from '../lagrangians/elementwise.js';
import { collectiveGpu } from '../lagrangians/collective.js';
import { memoryGpu } from '../synapses/memory.js';
import { denseGpu } from '../synapses/dense.js';
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
    case 'relu':
    case 'repu':
    case 'exp':
    case 'rexp':
    case 'sigmoid':
    case 'ghostmax':
    case 'layernorm':
    case 'spherical':
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
      return spec.perToken ? 'no WGSL form for a per-token modernHopfield yet' : memoryGpu.modernHopfield(sizeOf(shapes[0]!), spec.memories);
    case 'dense':
      return spec.perToken ? 'no WGSL form for a per-token dense yet' : denseGpu.dense(sizeOf(shapes[0]!), sizeOf(shapes[1]!));
    case 'denseBias':
    case 'bias':
    case 'tie':
    case 'conv2d':
    case 'avgPool':
    case 'energyAttention':
    case 'polynomialMemory':
    case 'exponentialMemory':
    case 'reluSquaredMemory':
      return `no WGSL form for the synapse "${spec.kind}" yet`;
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no WGSL form for the synapse "${(unknown as { kind: string }).kind}"`;
    }
  }
}
