/**
 * Counts the work the webgpu backend hands its GPU device: compute dispatches, queue submits, bytes
 * moved and readbacks. It wraps methods of that one device, its queue, and the command encoders,
 * compute passes and read-back buffers made while it counts (own properties on those objects, no
 * prototype and no global is touched), and `dispose()` puts the device's and queue's methods and
 * the buffers' `mapAsync` back. Counts do not depend on the GPU's speed, so they mean the same on a
 * software adapter as on a real GPU.
 */
import { HamuxError, tf } from '@hamux-ts/core';

// WebGPU's usage and map-mode bits, fixed by the WebGPU specification (no GPU global needed).
const USAGE_MAP_READ = 0x0001;
const USAGE_STORAGE = 0x0080;
const MAP_MODE_READ = 0x0001;

/** What a `GpuCounter` has counted. Counts are totals since the counter started or was last reset. */
export interface GpuWorkCounts {
  /** Compute dispatches recorded: `dispatchWorkgroups` and `dispatchWorkgroupsIndirect` calls. */
  readonly dispatches: number;
  /** Compute passes begun (`beginComputePass`). */
  readonly computePasses: number;
  /** `queue.submit` calls (each sends one or more command buffers to the GPU). */
  readonly submits: number;
  /** `queue.writeBuffer` calls (tfjs writes each dispatch's uniforms with one). */
  readonly writes: number;
  /** Bytes written by `queue.writeBuffer`. */
  readonly writeBytes: number;
  /** Buffers created mapped (`mappedAtCreation`), which the host fills: tfjs's uploads of tensor values. */
  readonly mappedUploads: number;
  /** Bytes of the buffers created mapped (each counted whole). */
  readonly mappedUploadBytes: number;
  /** `copyBufferToBuffer` calls (GPU to GPU: into staging buffers for readbacks, out of them for uploads). */
  readonly copies: number;
  /** Bytes copied by `copyBufferToBuffer`. */
  readonly copyBytes: number;
  /**
   * The storage traffic of the dispatches: for each dispatch, the bound sizes of every storage
   * buffer in the bind groups set at that moment, summed. That is what a kernel that reads each
   * input and writes each output once moves through GPU memory; uniform buffers are left out (their
   * bytes are in `writeBytes`).
   */
  readonly boundBytes: number;
  /**
   * Dispatches that used a bind group created before the counter started, whose buffers
   * `boundBytes` cannot see (then `boundBytes` is a lower bound). 0 for tfjs's generic ops, which
   * make a bind group per dispatch.
   */
  readonly unknownBindGroups: number;
  /** `mapAsync` calls for reading (`GPUMapMode.READ`): the host waits for the GPU at each one. */
  readonly readbacks: number;
  /** Bytes mapped for reading by those calls. */
  readonly readbackBytes: number;
  /**
   * Bytes moved: `boundBytes + copyBytes + writeBytes + mappedUploadBytes`, the storage traffic of
   * the kernels plus every explicit transfer. Readback bytes are not added again: the copy into the
   * staging buffer they are read from is in `copyBytes`.
   */
  readonly bytesMoved: number;
}

/** Counts the webgpu backend's GPU work from `countGpuWork()` until `dispose()`. */
export interface GpuCounter {
  /** The counts so far (a frozen snapshot). After `dispose()`, the counts as they stood then. */
  counts(): GpuWorkCounts;
  /** Starts every count again from zero. */
  reset(): void;
  /** Stops counting and restores the device's, the queue's and the buffers' own methods (idempotent). */
  dispose(): void;
  /** Whether `dispose()` has been called. */
  readonly disposed: boolean;
}

interface BufferLike {
  readonly size: number;
  readonly usage: number;
}
type Fn = (this: unknown, ...args: unknown[]) => unknown;
/** The objects whose methods are wrapped, as loose records: each wrapper calls the original through `apply`. */
type Methods = Record<string, unknown>;

