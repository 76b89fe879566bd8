/**
 * `importTorch`: a hamux-torch state dict and its mapping become a hamux-ts config and the tensors
 * of a weights file (the format `saveParams` writes and `loadParams` / `hamux run --weights` read).
 */
import { buildFromConfig, decodeSafetensors, type SafeTensor } from '@hamux-ts/config';
import { HamuxError, HamuxErrors, didYouMean, formatShape, type ErrorPath, type HAM, type Tensor } from '@hamux-ts/core';
import { TORCH_LAGRANGIANS } from './lagrangians.js';
import { applyLayout, LayoutProblem, type LayoutStep, type PlainTensor } from './layout.js';
import { parseMapping, type Connection, type NeuronMapping, type TorchMapping } from './mapping.js';
import { canonicalStateDict, type Canonical, type StateDict } from './state-dict.js';

/** A layer of the imported config. */
export interface ImportedLayer {
  /** The layer's shape, without the batch axis. */
  readonly shape: readonly number[];
  /** The hamux-ts Lagrangian kind and its options (the `partial`'s constants under hamux-ts names). */
  readonly lagrangian: {
    /** The hamux-ts Lagrangian kind (`softmax`, `layernorm`…). */
    readonly kind: string;
    readonly [option: string]: unknown;
  };
  /** Time constant τ, when the mapping gives one. */
  readonly tau?: number;
  /** Held fixed while the others relax, when the mapping says so. */
  readonly clamp?: boolean;
}

/** The imported config: plain JSON, what `buildFromConfig` and `hamux validate` read. */
export interface ImportedConfig {
  /** One layer per hamux-torch neuron, by the same name. */
  readonly layers: Readonly<Record<string, ImportedLayer>>;
  /** One synapse per connection: a hamux-ts kind, the layers it connects and its options. */
  readonly synapses: Readonly<Record<string, {
    /** The hamux-ts built-in synapse kind (`dense`, `modernHopfield`…). */
    readonly kind: string;
    /** The layers it connects, in the order its energy takes them. */
    readonly connects: readonly string[];
    readonly [option: string]: unknown;
  }>>;
  /** The mapping's seed (default 0). */
  readonly seed: number;
}

/** What `importTorch` gives. */
export interface ImportResult {
  /** The hamux-ts config. */
  readonly config: ImportedConfig;
  /**
   * Every parameter of the config's graph, by `layers.<layer>.<param>` / `synapses.<synapse>.<param>`:
   * the synapses' tensors from the state dict (layouts changed), the fixed constants (β, γ, δ…) as
   * the config states them. `encodeSafetensors(params)` is the weights file.
   */
  readonly params: Readonly<Record<string, SafeTensor>>;
  /**
   * The hamux-ts synapse each of the mapping's connections became, in the mapping's order: hamux-torch's
   * `energy_tree(...)["connections"][i]` is hamux-ts's `energyTree(...).synapses[connections[i]]`.
   */
  readonly connections: readonly string[];
  /** What the import changed that the user should know: tied synapses made several, synapses left out. */
  readonly notes: readonly string[];
}

/** One hamux-ts synapse made from a hamux-torch synapse on one of its connections. */
interface Placed {
  readonly name: string;
  readonly connection: Connection;
  /** Its index in the mapping's connections. */
  readonly index: number;
}

const list = (names: Iterable<string>): string => [...names].map((n) => `"${n}"`).join(', ');

/**
 * The hamux-ts synapses of each hamux-torch synapse: one per connection. A synapse on one
 * connection keeps its name; one on several (weight tying, which hamux-ts does not have) becomes
 * `<name>_0`, `<name>_1`… (or the connections' own `name`s), each with a copy of the weights.
 */
