/** Layout steps, against closed forms and an independent convolution in PyTorch's layouts (NCHW, OIHW). */
import { describe, expect, it } from 'vitest';
import { buildFromConfig, encodeSafetensors, loadParams } from '@hamux-ts/config';
import { tf } from '@hamux-ts/core';
import { applyLayout, importTorch } from '@hamux-ts/torch';

const values = (n: number, seed = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * (i + 1) * 1.7) + 0.1 * seed);

describe('layout steps', () => {
  it('transposes a matrix', () => {
    const t = applyLayout({ shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }, ['transpose']);
    expect(t).toEqual({ shape: [3, 2], data: Float32Array.of(1, 4, 2, 5, 3, 6) });
  });

  it('normalises columns or rows to unit length', () => {
    const m = { shape: [2, 2], data: Float32Array.of(3, 1, 4, 0) };
    expect(Array.from(applyLayout(m, ['normalizeColumns']).data)).toEqual([0.6, 1, 0.8, 0].map(Math.fround));
    expect(Array.from(applyLayout(m, ['normalizeRows']).data)).toEqual([3 / Math.hypot(3, 1), 1 / Math.hypot(3, 1), 1, 0].map(Math.fround));
    expect(() => applyLayout({ shape: [2, 2], data: Float32Array.of(1, 0, 1, 0) }, ['normalizeColumns'])).toThrow('normalizeColumns: column 1 has norm 0, which cannot be divided by');
  });

  it('moves a kernel from OIHW to HWIO, entry by entry', () => {
    const [o, i, h, w] = [3, 2, 2, 4];
    const k = { shape: [o, i, h, w], data: values(o * i * h * w) };
    const t = applyLayout(k, ['oihwToHwio']);
    expect(t.shape).toEqual([h, w, i, o]);
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      expect(t.data[y * w * i * o + x * i * o + b * o + a]).toBe(k.data[a * i * h * w + b * h * w + y * w + x]);
    }
    expect(() => applyLayout({ shape: [2, 2], data: values(4) }, ['oihwToHwio'])).toThrow('oihwToHwio needs a convolution kernel [out, in, kh, kw] (rank 4), got shape [2, 2]');
  });
});

describe('a PyTorch-layout convolution synapse imported as hamux-ts conv2d', () => {
  it("gives the energy −Σ x̂₂ ⊙ conv2d(x̂₁, K) computed in PyTorch's layouts", () => {
    const [C, H, W, O, kh, kw] = [2, 5, 4, 3, 3, 2];
    const [Ho, Wo] = [H - kh + 1, W - kw + 1];
    const K = values(O * C * kh * kw, 2); // OIHW
    const x1 = values(C * H * W, 3); // CHW, one sample
    const x2 = values(O * Ho * Wo, 4); // CHW
    // The reference, in PyTorch's layouts: F.conv2d (a cross-correlation), NCHW states, OIHW kernel.
    let reference = 0;
    for (let o = 0; o < O; o++) for (let y = 0; y < Ho; y++) for (let x = 0; x < Wo; x++) {
      let sum = 0;
      for (let c = 0; c < C; c++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) sum += K[((o * C + c) * kh + a) * kw + b]! * x1[(c * H + y + a) * W + x + b]!;
      reference -= x2[(o * Ho + y) * Wo + x]! * sum;
    }
    const { config, params } = importTorch({ 'hypersynapses.conv.weight': { shape: [O, C, kh, kw], data: K } }, {
      neurons: { image: { lagrangian: 'IdentityLagrangian', shape: [H, W, C] }, features: { lagrangian: 'IdentityLagrangian', shape: [Ho, Wo, O] } },
      hypersynapses: { conv: { kind: 'conv2d', options: { kernel: [kh, kw] }, tensors: { W: { key: 'weight', layout: ['oihwToHwio'] } } } },
      connections: [[['image', 'features'], 'conv']],
    });
    const graph = buildFromConfig(config);
    const loaded = loadParams(graph, encodeSafetensors(params));
    const ham = graph.withParams(loaded);
    // States CHW → HWC, as hamux-ts's layers hold them (identity Lagrangians: activations are the states).
    const hwc = (x: Float32Array, c: number, h: number, w: number) => tf.tidy(() => tf.transpose(tf.tensor(x, [1, c, h, w]), [0, 2, 3, 1]));
    const states = { image: hwc(x1, C, H, W), features: hwc(x2, O, Ho, Wo) };
    const tree = ham.energyTree(states);
    expect(tree.synapses['conv']!.dataSync()[0]).toBeCloseTo(reference, 4);
    expect(Math.abs(tree.synapses['conv']!.dataSync()[0]! - reference) / Math.abs(reference)).toBeLessThan(1e-5);
    tf.dispose([...Object.values(states), tree.total, ...Object.values(tree.layers), ...Object.values(tree.synapses)]);
    for (const group of [loaded.layers, loaded.synapses]) for (const owner of Object.values(group)) tf.dispose(Object.values(owner));
    graph.dispose();
    ham.dispose();
  });
});