interface WebgpuBackendLike {
  readonly device: Methods & { readonly queue: Methods };
  readonly queue: Methods;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const zero = (): Mutable<GpuWorkCounts> => ({
  dispatches: 0, computePasses: 0, submits: 0, writes: 0, writeBytes: 0, mappedUploads: 0, mappedUploadBytes: 0,
  copies: 0, copyBytes: 0, boundBytes: 0, unknownBindGroups: 0, readbacks: 0, readbackBytes: 0, bytesMoved: 0,
});

const isBuffer = (x: unknown): x is BufferLike =>
  typeof x === 'object' && x !== null && typeof (x as BufferLike).size === 'number' && typeof (x as BufferLike).usage === 'number';

/** The storage bytes a bind group's entries bind (`{ buffer, offset?, size? }`, or a buffer itself). */
function storageBytes(entries: unknown): number {
  let bytes = 0;
  for (const entry of Array.isArray(entries) ? (entries as { resource?: unknown }[]) : []) {
    const r = entry.resource;
    const binding = isBuffer(r) ? { buffer: r } : (r as { buffer?: unknown; offset?: number; size?: number } | undefined);
    const buffer = binding?.buffer;
    if (!isBuffer(buffer) || (buffer.usage & USAGE_STORAGE) === 0) continue;
    bytes += binding!.size ?? buffer.size - (binding!.offset ?? 0);
  }
  return bytes;
}

/** Devices being counted: one counter per device at a time. */
const counting = new WeakSet<object>();

/**
 * Starts counting the GPU work of the current webgpu backend (`useBackend('webgpu')` first): a
 * dispatch is counted when it is recorded, a submit, write, copy or readback when it is issued.
 * Work tfjs recorded before the call is submitted first, so that every later dispatch lands on a
 * compute pass the counter sees. One counter per device at a time; `dispose()` it when done.
 *
 * Throws a `HamuxError` (code `'unsupported'`) when the current backend is not webgpu or the device
 * is already being counted.
 *
 * @example
 * ```ts
 * await useBackend('webgpu');
 * const counter = countGpuWork();
 * const y = tf.exp(tf.add(a, b));
 * await y.data();
 * counter.counts();   // { dispatches: 2, submits: 1, readbacks: 1, readbackBytes: …, … }
 * counter.dispose();
 * ```
 */
export function countGpuWork(): GpuCounter {
  const name = tf.getBackend();
  if (name !== 'webgpu') {
    throw new HamuxError(['countGpuWork'], `counts the webgpu backend's work, but the current backend is ${name}: call useBackend('webgpu') first`, 'unsupported');
  }
  const backend = tf.backend() as unknown as WebgpuBackendLike;
  const device = backend.device;
  if (counting.has(device)) {
    throw new HamuxError(['countGpuWork'], 'this GPU device is already being counted: dispose that counter first', 'unsupported');
  }
  // tfjs keeps one command encoder and compute pass open across ops; a pass opened before now
  // would not be wrapped, so what it holds is submitted before counting starts.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  counting.add(device);

  let c = zero();
  let active = true;
  let final: GpuWorkCounts | undefined;
  const restores: (() => void)[] = [];
  const readBuffers = new Set<Methods>();
  const groupBytes = new WeakMap<object, number>();

  /** Replaces `target[key]` by a wrapper of it; the wrapper only counts while the counter is active. */
  const wrap = (target: Methods, key: string, count: (args: unknown[], result: unknown) => void, restore: boolean) => {
    const own = Object.getOwnPropertyDescriptor(target, key);
    const original = target[key] as Fn;
    Object.defineProperty(target, key, {
      configurable: true, writable: true, enumerable: false,
      value: function (this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args);
        if (active) count(args, result);
        return result;
      },
    });
    if (restore) restores.push(() => (own ? Object.defineProperty(target, key, own) : delete target[key]));
  };

