/**
 * The measurements every variant gets, whatever the task: wall time and steps of the timed
 * relaxation (median and spread over runs, after warm-up), FLOPs per scheduler step and per
 * evaluation of the graph, and the tensor memory a relaxation holds at its peak.
 */
import { tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { descend, type DescendOptions, type DescendResult, type StopReason } from '@hamux-ts/dynamics';
import { profileFlops } from './flops.js';

/** Median, smallest and largest of some numbers. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** What the timed relaxation measured. */
export interface RelaxationTiming {
  /** Samples relaxed together. */
  readonly batch: number;
  /** Wall time of each timed run, in ms (the batch runs until its slowest sample stops). */
  readonly runsMs: readonly number[];
  readonly wallMs: Spread;
  /** Steps each sample took to stop (last run), median and range over samples. */
  readonly stepsPerSample: Spread;
  /** Steps the batch took (its slowest sample). */
  readonly batchSteps: number;
  /** Median wall time over batch steps. */
  readonly msPerStep: number;
  /** Samples that converged (last run). */
  readonly converged: number;
  /** How samples stopped (last run). */
  readonly reasons: Partial<Record<StopReason, number>>;
  /** Load average (1 min) when the timed runs started and ended. */
  readonly loadAverage: readonly [number, number];
  /** What computed E and ∂E/∂x̂ in the timed runs: `HAM.energyAndDEdxhat` (tfjs ops) or a fast evaluator. */
  readonly evaluator: string;
}

export const disposeStates = (s: States<string>): void => tf.dispose(Object.values<Tensor>(s));

/**
 * Relaxes `init` `warmup + runs` times with the same options and times the `runs` last ones.
 * `init` stays the caller's; every result is freed except the last run's, which is returned.
 */
export async function timeRelaxation(
  ham: HAM<string, string>,
  init: States<string>,
  options: DescendOptions<string>,
  protocol: { readonly runs: number; readonly warmup: number },
  load: () => number,
): Promise<{ timing: RelaxationTiming; last: DescendResult<string> }> {
  const runsMs: number[] = [];
  let last: DescendResult<string> | undefined;
  const loadStart = load();
  for (let i = 0; i < protocol.warmup + protocol.runs; i++) {
    if (last) disposeStates(last.states);
    const started = performance.now();
    last = await descend(ham, init, options);
    // The states are read back inside descend's checks; the time is the whole call.
    const ms = performance.now() - started;
    if (i >= protocol.warmup) runsMs.push(ms);
  }
  const result = last!;
  const steps = result.report.map((r) => r.steps);
  const reasons: Partial<Record<StopReason, number>> = {};
  for (const r of result.report) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  const wallMs = spread(runsMs);
  return {
    timing: {
      batch: result.report.length,
      runsMs,
      wallMs,
      stepsPerSample: spread(steps),
      batchSteps: result.steps,
      msPerStep: wallMs.median / Math.max(1, result.steps),
      converged: result.report.filter((r) => r.converged).length,
      reasons,
      loadAverage: [loadStart, load()],
      evaluator: result.evaluator,
    },
    last: result,
  };
}

/** FLOPs and memory of a variant's relaxation, counted from the kernels it dispatches. */
export interface WorkCount {
  /** FLOPs of one scheduler step on the timed batch (the energy and ∂E/∂x̂, the update, the step control, amortised checks). */
  readonly perStep: number;
  /** FLOPs of one evaluation of the graph on the timed batch: the energy and every ∂E/∂x̂. */
  readonly graph: number;
  /** Kernels one scheduler step dispatches. */
  readonly kernelsPerStep: number;
  /** The kernels that do most of the graph's work, with their share. */
  readonly top: readonly { readonly kernel: string; readonly share: number }[];
  /** Most bytes held by tensors during a relaxation, above what was held before it. */
  readonly peakBytes: number;
}

/**
 * Counts the work of one scheduler step as the difference between two profiled relaxations of
 * `c` and `2c` steps (c = the check interval, so both include whole check windows), every
 * tolerance at 0 so that neither stops early; and the work of one graph evaluation on its own.
 * Both run on the general tfjs path (`fastPath: false`), whose kernels `tf.profile` sees; a fast
 * evaluator (the lean fused step) computes the same energy and signals on host arrays.
 */
export async function countWork(ham: HAM<string, string>, init: States<string>, options: DescendOptions<string>, params: Params | undefined): Promise<WorkCount> {
  const c = options.checkEvery ?? 10;
  const run = (steps: number) =>
    profileFlops(async () => {
      // The general tfjs path (fastPath off): a fused evaluator on host arrays would hide its kernels.
      const r = await descend(ham, init, { ...options, maxSteps: steps, tolerance: { grad: 0, energy: 0, state: 0 }, fastPath: false });
      disposeStates(r.states);
      return r.steps;
    });
  const short = await run(c);
  const long = await run(2 * c);
  // A run that stopped early on its own (step underflow) leaves no difference: then the long run's average.
  const differ = long.result > short.result;
  const steps = differ ? long.result - short.result : Math.max(1, long.result);
  const base = differ ? short.count : { flops: 0, kernels: 0 };
  const graph = await profileFlops(() => {
    const { energy, dEdxhat } = ham.energyAndDEdxhat(init, params ? { params } : {});
    tf.dispose([energy, ...Object.values<Tensor>(dEdxhat)]);
    return 0;
  });
  const total = graph.count.flops || 1;
  return {
    perStep: (long.count.flops - base.flops) / steps,
    graph: graph.count.flops,
    kernelsPerStep: (long.count.kernels - base.kernels) / steps,
    top: graph.count.byKernel.slice(0, 3).map((k) => ({ kernel: k.kernel, share: k.flops / total })),
    peakBytes: long.peakBytes,
  };
}
