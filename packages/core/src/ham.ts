import { tf, type Tensor } from './tf.js';
import { installSecondOrderGradients } from './second-order.js';
import { HamuxError, HamuxErrors, didYouMean, parsePath, type ErrorPath } from './errors.js';
import type { Hypersynapse } from './hypersynapse.js';
import type { NeuronLayer } from './layer.js';
import { initParam, paramProblems, type ParamSpecs, type ParamSpecTree, type ParamTree, type Params, type TensorMap } from './params.js';
import { deriveKey, normalValues } from './random.js';
import { formatShape, sameShape, type Shape } from './shape.js';
import { tidy } from './ops.js';

/** One tensor per layer, each `[B, ...shape]` with the same batch size B. */
export type States<L extends string> = { readonly [K in L]: Tensor };

/** A hypersynapse placed in a graph. */
export interface SynapseNode<L extends string> {
  /** The synapse's name in the graph. */
  readonly name: string;
  /** The hypersynapse: its energy and parameter specs. */
  readonly synapse: Hypersynapse;
  /** The layers it joins, in order. */
  readonly connects: readonly L[];
  /** Those layers' shapes, in the same order. */
  readonly shapes: readonly Shape[];
}

/** Every term of the global energy, each `[B]`. */
export interface EnergyTree<L extends string, S extends string> {
  /** Each layer's energy `Σ x̂⊙x − L(x)`, per sample (`[B]`). */
  readonly layers: { readonly [K in L]: Tensor };
  /** Each synapse's energy, per sample (`[B]`). */
  readonly synapses: { readonly [K in S]: Tensor };
  /** The sum of all of them, per sample (`[B]`). */
  readonly total: Tensor;
}

/**
 * How update signals are computed: `'auto'` uses a built-in component's closed form where it has
 * one and autodiff for the rest; `'autodiff'` differentiates the total energy (the reference).
 */
export type GradMethod = 'auto' | 'autodiff';

/** Options of the energy and `∂E/∂x̂` evaluations of a `HAM`. */
export interface EvalOptions {
  /** Parameters to evaluate with instead of the graph's own (for training, or weights under test). */
  readonly params?: Params;
  /** How `∂E/∂x̂` is computed: `'auto'` (closed forms where built-ins have them, default) or `'autodiff'` (the reference). */
  readonly method?: GradMethod;
  /**
   * Include the neuron layers' energies `Σ x̂⊙x − L(x)` (default true, HAMUX's energy). With false,
   * the energy is the synapses' alone and `∂E/∂x̂` drops its `x` term: the Energy Transformer's update.
   */
  readonly neuronEnergy?: boolean;
}

/**
 * A compiled hierarchical associative memory: neuron layers, hypersynapses and their parameters,
 * with the global energy `E = Σ_layers (Σ x̂⊙x − L(x)) + Σ_syn E_syn(x̂)` and its update signals
 * `∂E/∂x̂_i = x_i + Σ_syn ∂E_syn/∂x̂_i`. Build one with `hypergraph()…build({ seed })`.
 *
 * Every method takes states with a leading batch dimension, returns per-sample values, and owns
 * the tensors it allocates: only the returned tensors survive, and they are the caller's to dispose.
 */
export class HAM<L extends string, S extends string> {
  /** Every neuron layer, by name. */
  readonly layers: { readonly [K in L]: NeuronLayer };
  /** Every synapse, by name. */
  readonly synapses: { readonly [K in S]: SynapseNode<L> };
  /** Layer names, in declaration order. */
  readonly layerNames: readonly L[];
  /** Synapse names, in declaration order. */
  readonly synapseNames: readonly S[];
  /**
   * The graph's parameters by owner, typed by the graph's names: `ham.params.synapses.enc.W`
   * (owned by the graph; `dispose()` frees them).
   */
  readonly params: Params<L, S>;
  /** Shape, initialiser and learnability of every parameter, per layer and synapse. */
  readonly paramSpecs: {
    /** The Lagrangians' parameter specs (β, γ, δ…), by layer name. */
    readonly layers: Record<L, ParamSpecs>;
    /** The hypersynapses' parameter specs (W, b, ξ…), by synapse name. */
    readonly synapses: Record<S, ParamSpecs>;
  };
  /** Non-fatal findings of the build, such as layers that no synapse touches. */
  readonly warnings: readonly string[];
  /** The seed the parameters were initialised from (loaded parameters override it). */
  readonly seed: number;

