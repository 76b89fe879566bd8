import { jsAxpy, jsDotRows, jsGemm, rowRoutines, SMALL_ROWS, type Gemm } from '@hamux-ts/kernels';
import { HamuxError } from '../errors.js';
import { tf, type Tensor } from '../tf.js';
import type { HAM, States } from '../ham.js';
import type { Params } from '../params.js';
import { hostLagrangian, hostSynapse } from './forms.js';
import type { HostLagrangian, HostSynapse, ParamValues } from './types.js';

/** Options of `compileLeanStep`. */
export interface LeanStepOptions {
  /** Include the neuron layers' energies (default true); false gives the Energy Transformer's energy. */
  neuronEnergy?: boolean;
  /** The matrix product and row routines to use (default: plain JavaScript; pass a fast one, see @hamux-ts/kernels). */
  gemm?: Gemm;
  /**
   * Layers whose `∂E/∂x̂` nobody reads (held whole by a clamp): their signals are not computed,
   * which skips the products that only they need, and their entries in the result are empty.
   */
  unread?: readonly string[];
}

const UNREAD = new Float32Array(0);

/** The host-array result of one evaluation; the arrays are the step's own, overwritten by the next call. */
export interface LeanResult<L extends string> {
  /** Total energy per sample, `[B]`. */
  energy: Float64Array;
  /** `∂E/∂x̂` of each layer, `[B, size]` (empty for the layers in `unread`). */
  dEdxhat: { readonly [K in L]: Float32Array };
  /** `x̂` of each layer (for identity layers, the state array itself). */
  xhat: { readonly [K in L]: Float32Array };
}

/** Host copies of parameter tensors, cached by their data (tfjs data never changes in place). */
const paramCache = new WeakMap<object, Float32Array>();
function valuesOf(t: Tensor): Float32Array {
  const id = t.dataId as object;
  let v = paramCache.get(id);
  if (!v) {
    v = t.dataSync() as Float32Array;
    paramCache.set(id, v);
  }
  return v;
}
export function paramValues(map: Readonly<Record<string, Tensor>> | undefined): ParamValues {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(map ?? {})) out[k] = valuesOf(t);
  return out;
}

/** A layer of a compiled graph: its host Lagrangian. */
export interface LayerPlan<L> { readonly name: L; readonly size: number; readonly tau: number; readonly lag: HostLagrangian }
/** A synapse of a compiled graph: its host form and the indices of the layers it connects. */
export interface SynapsePlan<L> { readonly name: string; readonly connects: readonly L[]; readonly index: readonly number[]; readonly syn: HostSynapse }
/** A graph of built-ins compiled to host forms, layers and synapses in the graph's order. */
export interface LeanPlan<L> { readonly layers: readonly LayerPlan<L>[]; readonly synapses: readonly SynapsePlan<L>[] }

/** What one evaluation writes: per layer x̂ (unused for identity layers) and ∂E/∂x̂, the energies, scratch. */
export interface EvalBuffers {
  readonly xhat: readonly Float32Array[];
  /** ∂E/∂x̂ per layer; undefined for a layer whose signal nobody reads (skips its products). */
  readonly grad: readonly (Float32Array | undefined)[];
  readonly L: Float64Array;
  readonly E: Float64Array;
  readonly work: Float32Array;
  readonly lse: Float64Array;
  /** Per synapse, where to keep what its adjoint needs (training). */
  readonly save?: readonly (Float32Array | undefined)[];
}

/**
 * One evaluation of a compiled graph on host arrays: every layer's activation and Lagrangian, then
 * every synapse's energy and signals. Returns x̂ per layer (x itself for identity layers).
 */
