import { HamuxError, HamuxErrors, tf, tidy, type HAM, type States, type Tensor } from '@hamux-ts/core';
import { DivergenceError } from './errors.js';
import { disposeMasks, freeMasks } from './clamp.js';
import { levelSchedule, rateLevels } from './levels.js';
import { evaluatorFor } from './evaluate.js';
import type { DescendOptions, Settings } from './options.js';

/** Why a sample stopped. `gradient` and `energy` mean it converged. */
export type StopReason = 'gradient' | 'energy' | 'maxSteps' | 'stepUnderflow' | 'cancelled';

export interface SampleReport {
  readonly converged: boolean;
  readonly reason: StopReason;
  /** Steps (energy evaluations) taken while the sample was descending. */
  readonly steps: number;
  /** Of those, the steps that moved it (adaptive mode rejects steps that would raise the energy). */
  readonly acceptedSteps: number;
  readonly energy: number;
  /** Largest `|∂E/∂x̂|` over its free neurons at the end. */
  readonly gradNorm: number;
}

export interface DescendResult<L extends string> {
  /** Final states (the caller's to dispose). */
  readonly states: States<L>;
  readonly report: readonly SampleReport[];
  /** Every sample's energy at every step, from the initial state to the step where it stopped. */
  readonly energies: readonly Float32Array[];
  /** States copied to the host every `recordStatesEvery` steps. */
  readonly recorded: readonly { readonly step: number; readonly states: Readonly<Record<L, Float32Array>> }[];
  /** Steps taken by the batch (the longest-running sample). */
  readonly steps: number;
  /** True when every sample converged. */
  readonly converged: boolean;
  /** What computed `E` and `∂E/∂x̂`: `"HAM.energyAndDEdxhat"` or the fast evaluator's name. */
  readonly evaluator: string;
}

/**
 * What the engine asks its driver for: the host values of some tensors. The synchronous driver
 * answers with `dataSync`, the asynchronous one with `await data()`, so both share one loop and
 * the GPU is read only at these points.
 */
export type Readback = readonly Tensor[];

/** What one step hands to the next. */
interface Carry<L extends string> {
  readonly x: Record<L, Tensor>;
  readonly E: Tensor;
  readonly g: Record<L, Tensor>;
  readonly dts: Tensor[];
  readonly accepted: Tensor;
  readonly rejected: Tensor;
}
type Values = readonly Float32Array[];

const perSample = (t: Tensor): Tensor => (t.rank === 1 ? t : tf.max(t, t.shape.slice(1).map((_, i) => i + 1)));
/** Broadcasts a `[B]` vector against a `[B, ...]` tensor. */
const column = (v: Tensor, rank: number): Tensor => (rank === 1 ? v : tf.reshape(v, [-1, ...Array(rank - 1).fill(1)]));

