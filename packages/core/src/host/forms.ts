import type { BuiltinLagrangianSpec, BuiltinSynapseSpec } from '../builtin.js';
import { elementwiseHost } from '../lagrangians/elementwise.js';
import { collectiveHost } from '../lagrangians/collective.js';
import { denseHost } from '../synapses/dense.js';
import { memoryHost } from '../synapses/memory.js';
import { tieHost } from '../synapses/tie.js';
import { attentionHost } from '../synapses/attention.js';
import type { HostLagrangian, HostSynapse } from './types.js';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The host form of a built-in Lagrangian on a layer of this shape, or why there is none. */
export function hostLagrangian(spec: BuiltinLagrangianSpec, shape: readonly number[]): HostLagrangian | string {
  const D = shape[shape.length - 1] ?? 1;
  // collective Lagrangians act on rows along the last axis only
  const lastAxis = (axis: number) => axis === -1 || axis === shape.length - 1;
  const offAxis = `${spec.kind} along an axis other than the last`;
  switch (spec.kind) {
    case 'identity':
    case 'relu':
    case 'exp':
    case 'rexp':
    case 'tanh':
    case 'sigmoid':
      return elementwiseHost[spec.kind]();
    case 'repu':
      return elementwiseHost.repu(spec.n);
    case 'softmax':
    case 'ghostmax':
      return lastAxis(spec.axis) ? collectiveHost[spec.kind](D) : offAxis;
    case 'layernorm':
    case 'spherical':
      return lastAxis(spec.axis) ? collectiveHost[spec.kind](spec.eps, D) : offAxis;
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no host form for the Lagrangian "${(unknown as { kind: string }).kind}"`;
    }
  }
}

/** The host form of a built-in synapse between layers of these shapes, or why there is none. */
export function hostSynapse(spec: BuiltinSynapseSpec, shapes: readonly (readonly number[])[]): HostSynapse | string {
  // D features per row, R rows per sample: the whole layer, or (per token) its last axis
  const rowsOf = (s: readonly number[], perToken: boolean) => {
    const D = perToken ? s[s.length - 1]! : sizeOf(s);
    return { D, R: sizeOf(s) / D };
  };
  switch (spec.kind) {
    case 'dense':
    case 'denseBias': {
      const a = rowsOf(shapes[0]!, spec.perToken), b = rowsOf(shapes[1]!, spec.perToken);
      return denseHost.dense(a.D, b.D, spec.kind === 'denseBias', a.R);
    }
    case 'bias':
      return denseHost.bias(sizeOf(shapes[0]!));
    case 'tie':
      return tieHost.tie(shapes[0]!);
    case 'modernHopfield':
    case 'reluSquaredMemory':
    case 'exponentialMemory': {
      const { D, R } = rowsOf(shapes[0]!, spec.perToken);
      return memoryHost[spec.kind](D, R, spec.memories);
    }
    case 'polynomialMemory': {
      const { D, R } = rowsOf(shapes[0]!, spec.perToken);
      return memoryHost.polynomialMemory(D, R, spec.memories, spec.degree, spec.rectified);
    }
    case 'energyAttention': {
      const [N, D] = shapes[0] as [number, number];
      return attentionHost.energyAttention(N, D, spec.heads, spec.headDim, spec.maskSelf);
    }
    case 'conv2d':
    case 'avgPool':
      return `no host form for the synapse "${spec.kind}"`;
    default: {
      const unknown: never = spec; // every kind is handled above (a compile error otherwise)
      return `no host form for the synapse "${(unknown as { kind: string }).kind}"`;
    }
  }
}
