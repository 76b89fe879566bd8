// Training convolutions on wasm: tfjs-backend-wasm has no Conv2DBackpropFilter, which
// `useBackend('wasm')` registers (im2col and one matrix product; on cpu it replaces tfjs's scalar
// loop unless fastKernels is false). The filter gradient must match tfjs's own cpu kernel to
// float32 accuracy and the definition in float64, and leak no tensor.
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '@hamux-ts/core';
import { useBackend } from '@hamux-ts/backends';
import { GRAPHS } from './graphs.js';
import { uniformValues } from '@hamux-ts/test-support';

afterAll(async () => { await useBackend('cpu'); });

interface Case { x: [number, number, number, number]; filter: [number, number, number, number]; strides: [number, number]; pad: 'valid' | 'same' | number }
const CASES: Case[] = [
  { x: [2, 5, 5, 2], filter: [2, 2, 2, 3], strides: [1, 1], pad: 'valid' },
  { x: [3, 6, 7, 3], filter: [3, 3, 3, 2], strides: [2, 2], pad: 'same' },
  { x: [1, 7, 6, 1], filter: [2, 3, 1, 4], strides: [2, 1], pad: 1 },
  // MNIST-sized, and one with channels on both sides: products that reach the fast matrix kernels.
  { x: [6, 28, 28, 1], filter: [4, 4, 1, 8], strides: [2, 2], pad: 'valid' },
  { x: [2, 12, 12, 8], filter: [3, 3, 8, 16], strides: [1, 1], pad: 'same' },
];

/** A numeric padding as explicit amounts (as @hamux-ts/core's conv2d passes it: tfjs 4.22 sizes a numeric padding's width from the kernel height). */
const padOf = (c: Case) => (typeof c.pad === 'number' ? ([[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] as tf.backend_util.ExplicitPadding) : c.pad);

/** ∂/∂W of Σ r ⊙ conv2d(x, W), by tfjs autodiff on the current backend. */
function filterGrad(c: Case): Float32Array {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const pad = padOf(c);
  return tf.tidy(() => {
    const x = tf.tensor4d(uniformValues(size(c.x), 1), c.x);
    const w = tf.tensor4d(uniformValues(size(c.filter), 2), c.filter);
    const y = tf.conv2d(x, w, c.strides, pad);
    const r = tf.tensor(uniformValues(y.size, 3), y.shape);
    return tf.grad((wv: Tensor) => tf.sum(tf.mul(r, tf.conv2d(x, wv as tf.Tensor4D, c.strides, pad))))(w).dataSync() as Float32Array;
  });
}

/** The same gradient from the definition, in float64: dW[i,j,ci,co] = Σ x_pad[b, oh·sh + i, ow·sw + j, ci] r[b, oh, ow, co]. */
function reference(c: Case): Float64Array {
  const [B, H, W, C] = c.x, [KH, KW, , CO] = c.filter, [sh, sw] = c.strides;
  const x = uniformValues(B * H * W * C, 1);
  let OH: number, OW: number, top: number, left: number;
  if (c.pad === 'valid') [OH, OW, top, left] = [Math.ceil((H - KH + 1) / sh), Math.ceil((W - KW + 1) / sw), 0, 0];
  else if (c.pad === 'same') {
    [OH, OW] = [Math.ceil(H / sh), Math.ceil(W / sw)];
    top = Math.floor(Math.max(0, (OH - 1) * sh + KH - H) / 2);
    left = Math.floor(Math.max(0, (OW - 1) * sw + KW - W) / 2);
  } else [OH, OW, top, left] = [Math.floor((H + 2 * c.pad - KH) / sh) + 1, Math.floor((W + 2 * c.pad - KW) / sw) + 1, c.pad, c.pad];
  const r = uniformValues(B * OH * OW * CO, 3);
  const dW = new Float64Array(KH * KW * C * CO);
  for (let b = 0; b < B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++)
    for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
      const h = oh * sh + i - top, w = ow * sw + j - left;
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      for (let ci = 0; ci < C; ci++) for (let co = 0; co < CO; co++) {
        dW[((i * KW + j) * C + ci) * CO + co]! += x[((b * H + h) * W + w) * C + ci]! * r[((b * OH + oh) * OW + ow) * CO + co]!;
      }
    }
  return dW;
}

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(CASES)('matches the cpu backend and the float64 definition ($x, $filter, strides $strides, pad $pad)', async (c) => {
    await useBackend('cpu', { fastKernels: false }); // tfjs's own cpu kernel, as long as no useBackend replaced it
    const cpu = filterGrad(c);
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = filterGrad(c);
    expect(tf.memory().numTensors).toBe(before);
    // Float32 sums over B·OH·OW terms of size ≤ 1, in another order than cpu's loop.
    const want = reference(c);
    want.forEach((v, i) => {
      expect(Math.abs(wasm[i]! - v)).toBeLessThan(1e-5 * (1 + Math.abs(v)));
      expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(v)));
    });
  });

  it("is also right on tfjs's own wasm matrix product (fast kernels off)", async () => {
    const c = CASES[4]!;
    await useBackend('cpu', { fastKernels: false });
    const cpu = filterGrad(c);
    await useBackend('wasm', { fastKernels: false });
    const wasm = filterGrad(c);
    const want = reference(c);
    want.forEach((v, i) => expect(Math.abs(wasm[i]! - v) + Math.abs(cpu[i]! - v)).toBeLessThan(2e-5 * (1 + Math.abs(v))));
  });

  it("replaces tfjs's cpu kernel under useBackend('cpu'), with the same results", async () => {
    await useBackend('cpu');
    for (const c of [CASES[2]!, CASES[3]!]) {
      const got = filterGrad(c);
      reference(c).forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
    }
  });

  it('lets a graph with conv synapses be trained on wasm: ∂E/∂W agrees with cpu', async () => {
    const grads = async (backend: 'cpu' | 'wasm') => {
      await useBackend(backend);
      const ham = GRAPHS["images"]!();
      const states = ham.randomStates(2, 9, 0.5);
      const conv = ['c1', 'c2', 'c3'] as const;
      const W = conv.map((s) => ham.params.synapses[s]!['W']!);
      const g = tf.grads((...ws: Tensor[]) => {
        const params = { ...ham.params, synapses: { ...ham.params.synapses, ...Object.fromEntries(conv.map((s, i) => [s, { ...ham.params.synapses[s], W: ws[i]! }])) } };
        return tf.sum(ham.energy(states, { params }));
      })(W);
      const out = await Promise.all(g.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([...g, ...Object.values(states)]);
      ham.dispose();
      return out;
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    cpu.forEach((c, k) => {
      const scale = Math.max(...c.map(Math.abs));
      c.forEach((v, i) => expect(Math.abs(wasm[k]![i]! - v)).toBeLessThan(1e-5 * (Math.abs(v) + scale)));
    });
  });
});