  private constructor(
    layers: Map<L, NeuronLayer>,
    synapses: Map<S, SynapseNode<L>>,
    params: Params<L, S>,
    paramSpecs: HAM<L, S>['paramSpecs'],
    warnings: readonly string[],
    seed: number,
  ) {
    this.seed = seed;
    this.layers = Object.freeze(Object.fromEntries(layers)) as HAM<L, S>['layers'];
    this.synapses = Object.freeze(Object.fromEntries(synapses)) as HAM<L, S>['synapses'];
    this.layerNames = Object.freeze([...layers.keys()]);
    this.synapseNames = Object.freeze([...synapses.keys()]);
    this.params = params;
    this.paramSpecs = paramSpecs;
    this.warnings = Object.freeze([...warnings]);
  }

  /** @internal Called by `GraphBuilder.build` after validation. */
  static create<L extends string, S extends string>(
    layers: Map<L, NeuronLayer>,
    synapses: Map<S, SynapseNode<L>>,
    options: { readonly seed: number; readonly params?: ParamTree },
    warnings: readonly string[],
  ): HAM<L, S> {
    const specs = paramSpecsOf(layers, synapses);
    // Overrides were checked against these specs by the builder.
    const materialise = (group: 'layers' | 'synapses', owner: string, ownerSpecs: ParamSpecs) => {
      const given = options.params?.[group]?.[owner] ?? {};
      const out: Record<string, Tensor> = {};
      for (const [p, spec] of Object.entries(ownerSpecs)) {
        const path = `${group}.${owner}.${p}`;
        const g = Object.hasOwn(given, p) ? given[p] : undefined;
        out[p] = tf.keep(g !== undefined ? tf.cast(g, 'float32').clone() : initParam(path, spec, deriveKey(options.seed, path)));
      }
      return Object.freeze(out);
    };
    const params = tidy(() => ({
      layers: Object.freeze(Object.fromEntries(Object.entries(specs.layers).map(([n, s]) => [n, materialise('layers', n, s as ParamSpecs)]))),
      synapses: Object.freeze(Object.fromEntries(Object.entries(specs.synapses).map(([n, s]) => [n, materialise('synapses', n, s as ParamSpecs)]))),
    }));
    // One entry per layer and per synapse, by construction: the names of `L` and `S`.
    return new HAM(layers, synapses, Object.freeze(params) as Params<L, S>, specs, warnings, options.seed);
  }

  /**
   * The same graph (layers, synapses, seed, warnings) carrying `params` instead: trained or loaded
   * weights as a graph of their own. `params` must be complete, every parameter of every layer and
   * synapse in its spec's shape; every problem is reported at once, as a `HamuxErrors` whose paths
   * are those of `build`'s checks (`synapses.enc.W`).
   *
   * The given tensors are copied (cast to float32 and cloned, which shares their data until one
   * side is disposed): the caller keeps them and may dispose them; the new graph owns its copies,
   * and its `dispose()` frees only those. This graph is left as it was.
   *
   * ```ts
   * const trained = ham.withParams(weights); // trained.energy(s) equals ham.energy(s, { params: weights })
   * ham.dispose(); // trained keeps its own copies
   * ```
   */
  withParams(params: ParamTree): HAM<L, S> {
    if (typeof params !== 'object' || params === null) {
      throw new HamuxError(['params'], `expected { layers, synapses } of tensors, got ${params === null ? 'null' : typeof params}`, 'invalid_argument');
    }
    const problems = paramProblems(this.paramSpecs, params, true);
    if (problems.length > 0) throw new HamuxErrors(problems);
    const layers = new Map(this.layerNames.map((n) => [n, this.layers[n]] as const));
    const synapses = new Map(this.synapseNames.map((s) => [s, this.synapses[s]] as const));
    return HAM.create<L, S>(layers, synapses, { seed: this.seed, params }, this.warnings);
  }

