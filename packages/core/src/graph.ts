import { HamuxError, HamuxErrors, type ErrorPath } from './errors.js';
import type { Hypersynapse } from './hypersynapse.js';
import { NeuronLayer, type LayerSpec } from './layer.js';
import { checkInit, initProblemCode, paramProblems, type ParamSpecs, type ParamTree } from './params.js';
import { formatShape, isValidShape, type Shape } from './shape.js';
import { HAM, paramSpecsOf, type SynapseNode } from './ham.js';

/** What to do with a layer that no hypersynapse touches (its state just decays to its own minimum). */
export type IsolatedLayerPolicy = 'error' | 'warn' | 'allow';

/** Options of `GraphBuilder.build`: the seed, loaded parameters, and what to do with unconnected layers. */
export interface BuildOptions {
  /** Seed of every parameter's initialisation; parameters get independent streams by path. */
  readonly seed: number;
  /** Parameters to use instead of initialising them (loaded weights), checked against the specs. */
  readonly params?: ParamTree;
  /** Default `'warn'`: the warning is kept in `ham.warnings`. */
  readonly isolatedLayers?: IsolatedLayerPolicy;
}

interface SynapseDecl {
  readonly name: string;
  readonly synapse: Hypersynapse;
  readonly connects: readonly string[];
}

/**
 * The declarations so far, newest first. A builder shares the list of the one it came from, so each
 * call is O(1) and building a graph of n layers is linear in n (copying an array per call was
 * quadratic: 20,000 layers took half a minute).
 */
interface Declared<T> {
  readonly last: T;
  readonly before: Declared<T> | undefined;
}

/** The declarations in the order they were made. */
function inOrder<T>(list: Declared<T> | undefined): T[] {
  const out: T[] = [];
  for (let d = list; d !== undefined; d = d.before) out.push(d.last);
  return out.reverse();
}

/**
 * Declares a hypergraph one layer and one hypersynapse at a time. Each call returns a new builder
 * whose type knows the names declared so far, so a misspelt layer in `connects` is a compile error.
 *
 * ```ts
 * const ham = hypergraph()
 *   .layer('pixels', { shape: [784], lagrangian: identity() })
 *   .layer('hidden', { shape: [256], lagrangian: softmax({ beta: 2 }), tau: 0.1 })
 *   .synapse('enc', dense(), ['pixels', 'hidden'])
 *   .build({ seed: 0 });
 * ```
 */
export class GraphBuilder<L extends string = never, S extends string = never> {
  readonly #layers: Declared<readonly [string, LayerSpec]> | undefined;
  readonly #synapses: Declared<SynapseDecl> | undefined;

  private constructor(layers: Declared<readonly [string, LayerSpec]> | undefined, synapses: Declared<SynapseDecl> | undefined) {
    this.#layers = layers;
    this.#synapses = synapses;
  }

  /** @internal Use `hypergraph()`. */
  static empty(): GraphBuilder {
    return new GraphBuilder(undefined, undefined);
  }