export function evaluatePlan<L>(
  plan: LeanPlan<L>, x: readonly Float32Array[], B: number, params: Params, buf: EvalBuffers, gemm: Gemm, neuron: boolean,
): Float32Array[] {
  const k = rowRoutines(gemm);
  const { E, L } = buf;
  E.fill(0);
  const xhats: Float32Array[] = [];
  plan.layers.forEach((layer, i) => {
    const xi = x[i]!;
    const xhat = layer.lag.isIdentity ? xi : buf.xhat[i]!;
    layer.lag.run(xi, xhat, L, B, layer.size, paramValues(params.layers[layer.name as string]), k);
    xhats.push(xhat);
    const g = buf.grad[i];
    if (neuron) {
      // E_layer = Σ x̂⊙x − L(x), ∂E_layer/∂x̂ = x
      g?.set(xi);
      (B * layer.size > SMALL_ROWS ? k.dotRows : jsDotRows)(xhat, 0, xi, 0, B, layer.size, E, 0, 1);
      for (let s = 0; s < B; s++) E[s]! -= L[s]!;
    } else g?.fill(0);
  });
  plan.synapses.forEach((s, j) => {
    const save = buf.save?.[j];
    s.syn.run({
      gemm,
      k,
      B,
      xhat: s.index.map((i) => xhats[i]!),
      grad: s.index.map((i) => buf.grad[i]),
      E,
      p: paramValues(params.synapses[s.name]),
      work: buf.work,
      lse: buf.lse,
      ...(save ? { save } : {}),
    });
  });
  return xhats;
}

/**
 * The host forms of a graph made only of built-ins, or why not (a user-defined component, or a
 * collective Lagrangian along an axis other than the last). A component is a built-in when it
 * carries a `builtin` spec of its own kind (only the built-in factories attach one).
 */
export function leanPlan<L extends string, S extends string>(ham: HAM<L, S>): LeanPlan<L> | string {
  const layers: LayerPlan<L>[] = [];
  for (const name of ham.layerNames) {
    const layer = ham.layers[name];
    const spec = layer.lagrangian.builtin;
    if (spec?.kind !== layer.lagrangian.kind) return `layer "${name}": the Lagrangian "${layer.lagrangian.kind}" is not a built-in`;
    const lag = hostLagrangian(spec, layer.shape);
    if (typeof lag === 'string') return `layer "${name}": ${lag}`;
    layers.push({ name, size: layer.shape.reduce((a, b) => a * b, 1), tau: layer.tau, lag });
  }
  const synapses: SynapsePlan<L>[] = [];
  for (const name of ham.synapseNames) {
    const node = ham.synapses[name];
    const spec = node.synapse.builtin;
    if (spec?.kind !== node.synapse.kind) return `synapse "${name}": "${node.synapse.kind}" is not a built-in`;
    const syn = hostSynapse(spec, node.shapes);
    if (typeof syn === 'string') return `synapse "${name}": ${syn}`;
    synapses.push({ name, connects: node.connects, index: node.connects.map((c) => ham.layerNames.indexOf(c)), syn });
  }
  return { layers, synapses };
}

interface Buffers extends EvalBuffers { readonly B: number }

/**
 * One evaluation of a graph's energy and `∂E/∂x̂` (and an Euler update) on host arrays, with one
 * fused routine per built-in component and no tfjs op in between: the lean step for small graphs,
 * where tfjs's per-op dispatch (12–30 µs an op) would dominate, and the fast one for large ones,
 * where the products go to `gemm` and the energy shares them with the signals.
 *
 * Only graphs made entirely of built-in components compile (`compileLeanStep` says why not);
 * everything else, and anything that needs autodiff, stays on `HAM.energyAndDEdxhat`.
 */
export class LeanStep<L extends string> {
  /** The graph's layer names, in its order (the order of the host arrays). */
  readonly layerNames: readonly L[];
  private readonly plan: LeanPlan<L>;
  private readonly neuron: boolean;
  private readonly gemm: Gemm;
  private readonly unread: ReadonlySet<string>;
  private buffers: Buffers | undefined;

  constructor(private readonly ham: HAM<L, string>, plan: LeanPlan<L>, options: LeanStepOptions) {
    this.layerNames = plan.layers.map((l) => l.name);
    this.plan = plan;
    this.neuron = options.neuronEnergy ?? true;
    this.gemm = options.gemm ?? jsGemm;
    this.unread = new Set(options.unread ?? []);
  }

  private get layers(): readonly LayerPlan<L>[] {
    return this.plan.layers;
  }

  /** The size of each layer's state per sample. */
  sizeOf(layer: L): number {
    return this.layers.find((l) => l.name === layer)!.size;
  }