function placeSynapses(mapping: TorchMapping, errors: HamuxError[], notes: string[]): Map<string, Placed[]> {
  const bySynapse = new Map<string, Placed[]>(Object.keys(mapping.hypersynapses).map((s) => [s, []]));
  const uses = (s: string) => mapping.connections.filter((c) => c.synapse === s).length;
  const taken = new Map<string, number>();
  mapping.connections.forEach((c, index) => {
    const placed = bySynapse.get(c.synapse)!;
    const name = c.name ?? (uses(c.synapse) === 1 ? c.synapse : `${c.synapse}_${placed.length}`);
    const earlier = taken.get(name);
    if (earlier !== undefined) {
      errors.push(new HamuxError(['mapping', 'connections', index], `makes a hamux-ts synapse "${name}", as connection ${earlier} does: give one of them a "name"`, 'invalid_config'));
      return;
    }
    taken.set(name, index);
    placed.push({ name, connection: c, index });
  });
  for (const [s, placed] of bySynapse) {
    if (placed.length === 0) notes.push(`hypersynapse "${s}" is in no connection, so it adds no energy: left out, and its tensors with it`);
    if (placed.length > 1) {
      notes.push(
        `hypersynapse "${s}" is tied across ${placed.length} connections; hamux-ts has no weight tying, so it becomes ${placed.length} synapses ${list(placed.map((p) => p.name))} with copies of the same weights (equal energies; training in hamux-ts would untie them)`,
      );
    }
  }
  return bySynapse;
}

/** A neuron's layer entry: the hamux-ts Lagrangian kind with the `partial`'s constants under hamux-ts option names. */
function layerOf(name: string, neuron: NeuronMapping, errors: HamuxError[]): ImportedLayer {
  const table = TORCH_LAGRANGIANS[neuron.lagrangian]!;
  const options = Object.fromEntries(Object.entries(table.options).flatMap(([keyword, option]) => (neuron[keyword] === undefined ? [] : [[option, neuron[keyword]]])));
  const delta = neuron['delta'];
  const dim = typeof neuron['dim'] === 'number' ? neuron['dim'] : -1;
  const rows = neuron.shape.reduce((a, b) => a * b, 1) / (neuron.shape.at(dim) ?? 1) > 1;
  if (table.deltaPerRow && rows && delta !== undefined && (Array.isArray(delta) ? delta.some((d) => d !== 0) : delta !== 0)) {
    errors.push(
      new HamuxError(['mapping', 'neurons', name, 'delta'], `hamux-torch's ${neuron.lagrangian} adds Σ δ⊙x once per row of a layer of several rows (shape ${formatShape(neuron.shape)}), hamux-ts once in all: the energies would differ unless δ is 0`, 'unsupported'),
    );
  }
  return {
    shape: [...neuron.shape],
    lagrangian: { kind: table.kind, ...options },
    ...(neuron.tau !== undefined ? { tau: neuron.tau } : {}),
    ...(neuron.clamp !== undefined ? { clamp: neuron.clamp } : {}),
  };
}

/** The config the mapping describes. */
function configOf(mapping: TorchMapping, placed: Map<string, Placed[]>, errors: HamuxError[]): ImportedConfig {
  const layers = Object.fromEntries(Object.entries(mapping.neurons).map(([n, neuron]) => [n, layerOf(n, neuron, errors)]));
  const synapses = Object.fromEntries(
    [...placed].flatMap(([s, copies]) => copies.map((p) => [p.name, { kind: mapping.hypersynapses[s]!.kind, connects: [...p.connection.neurons], ...(mapping.hypersynapses[s]!.options ?? {}) }] as const)),
  );
  return { layers, synapses, seed: mapping.seed ?? 0 };
}

/**
 * Where a problem the config's build found sits in the mapping: a Lagrangian option at the neuron's
 * hamux-torch keyword (`layers.h.lagrangian.axis` → `mapping.neurons.h.dim`), a synapse option at its
 * `options`, its layers at its connection.
 */
function rehome(error: HamuxError, mapping: TorchMapping, placed: Map<string, Placed[]>): HamuxError {
  const [group, owner, ...rest] = error.path;
  let path: ErrorPath | undefined;
  if (group === 'layers' && typeof owner === 'string' && Object.hasOwn(mapping.neurons, owner)) {
    const options = TORCH_LAGRANGIANS[mapping.neurons[owner]!.lagrangian]!.options;
    const keyword = rest[0] === 'lagrangian' && typeof rest[1] === 'string' ? Object.keys(options).find((k) => options[k] === rest[1]) ?? rest[1] : undefined;
    path = ['mapping', 'neurons', owner, ...(keyword !== undefined ? [keyword, ...rest.slice(2)] : rest[0] === 'lagrangian' ? [] : rest)];
    // A factory's whole-entry message names hamux-ts's option; the mapping calls it by hamux-torch's keyword.
    if (keyword === undefined && rest[0] === 'lagrangian' && options['dim'] === 'axis') return new HamuxError(path, error.detail.replace(/\baxis\b/, "dim (hamux-ts's axis)"), error.code);
  }
  if (group === 'synapses' && typeof owner === 'string') {
    const found = [...placed].flatMap(([s, copies]) => copies.filter((p) => p.name === owner).map((p) => [s, p] as const))[0];
    if (found) {
      const [s, p] = found;
      path = rest[0] === 'connects' || rest.length === 0 ? ['mapping', 'connections', p.index] : ['mapping', 'hypersynapses', s, 'options', ...rest];
    }
  }
  return new HamuxError(path ?? ['config', ...error.path], error.detail, error.code);
}

