import { tf, tidy, type Params, type States, type Tensor } from '@hamux-ts/core';
import type { Readback } from './report.js';
import type { CheckValues, FreeMask, StepPlan, Stepper, Values } from './stepper.js';

/** Evaluates `E` and `∂E/∂x̂` on tensors (new tensors, the caller's), with the graph's parameters or `params`. */
export type TensorEvaluate<L extends string> = (states: Record<L, Tensor>, params: Params | undefined) => { energy: Tensor; dEdxhat: Record<L, Tensor> };

const perSample = (t: Tensor): Tensor => (t.rank === 1 ? t : tf.max(t, t.shape.slice(1).map((_, i) => i + 1)));
/** Broadcasts a `[B]` vector against a `[B, ...]` tensor. */
const column = (v: Tensor, rank: number): Tensor => (rank === 1 ? v : tf.reshape(v, [-1, ...Array(rank - 1).fill(1)]));
const notFinitePerSample = (t: Tensor, batch: number) => tf.cast(tf.logicalNot(tf.all(tf.isFinite(tf.reshape(t, [batch, -1])), 1)), 'float32');

/** Reads tensors made just for the host (disposing them), through the driver. */
function* read(ts: Tensor[]): Generator<Readback, Values, Values> {
  try { return yield ts; } finally { ts.forEach((t) => t.dispose()); }
}

/** The tensors a step reads: the state after the last step, its energy and signals, and the step control (each `[B]`). */
export interface StepState<L extends string> {
  readonly x: Readonly<Record<L, Tensor>>;
  readonly g: Readonly<Record<L, Tensor>>;
  readonly E: Tensor;
  readonly dts: readonly Tensor[];
  /** 1 for the samples still moving. */
  readonly active: Tensor;
  readonly accepted: Tensor;
  readonly rejected: Tensor;
}

/** What a step returns: the next state, as new tensors, or the same tensors where nothing changed (those are kept, the others freed). */
export interface StepResult<L extends string> {
  readonly x: Record<L, Tensor>;
  readonly g: Record<L, Tensor>;
  readonly E: Tensor;
  readonly dts: readonly Tensor[];
  /** Undefined: every active sample's step was accepted (fixed steps), counted by the stepper at its next check. */
  readonly accepted: Tensor | undefined;
  readonly rejected: Tensor;
}

/**
 * One step's arithmetic on tensors: the layers in `movers` take level `level`'s step, the next
 * energy and signals are evaluated. `evaluatedStep` is the reference (tfjs ops on any backend);
 * gpu-stepper.ts's fused step runs a few WGSL programs instead. Everything around the step (the
 * checks, records, stops, replans) is TensorStepper's, shared.
 */
export type StepRule<L extends string> = (s: StepState<L>, level: number, movers: ReadonlySet<L>, plan: StepPlan<L>, params: Params | undefined) => StepResult<L>;

/** `t` with the clamped entries of layer `n` zeroed (a free or wholly clamped layer: `t` itself). */
export function freeSignal<L extends string>(masks: ReadonlyMap<L, FreeMask<Tensor>>, n: L, t: Tensor): Tensor {
  const m = masks.get(n);
  return m instanceof tf.Tensor ? tf.mul(t, m) : t;
}