  /** Total number of parameter entries (learnable and fixed). */
  get numParams(): number {
    return [...Object.values<TensorMap>(this.params.layers), ...Object.values<TensorMap>(this.params.synapses)]
      .flatMap((m) => Object.values(m))
      .reduce((n, t) => n + t.size, 0);
  }

  /**
   * Checks that `states` has exactly one tensor per layer, of shape `[B, ...shape]` with one B,
   * and returns B. Throws a `HamuxErrors` naming each offending layer otherwise, at `[...what, layer]`
   * (`what` is a path, or its text: `'states'`, `'initial states'`).
   */
  checkStates(states: Readonly<Record<string, Tensor>>, what: string | ErrorPath = 'states'): number {
    const at = typeof what === 'string' ? parsePath(what) : what;
    const errors: HamuxError[] = [];
    let batch: number | undefined;
    let batchFrom = '';
    for (const name of Object.keys(states)) {
      if (!Object.hasOwn(this.layers, name)) {
        errors.push(new HamuxError([...at, name], `unknown layer${didYouMean(name, this.layerNames)} (layers are ${this.layerNames.map((n) => `"${n}"`).join(', ')})`, 'unknown_name'));
      }
    }
    for (const name of this.layerNames) {
      // An own property only: a layer named `hasOwnProperty` or `toString` is missing, not a function.
      const t = Object.hasOwn(states, name) ? states[name] : undefined;
      const layer = this.layers[name];
      const path = [...at, name];
      if (t === undefined) {
        errors.push(new HamuxError(path, `missing: no tensor for layer "${name}" (expected shape [batch, ${layer.shape.join(', ')}])`, 'invalid_argument'));
        continue;
      }
      if (!(t instanceof tf.Tensor) || t.isDisposed) {
        errors.push(t instanceof tf.Tensor ? new HamuxError(path, 'the tensor has been disposed', 'disposed') : new HamuxError(path, 'expected a tensor', 'invalid_argument'));
        continue;
      }
      if (t.rank !== layer.shape.length + 1 || !sameShape(t.shape.slice(1), layer.shape)) {
        errors.push(new HamuxError(path, `expected shape [batch, ${layer.shape.join(', ')}], got ${formatShape(t.shape)}`, 'shape_mismatch'));
        continue;
      }
      if (t.dtype !== 'float32') errors.push(new HamuxError(path, `expected dtype float32, got ${t.dtype}`, 'invalid_argument'));
      if (batch === undefined) { batch = t.shape[0]; batchFrom = name; }
      else if (t.shape[0] !== batch) {
        errors.push(new HamuxError(path, `batch size ${t.shape[0]} differs from ${batch} of layer "${batchFrom}"`, 'shape_mismatch'));
      }
    }
    if (batch === 0) errors.push(new HamuxError(at, `batch size 0 (layer "${batchFrom}"): expected at least one sample`, 'shape_mismatch'));
    if (errors.length > 0) throw new HamuxErrors(errors);
    return batch ?? 0;
  }

  /** Zero states for a batch of `batch` samples. */
  zeros(batch: number): States<L> {
    checkBatch(batch);
    return this.mapLayers((l) => tf.zeros([batch, ...l.shape]));
  }

  /** Seeded normal states `N(0, std²)`, the same numbers on every backend. */
  randomStates(batch: number, seed: number, std = 1): States<L> {
    checkBatch(batch);
    return this.mapLayers((l) => {
      const shape = [batch, ...l.shape];
      return tf.tensor(normalValues(deriveKey(seed, `states.${l.name}`), shape, 0, std), shape);
    });
  }

  /** `x̂_i = ∇L_i(x_i)` for every layer. */
  activations(states: States<L>, options: EvalOptions = {}): States<L> {
    this.checkStates(states);
    return tidy(() => this.rawActivations(states, this.paramsOf(options)));
  }

  /** Each layer's and each synapse's energy and their sum, per sample. */
  energyTree(states: States<L>, options: EvalOptions = {}): EnergyTree<L, S> {
    this.checkStates(states);
    return tidy(() => {
      const params = this.paramsOf(options);
      const xhats = this.rawActivations(states, params);
      return this.treeFrom(states, xhats, params);
    });
  }

