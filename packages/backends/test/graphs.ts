/**
 * Small graphs for the backend parity tests: between them every Lagrangian and every synapse kind
 * of @hamux-ts/core. Weights coupling unbounded layers are small so a short fixed-step descent
 * lowers the energy. Not a test file itself.
 */
import { hypergraph, lagrangians as L, normal, synapses as Y, type HAM } from '@hamux-ts/core';

export type AnyHam = HAM<string, string>;
const small = { init: { W: normal(0.02) } };

export const GRAPHS: Record<string, () => AnyHam> = {
  /** Vectors: all eleven Lagrangians; dense, denseBias, bias and the four memories. */
  vectors: () =>
    hypergraph()
      .layer('id', { shape: [6], lagrangian: L.identity() })
      .layer('th', { shape: [5], lagrangian: L.tanh({ beta: 1.5 }), tau: 0.5 })
      .layer('sm', { shape: [4], lagrangian: L.softmax({ beta: 2 }), tau: 0.2 })
      .layer('sg', { shape: [5], lagrangian: L.sigmoid({ beta: 1 }) })
      .layer('re', { shape: [6], lagrangian: L.relu() })
      .layer('rp', { shape: [4], lagrangian: L.repu({ n: 1.5 }) })
      .layer('ex', { shape: [4], lagrangian: L.exp({ beta: 0.3 }) })
      .layer('rx', { shape: [4], lagrangian: L.rexp({ beta: 0.3 }) })
      .layer('ln', { shape: [6], lagrangian: L.layernorm({ gamma: 1 }) })
      .layer('sp', { shape: [6], lagrangian: L.spherical({ gamma: 1 }) })
      .layer('gm', { shape: [5], lagrangian: L.ghostmax() })
      .synapse('d1', Y.dense(small), ['id', 'th'])
      .synapse('d2', Y.denseBias(), ['th', 'sm'])
      .synapse('d3', Y.dense(), ['sg', 'gm'])
      .synapse('d4', Y.dense(small), ['re', 'rp'])
      .synapse('b1', Y.bias(), ['sg'])
      .synapse('m1', Y.polynomialMemory({ memories: 3, degree: 3, rectified: true }), ['ln'])
      .synapse('m2', Y.exponentialMemory({ memories: 4, beta: 0.5 }), ['sp'])
      .synapse('m3', Y.modernHopfield({ memories: 3, beta: 2 }), ['ex'])
      .synapse('m4', Y.modernHopfield({ memories: 3, beta: 1 }), ['rx'])
      .synapse('m5', Y.reluSquaredMemory({ memories: 3, init: { xi: normal(0.02) } }), ['re'])
      .build({ seed: 3 }) as unknown as AnyHam,
  /** Images: conv2d (valid and same padding, stride 2) and average pooling. */
  images: () =>
    hypergraph()
      .layer('img', { shape: [5, 5, 2], lagrangian: L.identity() })
      .layer('f1', { shape: [4, 4, 3], lagrangian: L.tanh(), tau: 0.5 })
      .layer('f2', { shape: [2, 2, 3], lagrangian: L.sigmoid() })
      .layer('f3', { shape: [3, 3, 2], lagrangian: L.layernorm() })
      .layer('p1', { shape: [1, 1, 3], lagrangian: L.softmax() })
      .layer('f1b', { shape: [4, 4, 3], lagrangian: L.spherical() })
      .synapse('c1', Y.conv2d({ kernel: 2, ...small }), ['img', 'f1'])
      .synapse('c2', Y.conv2d({ kernel: 3, stride: 2, padding: 'same' }), ['f1', 'f2'])
      .synapse('c3', Y.conv2d({ kernel: [2, 3], stride: 2, padding: 1, ...small }), ['img', 'f3'])
      .synapse('pool', Y.avgPool({ size: 2, padding: 'valid' }), ['f2', 'p1'])
      .synapse('pool2', Y.avgPool({ size: 2, stride: 1, padding: 'same' }), ['f1', 'f1b'])
      .build({ seed: 5 }) as unknown as AnyHam,
  /** Tokens: energy attention (with and without self-masking) and per-token memories. */
  tokens: () =>
    hypergraph()
      .layer('tok', { shape: [4, 6], lagrangian: L.layernorm() })
      .layer('tok2', { shape: [3, 4], lagrangian: L.softmax(), tau: 0.3 })
      .synapse('att', Y.energyAttention({ heads: 2, headDim: 3 }), ['tok'])
      .synapse('att2', Y.energyAttention({ heads: 1, headDim: 2, maskSelf: true }), ['tok2'])
      .synapse('mem', Y.polynomialMemory({ memories: 4, degree: 2, perToken: true }), ['tok'])
      .synapse('mem2', Y.exponentialMemory({ memories: 3, perToken: true }), ['tok2'])
      .build({ seed: 7 }) as unknown as AnyHam,
};
