/**
 * Floating-point work counted from the tfjs kernels a computation dispatches (`tf.profile` records
 * each kernel's name and its input and output shapes), so it holds for user-defined parts too.
 *
 * Counting rules (one FLOP = one multiply or one add):
 * - `BatchMatMul`, `_FusedMatMul`: `2·M·N·K` per output matrix (`out [..., M, N]`, K the inner size,
 *   read from the first operand, which holds M·K entries whatever its transpose), plus one per output
 *   entry for a fused bias and one for a fused activation.
 * - `Conv2D`, `FusedConv2D`: `2·|out|·kh·kw·Cin` (filter `[kh, kw, Cin, Cout]`); `Conv2DBackpropInput`:
 *   `2·|dy|·kh·kw·Cin`; `Conv2DBackpropFilter`: `2·|dy|·kh·kw·Cin`; `DepthwiseConv2dNative`: `2·|out|·kh·kw`.
 * - Pooling: one per input entry (exact for windows that tile the input, the default stride); their
 *   gradients one per entry of the gradient they return.
 * - Reductions (`Sum`, `Max`, `Mean`, `All`, `ArgMax`, …): one per input entry.
 * - `Softmax`, `LogSoftmax`: five per entry (max, subtract, exp, sum, divide).
 * - `AddN` of n inputs: `(n − 1)` per output entry.
 * - Data movement (`Reshape`, `Identity`, `Cast`, `Tile`, `Concat`, `Slice`, `Transpose`, `Fill`, …): none.
 * - Every other kernel is elementwise: one per output entry.
 * Entries that are not kernels (the scopes of `customGrad` ops) count nothing: the kernels they run
 * are recorded on their own.
 */
import { tf } from '@hamux-ts/core';

/** What `tf.profile` records of one kernel (the fields used here). */
export interface KernelRecord {
  readonly name: string;
  readonly inputShapes: readonly (readonly number[] | null)[];
  readonly outputShapes: readonly (readonly number[])[];
}

export interface FlopCount {
  /** Total FLOPs. */
  readonly flops: number;
  /** FLOPs by kernel name, largest first. */
  readonly byKernel: readonly { readonly kernel: string; readonly flops: number; readonly calls: number }[];
  /** Kernels dispatched (not counting `customGrad` scopes). */
  readonly kernels: number;
}

const MOVEMENT = new Set([
  'Reshape', 'Identity', 'Cast', 'Fill', 'Tile', 'Concat', 'Pack', 'Unpack', 'Slice', 'StridedSlice', 'Transpose',
  'ZerosLike', 'OnesLike', 'ExpandDims', 'Squeeze', 'GatherV2', 'GatherNd', 'PadV2', 'MirrorPad', 'Reverse',
  'BroadcastTo', 'Range', 'OneHot', 'Complex', 'Real', 'Imag', 'SplitV', 'TensorScatterUpdate', 'ScatterNd',
  'DepthToSpace', 'SpaceToBatchND', 'BatchToSpaceND', 'LinSpace',
]);
const REDUCTIONS = new Set(['Sum', 'Max', 'Min', 'Mean', 'Prod', 'All', 'Any', 'ArgMax', 'ArgMin', 'EuclideanNorm']);
const POOLS = new Set(['AvgPool', 'MaxPool', 'AvgPool3D', 'MaxPool3D']);
const POOL_GRADS = new Set(['AvgPoolGrad', 'MaxPoolGrad', 'AvgPool3DGrad', 'MaxPool3DGrad']);

const size = (s: readonly number[] | null | undefined): number => (s ? s.reduce((a, b) => a * b, 1) : 0);

/** FLOPs of one kernel, by the rules above; `undefined` for an entry that is not a kernel. */
export function kernelFlops(k: KernelRecord, isKernel: (name: string) => boolean): number | undefined {
  if (!isKernel(k.name)) return undefined;
  const out = k.outputShapes[0] ?? [];
  const outSize = k.outputShapes.reduce((n, s) => n + size(s), 0);
  const [a, b] = k.inputShapes;
  switch (k.name) {
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const M = out[out.length - 2] ?? 1;
      const inner = a && a.length >= 2 ? (a[a.length - 1]! * a[a.length - 2]!) / M : 0;
      let flops = 2 * size(out) * inner;
      if (k.name === '_FusedMatMul') flops += (k.inputShapes[2] ? size(out) : 0) + (k.inputShapes[3] ? size(out) : 0);
      return flops;
    }
    case 'Conv2D':
    case 'FusedConv2D': {
      const f = b ?? [];
      return 2 * size(out) * (f[0] ?? 0) * (f[1] ?? 0) * (f[2] ?? 0) + (k.name === 'FusedConv2D' && k.inputShapes[2] ? size(out) : 0);
    }
    case 'Conv2DBackpropInput': {
      // inputs { dy, filter }, output dx
      const f = b ?? [];
      return 2 * size(a) * (f[0] ?? 0) * (f[1] ?? 0) * (f[2] ?? 0);
    }
    case 'Conv2DBackpropFilter': {
      // inputs { x, dy }, output the filter [kh, kw, Cin, Cout]
      return 2 * size(b) * (out[0] ?? 0) * (out[1] ?? 0) * (out[2] ?? 0);
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      const f = b ?? [];
      return 2 * size(out) * (f[0] ?? 0) * (f[1] ?? 0);
    }
    case 'Softmax':
    case 'LogSoftmax':
      return 5 * outSize;
    case 'AddN':
      return Math.max(0, k.inputShapes.length - 1) * outSize;
  }
  if (MOVEMENT.has(k.name)) return 0;
  if (REDUCTIONS.has(k.name) || POOLS.has(k.name)) return size(a);
  if (POOL_GRADS.has(k.name)) return outSize;
  return outSize;
}

/** Whether a profiled name is a kernel registered for the current backend (not a `customGrad` scope). */
export function registeredKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Sums the FLOPs of profiled kernels. */
export function countFlops(kernels: readonly KernelRecord[], isKernel: (name: string) => boolean = registeredKernel): FlopCount {
  const by = new Map<string, { flops: number; calls: number }>();
  let flops = 0;
  let count = 0;
  for (const k of kernels) {
    const f = kernelFlops(k, isKernel);
    if (f === undefined) continue;
    count++;
    flops += f;
    const e = by.get(k.name) ?? { flops: 0, calls: 0 };
    e.flops += f;
    e.calls++;
    by.set(k.name, e);
  }
  const byKernel = [...by].map(([kernel, e]) => ({ kernel, ...e })).sort((x, y) => y.flops - x.flops || x.kernel.localeCompare(y.kernel));
  return { flops, byKernel, kernels: count };
}

export interface Profiled<T> {
  readonly result: T;
  readonly count: FlopCount;
  /** Most bytes held by tensors at any kernel during the run, above what was held before it. */
  readonly peakBytes: number;
}

/**
 * Runs `f` under `tf.profile` and counts its FLOPs. The profiler reads every kernel's output back
 * (on backends without a kernel timer), so profile separately from timing.
 */
export async function profileFlops<T>(f: () => T | Promise<T>): Promise<Profiled<T>> {
  const before = tf.memory().numBytes;
  let result!: T;
  const info = await tf.profile(async () => {
    result = await f();
    return [] as tf.Tensor[];
  });
  const peak = info.kernels.reduce((m, k) => Math.max(m, k.totalBytesSnapshot), before);
  return { result, count: countFlops(info.kernels), peakBytes: Math.max(0, peak - before) };
}
