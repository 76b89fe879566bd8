import { describe, expect, it } from 'vitest';
import { defineHypersynapse, defineLagrangian, hypergraph, lagrangians as L, leanTrainStep, synapses as Y, tf, type LeanTrainStep, type Tensor } from '../src/index.js';
import { jsGemm, nativeGemm, wasmGemm, wasmThreadedGemm, type Gemm } from '@hamux-ts/kernels';

const graph = (tau = 1) =>
  hypergraph()
    .layer('v', { shape: [10], lagrangian: L.identity(), tau })
    .synapse('mem', Y.modernHopfield({ memories: 7, beta: 1.7 }), ['v'])
    .build({ seed: 5 });

/** Loss and ∂loss/∂ξ by tfjs autodiff through the unrolled HAM.dEdxhat (the reference). */
function byAutodiff(ham: ReturnType<typeof graph>, x0: Tensor, target: Tensor, steps: number, dt: number) {
  const tau = ham.layers.v.tau;
  const f = (xi: Tensor) => {
    const params = { layers: ham.params.layers, synapses: { mem: { ...ham.params.synapses['mem']!, xi } } };
    let x = x0;
    for (let t = 0; t < steps; t++) x = tf.sub(x, tf.mul(dt / tau, ham.dEdxhat({ v: x }, { params }).v));
    return tf.mul(0.5, tf.sum(tf.square(tf.sub(x, target))));
  };
  const { value, grad } = tf.valueAndGrad(f)(ham.params.synapses['mem']!['xi']!);
  const out = { loss: value.dataSync()[0]!, dxi: Float32Array.from(grad.dataSync()) };
  tf.dispose([value, grad]);
  return out;
}

describe.each([
  ['js', async () => jsGemm],
  ['wasm', wasmGemm],
  ['wasm, two threads', wasmThreadedGemm],
  ['native', nativeGemm],
] as Array<[string, () => Promise<Gemm | string>]>)('lean training step on %s', (name, load) => {
  it.each([[1, 1], [4, 2.5]])('matches autodiff through %i unrolled steps (τ = %f)', async (steps, tau) => {
    const g = await load();
    if (typeof g === 'string') return expect(name).toBe('native');
    const ham = graph(tau);
    const x0 = tf.randomNormal([3, 10], 0, 1, 'float32', 1), target = tf.randomNormal([3, 10], 0, 1, 'float32', 2);
    const ref = byAutodiff(ham, x0, target, steps, 0.3);
    const lean = leanTrainStep(ham, { layer: 'v', synapse: 'mem', steps, dt: 0.3, gemm: g }) as LeanTrainStep;
    const xi = Float32Array.from(ham.params.synapses['mem']!['xi']!.dataSync());
    const got = lean.lossAndGrad(Float32Array.from(x0.dataSync()), Float32Array.from(target.dataSync()), 3, xi);
    expect(Math.abs(got.loss - ref.loss) / (1 + Math.abs(ref.loss))).toBeLessThan(1e-5);
    let worst = 0, scale = 0;
    for (let i = 0; i < xi.length; i++) {
      worst = Math.max(worst, Math.abs(got.dxi[i]! - ref.dxi[i]!));
      scale = Math.max(scale, Math.abs(ref.dxi[i]!));
    }
    expect(scale).toBeGreaterThan(1e-3);
    expect(worst / (1 + scale)).toBeLessThan(1e-5);
    tf.dispose([x0, target]);
    ham.dispose();
  });
});

describe('leanTrainStep', () => {
  it('says why a graph is not the one it handles', () => {
    const g = hypergraph().layer('v', { shape: [4], lagrangian: L.tanh() }).synapse('mem', Y.modernHopfield({ memories: 3 }), ['v']).build({ seed: 1 });
    expect(leanTrainStep(g, { layer: 'v', synapse: 'mem', steps: 2, dt: 0.1 })).toMatch(/identity Lagrangian/);
    expect(leanTrainStep(g, { layer: 'w', synapse: 'mem', steps: 2, dt: 0.1 })).toMatch(/no layer "w"/);
    // the same kinds and functions, user-defined: not the built-ins
    const mh = Y.modernHopfield({ memories: 3 }), id = L.identity();
    const own = hypergraph()
      .layer('v', { shape: [4], lagrangian: defineLagrangian({ kind: 'identity', lagrangian: id.lagrangian, activation: id.activation! }) })
      .synapse('mem', mh, ['v']).build({ seed: 1 });
    expect(leanTrainStep(own, { layer: 'v', synapse: 'mem', steps: 2, dt: 0.1 })).toMatch(/built-in identity Lagrangian/);
    const ownMemory = hypergraph().layer('v', { shape: [4], lagrangian: id })
      .synapse('mem', defineHypersynapse({ kind: 'modernHopfield', arity: 1, params: mh.params, energy: mh.energy, dEdxhat: mh.dEdxhat! }), ['v'])
      .build({ seed: 1 });
    expect(leanTrainStep(ownMemory, { layer: 'v', synapse: 'mem', steps: 2, dt: 0.1 })).toMatch(/must be a built-in modernHopfield/);
    const perToken = hypergraph().layer('v', { shape: [2, 4], lagrangian: id })
      .synapse('mem', Y.modernHopfield({ memories: 3, perToken: true }), ['v']).build({ seed: 1 });
    expect(leanTrainStep(perToken, { layer: 'v', synapse: 'mem', steps: 2, dt: 0.1 })).toMatch(/per-token memories/);
    [own, ownMemory, perToken].forEach((h) => h.dispose());
    const h = graph();
    expect(leanTrainStep(h, { layer: 'v', synapse: 'mem', steps: 0, dt: 0.1 })).toMatch(/steps must be an integer/);
    const lean = leanTrainStep(h, { layer: 'v', synapse: 'mem', steps: 1, dt: 0.1 }) as LeanTrainStep;
    expect(() => lean.lossAndGrad(new Float32Array(10), new Float32Array(10), 2, new Float32Array(70))).toThrow(
      expect.objectContaining({ name: 'HamuxError', code: 'shape_mismatch', message: 'lean training step: expected x0 and target of 2×10 and ξ of 7×10 values, got 10, 10 and 70' }),
    );
    g.dispose();
    h.dispose();
  });
});
