import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { Gemm } from './gemm.js';

/**
 * The two backends whose tensors live in memory JavaScript can see. cpu: each tensor's values are
 * a typed array in the backend's data storage. wasm: they sit on the module's heap, and
 * `typedArrayFromHeap` gives a view (re-taken after any allocation, which may grow the heap).
 */
interface CpuBackend {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  disposeIntermediateTensorInfo(t: TensorInfo): void;
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeIntermediateTensorInfo?(t: TensorInfo): void;
}
type AnyBackend = CpuBackend & WasmBackend & { disposeData(id: object): void };

type KernelArgs = { inputs: Record<string, TensorInfo | undefined>; backend: AnyBackend; attrs?: NamedAttrMap };

/** Reads inputs and allocates the output on one backend. */
interface Storage {
  /** The float32 values of a tensor, or undefined when they are not a Float32Array. */
  read(t: TensorInfo): Float32Array | undefined;
  /** A zeroed or garbage output (beta = 0 never reads it), and the TensorInfo that owns it. */
  output(shape: number[], size: number): { info: TensorInfo; values: Float32Array };
}

const storages: Record<string, (backend: AnyBackend) => Storage> = {
  cpu: (backend) => ({
    read: (t) => {
      const v = backend.data.get(t.dataId).values;
      return v instanceof Float32Array ? v : undefined;
    },
    output: (shape, size) => {
      const values = new Float32Array(size);
      return { info: backend.makeTensorInfo(shape, 'float32', values), values };
    },
  }),
  wasm: (backend) => ({
    read: (t) => {
      const v = backend.typedArrayFromHeap(t);
      return v instanceof Float32Array ? v : undefined;
    },
    output: (shape) => {
      const info = backend.makeOutput(shape, 'float32');
      return { info, values: backend.typedArrayFromHeap(info) as Float32Array };
    },
  }),
};

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * `a @ b` with tfjs's BatchMatMul semantics (transposes, leading batch axes with broadcasting),
 * on `gemm`; undefined when the case is one we leave to the stock kernel (not float32, a
 * broadcast that is not "one matrix against a batch", mismatched inner sizes: its error message).
 */
function fastMatMul(gemm: Gemm, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, storage: Storage): TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  const M = tA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const K = tA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const Kb = tB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const N = tB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (K !== Kb) return undefined;
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return undefined;
  }
  const batch = prod(outer), batchA = prod(outerA), batchB = prod(outerB);
  // Each operand is either one matrix for the whole batch, or one per output matrix in order.
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return undefined;
  if (!storage.read(a) || !storage.read(b)) return undefined;
  // Allocate first: on wasm that may grow the heap and detach earlier views.
  const { info, values: out } = storage.output([...outer, M, N], batch * M * N);
  const av = storage.read(a)!, bv = storage.read(b)!;
  gemm.sgemm(tA, tB, M, N, K, 1, av, 0, tA ? M : K, bv, 0, tB ? K : N, 0, out, 0, N, batch,
    batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N, M * N);
  return info;
}

let installed: { originals: KernelConfig[]; gemm: Gemm } | undefined;

function replace(config: KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Backends whose matrix products we know how to run. */
export const FAST_BACKENDS = ['cpu', 'wasm'] as const;

function hasKernel(name: string, backendName: string): boolean {
  try {
    return tf.getKernel(name, backendName) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Replaces BatchMatMul and _FusedMatMul of the cpu backend, and of the wasm backend when it is
 * registered, by kernels running on `gemm` (cases they do not cover go to the stock kernels).
 * Returns the `backend/kernel` names replaced. Calling it again swaps the gemm;
 * `uninstallMatMulKernels` restores the stock kernels. On wasm, register the backend (import
 * @tensorflow/tfjs-backend-wasm, or useBackend('wasm')) before calling this.
 */
export function installMatMulKernels(gemm: Gemm): string[] {
  const originals = installed?.originals ?? [];
  const original = (name: string, backendName: string): KernelConfig | undefined => {
    const kept = originals.find((k) => k.kernelName === name && k.backendName === backendName);
    if (kept) return kept;
    if (!hasKernel(name, backendName)) return undefined;
    const k = tf.getKernel(name, backendName);
    originals.push(k);
    return k;
  };
  const done: string[] = [];
  for (const backendName of FAST_BACKENDS) {
    const bmm = original(tf.BatchMatMul, backendName);
    const fused = original(tf._FusedMatMul, backendName);
    const storageOf = storages[backendName]!;
    if (bmm) {
      const batchMatMul = (args: KernelArgs) => {
        const { a, b } = args.inputs;
        const attrs = args.attrs ?? {};
        return fastMatMul(gemm, a!, b!, !!attrs['transposeA'], !!attrs['transposeB'], storageOf(args.backend))
          ?? (bmm.kernelFunc as (x: KernelArgs) => TensorInfo)(args);
      };
      replace({ ...bmm, kernelFunc: batchMatMul as unknown as KernelFunc });
      done.push(`${backendName}/${tf.BatchMatMul}`);
    }
    if (fused) {
      // Bias and a linear activation here; other activations (relu, elu…) go to the stock kernel.
      const fusedMatMul = (args: KernelArgs) => {
        const { a, b, bias } = args.inputs;
        const attrs = args.attrs ?? {};
        const activation = attrs['activation'];
        if (activation === undefined || activation === null || activation === 'linear') {
          const mm = fastMatMul(gemm, a!, b!, !!attrs['transposeA'], !!attrs['transposeB'], storageOf(args.backend));
          if (mm) {
            if (!bias) return mm;
            const add = tf.getKernel(tf.Add, backendName).kernelFunc as (x: KernelArgs) => TensorInfo;
            const out = add({ inputs: { a: mm, b: bias }, backend: args.backend });
            args.backend.disposeData(mm.dataId);
            return out;
          }
        }
        return (fused.kernelFunc as (x: KernelArgs) => TensorInfo)(args);
      };
      replace({ ...fused, kernelFunc: fusedMatMul as unknown as KernelFunc });
      done.push(`${backendName}/${tf._FusedMatMul}`);
    }
  }
  installed = { originals, gemm };
  return done;
}

/** Puts the stock kernels back. */
export function uninstallMatMulKernels(): void {
  if (!installed) return;
  for (const k of installed.originals) replace(k);
  installed = undefined;
}

/** The gemm the backends' matrix products run on now, if ours are installed. */
export function installedGemm(): Gemm | undefined {
  return installed?.gemm;
}
