import { HamuxError, formatShape, sizeOf, type ErrorPath, type HAM, type ParamSpecTree, type Shape } from '@hamux-ts/core';

/**
 * The memory a graph needs, estimated from its shapes before anything is allocated, so that a
 * config of `[65536, 65536]` or `--batch 10000000` stops with a message instead of a multi-gigabyte
 * allocation or tfjs's "Invalid typed array length":
 *
 * ```text
 * need = Σ_parameters 4·size(shape) + Σ_layers 4·batch·size(shape)      (float32)
 * ```
 *
 * Each layer's share is its Lagrangian's parameters and its states; each synapse's, its parameters.
 */

/** The default limit: 2 GiB. */
export const DEFAULT_MAX_BYTES = 2 * 2 ** 30;

const FLOAT32 = 4;

/** One layer's or synapse's share of the need. */
export interface MemoryShare {
  /** `['layers', name]` or `['synapses', name]`. */
  readonly path: ErrorPath;
  /** Its parameters' bytes (and, for a layer, its states' for `batch` samples), float32: 4 bytes per entry. */
  readonly bytes: number;
  /** What takes the most of it, in words: `parameter W [65536, 65536]`, `states [1, 1000000000]`. */
  readonly largest: string;
}

/** The memory a graph needs, in float32, from its specs alone: total bytes and the largest part. */
export interface MemoryEstimate {
  /** Parameters and states of `batch` samples together, in bytes. */
  readonly bytes: number;
  /** The number of samples whose states are counted (the leading batch dimension `B`). */
  readonly batch: number;
  /** Every layer's and synapse's share, in the graph's order. */
  readonly shares: readonly MemoryShare[];
}

/** What the estimate reads: each layer's shape and every parameter's spec (a `HAM` has both). */
export interface SizedGraph {
  /** Each layer's shape, without the batch dimension, by layer name, in the graph's order. */
  readonly layerShapes: ReadonlyMap<string, Shape>;
  /** Every parameter's spec (its shape and initialiser), under `layers.<layer>` and `synapses.<synapse>`. */
  readonly paramSpecs: ParamSpecTree;
}

/** A built graph's layer shapes and parameter specs. */
export function sizedGraph(ham: Pick<HAM<string, string>, 'layerNames' | 'layers' | 'paramSpecs'>): SizedGraph {
  return { layerShapes: new Map(ham.layerNames.map((n) => [n, ham.layers[n]!.shape])), paramSpecs: ham.paramSpecs };
}

/** The bytes each layer and synapse needs for parameters and `batch` samples of states. */
export function estimateMemory(graph: SizedGraph, batch = 1): MemoryEstimate {
  const shares: MemoryShare[] = [];
  const share = (path: ErrorPath, parts: readonly (readonly [string, number])[]) => {
    let bytes = 0;
    let largest = parts[0]?.[0] ?? 'nothing';
    let most = -1;
    for (const [what, b] of parts) {
      bytes += b;
      if (b > most) { most = b; largest = what; }
    }
    shares.push({ path, bytes, largest });
  };
  const params = (specs: ParamSpecTree['layers'][string] | undefined) =>
    Object.entries(specs ?? {}).map(([p, spec]) => [`parameter ${p} ${formatShape(spec.shape)}`, FLOAT32 * sizeOf(spec.shape)] as const);
  for (const [name, shape] of graph.layerShapes) {
    const states = [`states ${formatShape([batch, ...shape])}`, FLOAT32 * batch * sizeOf(shape)] as const;
    share(['layers', name], [states, ...params(Object.hasOwn(graph.paramSpecs.layers, name) ? graph.paramSpecs.layers[name] : undefined)]);
  }
  for (const [name, specs] of Object.entries(graph.paramSpecs.synapses)) share(['synapses', name], params(specs));
  return { bytes: shares.reduce((n, s) => n + s.bytes, 0), batch, shares };
}

/** `17179869184` → `16.0 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let n = bytes;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} bytes` : `${n.toPrecision(3)} ${units[i]}`;
}

/**
 * The error for an estimate above `maxBytes`, at the layer or synapse that needs the most, or
 * undefined when it fits:
 *
 * ```text
 * synapses.enc: needs 16.0 GiB (parameter W [65536, 65536]); the graph needs 16.0 GiB in all
 * (parameters, and states of 1 sample, float32), more than the limit of 2.00 GiB
 * ```
 */
export function memoryProblem(estimate: MemoryEstimate, maxBytes = DEFAULT_MAX_BYTES): HamuxError | undefined {
  if (estimate.bytes <= maxBytes) return undefined;
  const top = estimate.shares.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const samples = `${estimate.batch} sample${estimate.batch === 1 ? '' : 's'}`;
  return new HamuxError(
    top.path,
    `needs ${formatBytes(top.bytes)} (${top.largest}); the graph needs ${formatBytes(estimate.bytes)} in all ` +
      `(parameters, and states of ${samples}, float32), more than the limit of ${formatBytes(maxBytes)}`,
    'too_large',
  );
}

/** A limit as given: a non-negative number of bytes (Infinity for none). */
export function checkMaxBytes(maxBytes: unknown, path: ErrorPath): number {
  if (typeof maxBytes !== 'number' || Number.isNaN(maxBytes) || maxBytes < 0) {
    throw new HamuxError(path, `expected a number of bytes >= 0, got ${String(maxBytes)}`, 'invalid_argument');
  }
  return maxBytes;
}

/** A batch size as given: an integer >= 0. */
export function checkBatch(batch: unknown, path: ErrorPath): number {
  if (typeof batch !== 'number' || !Number.isSafeInteger(batch) || batch < 0) {
    throw new HamuxError(path, `expected an integer >= 0, got ${String(batch)}`, 'invalid_argument');
  }
  return batch;
}

/**
 * Throws the `too_large` error when a built graph with `batch` samples of states needs more than
 * `maxBytes` (for states whose batch is known only once read, as `eval` and `run --input` have).
 */
export function checkMemory(
  ham: Pick<HAM<string, string>, 'layerNames' | 'layers' | 'paramSpecs'>,
  options: { readonly batch: number; readonly maxBytes?: number | undefined },
): void {
  const batch = checkBatch(options.batch, ['options', 'batch']);
  const max = checkMaxBytes(options.maxBytes ?? DEFAULT_MAX_BYTES, ['options', 'maxBytes']);
  const problem = memoryProblem(estimateMemory(sizedGraph(ham), batch), max);
  if (problem) throw problem;
}
