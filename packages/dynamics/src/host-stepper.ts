import { tf, type Params, type States, type Tensor } from '@hamux-ts/core';
import type { FastEvaluator } from './evaluator.js';
import type { CheckValues, FreeMask, StepPlan, Stepper } from './stepper.js';

/** A free mask on the host: 0/1 per neuron, for every sample (`[B, n]`) or shared (`[n]`). */
interface HostMask { readonly values: Float32Array; readonly perSample: boolean }

/**
 * The descent's arithmetic on host arrays, for graphs a fast evaluator takes (cpu and wasm): states,
 * signals, energies and step sizes live in typed arrays from entry to exit, and one step is the
 * evaluator plus a few loops, with no tfjs op and no readback. It mirrors `TensorStepper` operation
 * for operation (test/steppers.test.ts holds them to the same trajectories).
 */
export class HostStepper<L extends string> implements Stepper<L> {
  readonly evaluator: string;
  private readonly n: { [K in L]: number };
  private readonly x: { [K in L]: Float32Array };
  private readonly g: { [K in L]: Float32Array };
  private readonly xAtCheck: { [K in L]: Float32Array };
  private readonly E: Float64Array;
  /** Each level's step per sample, in float32 like the tensor path's. */
  private dts: Float32Array[];
  private readonly active: Uint8Array;
  private readonly accepted: Float32Array;
  private readonly rejected: Float32Array;
  private readonly shapes: { [K in L]: readonly number[] };
  private energies: Float32Array[];
  private readonly masks: ReadonlyMap<L, FreeMask<HostMask>>;
  private xTryOf: { [K in L]: Float32Array } | undefined;

  constructor(
    private plan: StepPlan<L>,
    init: States<L>,
    masks: ReadonlyMap<L, FreeMask<Tensor>>,
    private readonly evaluate: FastEvaluator<L>,
    name: string,
    private params: Params | undefined,
  ) {
    this.evaluator = name;
    const { names, batch: B } = plan;
    const each = <T>(f: (n: L) => T) => Object.fromEntries(names.map((n) => [n, f(n)])) as { [K in L]: T };
    this.x = each((n) => Float32Array.from(init[n].dataSync() as Float32Array));
    this.n = each((n) => this.x[n].length / B);
    this.shapes = each((n) => init[n].shape);
    this.g = each((n) => new Float32Array(this.x[n].length));
    this.xAtCheck = each((n) => Float32Array.from(this.x[n]));
    this.masks = new Map(names.map((n): [L, FreeMask<HostMask>] => {
      const m = masks.get(n);
      if (!(m instanceof tf.Tensor)) return [n, m];
      return [n, { values: m.dataSync() as Float32Array, perSample: m.rank === init[n].rank }];
    }));
    this.E = new Float64Array(B);
    this.dts = plan.startDt.map((d) => new Float32Array(B).fill(d));
    this.active = new Uint8Array(B).fill(1);
    this.accepted = new Float32Array(B);
    this.rejected = new Float32Array(B);
    this.take(this.evaluate(this.x, B, params), undefined);
    this.energies = [Float32Array.from(this.E)];
  }

  /** The adaptive step's trial states (made on first use). */
  private get xTry(): { [K in L]: Float32Array } {
    this.xTryOf ??= Object.fromEntries(this.plan.names.map((n) => [n, new Float32Array(this.x[n].length)])) as { [K in L]: Float32Array };
    return this.xTryOf;
  }

  /** Copies an evaluation's energy and signals into the stepper's own arrays, for the samples in `which` (all when undefined). */
  private take(r: ReturnType<FastEvaluator<L>>, which: Uint8Array | undefined): void {
    const B = this.plan.batch;
    for (const name of this.plan.names) {
      const src = r.dEdxhat[name], dst = this.g[name], n = this.n[name];
      if (src.length === 0) continue; // a layer held whole: its signal was not computed
      if (!which) dst.set(src);
      else for (let b = 0; b < B; b++) if (which[b]) dst.set(src.subarray(b * n, (b + 1) * n), b * n);
    }
    if (!which) this.E.set(r.energy);
    else for (let b = 0; b < B; b++) if (which[b]) this.E[b] = r.energy[b]!;
  }

  /** `out = x − (dt_b/τ) · m ⊙ g` for the active samples of one layer (`out` may be `x`). */
  private euler(name: L, dt: Float32Array, out: Float32Array): void {
    const x = this.x[name], g = this.g[name], n = this.n[name], B = this.plan.batch;
    const mask = this.masks.get(name) as HostMask | undefined;
    const tau = Math.fround(this.plan.tau[name]);
    for (let b = 0; b < B; b++) {
      const o = b * n;
      if (!this.active[b]) {
        if (out !== x) out.set(x.subarray(o, o + n), o);
        continue;
      }
      const alpha = Math.fround(dt[b]! / tau);
      if (mask) {
        const m = mask.values, mo = mask.perSample ? o : 0;
        for (let i = 0; i < n; i++) out[o + i] = x[o + i]! - Math.fround(alpha * Math.fround(m[mo + i]! * g[o + i]!));
      } else for (let i = 0; i < n; i++) out[o + i] = x[o + i]! - Math.fround(alpha * g[o + i]!);
    }
  }