  const watchReads = (buffer: unknown) => {
    if (!isBuffer(buffer) || (buffer.usage & USAGE_MAP_READ) === 0 || readBuffers.has(buffer as unknown as Methods)) return;
    readBuffers.add(buffer as unknown as Methods);
    wrap(buffer as unknown as Methods, 'mapAsync', ([mode, offset, size]) => {
      if (((mode as number) & MAP_MODE_READ) === 0) return;
      c.readbacks++;
      c.readbackBytes += (size as number | undefined) ?? buffer.size - ((offset as number | undefined) ?? 0);
    }, true);
  };

  const watchPass = (pass: Methods) => {
    const bound = new Map<number, number | undefined>();
    const dispatched = () => {
      c.dispatches++;
      for (const bytes of bound.values()) {
        if (bytes === undefined) c.unknownBindGroups++;
        else c.boundBytes += bytes;
      }
    };
    wrap(pass, 'setBindGroup', ([index, group]) => {
      if (group === null || group === undefined) bound.delete(index as number);
      else bound.set(index as number, groupBytes.get(group as object));
    }, false);
    wrap(pass, 'dispatchWorkgroups', dispatched, false);
    wrap(pass, 'dispatchWorkgroupsIndirect', dispatched, false);
  };

  const watchEncoder = (encoder: Methods) => {
    wrap(encoder, 'beginComputePass', (_args, pass) => {
      c.computePasses++;
      watchPass(pass as Methods);
    }, false);
    wrap(encoder, 'copyBufferToBuffer', (args) => {
      // (source, sourceOffset, destination, destinationOffset, size), or (source, destination, size?).
      const long = typeof args[1] === 'number';
      const [source, destination, size] = long ? [args[0], args[2], args[4]] : [args[0], args[1], args[2]];
      c.copies++;
      c.copyBytes += (size as number | undefined) ?? (isBuffer(source) ? source.size : 0);
      watchReads(destination);
    }, false);
  };

  wrap(device, 'createCommandEncoder', (_args, encoder) => watchEncoder(encoder as Methods), true);
  wrap(device, 'createBindGroup', ([descriptor], group) => {
    groupBytes.set(group as object, storageBytes((descriptor as { entries?: unknown }).entries));
  }, true);
  wrap(device, 'createBuffer', ([descriptor], buffer) => {
    const d = descriptor as { size: number; mappedAtCreation?: boolean };
    if (d.mappedAtCreation === true) {
      c.mappedUploads++;
      c.mappedUploadBytes += d.size;
    }
    watchReads(buffer);
  }, true);
  // tfjs keeps the queue it was given (`backend.queue`); count that one and the device's, once each.
  for (const queue of new Set([backend.queue, device.queue])) {
    wrap(queue, 'submit', () => { c.submits++; }, true);
    wrap(queue, 'writeBuffer', (args) => {
      // (buffer, bufferOffset, data, dataOffset?, size?): size and dataOffset in elements of a typed array, else bytes.
      const data = args[2] as ArrayBufferView | ArrayBuffer;
      const unit = ArrayBuffer.isView(data) ? ((data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1) : 1;
      const total = ArrayBuffer.isView(data) ? data.byteLength / unit : data.byteLength;
      c.writes++;
      c.writeBytes += ((args[4] as number | undefined) ?? total - ((args[3] as number | undefined) ?? 0)) * unit;
    }, true);
  }

  const snapshot = (): GpuWorkCounts =>
    Object.freeze({ ...c, bytesMoved: c.boundBytes + c.copyBytes + c.writeBytes + c.mappedUploadBytes });

  return {
    counts: () => final ?? snapshot(),
    reset: () => {
      if (active) c = zero();
    },
    dispose: () => {
      if (!active) return;
      final = snapshot();
      active = false;
      for (const restore of restores.reverse()) restore();
      readBuffers.clear();
      counting.delete(device);
    },
    get disposed() {
      return !active;
    },
  };
}
