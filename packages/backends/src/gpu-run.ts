import { HamuxError, tf, type GpuProgram, type GpuRun, type GpuUniform, type Tensor } from '@hamux-ts/core';

/** The part of tfjs-backend-webgpu 4.22's backend that runs a custom program. */
interface ProgramBackend {
  runWebGPUProgram(program: GpuProgram, inputs: readonly tf.TensorInfo[], outputDtype: 'float32', uniforms?: readonly GpuUniform[]): tf.TensorInfo;
}

/**
 * Runs a WGSL program (a `GpuProgram` of @hamux-ts/core) through tfjs-backend-webgpu's own hook,
 * `runWebGPUProgram`: tfjs compiles and caches the pipeline by `shaderKey`, binds the inputs'
 * buffers and batches the dispatch with its other work. The output is a new tensor, the caller's.
 */
const runWebgpuProgram: GpuRun = (program, inputs, uniforms) => {
  const backend = tf.backend() as unknown as Partial<ProgramBackend>;
  if (tf.getBackend() !== 'webgpu' || typeof backend.runWebGPUProgram !== 'function') {
    throw new HamuxError(['runtime', 'gpu'], `runs programs on the webgpu backend, but ${tf.getBackend()} is the current one`, 'unsupported');
  }
  const info = backend.runWebGPUProgram(program, inputs as unknown as tf.TensorInfo[], 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as Tensor;
};

/** The GPU runner of webgpu runtimes: `descend` on such a runtime steps built-in graphs in fused WGSL programs. */
export const webgpuRunner = { name: 'fused WGSL step (webgpu)', run: runWebgpuProgram } as const;
