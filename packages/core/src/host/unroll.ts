import { jsAxpy, jsGemm, rowRoutines, SMALL_ROWS, type Gemm } from '@hamux-ts/kernels';
import { HamuxError } from '../errors.js';
import type { HAM } from '../ham.js';
import { splitParamPath, type Params } from '../params.js';
import { evaluatePlan, leanPlan, paramValues, type LeanPlan } from './step.js';
import type { ParamGrads } from './types.js';

/**
 * Training through the dynamics on host arrays (math.md §6): T explicit Euler steps of the lean
 * step, and their adjoint, for graphs of built-in components whose host forms have adjoints.
 *
 * Forward, with `a_i = dt/τ_i` and `m_i` the free mask of layer i:
 *
 *   x_{t+1} = x_t − a m ⊙ g(x_t),   g_i = [neuron] x_i + Σ_syn ∂E_syn/∂x̂_i (x̂),   x̂ = act(x).
 *
 * Backward, from `u_T = ∂ℓ/∂x_T` (the loss's seed on the states, plus `∇²L(x_T) · ∂ℓ/∂x̂_T` for a
 * seed on the activations), with `v = −a m ⊙ u_{t+1}` at each step t going back:
 *
 *   u_t = u_{t+1} + [neuron] v + ∇²L(x_t) · (∇²E_syn(x̂_t) · v),       (the step's Jacobianᵀ)
 *   ∂ℓ/∂θ_syn += ∂(∇E_syn(x̂_t) · v)/∂θ_syn,   ∂ℓ/∂θ_L += (∂x̂/∂θ_L)ᵀ (∇²E_syn(x̂_t) · v),
 *
 * each term computed by the component's adjoint host form, beside its forward form in its own file.
 * Memory grows with T: every step's states, activations and the synapses' saved intermediates.
 * `HAM` autodiff (`unroll` and `tf.variableGrads` in @hamux-ts/train) is the reference it is tested against.
 */

/** What may move in a layer: all of it, none of it, or a `[B·size]` mask that multiplies its step (1 where free, 0 where held). */
export type HostFreedom = 'free' | 'clamped' | Float32Array;

/** Options of `compileLeanUnroll`. */
export interface LeanUnrollOptions {
  /** Include the neuron layers' energies (default true). */
  neuronEnergy?: boolean;
  /** The matrix product and row routines to use (default: plain JavaScript). */
  gemm?: Gemm;
}

/** One run of a compiled unroll: its steps, step size, clamps and initial states. */
export interface LeanUnrollRun<L extends string> {
  /** Euler steps T (an integer ≥ 0). */
  readonly steps: number;
  /** Step size; layer i moves by `(dt/τ_i) m_i ⊙ (−∂E/∂x̂_i)`. */
  readonly dt: number;
  /** Layers or entries held fixed (default: every layer free). */
  readonly freedom?: { readonly [K in L]?: HostFreedom };
  /** Parameters to descend with (default: the graph's own). */
  readonly params?: Params;
}

/** The loss's gradient at the end of the descent: on the final states, and on the final activations. */
export interface LossSeed<L extends string> {
  /** `∂loss/∂x_T` on the final states, by layer (`[B·size]`); a layer left out contributes nothing. */
  readonly state?: { readonly [K in L]?: Float32Array };
  /** `∂loss/∂x̂_T` on the final activations, by layer (`[B·size]`); a layer left out contributes nothing. */
  readonly activation?: { readonly [K in L]?: Float32Array };
}

