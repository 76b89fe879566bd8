import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
import { descend, type Runtime } from '@hamux-ts/dynamics';

/**
 * A modern Hopfield memory of images: one layer `pixels` (tanh activation, so x̂ ∈ (−1, 1)) and one
 * synapse `memory`, `E = −(1/β) log Σ_μ exp(β ξ_μ·x̂)`, whose K patterns ξ are the stored images (±1).
 */
export function imageMemory(patterns: Float32Array, size: number, beta: number) {
  const k = patterns.length / size;
  return hypergraph()
    .layer('pixels', { shape: [size], lagrangian: L.tanh() })
    .synapse('memory', Y.modernHopfield({ memories: k, beta }), ['pixels'])
    .build({ seed: 0, params: { synapses: { memory: { xi: tf.tensor2d(patterns, [k, size]) } } } });
}

export type ImageMemory = ReturnType<typeof imageMemory>;

export interface Recall {
  /** `sign(x̂)` after the descent, `[count, size]`. */
  readonly recalled: Float32Array;
  readonly steps: number;
  /** How many samples stopped because they converged (rather than at `maxSteps`). */
  readonly converged: number;
}

export interface RecallOptions {
  /** 1 = known pixel, `[count, size]`: the known pixels are clamped and only the others move. */
  readonly known?: Uint8Array;
  /** `useBackend`'s runtime: the descent takes the fast path on it. */
  readonly runtime: Runtime;
}

/**
 * Energy descent from the cues (`[count, size]`, ±1 or 0 where unknown). Where `known` is given
 * (1 = known pixel), the known pixels are clamped and only the others move.
 */
export async function recall(memory: ImageMemory, cues: Float32Array, size: number, { known, runtime }: RecallOptions): Promise<Recall> {
  const count = cues.length / size;
  const pixels = tf.tensor2d(cues, [count, size]);
  const clamp = known ? tf.tensor2d(Float32Array.from(known), [count, size]) : undefined;
  const result = await descend(memory, { pixels }, { maxSteps: 400, runtime, ...(clamp ? { clamp: { pixels: clamp } } : {}) });
  const xhat = memory.activations(result.states);
  const recalled = Float32Array.from(await xhat.pixels.data(), (v) => (v >= 0 ? 1 : -1));
  const converged = result.report.filter((s) => s.converged).length;
  tf.dispose([pixels, clamp, xhat.pixels, result.states.pixels]);
  return { recalled, steps: result.steps, converged };
}

export interface Scores {
  /** Fraction of samples recalled exactly (every pixel). */
  readonly exact: number;
  /** Fraction whose recalled image is closer to its own stored pattern than to any other. */
  readonly nearest: number;
  /** Fraction of pixels that differ from the stored pattern. */
  readonly pixelError: number;
}

/** Scores recalled images against the stored patterns; sample i was made from pattern `sources[i]`. */
export function score(recalled: Float32Array, patterns: Float32Array, sources: ArrayLike<number>, size: number): Scores {
  const k = patterns.length / size;
  let exact = 0, nearest = 0, wrong = 0;
  for (let i = 0; i < sources.length; i++) {
    const r = recalled.subarray(i * size, (i + 1) * size);
    let best = -1, bestOverlap = -Infinity;
    for (let m = 0; m < k; m++) {
      let overlap = 0;
      for (let j = 0; j < size; j++) overlap += r[j]! * patterns[m * size + j]!;
      if (overlap > bestOverlap) { bestOverlap = overlap; best = m; }
    }
    const own = sources[i]!;
    let differ = 0;
    for (let j = 0; j < size; j++) if (r[j] !== patterns[own * size + j]) differ++;
    if (differ === 0) exact++;
    if (best === own) nearest++;
    wrong += differ;
  }
  const n = sources.length;
  return { exact: exact / n, nearest: nearest / n, pixelError: wrong / (n * size) };
}

const percent = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`;

/**
 * One line of the example's report: the corruption, then pixel error and exact recall of the
 * corrupted cues (`before`) → of the recalled images (`after`), steps and samples converged.
 *
 * ```ts
 * recallLine('25% of pixels flipped', before, after, { steps: 50, converged: 200 }, 200, 0.7);
 * // '25% of pixels flipped  pixel error 25.0% → 0.01%, recalled exactly 0.0% → 99.5%  (50 steps, 200/200 converged, 0.7 s)'
 * ```
 */
export function recallLine(name: string, before: Scores, after: Scores, run: Pick<Recall, 'steps' | 'converged'>, count: number, seconds: number): string {
  return `${name.padEnd(22)} pixel error ${percent(before.pixelError)} → ${percent(after.pixelError)}, ` +
    `recalled exactly ${percent(before.exact)} → ${percent(after.exact)}  (${run.steps} steps, ${run.converged}/${count} converged, ${seconds.toFixed(1)} s)`;
}