/** The config's graph, or its problems placed in the mapping. */
function build(config: ImportedConfig, mapping: TorchMapping, placed: Map<string, Placed[]>): HAM<string, string> {
  try {
    return buildFromConfig(config, { maxBytes: Infinity });
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    const all = (e instanceof HamuxErrors ? e.errors : [e]).map((x) => rehome(x, mapping, placed));
    // The copies of a tied synapse share their mapping entry, and would each report its problems.
    throw new HamuxErrors([...new Map(all.map((x) => [x.message, x])).values()]);
  }
}

const plain = (t: Tensor): SafeTensor => ({ dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync()) });

/** The state-dict tensors of one hamux-torch synapse, in words, for a message. */
function present(tensors: Map<string, Canonical>, s: string): string {
  const here = [...tensors.values()].filter((c) => c.group === 'hypersynapses' && c.owner === s);
  return here.length === 0 ? `the state dict has nothing under hypersynapses.${s}` : `under hypersynapses.${s} the state dict has ${here.map((c) => `${c.param} ${formatShape(c.tensor.shape)}`).join(', ')}`;
}

/**
 * Fills `params` with the tensors of every placed synapse from the state dict, marking what it
 * used; problems (a missing key, a layout that does not fit, a wrong shape) go to `errors`.
 */
function synapseTensors(
  ham: HAM<string, string>,
  mapping: TorchMapping,
  placed: Map<string, Placed[]>,
  tensors: Map<string, Canonical>,
  used: Set<string>,
  params: Record<string, SafeTensor>,
  errors: HamuxError[],
): void {
  for (const [s, copies] of placed) {
    const entry = mapping.hypersynapses[s]!;
    if (copies.length === 0) {
      for (const [name, c] of tensors) if (c.group === 'hypersynapses' && c.owner === s) used.add(name);
      continue;
    }
    const specs = ham.paramSpecs.synapses[copies[0]!.name]!;
    const learnable = Object.keys(specs).filter((p) => specs[p]!.learnable);
    for (const p of Object.keys(entry.tensors ?? {}).filter((p) => !learnable.includes(p))) {
      errors.push(new HamuxError(['mapping', 'hypersynapses', s, 'tensors', p], `${entry.kind} has no parameter "${p}" to take from the state dict${didYouMean(p, learnable)} (its parameters: ${list(learnable) || 'none'})`, 'unknown_name'));
    }
    for (const p of learnable) {
      const source = entry.tensors?.[p] ?? {};
      const name = `hypersynapses.${s}.${source.key ?? p}`;
      const spec = specs[p]!;
      const role = `the ${p} ${formatShape(spec.shape)} of hamux-ts ${entry.kind} "${s}"`;
      const found = tensors.get(name);
      if (found === undefined) {
        errors.push(new HamuxError(['stateDict', `${mapping.prefix ?? ''}${name}`], `missing: expected ${role} here (${present(tensors, s)})`, 'invalid_config'));
        continue;
      }
      used.add(name);
      const steps = (source.layout ?? []) as readonly LayoutStep[];
      let value: PlainTensor;
      try {
        value = applyLayout(found.tensor, steps);
      } catch (e) {
        if (!(e instanceof LayoutProblem)) throw e;
        errors.push(new HamuxError(['stateDict', found.keys[0]!], `${e.message} (layout of ${role})`, 'shape_mismatch'));
        continue;
      }
      if (value.shape.length !== spec.shape.length || value.shape.some((d, i) => d !== spec.shape[i])) {
        const after = steps.length > 0 ? `, ${formatShape(value.shape)} after ${steps.join(', ')}` : '';
        errors.push(new HamuxError(['stateDict', found.keys[0]!], `shape ${formatShape(found.tensor.shape)}${after}: expected ${formatShape(spec.shape)}, ${role}`, 'shape_mismatch'));
        continue;
      }
      for (const copy of copies) params[`synapses.${copy.name}.${p}`] = { dtype: 'F32', shape: [...value.shape], data: Float32Array.from(value.data) };
    }
  }
}

