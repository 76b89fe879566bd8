import { afterAll, describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { useBackend } from '@hamux-ts/backends';
import { disableFastKernels, enableFastKernels } from '@hamux-ts/kernels';
import { relErr } from '@hamux-ts/test-support';

afterAll(() => disableFastKernels());

/** matMul in every transpose (sizes above the JS shortcut), its gradients, and a graph's ∂E/∂x̂. */
function results(): Float32Array[] {
  const out: Float32Array[] = [];
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      const a = tf.randomUniform(tA ? [40, 3, 30] : [3, 30, 40], -1, 1, 'float32', 1);
      const b = tf.randomUniform(tB ? [3, 20, 40] : [3, 40, 20], -1, 1, 'float32', 2);
      const [y, ga, gb] = tf.tidy(() => {
        const aa = tA ? tf.transpose(a, [1, 0, 2]) : a;
        const [g1, g2] = tf.grads((x: Tensor, z: Tensor) => tf.sum(tf.square(tf.matMul(x, z, tA, tB))))([aa, b]);
        return [tf.matMul(aa, b, tA, tB), g1!, g2!];
      });
      out.push(...[y, ga, gb].map((t) => t.dataSync() as Float32Array));
      tf.dispose([a, b, y, ga, gb]);
    }
  }
  const ham = hypergraph()
    .layer('v', { shape: [50], lagrangian: L.tanh() })
    .layer('t', { shape: [12, 16], lagrangian: L.layernorm() })
    .synapse('mem', Y.modernHopfield({ memories: 30 }), ['v'])
    .synapse('att', Y.energyAttention({ heads: 2, headDim: 8 }), ['t'])
    .build({ seed: 2 });
  const s = ham.randomStates(4, 1);
  for (const method of ['auto', 'autodiff'] as const) {
    const { energy, dEdxhat } = ham.energyAndDEdxhat(s, { method });
    out.push(energy.dataSync() as Float32Array, dEdxhat.v.dataSync() as Float32Array, dEdxhat.t.dataSync() as Float32Array);
    tf.dispose([energy, dEdxhat.v, dEdxhat.t]);
  }
  tf.dispose(Object.values<Tensor>(s));
  ham.dispose();
  return out;
}

describe('fast matMul kernels on the tfjs wasm backend', () => {
  it.each([['native when built', {}], ['WebAssembly SIMD', { native: false }]] as const)('%s: match the stock wasm kernels', async (_, options) => {
    await useBackend('wasm');
    disableFastKernels();
    const stock = results();
    const { report } = await enableFastKernels(options);
    expect(report.kernels).toContain('wasm/BatchMatMul');
    const n0 = tf.memory().numTensors;
    const fast = results();
    expect(tf.memory().numTensors).toBe(n0);
    fast.forEach((f, i) => expect(relErr(f, stock[i]!), `result ${i}`).toBeLessThan(1e-5));
  });
});