/** The reference step: Euler in tfjs ops, then `evaluate`; adaptive mode accepts a sample's step only if its energy did not rise. */
export function evaluatedStep<L extends string>(evaluate: TensorEvaluate<L>, masks: ReadonlyMap<L, FreeMask<Tensor>>): StepRule<L> {
  return (s, level, movers, plan, params) => {
    const { names, mode, tau } = plan;
    const { x: xOld, g: gOld, dts: dtOld, E: EOld, active: activeNow, accepted: acceptedOld, rejected: rejectedOld } = s;
    return tidy(() => {
      const scale = tf.mul(dtOld[level]!, activeNow);
      const xNew = Object.fromEntries(names.map((n) => {
        if (!movers.has(n)) return [n, xOld[n]];
        const alpha = column(tf.div(scale, tau[n]), xOld[n].rank);
        return [n, tf.sub(xOld[n], tf.mul(alpha, freeSignal(masks, n, gOld[n])))];
      })) as Record<L, Tensor>;
      const out = evaluate(xNew, params);
      if (mode === 'fixed') return { x: xNew, E: out.energy, g: out.dEdxhat, dts: dtOld, accepted: undefined, rejected: rejectedOld };
      // Accept a sample's step only if its energy did not rise; otherwise keep it and halve its dt.
      const ok = tf.logicalAnd(tf.cast(activeNow, 'bool'), tf.lessEqual(out.energy, EOld));
      const pick = (a: Tensor, b: Tensor) => tf.where(column(ok, a.rank), a, b);
      const cap = plan.levelCap[level]!;
      const isActive = tf.cast(activeNow, 'bool');
      const okF = tf.cast(ok, 'float32');
      return {
        x: Object.fromEntries(names.map((n) => [n, movers.has(n) ? pick(xNew[n], xOld[n]) : xOld[n]])) as Record<L, Tensor>,
        E: pick(out.energy, EOld),
        g: Object.fromEntries(names.map((n) => [n, pick(out.dEdxhat[n], gOld[n])])) as Record<L, Tensor>,
        dts: dtOld.map((d, k) =>
          k !== level ? d : tf.where(ok, tf.minimum(tf.mul(d, plan.grow), cap), tf.where(isActive, tf.mul(d, plan.shrink), d)),
        ),
        accepted: tf.add(acceptedOld, okF),
        rejected: tf.add(rejectedOld, tf.sub(activeNow, okF)),
      };
    }) as StepResult<L>;
  };
}

/** The tensors a check reads (the stepper's own, not to be freed): the step's state, where it stood at the last check, and the energies since. */
export interface CheckInputs<L extends string> extends Omit<StepState<L>, 'active'> {
  /** The plan now (its layers, batch, moving layers and nominal level steps). */
  readonly plan: StepPlan<L>;
  /** Each layer's free mask (see `freeSignal`). */
  readonly masks: ReadonlyMap<L, FreeMask<Tensor>>;
  /** The energy (`[B]`) after each step since the last check. */
  readonly history: readonly Tensor[];
  /** The state at the last check. */
  readonly xAtCheck: Readonly<Record<L, Tensor>>;
}

/**
 * A check's arithmetic: the `rows` energies since the last check, then 7 rows of per-sample
 * diagnostics (gradNorm, dx, underflow, nonFinite, accepted, rejected, dt), as one new
 * `[rows + 7, B]` tensor (the caller's), read back at once. `tensorCheckRows` is the reference
 * (tfjs ops); gpu-check.ts's runs a few WGSL programs instead.
 */
export type CheckRows<L extends string> = (c: CheckInputs<L>) => Tensor;

/**
 * The reference check in tfjs ops: `history` rows, then per sample max |m ⊙ g| and max |x − x_check|
 * over the moving layers (0 when none moves), whether min_k dt_k / levelDt_k < underflowBelow,
 * whether E or any state entry is not finite, the accepted and rejected counts, and the last level's dt.
 */
export function tensorCheckRows<L extends string>(c: CheckInputs<L>): Tensor {
  const { names, moving, batch, levelDt, underflowBelow } = c.plan;
  return tf.tidy(() => {
    const most = (f: (n: L) => Tensor) => (moving.length === 0 ? tf.zeros([batch]) : tf.max(tf.stack(moving.map((n) => perSample(f(n)))), 0));
    const gradNorm = most((n) => tf.abs(freeSignal(c.masks, n, c.g[n])));
    const dx = most((n) => tf.abs(tf.sub(c.x[n], c.xAtCheck[n])));
    const shrunk = tf.min(tf.stack(c.dts.map((d, k) => tf.div(d, levelDt[k]!))), 0);
    const underflow = tf.cast(tf.less(shrunk, underflowBelow), 'float32');
    const nonFinite = tf.max(tf.stack([tf.cast(tf.logicalNot(tf.isFinite(c.E)), 'float32'), ...names.map((n) => notFinitePerSample(c.x[n], batch))]), 0);
    const rows = [...c.history, gradNorm, dx, underflow, nonFinite, c.accepted, c.rejected, c.dts[c.dts.length - 1]!];
    return tf.concat(rows.map((t) => tf.reshape(t, [1, batch])), 0);
  });
}