  /** Adds a neuron layer named `name`. */
  layer<N extends string>(name: N, spec: LayerSpec): GraphBuilder<L | N, S> {
    return new GraphBuilder<L | N, S>({ last: [name, spec], before: this.#layers }, this.#synapses);
  }

  /** Adds a hypersynapse named `name` between the layers it `connects`, in the order its energy expects. */
  synapse<N extends string>(name: N, synapse: Hypersynapse, connects: readonly L[]): GraphBuilder<L, S | N> {
    return new GraphBuilder<L, S | N>(this.#layers, { last: { name, synapse, connects: [...connects] }, before: this.#synapses });
  }

  /** Validates the whole graph (every problem at once), initialises its parameters, and compiles it. */
  build(options: BuildOptions): HAM<L, S> {
    return compileGraph<L, S>(inOrder(this.#layers), inOrder(this.#synapses), options);
  }
}

/** Starts an empty hypergraph. */
export function hypergraph(): GraphBuilder {
  return GraphBuilder.empty();
}

function specProblems(path: ErrorPath, specs: ParamSpecs): HamuxError[] {
  return Object.entries(specs).flatMap(([p, spec]) => {
    const problem = checkInit(spec.init, spec.shape);
    return problem ? [new HamuxError([...path, p], problem, initProblemCode(spec.init))] : [];
  });
}

function compileGraph<L extends string, S extends string>(
  layerDecls: readonly (readonly [string, LayerSpec])[],
  synapseDecls: readonly SynapseDecl[],
  options: BuildOptions,
): HAM<L, S> {
  const errors: HamuxError[] = [];
  const warnings: string[] = [];
  if (!Number.isInteger(options.seed)) errors.push(new HamuxError(['seed'], `expected an integer, got ${options.seed}`, 'invalid_argument'));

  const layers = new Map<string, NeuronLayer>();
  const declaredLayers = new Set<string>();
  for (const [name, spec] of layerDecls) {
    const path = ['layers', name];
    const duplicate = declaredLayers.has(name);
    declaredLayers.add(name);
    if (!name) errors.push(new HamuxError(['layers'], 'a layer has an empty name', 'invalid_argument'));
    else if (duplicate) errors.push(new HamuxError(path, `duplicate layer name "${name}"`, 'invalid_argument'));
    else if (!isValidShape(spec.shape) || spec.shape.length === 0) {
      errors.push(new HamuxError([...path, 'shape'], `expected a non-empty array of positive integers, got ${JSON.stringify(spec.shape)}`, 'invalid_argument'));
    } else if (spec.tau !== undefined && !(Number.isFinite(spec.tau) && spec.tau > 0)) {
      errors.push(new HamuxError([...path, 'tau'], `expected a positive number, got ${spec.tau}`, 'invalid_argument'));
    } else if (!spec.lagrangian || typeof spec.lagrangian.lagrangian !== 'function') {
      errors.push(new HamuxError([...path, 'lagrangian'], 'expected a Lagrangian', 'invalid_argument'));
    } else {
      const problem = spec.lagrangian.check?.(spec.shape);
      if (problem) errors.push(new HamuxError([...path, 'lagrangian'], problem, 'shape_mismatch'));
      else {
        errors.push(...specProblems(path, spec.lagrangian.params(spec.shape)));
        layers.set(name, new NeuronLayer(name, spec));
      }
    }
  }

  const synapses = new Map<string, SynapseNode<L>>();
  const declaredSynapses = new Set<string>();
  const touched = new Set<string>();
  for (const { name, synapse, connects } of synapseDecls) {
    const path = ['synapses', name];
    const duplicate = declaredSynapses.has(name);
    declaredSynapses.add(name);
    if (!name) { errors.push(new HamuxError(['synapses'], 'a synapse has an empty name', 'invalid_argument')); continue; }
    if (duplicate) { errors.push(new HamuxError(path, `duplicate synapse name "${name}"`, 'invalid_argument')); continue; }
    if (!synapse || typeof synapse.energy !== 'function') { errors.push(new HamuxError(path, 'expected a Hypersynapse', 'invalid_argument')); continue; }
    const unknown = connects.filter((l) => !declaredLayers.has(l));
    if (unknown.length > 0) {
      const known = [...declaredLayers].map((n) => `"${n}"`).join(', ');
      errors.push(new HamuxError([...path, 'connects'], `unknown layer ${unknown.map((u) => `"${u}"`).join(', ')} (layers are ${known || 'none'})`, 'unknown_name'));
      continue;
    }
    if (connects.length !== synapse.arity) {
      errors.push(new HamuxError([...path, 'connects'], `${synapse.kind} connects ${synapse.arity} layer(s), got ${connects.length} (${connects.join(', ')})`, 'invalid_argument'));
      continue;
    }
    connects.forEach((l) => touched.add(l));
    if (connects.some((l) => !layers.has(l))) continue; // the layer itself is broken, reported above
    const shapes: Shape[] = connects.map((l) => layers.get(l)!.shape);
    const described = connects.map((l, i) => `"${l}" ${formatShape(shapes[i]!)}`).join(' and ');
    const problem = synapse.check(shapes);
    if (problem) {
      errors.push(new HamuxError(path, `${synapse.kind} between ${described}: ${problem}`, 'shape_mismatch'));
      continue;
    }
    errors.push(...specProblems(path, synapse.params(shapes)));
    synapses.set(name, { name, synapse, connects: connects as readonly L[], shapes });
  }

  const policy = options.isolatedLayers ?? 'warn';
  for (const name of layers.keys()) {
    if (touched.has(name) || policy === 'allow') continue;
    const message = `layer "${name}" is not connected to any hypersynapse`;
    if (policy === 'error') errors.push(new HamuxError(['layers', name], message, 'invalid_argument'));
    else warnings.push(message);
  }

  if (options.params) {
    // Overrides for owners that failed validation are not checked again: their error is above.
    const specs = paramSpecsOf(layers as Map<L, NeuronLayer>, synapses as Map<S, SynapseNode<L>>);
    const known = {
      layers: Object.fromEntries(Object.entries(options.params.layers ?? {}).filter(([n]) => layers.has(n) || !declaredLayers.has(n))),
      synapses: Object.fromEntries(Object.entries(options.params.synapses ?? {}).filter(([n]) => synapses.has(n) || !declaredSynapses.has(n))),
    };
    errors.push(...paramProblems(specs, known, false));
  }

  if (errors.length > 0) throw new HamuxErrors(errors);
  return HAM.create<L, S>(layers as Map<L, NeuronLayer>, synapses as Map<S, SynapseNode<L>>, options, warnings);
}