  /** The total energy per sample, `[B]`. */
  energy(states: States<L>, options: EvalOptions = {}): Tensor {
    this.checkStates(states);
    return tidy(() => {
      const params = this.paramsOf(options);
      const tree = this.treeFrom(states, this.rawActivations(states, params), params);
      return totalOf(tree, options.neuronEnergy ?? true);
    });
  }

  /** `∂E/∂x̂_i` for every layer, the negated input to the dynamics `τ_i dx_i/dt = −∂E/∂x̂_i`. */
  dEdxhat(states: States<L>, options: EvalOptions = {}): States<L> {
    const { energy, dEdxhat } = this.energyAndDEdxhat(states, options);
    energy.dispose();
    return dEdxhat;
  }

  /** The total energy per sample and `∂E/∂x̂` of every layer, in one pass (what a scheduler step needs). */
  energyAndDEdxhat(states: States<L>, options: EvalOptions = {}): {
    /** The total energy E per sample, `[B]`. */
    energy: Tensor;
    /** `∂E/∂x̂_i` of every layer i, shaped like its states (`[B, …shape]`). */
    dEdxhat: States<L>;
  } {
    this.checkStates(states);
    return tidy(() => {
      const params = this.paramsOf(options);
      const xhats = this.rawActivations(states, params);
      const neuron = options.neuronEnergy ?? true;
      return options.method === 'autodiff'
        ? this.byAutodiff(states, xhats, params, neuron)
        : this.byClosedForms(states, xhats, params, neuron);
    });
  }

  /** Frees the graph's parameters. */
  dispose(): void {
    disposeParams(this.params);
  }

  /** The parameters to evaluate with: the graph's own, or the caller's after checking them whole. */
  private paramsOf(options: EvalOptions): Params {
    if (options.method !== undefined && options.method !== 'auto' && options.method !== 'autodiff') {
      throw new HamuxError(['options', 'method'], `expected 'auto' or 'autodiff', got ${String(options.method)}`, 'invalid_argument');
    }
    if (!options.params) return this.params;
    const problems = paramProblems(this.paramSpecs, options.params, true, ['options', 'params']);
    if (problems.length > 0) throw new HamuxErrors(problems);
    return options.params;
  }

  private mapLayers(f: (layer: NeuronLayer, name: L) => Tensor): States<L> {
    return Object.fromEntries(this.layerNames.map((n) => [n, f(this.layers[n], n)])) as States<L>;
  }

  private rawActivations(states: States<L>, params: Params): States<L> {
    return this.mapLayers((layer, n) => {
      const xhat = layer.activation(states[n], params.layers[n] ?? {});
      // x̂ must be a tensor distinct from x, or autodiff would see Σ x̂⊙x as a square.
      return xhat === states[n] ? tf.clone(xhat) : xhat;
    });
  }

  private synapseEnergy(name: S, xhats: States<L>, params: Params): Tensor {
    const node = this.synapses[name];
    return node.synapse.energy(node.connects.map((l) => xhats[l]), params.synapses[name] ?? {});
  }

  private treeFrom(states: States<L>, xhats: States<L>, params: Params): EnergyTree<L, S> {
    const layers = this.mapLayers((layer, n) => layer.energy(states[n], xhats[n], params.layers[n] ?? {}));
    const synapses = Object.fromEntries(
      this.synapseNames.map((s) => [s, this.synapseEnergy(s, xhats, params)]),
    ) as EnergyTree<L, S>['synapses'];
    const total = tf.addN([...Object.values<Tensor>(layers), ...Object.values<Tensor>(synapses)]);
    return { layers, synapses, total };
  }

  /** Autodiff of the total energy with every x̂ treated as independent of its x (math.md §1). */
  private byAutodiff(states: States<L>, xhats: States<L>, params: Params, neuron: boolean) {
    const names = this.layerNames;
    const f = (...xh: Tensor[]): Tensor => {
      const asStates = Object.fromEntries(names.map((n, i) => [n, xh[i]!])) as States<L>;
      const tree = this.treeFrom(states, asStates, params);
      return totalOf(tree, neuron);
    };
    // A layer that no synapse touches has no path to the synapse-only energy: its signal is zero.
    installSecondOrderGradients(); // the signal may be differentiated again (training)
    const { value, grads } = tf.engine().gradients(() => f(...names.map((n) => xhats[n])), names.map((n) => xhats[n]), undefined, true);
    return {
      energy: value,
      dEdxhat: Object.fromEntries(names.map((n, i) => [n, grads[i] ?? tf.zerosLike(states[n])])) as States<L>,
    };
  }

