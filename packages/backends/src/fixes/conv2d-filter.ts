import { HamuxError, tf } from '@hamux-ts/core';

/**
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel: the gradient of `tf.conv2d` with
 * respect to its filter, so no conv synapse could be trained on wasm ("kernel not registered"), and
 * tfjs-backend-cpu's is a scalar loop (~14 MFLOP/s). Here it is one matrix product over the
 * unrolled input windows (im2col):
 *
 * `dW[(kh, kw, ci), co] = Σ_{b, oh, ow} cols[(b, oh, ow), (kh, kw, ci)] · dy[(b, oh, ow), co]`, with
 * `cols[(b, oh, ow), (kh, kw, ci)] = x[b, oh·sh + kh − top, ow·sw + kw − left, ci]` (0 in the padding),
 *
 * NHWC, dilation 1 (tfjs's conv2d gradient supports no other). The product is the backend's own
 * `BatchMatMul` kernel (ours, on OpenBLAS or WebAssembly SIMD, when the fast kernels are on), so it
 * runs at matrix-product speed; tfjs's cpu version of this kernel, a scalar loop, runs at ~6 MFLOP/s.
 */

interface HostBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  disposeData(dataId: object): boolean;
  /** wasm */
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  /** cpu */
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

const KERNEL = 'Conv2DBackpropFilter';

/** The input windows of every output position as rows: `[B·OH·OW, KH·KW·C]`. */
function im2col(x: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const K = KH * KW * C;
  const cols = new Float32Array(B * OH * OW * K);
  for (let b = 0, row = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, row++) {
        for (let kh = 0; kh < KH; kh++) {
          const h = oh * sh + kh - top;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const w = ow * sw + kw - left;
            if (w < 0 || w >= W) continue;
            const from = ((b * H + h) * W + w) * C;
            cols.set(x.subarray(from, from + C), row * K + (kh * KW + kw) * C);
          }
        }
      }
    }
  }
  return cols;
}

function conv2DBackpropFilter(name: 'wasm' | 'cpu', inputs: tf.NamedTensorInfoMap, backend: HostBackend, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const x = inputs['x']!, dy = inputs['dy']!;
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  if (attrs['dataFormat'] !== undefined && attrs['dataFormat'] !== 'NHWC') {
    throw new HamuxError([KERNEL, 'dataFormat'], `supports NHWC only on ${name}, got ${String(attrs['dataFormat'])}`, 'unsupported');
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs['strides'] as [number, number] | number,
    1,
    attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const values = im2col(backend.readSync(x.dataId) as Float32Array, info);
  // (The two backends' constructors differ: wasm's makeOutput(shape, dtype, offset, values), cpu's makeTensorInfo(shape, dtype, values).)
  const cols = name === 'wasm' ? backend.makeOutput!([1, rows, K], 'float32', undefined, values) : backend.makeTensorInfo!([1, rows, K], 'float32', values);
  try {
    const matMul = tf.getKernel('BatchMatMul', name)!;
    const dW = matMul.kernelFunc({
      inputs: { a: cols, b: { dataId: dy.dataId, shape: [1, rows, info.outChannels], dtype: dy.dtype } },
      backend: backend as unknown as tf.KernelBackend,
      attrs: { transposeA: true, transposeB: false },
    }) as tf.TensorInfo;
    // [1, KH·KW·C, CO] is [KH, KW, C, CO] in the same order.
    return { dataId: dW.dataId, shape: [...filterShape], dtype: dW.dtype };
  } finally {
    backend.disposeData(cols.dataId);
  }
}

/** Marks our kernel, so that registering again (a second useBackend) never stacks it. */
const IM2COL = Symbol.for('hamux-ts.conv2dBackpropFilterIm2col');

/**
 * Registers the im2col `Conv2DBackpropFilter` for a backend (once): on wasm, where tfjs has none;
 * on cpu, in place of tfjs's scalar loop, which is 20–50× slower at MNIST sizes.
 */
export function registerConv2DBackpropFilter(name: 'wasm' | 'cpu'): void {
  const current = tf.getKernel(KERNEL, name);
  if (current && (current.kernelFunc as { [IM2COL]?: boolean })[IM2COL]) return;
  if (current) tf.unregisterKernel(KERNEL, name);
  const kernelFunc: tf.KernelConfig['kernelFunc'] = ({ inputs, backend, attrs }) =>
    conv2DBackpropFilter(name, inputs, backend as unknown as HostBackend, attrs ?? {});
  tf.registerKernel({ kernelName: KERNEL, backendName: name, kernelFunc: Object.assign(kernelFunc, { [IM2COL]: true }) });
}