/** Tensors of the state dict that no part of the mapping took. */
function leftOver(mapping: TorchMapping, tensors: Map<string, Canonical>, used: Set<string>): HamuxError[] {
  const synapses = Object.keys(mapping.hypersynapses);
  return [...tensors].filter(([name]) => !used.has(name)).map(([, c]) => {
    const at = ['stateDict', c.keys[0]!];
    const shape = formatShape(c.tensor.shape);
    if (c.group === 'neurons') return new HamuxError(at, `unexpected tensor of shape ${shape}: hamux-ts takes a Lagrangian's constants from the mapping's neurons.${c.owner}, not from the state dict`, 'unknown_name');
    if (!synapses.includes(c.owner)) return new HamuxError(at, `unexpected tensor of shape ${shape}: the mapping has no hypersynapse "${c.owner}"${didYouMean(c.owner, synapses)} (it has ${list(synapses)})`, 'unknown_name');
    const entry = mapping.hypersynapses[c.owner]!;
    const taken = Object.entries(entry.tensors ?? {}).map(([p, t]) => `${t.key ?? p}`);
    return new HamuxError(at, `unexpected tensor of shape ${shape}: the mapping's ${entry.kind} "${c.owner}" takes ${taken.length > 0 ? list(taken) : 'its parameters under their own names'}${didYouMean(c.param, taken)}`, 'unknown_name');
  });
}

/** A safetensors file's tensors; its problems at `stateDict` (the file) or `stateDict.<key>`, as the others. */
function decode(bytes: Uint8Array): StateDict {
  try {
    return decodeSafetensors(bytes).tensors;
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    const all = e instanceof HamuxErrors ? e.errors : [e];
    throw new HamuxErrors(all.map((x) => new HamuxError(['stateDict', ...x.path.slice(x.path[0] === 'safetensors' ? 1 : 0)], x.detail, x.code)));
  }
}

/**
 * Turns a hamux-torch state dict and a mapping (parsed JSON, validated here) into a hamux-ts config
 * and its parameters. The state dict is plain tensors by key, or a safetensors file's bytes.
 *
 * ```ts
 * const { config, params, notes } = importTorch(readFileSync('model.safetensors'), JSON.parse(mappingText));
 * const ham = buildFromConfig(config);
 * const loaded = loadParams(ham, encodeSafetensors(params));
 * ```
 *
 * Every problem is reported at once, as `HamuxErrors`: at `mapping.<path>` for the mapping, at
 * `stateDict.<key>` for a tensor (unknown, missing, of the wrong shape, or an alias that differs).
 */
export function importTorch(stateDict: StateDict | Uint8Array, mappingJson: unknown): ImportResult {
  const mapping = parseMapping(mappingJson);
  const state = stateDict instanceof Uint8Array ? decode(stateDict) : stateDict;
  const notes: string[] = [];
  const errors: HamuxError[] = [];
  const placed = placeSynapses(mapping, errors, notes);
  const config = configOf(mapping, placed, errors);
  const { tensors, errors: keyErrors } = canonicalStateDict(state, mapping.prefix);
  errors.push(...keyErrors);
  if (errors.length > 0) throw new HamuxErrors(errors);
  const ham = build(config, mapping, placed);
  try {
    notes.push(...ham.warnings);
    const params: Record<string, SafeTensor> = {};
    const used = new Set<string>();
    synapseTensors(ham, mapping, placed, tensors, used, params, errors);
    errors.push(...leftOver(mapping, tensors, used));
    if (errors.length > 0) throw new HamuxErrors(errors);
    // The fixed constants (β, γ, δ, a synapse's β…), as the config states them, so the weights file is whole.
    for (const group of ['layers', 'synapses'] as const) {
      for (const [owner, specs] of Object.entries(ham.paramSpecs[group])) {
        for (const p of Object.keys(specs)) {
          const path = `${group}.${owner}.${p}`;
          if (!Object.hasOwn(params, path)) params[path] = plain((ham.params[group] as Record<string, Record<string, Tensor>>)[owner]![p]!);
        }
      }
    }
    const connections = [...placed.values()].flat().sort((a, b) => a.index - b.index).map((p) => p.name);
    return { config, params, connections, notes };
  } finally {
    ham.dispose();
  }
}
