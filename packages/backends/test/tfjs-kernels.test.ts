import { afterAll, describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { disableFastKernels, enableFastKernels, type FastKernelsOptions } from '@hamux-ts/kernels';
import { relErr } from '@hamux-ts/test-support';

afterAll(() => disableFastKernels());

function rand(shape: number[], seed: number): Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

// [shape of a, shape of b] before transposes are applied: leading batch axes, broadcasting, 1-row cases.
const cases: Array<[number[], number[]]> = [
  [[7, 5], [5, 9]],
  [[64, 300], [300, 33]],
  [[3, 6, 4], [3, 4, 5]],
  [[1, 6, 4], [3, 4, 5]],
  [[2, 3, 6, 4], [4, 5]],
  [[6, 4], [2, 3, 4, 5]],
  [[2, 1, 6, 4], [1, 3, 4, 5]], // a broadcast our kernel leaves to the stock one
  [[1, 16], [16, 16]],
];

/** Every case and transpose combination, plus the gradients of a matMul, as flat arrays. */
function matMulResults(): Float32Array[] {
  const out: Float32Array[] = [];
  cases.forEach(([sa, sb], c) => {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s);
        const a = rand(swap(sa, tA), 10 * c + 1), b = rand(swap(sb, tB), 10 * c + 2);
        const y = tf.matMul(a, b, tA, tB);
        out.push(y.dataSync() as Float32Array);
        tf.dispose(y);
        // tfjs 4.22's own BatchMatMul gradient breaks on broadcast batch axes: gradients where they agree.
        if (sa.slice(0, -2).join() === sb.slice(0, -2).join()) {
          const [ga, gb] = tf.grads((x: Tensor, z: Tensor) => tf.sum(tf.square(tf.matMul(x, z, tA, tB))))([a, b]);
          out.push(ga!.dataSync() as Float32Array, gb!.dataSync() as Float32Array);
          tf.dispose([ga!, gb!]);
        }
        tf.dispose([a, b]);
      }
    }
  });
  // The fused op: bias and linear activation on our kernel, relu through the stock one.
  const a = rand([5, 8], 91), b = rand([8, 6], 92), bias = rand([6], 93);
  for (const activation of ['linear', 'relu'] as const) {
    const y = tf.fused.matMul({ a, b, bias, activation });
    out.push(y.dataSync() as Float32Array);
    y.dispose();
  }
  tf.dispose([a, b, bias]);
  return out;
}

/** A graph with every matMul-heavy built-in: dense, memories, attention; energy and ∂E/∂x̂ both ways. */
function graphResults(): Float32Array[] {
  const ham = hypergraph()
    .layer('v', { shape: [20], lagrangian: L.tanh() })
    .layer('h', { shape: [12], lagrangian: L.softmax() })
    .layer('t', { shape: [6, 8], lagrangian: L.layernorm() })
    .synapse('vh', Y.denseBias(), ['v', 'h'])
    .synapse('mem', Y.modernHopfield({ memories: 9, beta: 2 }), ['v'])
    .synapse('att', Y.energyAttention({ heads: 2, headDim: 4 }), ['t'])
    .synapse('tok', Y.reluSquaredMemory({ memories: 5, perToken: true }), ['t'])
    .synapse('th', Y.dense(), ['t', 'h'])
    .build({ seed: 3 });
  const s = ham.randomStates(4, 5);
  const out: Float32Array[] = [];
  for (const method of ['auto', 'autodiff'] as const) {
    const { energy, dEdxhat } = ham.energyAndDEdxhat(s, { method });
    out.push(energy.dataSync() as Float32Array, ...Object.values<Tensor>(dEdxhat).map((t) => t.dataSync() as Float32Array));
    tf.dispose([energy, ...Object.values<Tensor>(dEdxhat)]);
  }
  tf.dispose(Object.values<Tensor>(s));
  ham.dispose();
  return out;
}

describe('fast tfjs kernels on the cpu backend', () => {
  tf.setBackend('cpu');
  disableFastKernels();
  const stockMatMul = matMulResults();
  const stockGraph = graphResults();

  const paths: Array<[string, FastKernelsOptions]> = [
    ['best available (native when built)', {}],
    ['without native (WebAssembly SIMD)', { native: false }],
    ['plain JS', { native: false, wasm: false }],
  ];
  it.each(paths)('%s: matMul in every transpose and batch shape, and its gradients, match the stock kernel', async (_, options) => {
    const { report } = await enableFastKernels(options);
    expect(report.kernels).toEqual(expect.arrayContaining(['cpu/BatchMatMul', 'cpu/_FusedMatMul']));
    if (options.native === false) expect(report.native).toBe(false);
    if (options.wasm === false) expect(report.gemm).toBe('js');
    const fast = matMulResults();
    expect(fast.length).toBe(stockMatMul.length);
    fast.forEach((f, i) => expect(relErr(f, stockMatMul[i]!), `result ${i}`).toBeLessThan(1e-5));
  });

  it.each(paths)('%s: a whole graph\'s energy and ∂E/∂x̂ (closed forms and autodiff) match the stock kernels', async (_, options) => {
    await enableFastKernels(options);
    const n0 = tf.memory().numTensors;
    const fast = graphResults();
    expect(tf.memory().numTensors).toBe(n0);
    fast.forEach((f, i) => expect(relErr(f, stockGraph[i]!), `result ${i}`).toBeLessThan(1e-5));
  });

  it('the native path is there when the build was required (CI)', async () => {
    const { report } = await enableFastKernels();
    if (process.env['HAMUX_KERNELS_REQUIRE_NATIVE'] === '1') expect(report.native, report.reasons.native).toBe(true);
    if (!report.native) expect(report.reasons.native).toBeTypeOf('string');
    expect(report.wasmSimd).toBe(true); // Node 20 has WebAssembly SIMD
  });

  it('HAMUX_KERNELS_NATIVE=0 turns the native path off', async () => {
    process.env['HAMUX_KERNELS_NATIVE'] = '0';
    try {
      const { report } = await enableFastKernels();
      expect(report.native).toBe(false);
      expect(report.reasons.native).toMatch(/HAMUX_KERNELS_NATIVE/);
    } finally {
      delete process.env['HAMUX_KERNELS_NATIVE'];
    }
  });
});
