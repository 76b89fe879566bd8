import { jsAxpy, jsDotRows, jsGemm, rowRoutines, SMALL_ROWS, type Gemm } from '@hamux-ts/kernels';
import { tf, type Tensor } from '../tf.js';
import type { HAM, States } from '../ham.js';
import type { Params } from '../params.js';
import { hostLagrangian, hostSynapse } from './forms.js';
import type { HostLagrangian, HostSynapse, ParamValues } from './types.js';

export interface LeanStepOptions {
  /** Include the neuron layers' energies (default true); false gives the Energy Transformer's energy. */
  neuronEnergy?: boolean;
  /** The matrix product and row routines to use (default: plain JavaScript; pass a fast one, see @hamux-ts/kernels). */
  gemm?: Gemm;
}

/** The host-array result of one evaluation; the arrays are the step's own, overwritten by the next call. */
export interface LeanResult<L extends string> {
  /** Total energy per sample, `[B]`. */
  energy: Float64Array;
  /** `∂E/∂x̂` of each layer, `[B, size]`. */
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
function paramValues(map: Readonly<Record<string, Tensor>> | undefined): ParamValues {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(map ?? {})) out[k] = valuesOf(t);
  return out;
}

interface LayerPlan<L> { name: L; size: number; tau: number; lag: HostLagrangian }
interface SynapsePlan<L> { name: string; connects: readonly L[]; syn: HostSynapse }
interface Buffers { B: number; xhat: Float32Array[]; grad: Float32Array[]; L: Float64Array; E: Float64Array; work: Float32Array; lse: Float64Array }

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
  readonly layerNames: readonly L[];
  private readonly layers: LayerPlan<L>[];
  private readonly synapses: SynapsePlan<L>[];
  private readonly neuron: boolean;
  private readonly gemm: Gemm;
  private buffers: Buffers | undefined;

  constructor(private readonly ham: HAM<L, string>, layers: LayerPlan<L>[], synapses: SynapsePlan<L>[], options: LeanStepOptions) {
    this.layerNames = layers.map((l) => l.name);
    this.layers = layers;
    this.synapses = synapses;
    this.neuron = options.neuronEnergy ?? true;
    this.gemm = options.gemm ?? jsGemm;
  }

  /** The size of each layer's state per sample. */
  sizeOf(layer: L): number {
    return this.layers.find((l) => l.name === layer)!.size;
  }

  private buffersFor(B: number): Buffers {
    if (this.buffers?.B === B) return this.buffers;
    const work = Math.max(0, ...this.synapses.map((s) => s.syn.scratch(B)));
    this.buffers = {
      B,
      xhat: this.layers.map((l) => (l.lag.isIdentity ? new Float32Array(0) : new Float32Array(B * l.size))),
      grad: this.layers.map((l) => new Float32Array(B * l.size)),
      L: new Float64Array(B),
      E: new Float64Array(B),
      work: new Float32Array(work),
      lse: new Float64Array(Math.max(0, ...this.synapses.map((s) => s.syn.lseRows?.(B) ?? 0))),
    };
    return this.buffers;
  }

  /**
   * Energy per sample and `∂E/∂x̂` of every layer for states `x` (`[B, size]` per layer), with the
   * graph's parameters or `params`. The returned arrays are reused by the next call.
   */
  energyAndDEdxhat(x: { readonly [K in L]: Float32Array }, B: number, params: Params = this.ham.params): LeanResult<L> {
    const buf = this.buffersFor(B);
    const gemm = this.gemm;
    const k = rowRoutines(gemm);
    const { E, L } = buf;
    E.fill(0);
    const xhats: Float32Array[] = [];
    this.layers.forEach((layer, i) => {
      const xi = x[layer.name];
      if (xi.length !== B * layer.size) {
        throw new RangeError(`lean step: layer "${layer.name}" needs ${B}×${layer.size} values, got ${xi.length}`);
      }
      const xhat = layer.lag.isIdentity ? xi : buf.xhat[i]!;
      layer.lag.run(xi, xhat, L, B, layer.size, paramValues(params.layers[layer.name]), k);
      xhats.push(xhat);
      const g = buf.grad[i]!;
      if (this.neuron) {
        // E_layer = Σ x̂⊙x − L(x), ∂E_layer/∂x̂ = x
        g.set(xi);
        (B * layer.size > SMALL_ROWS ? k.dotRows : jsDotRows)(xhat, 0, xi, 0, B, layer.size, E, 0, 1);
        for (let s = 0; s < B; s++) E[s]! -= L[s]!;
      } else g.fill(0);
    });
    const index = new Map(this.layerNames.map((n, i) => [n, i]));
    for (const s of this.synapses) {
      const ks = s.connects.map((c) => index.get(c)!);
      s.syn.run({
        gemm,
        k,
        B,
        xhat: ks.map((k) => xhats[k]!),
        grad: ks.map((k) => buf.grad[k]!),
        E,
        p: paramValues(params.synapses[s.name]),
        work: buf.work,
        lse: buf.lse,
      });
    }
    const named = <T>(arr: T[]) => Object.fromEntries(this.layerNames.map((n, i) => [n, arr[i]!])) as { [K in L]: T };
    return { energy: E, dEdxhat: named(buf.grad), xhat: named(xhats) };
  }

  /**
   * One explicit Euler step in place, `x_i ← x_i − (dt/τ_i) ∂E/∂x̂_i`; returns the energy per
   * sample before the step (the array is reused by the next call).
   */
  step(x: { readonly [K in L]: Float32Array }, B: number, dt: number, params?: Params): Float64Array {
    const r = this.energyAndDEdxhat(x, B, params);
    const k = rowRoutines(this.gemm);
    for (const layer of this.layers) {
      const xi = x[layer.name], g = r.dEdxhat[layer.name];
      (xi.length > SMALL_ROWS ? k.axpy : jsAxpy)(xi.length, -dt / layer.tau, g, 0, xi, 0);
    }
    return r.energy;
  }

  /** `HAM.energyAndDEdxhat` on tensors, computed by the lean step (new tensors, the caller's). */
  energyAndDEdxhatTensors(states: States<L>, params?: Params): { energy: Tensor; dEdxhat: States<L> } {
    const B = this.ham.checkStates(states);
    const x = Object.fromEntries(this.layerNames.map((n) => [n, states[n].dataSync() as Float32Array])) as { [K in L]: Float32Array };
    const r = this.energyAndDEdxhat(x, B, params);
    return {
      energy: tf.tensor1d(Float32Array.from(r.energy)),
      dEdxhat: Object.fromEntries(this.layerNames.map((n) => [n, tf.tensor(Float32Array.from(r.dEdxhat[n]), states[n].shape)])) as States<L>,
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
    synapses.push({ name, connects: node.connects, syn });
  }
  return new LeanStep(ham as HAM<L, string>, layers, synapses, options);
}