  /** Closed-form signals where a synapse has them, autodiff of the remaining synapses' energy. */
  private byClosedForms(states: States<L>, xhats: States<L>, params: Params, neuron: boolean) {
    const terms: Tensor[] = neuron
      ? this.layerNames.map((n) => this.layers[n].energy(states[n], xhats[n], params.layers[n] ?? {}))
      : [tf.zeros([states[this.layerNames[0]!].shape[0]!])];
    // ∂E_layer/∂x̂ = x for every layer.
    const signal = new Map<L, Tensor[]>(this.layerNames.map((n) => [n, neuron ? [states[n]] : []]));
    const viaAutodiff: S[] = [];
    for (const s of this.synapseNames) {
      const node = this.synapses[s];
      if (!node.synapse.dEdxhat) { viaAutodiff.push(s); continue; }
      const inputs = node.connects.map((l) => xhats[l]);
      const p = params.synapses[s] ?? {};
      terms.push(node.synapse.energy(inputs, p));
      node.synapse.dEdxhat(inputs, p).forEach((g, k) => signal.get(node.connects[k]!)!.push(g));
    }
    if (viaAutodiff.length > 0) {
      const involved = [...new Set(viaAutodiff.flatMap((s) => this.synapses[s].connects))];
      const f = (...xh: Tensor[]): Tensor => {
        const local = { ...xhats, ...Object.fromEntries(involved.map((l, i) => [l, xh[i]!])) } as States<L>;
        return tf.addN(viaAutodiff.map((s) => this.synapseEnergy(s, local, params)));
      };
      installSecondOrderGradients(); // the signal may be differentiated again (training)
      const { value, grads } = tf.engine().gradients(
        () => f(...involved.map((l) => xhats[l])),
        involved.map((l) => xhats[l]),
        undefined,
        true,
      );
      terms.push(value);
      involved.forEach((l, i) => { if (grads[i]) signal.get(l)!.push(grads[i]!); });
    }
    return {
      energy: tf.addN(terms),
      dEdxhat: Object.fromEntries(
        this.layerNames.map((n) => {
          const parts = signal.get(n)!;
          if (parts.length === 0) return [n, tf.zerosLike(states[n])];
          return [n, parts.length === 1 ? tf.clone(parts[0]!) : tf.addN(parts)];
        }),
      ) as States<L>,
    };
  }
}

/** The parameter specs of every layer's Lagrangian and every synapse, by owner. */
export function paramSpecsOf<L extends string, S extends string>(
  layers: ReadonlyMap<L, NeuronLayer>,
  synapses: ReadonlyMap<S, SynapseNode<L>>,
): { layers: Record<L, ParamSpecs>; synapses: Record<S, ParamSpecs> } & ParamSpecTree {
  return {
    layers: Object.fromEntries([...layers].map(([n, l]) => [n, l.lagrangian.params(l.shape)])) as Record<L, ParamSpecs>,
    synapses: Object.fromEntries([...synapses].map(([n, s]) => [n, s.synapse.params(s.shapes)])) as Record<S, ParamSpecs>,
  };
}

/** The tree's total, or the synapses' alone (the Energy Transformer's energy). */
function totalOf<L extends string, S extends string>(tree: EnergyTree<L, S>, neuronEnergy: boolean): Tensor {
  return neuronEnergy ? tree.total : tf.addN([tf.zerosLike(tree.total), ...Object.values<Tensor>(tree.synapses)]);
}

function disposeParams(params: Params): void {
  for (const group of [params.layers, params.synapses]) {
    for (const m of Object.values(group)) for (const t of Object.values(m)) t.dispose();
  }
}


/** A batch size for new states: a positive integer, named `batch` when it is not. */
function checkBatch(batch: number): void {
  if (!(Number.isSafeInteger(batch) && batch > 0)) {
    throw new HamuxError(['batch'], `expected a positive integer number of samples, got ${String(batch)}`, 'invalid_argument');
  }
}