/** What the forward pass keeps for the backward pass, for one batch size and number of steps. */
interface Tape {
  readonly B: number;
  readonly T: number;
  /** `xs[t][i]`: state of layer i before step t (t = 0…T); a clamped layer's is one array throughout. */
  readonly xs: Float32Array[][];
  /** `xhats[t][i]`: its activation (the state itself for identity layers). */
  readonly xhats: Float32Array[][];
  /** `saved[t][j]`: what synapse j's adjoint keeps of step t. */
  readonly saved: Float32Array[][];
  readonly grad: (Float32Array | undefined)[];
  readonly L: Float64Array;
  readonly E: Float64Array;
  readonly work: Float32Array;
  readonly lse: Float64Array;
  /** Backward buffers per layer: `u`, `v`, `∇²E·v` and `∇²L·(∇²E·v)`. */
  readonly u: Float32Array[];
  readonly v: Float32Array[];
  readonly hv: Float32Array[];
  readonly r: Float32Array[];
  /** The clamping pattern the tape was laid out for ('clamped' layers share one state array). */
  readonly clamped: readonly boolean[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * T unrolled Euler steps of a graph of built-ins on host arrays (`forward`), and the gradient of a
 * loss on their end with respect to the parameters (`backward`), by the adjoint of the step.
 * Made by `compileLeanUnroll`. The arrays it returns are its own, overwritten by the next call,
 * except the gradients, which are new arrays each time.
 */
export class LeanUnroll<L extends string> {
  /** The graph's layer names, in its order (the order of the host arrays). */
  readonly layerNames: readonly L[];
  private readonly neuron: boolean;
  private readonly gemm: Gemm;
  private tape: Tape | undefined;
  private last: { B: number; T: number; a: number[]; masks: (Float32Array | undefined)[]; params: Params } | undefined;

  /** `y += alpha · x` over n values (the gemm's native loop for long arrays). */
  private readonly axpy: (n: number, alpha: number, x: Float32Array, y: Float32Array) => void;

  constructor(private readonly ham: HAM<L, string>, private readonly plan: LeanPlan<L>, options: LeanUnrollOptions) {
    this.layerNames = plan.layers.map((l) => l.name);
    this.neuron = options.neuronEnergy ?? true;
    this.gemm = options.gemm ?? jsGemm;
    const fast = rowRoutines(this.gemm).axpy;
    this.axpy = (n, alpha, x, y) => (n > SMALL_ROWS ? fast : jsAxpy)(n, alpha, x, 0, y, 0);
  }

  /**
   * Why these parameters (paths `layers.<layer>.<name>`, `synapses.<synapse>.<name>`) cannot all be
   * differentiated here, or undefined when they can.
   */
  unsupported(paths: readonly string[]): string | undefined {
    for (const path of paths) {
      const [group, owner, name] = splitParamPath(path);
      const adjointParams = group === 'layers'
        ? this.plan.layers.find((l) => l.name === owner)?.lag.adjoint?.params
        : this.plan.synapses.find((s) => s.name === owner)?.syn.adjoint?.params;
      if (!adjointParams?.includes(name)) return `no adjoint for the parameter "${path}"`;
    }
    return undefined;
  }

  private tapeFor(B: number, T: number, clamped: readonly boolean[]): Tape {
    const t0 = this.tape;
    if (t0 && t0.B === B && t0.T === T && t0.clamped.every((c, i) => c === clamped[i])) return t0;
    const { layers, synapses } = this.plan;
    const perLayer = () => layers.map((l) => new Float32Array(B * l.size));
    const xs: Float32Array[][] = [];
    const xhats: Float32Array[][] = [];
    for (let t = 0; t <= T; t++) {
      xs.push(layers.map((l, i) => (t > 0 && clamped[i] ? xs[0]![i]! : new Float32Array(B * l.size))));
      xhats.push(layers.map((l, i) => (l.lag.isIdentity ? xs[t]![i]! : t > 0 && clamped[i] ? xhats[0]![i]! : new Float32Array(B * l.size))));
    }
    const saved = Array.from({ length: T }, () => synapses.map((s) => new Float32Array(s.syn.adjoint!.saved(B))));
    const work = Math.max(0, ...synapses.flatMap((s) => [s.syn.scratch(B), s.syn.adjoint!.scratch(B)]));
    this.tape = {
      B, T, xs, xhats, saved, clamped,
      grad: layers.map((l, i) => (clamped[i] ? undefined : new Float32Array(B * l.size))),
      L: new Float64Array(B),
      E: new Float64Array(B),
      work: new Float32Array(work),
      lse: new Float64Array(Math.max(0, ...synapses.map((s) => s.syn.lseRows?.(B) ?? 0))),
      u: perLayer(), v: perLayer(), hv: perLayer(), r: perLayer(),
    };
    return this.tape;
  }

  /**
   * Runs `run.steps` Euler steps from `x0` (`[B, size]` per layer, not modified) and keeps what the
   * backward pass needs. Returns the final states and activations (the unroll's own arrays).
   */
  forward(x0: { readonly [K in L]: Float32Array }, B: number, run: LeanUnrollRun<L>): {
    /** The final states `x_T` of every layer, `[B·size]` each. */
    states: { [K in L]: Float32Array };
    /** The final activations `x̂_T = ∇L(x_T)` of every layer, `[B·size]` each. */
    xhat: { [K in L]: Float32Array };
  } {
    const T = run.steps;
    if (!(Number.isInteger(T) && T >= 0)) throw new HamuxError(['lean unroll', 'steps'], `must be an integer >= 0, got ${T}`, 'invalid_argument');
    const { layers } = this.plan;
    const axpy = this.axpy;
    const params = run.params ?? this.ham.params;
    const masks = layers.map((l) => {
      const f = run.freedom?.[l.name] ?? 'free';
      if (f instanceof Float32Array && f.length !== B * l.size) {
        throw new HamuxError(['lean unroll', 'freedom', l.name], `the mask needs ${B}×${l.size} values, got ${f.length}`, 'shape_mismatch');
      }
      return f;
    });
    const clamped = masks.map((m) => m === 'clamped');
    const tape = this.tapeFor(B, T, clamped);
    layers.forEach((l, i) => {
      const x = x0[l.name];
      if (x.length !== B * l.size) throw new HamuxError(['lean unroll', 'x0', l.name], `needs ${B}×${l.size} values, got ${x.length}`, 'shape_mismatch');
      tape.xs[0]![i]!.set(x);
    });
    const a = layers.map((l) => run.dt / l.tau);
    for (let t = 0; t < T; t++) {
      const x = tape.xs[t]!, next = tape.xs[t + 1]!;
      const buf = { xhat: tape.xhats[t]!, grad: tape.grad, L: tape.L, E: tape.E, work: tape.work, lse: tape.lse, save: tape.saved[t]! };
      evaluatePlan(this.plan, x, B, params, buf, this.gemm, this.neuron);
      layers.forEach((_, i) => {
        const m = masks[i]!, g = tape.grad[i];
        if (m === 'clamped' || !g) return;
        const xi = x[i]!, out = next[i]!, ai = a[i]!;
        // x ← x − a m ⊙ g
        if (m === 'free') {
          out.set(xi);
          axpy(out.length, -ai, g, out);
        } else for (let j = 0; j < out.length; j++) out[j] = xi[j]! - ai * m[j]! * g[j]!;
      });
    }
    // The final activations, for the loss (the energies are not needed).
    const k = rowRoutines(this.gemm);
    const xT = tape.xs[T]!, xhatT = tape.xhats[T]!;
    layers.forEach((l, i) => {
      if (!l.lag.isIdentity) l.lag.run(xT[i]!, xhatT[i]!, tape.L, B, l.size, paramValues(params.layers[l.name]), k);
    });
    this.last = { B, T, a, masks: masks.map((m) => (m instanceof Float32Array ? m : undefined)), params };
    const named = (arr: readonly Float32Array[]) => Object.fromEntries(this.layerNames.map((n, i) => [n, arr[i]!])) as { [K in L]: Float32Array };
    return { states: named(xT), xhat: named(xhatT) };
  }

  /**
   * The gradient of a loss ℓ on the last `forward`'s end, given its seed (`∂ℓ/∂x_T` and/or
   * `∂ℓ/∂x̂_T` per layer), for each parameter path in `wanted` (see `unsupported`): new arrays.
   */
  backward(seed: LossSeed<L>, wanted: readonly string[]): Map<string, Float32Array> {
    const last = this.last, tape = this.tape;
    if (!last || !tape) throw new HamuxError(['lean unroll'], 'backward needs a forward pass first', 'invalid_argument');
    const why = this.unsupported(wanted);
    if (why) throw new HamuxError(['lean unroll'], why, 'unsupported');
    const { layers, synapses } = this.plan;
    const axpy = this.axpy;
    const { B, T, a, masks, params } = last;
    const { clamped, u, v, hv, r } = tape;
    // Gradient accumulators by component, each parameter's own array.
    const grads = new Map<string, Float32Array>();
    const layerD: Record<string, Float32Array>[] = layers.map(() => ({}));
    const synD: Record<string, Float32Array>[] = synapses.map(() => ({}));
    for (const path of wanted) {
      const [group, owner, name] = splitParamPath(path);
      const list = group === 'layers' ? layerD[layers.findIndex((l) => l.name === owner)]! : synD[synapses.findIndex((s) => s.name === owner)]!;
      const size = sizeOf(params[group][owner]![name]!.shape);
      grads.set(path, (list[name] = new Float32Array(size)));
    }
    const lagWanted = layerD.map((d) => Object.keys(d).length > 0);
    const lp = layers.map((l) => paramValues(params.layers[l.name]));
    const sp = synapses.map((s) => paramValues(params.synapses[s.name]));

    /** `u_i += ∇²L_i(x_i) · w` (when layer i moves) and `∂ℓ/∂θ_L += (∂x̂_i/∂θ_L)ᵀ w`. */
    const throughActivation = (i: number, x: Float32Array, xhat: Float32Array, w: Float32Array, moves: boolean) => {
      const l = layers[i]!, adj = l.lag.adjoint!;
      if (lagWanted[i]) adj.paramVjp?.(x, xhat, w, B, l.size, lp[i]!, layerD[i]! as ParamGrads);
      if (!moves) return;
      if (l.lag.isIdentity) axpy(w.length, 1, w, u[i]!);
      else {
        adj.hvp(x, xhat, w, r[i]!, B, l.size, lp[i]!);
        axpy(w.length, 1, r[i]!, u[i]!);
      }
    };

    layers.forEach((l, i) => {
      u[i]!.fill(0);
      const s = seed.state?.[l.name], w = seed.activation?.[l.name];
      for (const [what, arr] of [['state', s], ['activation', w]] as const) {
        if (arr && arr.length !== B * l.size) throw new HamuxError(['lean unroll', 'seed', what, l.name], `needs ${B}×${l.size} values, got ${arr.length}`, 'shape_mismatch');
      }
      if (s && !clamped[i]) u[i]!.set(s);
      if (w) throughActivation(i, tape.xs[T]![i]!, tape.xhats[T]![i]!, w, !clamped[i]);
    });

    const k = rowRoutines(this.gemm);
    try {
      for (let t = T - 1; t >= 0; t--) {
        // v = −a m ⊙ u (zero, so absent, on clamped layers)
        const vs = layers.map((_, i) => {
          if (clamped[i]) return undefined;
          const vi = v[i]!, ui = u[i]!, m = masks[i], ai = a[i]!;
          if (m) for (let j = 0; j < vi.length; j++) vi[j] = -ai * m[j]! * ui[j]!;
          else {
            vi.fill(0);
            axpy(vi.length, -ai, ui, vi);
          }
          return vi;
        });
        // ∇²E·v where someone reads it: a layer that still moves back (t > 0), or one whose Lagrangian has wanted parameters
        const hvs = layers.map((_, i) => {
          if (!lagWanted[i] && (clamped[i] || t === 0)) return undefined;
          return hv[i]!.fill(0);
        });
        synapses.forEach((s, j) => {
          s.syn.adjoint!.run({
            gemm: this.gemm,
            k,
            B,
            xhat: s.index.map((i) => tape.xhats[t]![i]!),
            v: s.index.map((i) => vs[i]),
            hv: s.index.map((i) => hvs[i]),
            p: sp[j]!,
            d: synD[j]! as ParamGrads,
            saved: tape.saved[t]![j]!,
            work: tape.work,
            lse: tape.lse,
          });
        });
        layers.forEach((_, i) => {
          const moves = t > 0 && !clamped[i];
          if (moves && this.neuron) axpy(u[i]!.length, 1, vs[i]!, u[i]!);
          const w = hvs[i];
          if (w) throughActivation(i, tape.xs[t]![i]!, tape.xhats[t]![i]!, w, moves);
        });
      }
    } finally {
      // what the adjoints deferred (sums over steps taken as one product) goes into the gradients
      for (const s of synapses) s.syn.adjoint!.flush?.();
    }
    return grads;
  }
}

/**
 * Compiles the unrolled descent and its adjoint for a graph, or returns why it cannot: a component
 * that is not a built-in, has no host form (conv2d, avgPool) or has no adjoint yet (energyAttention).
 */
export function compileLeanUnroll<L extends string, S extends string>(ham: HAM<L, S>, options: LeanUnrollOptions = {}): LeanUnroll<L> | string {
  const plan = leanPlan(ham);
  if (typeof plan === 'string') return plan;
  for (const l of plan.layers) if (!l.lag.adjoint) return `layer "${l.name}": no adjoint for the Lagrangian "${l.lag.kind}"`;
  for (const s of plan.synapses) if (!s.syn.adjoint) return `synapse "${s.name}": no adjoint for "${s.syn.kind}"`;
  return new LeanUnroll(ham as HAM<L, string>, plan, options);
}
