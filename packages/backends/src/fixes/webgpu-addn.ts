import { tf } from '@hamux-ts/core';

/**
 * tfjs-backend-webgpu 4.22's AddN compiles ONE shader that binds every input as a storage buffer.
 * WebGPU devices allow `maxStorageBuffersPerShaderStage` of them (8 by default: tfjs does not ask
 * for more), so `tf.addN` of more than 7 tensors fails validation. The failure is silent: the
 * pipeline is invalid, the whole command buffer it was batched into (up to 15 other kernels) is
 * dropped at submit, and those kernels' outputs read back as zeros or stale values. (Its Concat
 * kernel splits its inputs for exactly this reason; AddN was never given the same treatment.)
 *
 * Here AddN is re-registered for webgpu to sum at most `limit − 1` inputs per dispatch (one
 * binding is the output), summing partial sums the same way: the same additions, in groups.
 */

type KernelFunc = tf.KernelConfig['kernelFunc'];
type TensorInfo = tf.TensorInfo;
interface WebgpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): boolean;
}

/** Marks our replacement, so registering twice (a second useBackend) never wraps it again. */
const CHUNKED = Symbol.for('hamux-ts.webgpu.addNChunked');

function chunkedAddN(original: KernelFunc): KernelFunc {
  const sum = (inputs: TensorInfo[], backend: WebgpuBackendLike, attrs: tf.NamedAttrMap | undefined): TensorInfo => {
    const perDispatch = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    if (inputs.length <= perDispatch) {
      return original({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend: backend as unknown as tf.KernelBackend, attrs: attrs ?? {} }) as TensorInfo;
    }
    const partial: TensorInfo[] = [];
    for (let i = 0; i < inputs.length; i += perDispatch) partial.push(sum(inputs.slice(i, i + perDispatch), backend, attrs));
    const out = sum(partial, backend, attrs);
    for (const p of partial) backend.disposeData(p.dataId);
    return out;
  };
  const kernel: KernelFunc = ({ inputs, backend, attrs }) =>
    sum(inputs as unknown as TensorInfo[], backend as unknown as WebgpuBackendLike, attrs);
  return Object.assign(kernel, { [CHUNKED]: true });
}

/** Replaces the webgpu AddN kernel by one that respects the device's storage-buffer limit (once). */
export function registerChunkedAddN(): void {
  const config = tf.getKernel('AddN', 'webgpu');
  if (config === undefined || (config.kernelFunc as { [CHUNKED]?: boolean })[CHUNKED]) return;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...config, kernelFunc: chunkedAddN(config.kernelFunc) });
}