  private buffersFor(B: number): Buffers {
    if (this.buffers?.B === B) return this.buffers;
    const synapses = this.plan.synapses;
    this.buffers = {
      B,
      xhat: this.layers.map((l) => (l.lag.isIdentity ? new Float32Array(0) : new Float32Array(B * l.size))),
      grad: this.layers.map((l) => (this.unread.has(l.name) ? undefined : new Float32Array(B * l.size))),
      L: new Float64Array(B),
      E: new Float64Array(B),
      work: new Float32Array(Math.max(0, ...synapses.map((s) => s.syn.scratch(B)))),
      lse: new Float64Array(Math.max(0, ...synapses.map((s) => s.syn.lseRows?.(B) ?? 0))),
    };
    return this.buffers;
  }

  /**
   * Energy per sample and `∂E/∂x̂` of every layer for states `x` (`[B, size]` per layer), with the
   * graph's parameters or `params`. The returned arrays are reused by the next call.
   */
  energyAndDEdxhat(x: { readonly [K in L]: Float32Array }, B: number, params: Params = this.ham.params): LeanResult<L> {
    const buf = this.buffersFor(B);
    const xs = this.layers.map((layer) => {
      const xi = x[layer.name];
      if (xi.length !== B * layer.size) {
        throw new HamuxError(['lean step', 'x', layer.name], `needs ${B}×${layer.size} values, got ${xi.length}`, 'shape_mismatch');
      }
      return xi;
    });
    const xhats = evaluatePlan(this.plan, xs, B, params, buf, this.gemm, this.neuron);
    const named = <T>(arr: readonly T[]) => Object.fromEntries(this.layerNames.map((n, i) => [n, arr[i]!])) as { [K in L]: T };
    return { energy: buf.E, dEdxhat: named(buf.grad.map((g) => g ?? UNREAD)), xhat: named(xhats) };
  }

  /**
   * One explicit Euler step in place, `x_i ← x_i − (dt/τ_i) ∂E/∂x̂_i`; returns the energy per
   * sample before the step (the array is reused by the next call).
   */
  step(x: { readonly [K in L]: Float32Array }, B: number, dt: number, params?: Params): Float64Array {
    const r = this.energyAndDEdxhat(x, B, params);
    const k = rowRoutines(this.gemm);
    for (const layer of this.layers) {
      if (this.unread.has(layer.name)) continue; // held: no signal, no move
      const xi = x[layer.name], g = r.dEdxhat[layer.name];
      (xi.length > SMALL_ROWS ? k.axpy : jsAxpy)(xi.length, -dt / layer.tau, g, 0, xi, 0);
    }
    return r.energy;
  }

  /** `HAM.energyAndDEdxhat` on tensors, computed by the lean step (new tensors, the caller's). */
  energyAndDEdxhatTensors(states: States<L>, params?: Params): {
    /** The total energy E per sample, `[B]`. */
    energy: Tensor;
    /** `∂E/∂x̂_i` of every layer i, shaped like its states (zeros for the layers in `unread`). */
    dEdxhat: States<L>;
  } {
    const B = this.ham.checkStates(states);
    const x = Object.fromEntries(this.layerNames.map((n) => [n, states[n].dataSync() as Float32Array])) as { [K in L]: Float32Array };
    const r = this.energyAndDEdxhat(x, B, params);
    return {
      energy: tf.tensor1d(Float32Array.from(r.energy)),
      dEdxhat: Object.fromEntries(this.layerNames.map((n) => [n, this.unread.has(n) ? tf.zerosLike(states[n]) : tf.tensor(Float32Array.from(r.dEdxhat[n]), states[n].shape)])) as States<L>,
    };
  }
}

/**
 * Compiles the lean step of a graph, or returns why it cannot (a user-defined component, or a
 * collective Lagrangian along an axis other than the last): then use `HAM.energyAndDEdxhat`.
 * A component is a built-in when it carries a `builtin` spec of its own kind (only the built-in
 * factories attach one); the spec, not its functions, chooses the lean form.
 */
export function compileLeanStep<L extends string, S extends string>(ham: HAM<L, S>, options: LeanStepOptions = {}): LeanStep<L> | string {
  const plan = leanPlan(ham);
  return typeof plan === 'string' ? plan : new LeanStep(ham as HAM<L, string>, plan, options);
}
