// The core of `bench:gpu-counts` (counts.ts prints it): what a webgpu relaxation asks of the GPU,
// counted with `countGpuWork` around public calls only (`descend` with the runtime of
// `useBackend('webgpu')`), and split into what each step, each check and each relaxation costs.
//
// Relaxations of one graph from the same start, all with the checkEvery C under study: R1 of C
// steps, R2 of 2C, R3 of 3C, after a warm-up run of 2C steps (which compiles the shaders, uploads the
// weights and fills tfjs's buffer pool). A check window (C steps and the check that ends them) is
// R2 − R1, and R3 − R2 must give the same counts (`drift` is their difference: zero when the runs are
// steady). Per step = window / C, the check's share included: on tfjs's ops the check concatenates
// one row per step (the energies since the last check), in dispatches of at most
// maxStorageBuffersPerShaderStage − 1 inputs, so a step's share need not be a whole number.
// Per relaxation besides its windows ("setup": the first evaluation, the check at step 0, the
// result) = R1 − window. The warm-up minus R2 is what only a graph's first relaxation pays.
import { HamuxError, tf, type States, type Tensor } from '@hamux-ts/core';
import { countGpuWork, type GpuCounter, type GpuWorkCounts } from '@hamux-ts/backends';
import { descend, type DescendOptions, type Runtime } from '@hamux-ts/dynamics';
import type { RelaxCase } from '../public/cases.js';

/** Counts as plain numbers: differences and averages of `GpuWorkCounts`. */
export type Counts = { readonly [K in keyof GpuWorkCounts]: number };

/** What one graph's relaxation costs on the GPU: per step, per check window, per relaxation. */
export interface CaseCounts {
  readonly id: string;
  readonly title: string;
  /** C: the relaxations' `checkEvery`. */
  readonly checkEvery: number;
  /** The evaluator `descend` reported (what ran each step). */
  readonly evaluator: string;
  /** A check window, C steps and the check that ends them: R2 − R1. */
  readonly perWindow: Counts;
  /** perWindow / C. */
  readonly perStep: Counts;
  /** (R3 − R2) − (R2 − R1): all zero when every window costs the same. */
  readonly drift: Counts;
  /** R1 − perWindow: what a relaxation pays besides its windows (first evaluation, check at step 0, result). */
  readonly setup: Counts;
  /** R2 whole: a relaxation of 2C steps with checkEvery C. */
  readonly relaxation: Counts;
  /** Steps of `relaxation` (2C) and the checks in it (steps 0, C and 2C). */
  readonly relaxationSteps: number;
  readonly relaxationChecks: number;
  /** The first relaxation of the graph (the warm-up, R2's shape) minus R2: weight uploads and the like. */
  readonly firstExtra: Counts;
}

/** Options of `measureCase`. */
export interface MeasureOptions {
  /** C: the relaxations' `checkEvery` (default 10, descend's default). */
  readonly checkEvery?: number;
}

const combine = (a: Counts, b: Counts, f: (x: number, y: number) => number): Counts =>
  Object.fromEntries(Object.keys(a).map((k) => [k, f(a[k as keyof Counts], b[k as keyof Counts])])) as unknown as Counts;
const minus = (a: Counts, b: Counts) => combine(a, b, (x, y) => x - y);

/**
 * Counts the GPU work of `rc`'s relaxation on the webgpu backend. `runtime` is `useBackend('webgpu')`'s;
 * the graph is built, relaxed and disposed here, and the counter disposed whatever happens.
 */
export async function measureCase(rc: RelaxCase, runtime: Runtime, options: MeasureOptions = {}): Promise<CaseCounts> {
  const every = options.checkEvery ?? 10;
  const where = ['measureCase', rc.id];
  if (runtime.backend !== 'webgpu') throw new HamuxError([...where, 'runtime'], `counts webgpu relaxations, got a ${runtime.backend} runtime`, 'invalid_argument');
  if (!(Number.isInteger(every) && every > 0)) throw new HamuxError([...where, 'checkEvery'], `expected a positive integer, got ${every}`, 'invalid_argument');

  // Started before the graph is built, so that every bind group the relaxations use is seen.
  const counter: GpuCounter = countGpuWork();
  const ham = rc.build();
  const init: States<string> = ham.randomStates(rc.batch, rc.stateSeed, rc.stateStd);
  try {
    let evaluator = '';
    const relax = async (steps: number): Promise<Counts> => {
      const options: DescendOptions<string> = {
        runtime, mode: 'fixed', dt: rc.dt, maxSteps: steps, checkEvery: every, neuronEnergy: rc.neuronEnergy,
        clamp: Object.fromEntries(rc.clamp.map((l) => [l, true as const])),
        tolerance: { grad: 0, energy: 0, state: 0 }, // never converged: every run takes all its steps
      };
      const before = counter.counts();
      const result = await descend(ham, init, options);
      const after = counter.counts();
      tf.dispose(Object.values<Tensor>(result.states));
      if (result.steps !== steps) throw new HamuxError(where, `relaxed ${result.steps} steps instead of ${steps}`, 'diverged');
      evaluator = result.evaluator;
      return minus(after, before);
    };
    const first = await relax(2 * every);
    const r1 = await relax(every);
    const r2 = await relax(2 * every);
    const r3 = await relax(3 * every);
    const window = minus(r2, r1);
    return {
      id: rc.id, title: rc.title, checkEvery: every, evaluator,
      perWindow: window,
      perStep: combine(window, window, (x) => x / every),
      drift: minus(minus(r3, r2), window),
      setup: minus(r1, window),
      relaxation: r2, relaxationSteps: 2 * every, relaxationChecks: 3,
      firstExtra: minus(first, r2),
    };
  } finally {
    tf.dispose(Object.values<Tensor>(init));
    ham.dispose();
    counter.dispose();
  }
}
