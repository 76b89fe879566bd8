import { tf } from '@hamux-ts/core';

/**
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel: the gradient of `tf.conv2d` with
 * respect to its filter, so any conv synapse's weights cannot be trained on wasm ("kernel not
 * registered"). Here it is registered for wasm, computed by the cpu backend's own kernel on host
 * copies of `x` and `dy`: the same arithmetic as on cpu, so the two backends agree to the last bit.
 *
 * `dW[kh, kw, ci, co] = Σ_{b, oh, ow} x_pad[b, oh·sh + kh, ow·sw + kw, ci] · dy[b, oh, ow, co]`
 * (NHWC, as tfjs's conv2d gradient asks for it).
 */

interface HostBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object): boolean;
}
interface WasmBackend extends HostBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

const KERNEL = 'Conv2DBackpropFilter';

function onCpu(inputs: tf.NamedTensorInfoMap, wasm: WasmBackend, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const reference = tf.getKernel(KERNEL, 'cpu');
  const cpu = tf.findBackend('cpu') as unknown as HostBackend | null;
  if (reference === undefined || cpu === null) {
    throw new Error(`${KERNEL} on wasm needs the cpu backend's kernel, and the cpu backend is not registered`);
  }
  const copies: tf.TensorInfo[] = [];
  const copy = (t: tf.TensorInfo): tf.TensorInfo => {
    const info = { dataId: cpu.write(wasm.readSync(t.dataId), [...t.shape], t.dtype), shape: [...t.shape], dtype: t.dtype };
    copies.push(info);
    return info;
  };
  try {
    const out = reference.kernelFunc({
      inputs: { x: copy(inputs['x']!), dy: copy(inputs['dy']!) },
      backend: cpu as unknown as tf.KernelBackend,
      attrs,
    }) as tf.TensorInfo;
    copies.push(out);
    return wasm.makeOutput([...out.shape], out.dtype, undefined, cpu.readSync(out.dataId));
  } finally {
    for (const c of copies) cpu.disposeData(c.dataId);
  }
}

/** Registers the wasm `Conv2DBackpropFilter` (once; never over a kernel tfjs itself provides). */
export function registerWasmConv2DBackpropFilter(): void {
  if (tf.getKernel(KERNEL, 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => onCpu(inputs, backend as unknown as WasmBackend, attrs ?? {}),
  });
}
