import type { BuiltinLagrangianSpec, BuiltinSynapseSpec } from '../builtin.js';
import { elementwiseGpu } from '../lagrangians/elementwise.js';
import { collectiveGpu } from '../lagrangians/collective.js';
import { memoryGpu } from '../synapses/memory.js';
import { denseGpu } from '../synapses/dense.js';
import { attentionGpu } from '../synapses/attention.js';
import { convGpu } from '../synapses/conv.js';
import { tieGpu } from '../synapses/tie.js';
import type { GpuLagrangian, GpuSynapse } from './types.js';
import { PASS_GROUP } from './products.js';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The WGSL form of a built-in Lagrangian on a layer of this shape, or why there is none yet. */
export function gpuLagrangian(spec: BuiltinLagrangianSpec, shape: readonly number[]): GpuLagrangian | string {
  switch (spec.kind) {
    case 'identity':
      return elementwiseGpu.identity();
    case 'tanh':
      return elementwiseGpu.tanh();
    case 'softmax':
    case 'ghostmax':
      if (!(spec.axis === -1 || spec.axis === shape.length - 1)) return `no WGSL form for a ${spec.kind} along axis ${spec.axis} (only the last axis)`;
      // one workgroup a sample, three passes over its neurons: loops of at most 4096 iterations a thread
      if (3 * sizeOf(shape) > PASS_GROUP * 4096) return `no WGSL form for a ${spec.kind} over more than ${Math.floor((PASS_GROUP * 4096) / 3)} neurons per sample`;
      return collectiveGpu[spec.kind](shape[shape.length - 1]!);
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
    case 'denseBias': {
      // feature sizes; R rows per sample: the tokens (per token) or one (flattened)
      const [s1, s2] = shapes as [readonly number[], readonly number[]];
      const [D1, D2] = spec.perToken ? [s1[s1.length - 1]!, s2[s2.length - 1]!] : [sizeOf(s1), sizeOf(s2)];
      return denseGpu.dense(spec.kind, D1, D2, sizeOf(s1) / D1);
    }
    case 'bias':
      return denseGpu.bias(sizeOf(shapes[0]!));
    case 'tie':
      return tieGpu.tie(sizeOf(shapes[0]!));
    case 'energyAttention': {
      const [N, D] = shapes[0]! as [number, number];
      return attentionGpu.energyAttention(N, D, spec.heads, spec.headDim, spec.maskSelf);
    }
    case 'conv2d':
      return convGpu.conv2d(shapes[0]!, shapes[1]!, spec.kernel, spec.stride, spec.padding);
    case 'avgPool':
      return convGpu.avgPool(shapes[0]!, shapes[1]!, spec.size, spec.stride, spec.padding);
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no WGSL form for the synapse "${(unknown as { kind: string }).kind}"`;
    }
  }
}