export function* engine<L extends string, S extends string>(
  ham: HAM<L, S>,
  init: States<L>,
  s: Settings,
  options: DescendOptions<L>,
): Generator<Readback, DescendResult<L>, Values> {
  const batch = ham.checkStates(init, 'initial states');
  const masks = freeMasks(ham, options.clamp, batch);
  const names = ham.layerNames;
  // The loop's tensors; `live()` lists them so that every exit path disposes exactly these.
  let x = {} as Record<L, Tensor>;
  let xAtCheck = {} as Record<L, Tensor>;
  let g = {} as Record<L, Tensor>;
  let E: Tensor | undefined;
  let dts: Tensor[] = [];
  let active: Tensor | undefined;
  let accepted: Tensor | undefined;
  let rejectedInWindow: Tensor | undefined;
  let history: Tensor[] = [];
  const live = (): Tensor[] =>
    [...Object.values<Tensor>(x), ...Object.values<Tensor>(xAtCheck), ...Object.values<Tensor>(g), E, ...dts, active, accepted, rejectedInWindow, ...history]
      .filter((t): t is Tensor => t !== undefined);
  /** Reads tensors created just for the host (disposing them), through the driver. */
  function* read(ts: Tensor[]): Generator<Readback, Values, Values> {
    try { return yield ts; } finally { ts.forEach((t) => t.dispose()); }
  }
  const swap = <T extends Tensor>(old: T | undefined, next: T): T => {
    if (old && old !== next) old.dispose();
    return next;
  };
  try {
    const moving = names.filter((n) => masks.get(n) !== 'clamped');
    const taus = new Map(moving.map((n) => [n, ham.layers[n].tau] as const));
    // With every layer clamped there is nothing to put on levels (and one empty level stops at once).
    const multirate = moving.length > 0 ? s.multirate : undefined;
    const levels = multirate ? rateLevels(taus, multirate.ratio) : [moving];
    const schedule = multirate ? levelSchedule(levels.length, multirate.innerSteps) : [0];
    const tauMin = Math.min(...taus.values());
    // The fastest level steps with dt; a slower level with dt scaled by its own smallest τ.
    const levelDt = levels.map((lv) => (s.dt * Math.min(...lv.map((n) => ham.layers[n].tau))) / tauMin);
    // Explicit Euler on τ dx/dt = −x + I overshoots I once dt/τ > 1 (and diverges past 2). Where
    // activations saturate the energy is flat and cannot reveal that overshoot, so unless the caller
    // set dtMax, adaptive steps keep dt/τ ≤ 1 for every layer (the leak term's exact relaxation).
    const dtMax = options.dtMax === undefined && s.neuronEnergy ? Math.min(s.dtMax, tauMin) : s.dtMax;
    const levelCap = levelDt.map((d) => (dtMax * d) / s.dt);
    const startDt = levelDt.map((d, k) => (s.mode === 'adaptive' ? Math.min(d, levelCap[k]!) : d));
    const evalOptions = {
      ...(options.params ? { params: options.params } : {}),
      ...(options.method ? { method: options.method } : {}),
      neuronEnergy: s.neuronEnergy,
    };
    const evaluator = evaluatorFor(ham, evalOptions, options.fastPath ?? true);
    const evaluate = (states: Record<L, Tensor>) => evaluator.evaluate(states) as { energy: Tensor; dEdxhat: Record<L, Tensor> };
    const freeSignal = (n: L, t: Tensor): Tensor => {
      const m = masks.get(n);
      return m instanceof tf.Tensor ? tf.mul(t, m) : t;
    };
    const notFinitePerSample = (t: Tensor) => tf.cast(tf.logicalNot(tf.all(tf.isFinite(tf.reshape(t, [batch, -1])), 1)), 'float32');

    // The initial states must be finite: a NaN there is the caller's, reported before any step.
    const initFlags = yield* read(names.map((n) => tf.tidy(() => notFinitePerSample(init[n]))));
    const badInit = names.flatMap((n, i) =>
      [...initFlags[i]!].flatMap((f, b) => (f ? [new HamuxError(`initial states.${n}`, `sample ${b} has NaN or infinite entries`)] : [])),
    );
    if (badInit.length > 0) throw new HamuxErrors(badInit);

    x = Object.fromEntries(names.map((n) => [n, tf.clone(init[n])])) as Record<L, Tensor>;
    xAtCheck = Object.fromEntries(names.map((n) => [n, tf.clone(init[n])])) as Record<L, Tensor>;
    ({ energy: E, dEdxhat: g } = evaluate(x));
    dts = startDt.map((d) => tf.fill([batch], d));
    active = tf.ones([batch]);
    accepted = tf.zeros([batch]);
    rejectedInWindow = tf.zeros([batch]);
    history = [tf.clone(E)];

    const host = Array.from({ length: batch }, () => [] as number[]);
    const stopped: (SampleReport | undefined)[] = Array(batch).fill(undefined);
    const recorded: { step: number; states: Record<L, Float32Array> }[] = [];
    let lastCheckEnergy: Float32Array | undefined;
    let acceptedAtCheck = new Float32Array(batch);
    let step = 0;

    for (;;) {
      if (s.recordStatesEvery > 0 && step % s.recordStatesEvery === 0) {
        const values = yield* read(names.map((n) => tf.clone(x[n])));
        recorded.push({ step, states: Object.fromEntries(names.map((n, i) => [n, Float32Array.from(values[i]!)])) as Record<L, Float32Array> });
      }

      if (step % s.checkEvery === 0 || step >= s.maxSteps) {
        // One readback: the energies since the last check, then per-sample diagnostics.
        const rows = history.length;
        const [flat] = yield* read([tf.tidy(() => {
          const gradNorm = moving.length === 0 ? tf.zeros([batch]) : tf.max(tf.stack(moving.map((n) => perSample(tf.abs(freeSignal(n, g[n]))))), 0);
          const dx = moving.length === 0 ? tf.zeros([batch]) : tf.max(tf.stack(moving.map((n) => perSample(tf.abs(tf.sub(x[n], xAtCheck[n]))))), 0);
          const shrunk = tf.min(tf.stack(dts.map((d, k) => tf.div(d, levelDt[k]!))), 0);
          const underflow = tf.cast(tf.less(shrunk, s.dtMin / s.dt), 'float32');
          const nonFinite = tf.max(tf.stack([tf.cast(tf.logicalNot(tf.isFinite(E!)), 'float32'), ...names.map((n) => notFinitePerSample(x[n]))]), 0);
          return tf.concat([...history, gradNorm, dx, rejectedInWindow!, underflow, nonFinite, accepted!].map((t) => tf.reshape(t, [1, batch])), 0);
        })]);
        const row = (r: number) => flat!.subarray(r * batch, (r + 1) * batch);
        const [gradNorm, dx, rejections, underflow, nonFinite, acc] = [0, 1, 2, 3, 4, 5].map((k) => row(rows + k)) as Float32Array[];
        const stops: number[] = [];
        for (let b = 0; b < batch; b++) {
          if (stopped[b]) continue;
          const series = host[b]!;
          for (let r = 0; r < rows; r++) series.push(row(r)[b]!);
          if (nonFinite![b]) {
            const at = series.findIndex((e) => !Number.isFinite(e));
            const flags = yield* read(names.map((n) => tf.tidy(() => notFinitePerSample(x[n]))));
            const layer = names.find((_, i) => flags[i]![b]);
            const where = at >= 0 ? at : step;
            throw new DivergenceError(
              `the dynamics diverged: sample ${b} has ${layer ? `NaN or infinite states in layer "${layer}"` : 'a NaN or infinite energy'} by step ${where}` +
                (s.mode === 'fixed' ? ` (fixed steps of dt=${s.dt}; try a smaller dt or mode 'adaptive')` : ''),
              { sample: b, step: where, layer },
            );
          }
          if (s.mode === 'fixed') {
            for (let t = Math.max(1, series.length - rows); t < series.length; t++) {
              const rise = series[t]! - series[t - 1]!;
              if (rise > s.riseTolerance * (1 + Math.abs(series[t - 1]!))) {
                throw new DivergenceError(
                  `the energy of sample ${b} rose from ${series[t - 1]} to ${series[t]} at step ${t} (fixed steps of dt=${s.dt}; try a smaller dt or mode 'adaptive')`,
                  { sample: b, step: t },
                );
              }
            }
          }
          const energyNow = series[series.length - 1]!;
          let reason: StopReason | undefined;
          if (gradNorm![b]! <= s.gradTol) reason = 'gradient';
          // Energy and state have stopped changing over a window in which steps were still being
          // accepted: the minimum to the tolerances (and, at the float32 floor, to the resolution of E).
          else if (
            lastCheckEnergy !== undefined && acc![b]! > acceptedAtCheck[b]! &&
            Math.abs(energyNow - lastCheckEnergy[b]!) <= s.energyTol * (1 + Math.abs(energyNow)) &&
            dx![b]! <= s.stateTol
          ) reason = 'energy';
          else if (s.mode === 'adaptive' && underflow![b]) reason = 'stepUnderflow';
          else if (step >= s.maxSteps) reason = 'maxSteps';
          else if (options.signal?.aborted) reason = 'cancelled';
          if (reason) {
            stopped[b] = {
              converged: reason === 'gradient' || reason === 'energy',
              reason,
              steps: step,
              acceptedSteps: acc![b]!,
              energy: energyNow,
              gradNorm: gradNorm![b]!,
            };
            stops.push(b);
          }
        }
        lastCheckEnergy = Float32Array.from(row(rows - 1));
        acceptedAtCheck = Float32Array.from(acc!);
        for (const t of history) t.dispose();
        history = [];
        options.onProgress?.({
          step,
          energies: Float32Array.from(host, (h) => h[h.length - 1]!),
          gradNorms: Float32Array.from(gradNorm!),
          active: stopped.filter((r) => !r).length,
          batch,
        });
        if (stopped.every((r) => r)) break;
        if (stops.length > 0) active = swap(active, tf.tensor1d(Float32Array.from(stopped, (r) => (r ? 0 : 1))));
        rejectedInWindow = swap(rejectedInWindow, tf.zeros([batch]));
        for (const n of names) xAtCheck[n] = swap(xAtCheck[n], tf.clone(x[n]));
      }

      // One step of the level whose turn it is.
      const level = schedule[step % schedule.length]!;
      const movers = new Set<L>(levels[level]);
      const xOld = x, gOld = g, dtOld = dts;
      const EOld: Tensor = E!, activeNow: Tensor = active!, acceptedOld: Tensor = accepted!, rejectedOld: Tensor = rejectedInWindow!;
      const next = tidy((): Carry<L> => {
        const scale = tf.mul(dtOld[level]!, activeNow);
        const xNew = Object.fromEntries(names.map((n) => {
          if (!movers.has(n)) return [n, xOld[n]];
          const alpha = column(tf.div(scale, ham.layers[n].tau), xOld[n].rank);
          return [n, tf.sub(xOld[n], tf.mul(alpha, freeSignal(n, gOld[n])))];
        })) as Record<L, Tensor>;
        const out = evaluate(xNew);
        if (s.mode === 'fixed') {
          return { x: xNew, E: out.energy, g: out.dEdxhat, dts: dtOld, accepted: tf.add(acceptedOld, activeNow), rejected: rejectedOld };
        }
        // Accept a sample's step only if its energy did not rise; otherwise keep it and halve its dt.
        const ok = tf.logicalAnd(tf.cast(activeNow, 'bool'), tf.lessEqual(out.energy, EOld));
        const okF = tf.cast(ok, 'float32');
        const pick = (a: Tensor, b: Tensor) => tf.where(column(ok, a.rank), a, b);
        const cap = levelCap[level]!;
        const isActive = tf.cast(activeNow, 'bool');
        return {
          x: Object.fromEntries(names.map((n) => [n, movers.has(n) ? pick(xNew[n], xOld[n]) : xOld[n]])) as Record<L, Tensor>,
          E: pick(out.energy, EOld),
          g: Object.fromEntries(names.map((n) => [n, pick(out.dEdxhat[n], gOld[n])])) as Record<L, Tensor>,
          dts: dtOld.map((d, k) =>
            k !== level ? d : tf.where(ok, tf.minimum(tf.mul(d, s.grow), cap), tf.where(isActive, tf.mul(d, s.shrink), d)),
          ),
          accepted: tf.add(acceptedOld, okF),
          rejected: tf.add(rejectedOld, tf.sub(activeNow, okF)),
        };
      });
      x = Object.fromEntries(names.map((n) => [n, swap(xOld[n], next.x[n])])) as Record<L, Tensor>;
      E = swap(EOld, next.E);
      g = Object.fromEntries(names.map((n) => [n, swap(gOld[n], next.g[n])])) as Record<L, Tensor>;
      dts = dtOld.map((d, k) => swap(d, next.dts[k]!));
      accepted = swap(acceptedOld, next.accepted);
      rejectedInWindow = swap(rejectedOld, next.rejected);
      history.push(tf.clone(next.E));
      step++;
    }

    const finalStates = x as States<L>;
    const keepers = new Set<Tensor>(Object.values<Tensor>(finalStates));
    for (const t of live()) if (!keepers.has(t)) t.dispose();
    const report = stopped as SampleReport[];
    return {
      states: finalStates,
      report,
      energies: host.map((h, b) => Float32Array.from(h.slice(0, report[b]!.steps + 1))),
      recorded,
      steps: step,
      converged: report.every((r) => r.converged),
      evaluator: evaluator.name,
    };
  } catch (e) {
    for (const t of live()) if (!t.isDisposed) t.dispose();
    throw e;
  } finally {
    disposeMasks(masks);
  }
}