  step(level: number, movers: ReadonlySet<L>): void {
    const { names, batch: B, mode } = this.plan;
    const dt = this.dts[level]!;
    if (mode === 'fixed') {
      for (const name of names) if (movers.has(name)) this.euler(name, dt, this.x[name]);
      this.take(this.evaluate(this.x, B, this.params), undefined);
      for (let b = 0; b < B; b++) this.accepted[b]! += this.active[b]!;
    } else {
      // Try the step; keep it for the samples whose energy did not rise, else halve their dt.
      const xTry = this.xTry;
      const trial = Object.fromEntries(names.map((n) => [n, movers.has(n) ? xTry[n] : this.x[n]])) as { [K in L]: Float32Array };
      for (const name of names) if (movers.has(name)) this.euler(name, dt, xTry[name]);
      const r = this.evaluate(trial, B, this.params);
      const ok = new Uint8Array(B);
      const cap = Math.fround(this.plan.levelCap[level]!);
      for (let b = 0; b < B; b++) {
        if (!this.active[b]) continue;
        // compared as float32, as the tensor path does
        if (Math.fround(r.energy[b]!) <= Math.fround(this.E[b]!)) {
          ok[b] = 1;
          dt[b] = Math.min(dt[b]! * Math.fround(this.plan.grow), cap);
          this.accepted[b]!++;
        } else {
          dt[b] = dt[b]! * Math.fround(this.plan.shrink);
          this.rejected[b]!++;
        }
      }
      for (const name of names) {
        if (!movers.has(name)) continue;
        const n = this.n[name], x = this.x[name], t = xTry[name];
        for (let b = 0; b < B; b++) if (ok[b]) x.set(t.subarray(b * n, (b + 1) * n), b * n);
      }
      this.take(r, ok);
    }
    this.energies.push(Float32Array.from(this.E));
  }

  *check(): Generator<never, CheckValues, unknown> {
    const { names, moving, batch: B } = this.plan;
    const gradNorm = new Float32Array(B), dx = new Float32Array(B), underflow = new Float32Array(B), nonFinite = new Float32Array(B);
    for (const name of moving) {
      const x = this.x[name], g = this.g[name], x0 = this.xAtCheck[name], n = this.n[name];
      const mask = this.masks.get(name) as HostMask | undefined;
      for (let b = 0; b < B; b++) {
        let gm = gradNorm[b]!, dm = dx[b]!;
        for (let i = b * n, end = i + n; i < end; i++) {
          const free = mask ? mask.values[mask.perSample ? i : i - b * n]! : 1;
          gm = Math.max(gm, Math.abs(Math.fround(free * g[i]!)));
          dm = Math.max(dm, Math.abs(Math.fround(x[i]! - x0[i]!)));
        }
        gradNorm[b] = gm;
        dx[b] = dm;
      }
    }
    const flags = this.flags();
    for (let b = 0; b < B; b++) {
      let shrunk = Infinity;
      this.dts.forEach((d, k) => (shrunk = Math.min(shrunk, Math.fround(d[b]! / Math.fround(this.plan.levelDt[k]!)))));
      underflow[b] = shrunk < Math.fround(this.plan.underflowBelow) ? 1 : 0;
      nonFinite[b] = !Number.isFinite(Math.fround(this.E[b]!)) || flags.some((f) => f[b]) ? 1 : 0;
    }
    const values: CheckValues = {
      energies: this.energies,
      gradNorm,
      dx,
      underflow,
      nonFinite,
      accepted: Float32Array.from(this.accepted),
      rejected: Float32Array.from(this.rejected),
      dt: Float32Array.from(this.dts[this.dts.length - 1]!),
    };
    this.energies = [];
    for (const name of names) this.xAtCheck[name].set(this.x[name]);
    return values;
  }

  private flags(): Float32Array[] {
    const B = this.plan.batch;
    return this.plan.names.map((name) => {
      const x = this.x[name], n = this.n[name], f = new Float32Array(B);
      for (let b = 0; b < B; b++) {
        for (let i = b * n, end = i + n; i < end; i++) {
          if (!Number.isFinite(x[i]!)) {
            f[b] = 1;
            break;
          }
        }
      }
      return f;
    });
  }

  *nonFinite(): Generator<never, readonly Float32Array[], unknown> {
    return this.flags();
  }

  *record(): Generator<never, Record<L, Float32Array>, unknown> {
    return Object.fromEntries(this.plan.names.map((n) => [n, Float32Array.from(this.x[n])])) as Record<L, Float32Array>;
  }

  stop(stopped: ArrayLike<number>): void {
    for (let b = 0; b < this.plan.batch; b++) if (stopped[b]) this.active[b] = 0;
  }

  replan(plan: StepPlan<L>): void {
    this.plan = plan;
    this.dts = plan.startDt.map((d) => new Float32Array(plan.batch).fill(d));
  }

  setParams(params: Params | undefined): void {
    this.params = params;
    this.take(this.evaluate(this.x, this.plan.batch, params), undefined);
    this.energies = [Float32Array.from(this.E)];
  }

  states(): States<L> {
    return Object.fromEntries(this.plan.names.map((n) => [n, tf.tensor(this.x[n], [...this.shapes[n]])])) as States<L>;
  }

  finish(): States<L> {
    return this.states();
  }

  dispose(): void {}
}
