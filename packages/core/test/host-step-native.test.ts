// The lean step with the native row routines against the same step with the JavaScript loops.
import { describe, expect, it } from 'vitest';
import { nativeGemm, type Gemm, type NativeGemm } from '@hamux-ts/kernels';
import { compileLeanStep, hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '../src/index.js';
import { relErr } from '@hamux-ts/test-support';

/** The addon; under CI it is built with --strict, so only a machine without a compiler lacks it. */
async function addon(): Promise<NativeGemm | undefined> {
  const g = await nativeGemm();
  return typeof g === 'string' ? undefined : g;
}

describe('lean step with the native row routines', () => {
  it('gives the numbers of the same step with the JavaScript loops, and the same Euler steps', async () => {
    const g = await addon();
    if (!g) return;
    // Sizes above SMALL_ROWS, so that every routine runs natively (dense with a bias too).
    const ham = hypergraph()
      .layer('v', { shape: [300], lagrangian: L.identity() })
      .layer('h', { shape: [200], lagrangian: L.relu() })
      .layer('s', { shape: [4, 50], lagrangian: L.softmax() })
      .layer('t', { shape: [16, 40], lagrangian: L.layernorm() })
      .synapse('vh', Y.dense(), ['v', 'h'])
      .synapse('hs', Y.denseBias({ init: { b: { type: 'normal', std: 0.3 } } }), ['h', 's'])
      .synapse('att', Y.energyAttention({ heads: 2, headDim: 8 }), ['t'])
      .synapse('tok', Y.reluSquaredMemory({ memories: 48, perToken: true }), ['t'])
      .build({ seed: 21 });
    const bare: Gemm = { name: 'native', sgemm: g.sgemm, softmax: g.softmax };
    const B = 4;
    const s = ham.randomStates(B, 5);
    const host = () => Object.fromEntries(ham.layerNames.map((n) => [n, Float32Array.from(s[n].dataSync())])) as Record<'v' | 'h' | 's' | 't', Float32Array>;
    const [xa, xb] = [host(), host()];
    const a = compileLeanStep(ham, { gemm: g }), b = compileLeanStep(ham, { gemm: bare });
    if (typeof a === 'string' || typeof b === 'string') throw new Error('does not compile');
    for (let i = 0; i < 3; i++) {
      const ra = a.energyAndDEdxhat(xa, B), rb = b.energyAndDEdxhat(xb, B);
      expect(relErr(ra.energy, rb.energy)).toBeLessThan(1e-6);
      for (const n of ham.layerNames) expect(relErr(ra.dEdxhat[n], rb.dEdxhat[n]), n).toBeLessThan(1e-5);
      a.step(xa, B, 0.1);
      b.step(xb, B, 0.1);
    }
    for (const n of ham.layerNames) expect(relErr(xa[n], xb[n]), n).toBeLessThan(1e-5);
    tf.dispose(Object.values<Tensor>(s));
    ham.dispose();
  });
});