/**
 * The descent's arithmetic in tfjs ops: the general path, for every backend and every component
 * (autodiff included), and the reference the host stepper is tested against. The state stays on
 * the backend (on the GPU with webgpu); the host reads it only at checks. `rule` and `checkRows`
 * replace the step's and the check's arithmetic (the fused WGSL forms: gpu-stepper.ts, gpu-check.ts).
 */
export class TensorStepper<L extends string> implements Stepper<L> {
  readonly evaluator: string;
  private x: Record<L, Tensor>;
  private xAtCheck: Record<L, Tensor>;
  private g: Record<L, Tensor>;
  private E: Tensor;
  private dts: Tensor[];
  private active: Tensor;
  private accepted: Tensor;
  private rejected: Tensor;
  private history: Tensor[];
  private readonly rule: StepRule<L>;
  private readonly checkRows: CheckRows<L>;
  /** Steps since `accepted` was last brought up to date that accepted every active sample (fixed steps): added at once, not one op a step. */
  private unsettled = 0;
  private done = false;

  constructor(
    private plan: StepPlan<L>,
    init: States<L>,
    private readonly masks: ReadonlyMap<L, FreeMask<Tensor>>,
    private readonly evaluate: TensorEvaluate<L>,
    name: string,
    private params: Params | undefined,
    rule?: StepRule<L>,
    checkRows?: CheckRows<L>,
  ) {
    this.evaluator = name;
    this.rule = rule ?? evaluatedStep(evaluate, masks);
    this.checkRows = checkRows ?? tensorCheckRows;
    const { names, batch } = plan;
    this.x = Object.fromEntries(names.map((n) => [n, tf.clone(init[n])])) as Record<L, Tensor>;
    this.xAtCheck = Object.fromEntries(names.map((n) => [n, tf.clone(init[n])])) as Record<L, Tensor>;
    this.g = {} as Record<L, Tensor>;
    this.E = tf.zeros([batch]);
    this.dts = [];
    this.active = tf.ones([batch]);
    this.accepted = tf.zeros([batch]);
    this.rejected = tf.zeros([batch]);
    this.history = [];
    try {
      const out = evaluate(this.x, params);
      this.E.dispose();
      this.E = out.energy;
      this.g = out.dEdxhat;
      this.dts = plan.startDt.map((d) => tf.fill([batch], d));
      this.history = [tf.clone(this.E)];
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  step(level: number, movers: ReadonlySet<L>): void {
    const { names } = this.plan;
    if (this.plan.mode !== 'fixed') this.settle(); // an adaptive step counts its own acceptances
    const xOld = this.x, gOld = this.g, dtOld = this.dts, EOld = this.E, acceptedOld = this.accepted, rejectedOld = this.rejected;
    const next = this.rule(
      { x: xOld, g: gOld, E: EOld, dts: dtOld, active: this.active, accepted: acceptedOld, rejected: rejectedOld },
      level, movers, this.plan, this.params,
    );
    const swap = <T extends Tensor>(old: T, t: T): T => {
      if (old !== t) old.dispose();
      return t;
    };
    this.x = Object.fromEntries(names.map((n) => [n, swap(xOld[n], next.x[n])])) as Record<L, Tensor>;
    this.E = swap(EOld, next.E);
    this.g = Object.fromEntries(names.map((n) => [n, swap(gOld[n], next.g[n])])) as Record<L, Tensor>;
    this.dts = dtOld.map((d, k) => swap(d, next.dts[k]!));
    if (next.accepted === undefined) this.unsettled++;
    else this.accepted = swap(acceptedOld, next.accepted);
    this.rejected = swap(rejectedOld, next.rejected);
    this.history.push(tf.clone(next.E));
  }

  /** Adds the fixed steps not yet counted to `accepted`, with the samples active during them. */
  private settle(): void {
    if (this.unsettled === 0) return;
    const old = this.accepted;
    this.accepted = tf.tidy(() => tf.add(old, tf.mul(this.active, this.unsettled)));
    old.dispose();
    this.unsettled = 0;
  }

  *check(): Generator<Readback, CheckValues, Values> {
    this.settle();
    const { names, batch } = this.plan;
    const rows = this.history.length;
    // One readback: the energies since the last check, then the per-sample diagnostics.
    const [flat] = yield* read([this.checkRows({
      plan: this.plan, masks: this.masks, history: this.history, x: this.x, xAtCheck: this.xAtCheck,
      g: this.g, E: this.E, dts: this.dts, accepted: this.accepted, rejected: this.rejected,
    })]);
    const row = (r: number) => Float32Array.from(flat!.subarray(r * batch, (r + 1) * batch));
    for (const t of this.history) t.dispose();
    this.history = [];
    for (const n of names) {
      this.xAtCheck[n].dispose();
      this.xAtCheck[n] = tf.clone(this.x[n]);
    }
    return {
      energies: Array.from({ length: rows }, (_, r) => row(r)),
      gradNorm: row(rows),
      dx: row(rows + 1),
      underflow: row(rows + 2),
      nonFinite: row(rows + 3),
      accepted: row(rows + 4),
      rejected: row(rows + 5),
      dt: row(rows + 6),
    };
  }

  *nonFinite(): Generator<Readback, readonly Float32Array[], Values> {
    const { names, batch } = this.plan;
    // One readback for every layer: their flags stacked, a row each
    const [flat] = yield* read([tf.tidy(() => tf.stack(names.map((n) => notFinitePerSample(this.x[n], batch))))]);
    return names.map((_, i) => Float32Array.from(flat!.subarray(i * batch, (i + 1) * batch)));
  }

  *record(): Generator<Readback, Record<L, Float32Array>, Values> {
    const values = yield* read(this.plan.names.map((n) => tf.clone(this.x[n])));
    return Object.fromEntries(this.plan.names.map((n, i) => [n, Float32Array.from(values[i]!)])) as Record<L, Float32Array>;
  }

  stop(stopped: ArrayLike<number>): void {
    this.settle();
    this.active.dispose();
    this.active = tf.tensor1d(Float32Array.from({ length: this.plan.batch }, (_, b) => (stopped[b] ? 0 : 1)));
  }

  states(): States<L> {
    return Object.fromEntries(this.plan.names.map((n) => [n, tf.clone(this.x[n])])) as States<L>;
  }

  replan(plan: StepPlan<L>): void {
    this.plan = plan;
    tf.dispose(this.dts);
    this.dts = plan.startDt.map((d) => tf.fill([plan.batch], d));
  }

  setParams(params: Params | undefined): void {
    this.params = params;
    const out = this.evaluate(this.x, params);
    tf.dispose([this.E, ...Object.values<Tensor>(this.g), ...this.history]);
    this.E = out.energy;
    this.g = out.dEdxhat;
    this.history = [tf.clone(this.E)];
  }

  finish(): States<L> {
    const states = this.x;
    this.dispose(new Set(Object.values<Tensor>(states)));
    return states as States<L>;
  }

  dispose(keep: ReadonlySet<Tensor> = new Set()): void {
    if (this.done) return;
    this.done = true;
    const all = [...Object.values<Tensor>(this.x), ...Object.values<Tensor>(this.xAtCheck), ...Object.values<Tensor>(this.g), this.E, ...this.dts, this.active, this.accepted, this.rejected, ...this.history];
    for (const t of new Set(all)) if (!keep.has(t) && !t.isDisposed) t.dispose();
  }
}
