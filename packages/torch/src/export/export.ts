import { buildFromConfig, descendOptionsFromConfig, saveParams, type AnyRegistry } from '@hamux-ts/config';
import { HamuxError, HamuxErrors, type HAM, type ParamTree } from '@hamux-ts/core';
import { lagrangianForms, synapseForms } from './forms.js';
import { pythonModule, type DescendDefaults, type ExportLayer, type ExportSynapse } from './module.js';

/** What `exportTorch` writes: a self-contained PyTorch module and its weights. */
export interface TorchExport {
  /** The files, by name: write them into one folder. */
  readonly files: {
    /** The module: `HamuxModel`, `load()`, safetensors reading and writing; imports only torch and the standard library. */
    readonly 'model.py': string;
    /** Every parameter as float32 safetensors under its hamux-ts path (`saveParams`). */
    readonly 'weights.safetensors': Uint8Array;
  };
  /** The layers, in the graph's order (the module's `LAYERS`). */
  readonly layers: readonly string[];
  /** The hypersynapses, in the graph's order (the module's `SYNAPSES`). */
  readonly synapses: readonly string[];
  /** Every parameter, in the graph's order. */
  readonly params: readonly ExportedParam[];
}

/** A parameter of the exported module. */
export interface ExportedParam {
  /** Its hamux-ts path, `layers.h.beta` or `synapses.enc.W`: the module's state_dict key and the weights' tensor name. */
  readonly path: string;
  /** Its shape. */
  readonly shape: readonly number[];
  /** Whether PyTorch trains it (`requires_grad`); a fixed one (a β not marked learnable) keeps the config's value. */
  readonly learnable: boolean;
}

/** Options of `exportTorch`. */
export interface ExportTorchOptions {
  /** Where the config's user-defined kinds are found (they are then reported as having no PyTorch form). */
  readonly registry?: AnyRegistry;
  /** Let `params` replace the config's fixed parameters (a β not marked learnable). */
  readonly overrideFixed?: boolean;
  /** The most memory the graph may need, in bytes (as `buildFromConfig`'s `maxBytes`). */
  readonly maxBytes?: number;
}

/** The descent settings `exportTorchHam` bakes in as the module's `DESCEND_DEFAULTS` (as `descend` takes them). */
export interface TorchDescendOptions {
  /** Step size, default 0.1. */
  readonly dt?: number;
  /** Layers held whole (`true`); a mask tensor cannot be baked in (pass it to the module's `descend`). */
  readonly clamp?: { readonly [layer: string]: unknown };
  /** Include the neuron energies (default true). */
  readonly neuronEnergy?: boolean;
  /** Multi-rate integration (default false): `true`, or its settings as `descend` takes them. */
  readonly multirate?: boolean | {
    /** Layers whose τ differ by at least this factor step on separate levels (default 10). */
    readonly ratio?: number;
    /** Steps each faster level takes per step of the next slower one (default 3). */
    readonly innerSteps?: number;
  };
}

/**
 * A config (and optionally its parameters, as `buildFromConfig` takes them; default: the config's
 * seeded initialisation) as a PyTorch module and its weights. The module's `descend` defaults to the
 * config's scheduler settings and clamped layers. Throws the config's problems as `buildFromConfig`
 * does, and a `HamuxErrors` naming every layer or synapse of a user-defined kind (`unsupported`).
 *
 * ```ts
 * const { files } = exportTorch(JSON.parse(readFileSync('model.json', 'utf8')));
 * for (const [name, data] of Object.entries(files)) writeFileSync(join(out, name), data);
 * ```
 */
export function exportTorch(config: unknown, params?: ParamTree, options: ExportTorchOptions = {}): TorchExport {
  const registry = options.registry ? { registry: options.registry } : {};
  const ham = buildFromConfig(config, {
    ...registry,
    ...(params ? { params } : {}),
    ...(options.overrideFixed !== undefined ? { overrideFixed: options.overrideFixed } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  });
  try {
    return exportTorchHam(ham, descendOptionsFromConfig(config, registry));
  } finally {
    ham.dispose();
  }
}

/**
 * A built graph as a PyTorch module and its weights (its own parameters), with `descend`'s defaults
 * from `descend`. Every component must be a built-in: a user-defined one has no PyTorch form, and
 * each is reported at its path (`layers.h.lagrangian: "cubic" is a user-defined Lagrangian …`).
 */
export function exportTorchHam(ham: HAM<string, string>, descend: TorchDescendOptions = {}): TorchExport {
  const errors: HamuxError[] = [];
  const layers: ExportLayer[] = [];
  for (const name of ham.layerNames) {
    const layer = ham.layers[name]!;
    const spec = layer.lagrangian.builtin;
    if (!spec) {
      errors.push(new HamuxError(['layers', name, 'lagrangian'], `${JSON.stringify(layer.lagrangian.kind)} is a user-defined Lagrangian: only built-in Lagrangians have a PyTorch form (${Object.keys(lagrangianForms).join(', ')})`, 'unsupported'));
      continue;
    }
    layers.push({ name, shape: layer.shape, tau: layer.tau, spec, params: ham.paramSpecs.layers[name]! });
  }
  const synapses: ExportSynapse[] = [];
  for (const name of ham.synapseNames) {
    const node = ham.synapses[name]!;
    const spec = node.synapse.builtin;
    if (!spec) {
      errors.push(new HamuxError(['synapses', name], `${JSON.stringify(node.synapse.kind)} is a user-defined hypersynapse: only built-in hypersynapses have a PyTorch form (${Object.keys(synapseForms).join(', ')})`, 'unsupported'));
      continue;
    }
    synapses.push({ name, connects: node.connects, shapes: node.shapes, spec, params: ham.paramSpecs.synapses[name]! });
  }
  const defaults = descendDefaults(ham, descend, errors);
  if (errors.length > 0) throw new HamuxErrors(errors);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const title = `${count(layers.length, 'layer')} (${layers.map((l) => l.spec.kind).join(', ')}), ${count(synapses.length, 'synapse')} (${synapses.map((s) => s.spec.kind).join(', ')})`;
  return {
    files: {
      'model.py': pythonModule(layers, synapses, defaults, title.replace(/"/g, "'")),
      'weights.safetensors': saveParams(ham),
    },
    layers: [...ham.layerNames],
    synapses: [...ham.synapseNames],
    params: (['layers', 'synapses'] as const).flatMap((group) =>
      Object.entries(ham.paramSpecs[group]).flatMap(([owner, specs]) =>
        Object.entries(specs).map(([p, s]) => ({ path: `${group}.${owner}.${p}`, shape: [...s.shape], learnable: s.learnable })),
      ),
    ),
  };
}

/** The descent's defaults, or a problem at `descend.<option>` for what cannot be baked in. */
function descendDefaults(ham: HAM<string, string>, o: TorchDescendOptions, errors: HamuxError[]): DescendDefaults {
  const clamped: string[] = [];
  for (const [name, value] of Object.entries(o.clamp ?? {})) {
    if (!Object.hasOwn(ham.layers, name)) errors.push(new HamuxError(['descend', 'clamp', name], 'not a layer of the graph', 'unknown_name'));
    else if (value === true) clamped.push(name);
    else if (value !== false && value !== undefined) {
      errors.push(new HamuxError(['descend', 'clamp', name], "only true (the whole layer) can be a default; pass a mask to the module's descend(clamp=…)", 'unsupported'));
    }
  }
  const dt = o.dt ?? 0.1;
  if (!(Number.isFinite(dt) && dt > 0)) errors.push(new HamuxError(['descend', 'dt'], `expected a positive number, got ${dt}`, 'invalid_argument'));
  const multirate = o.multirate ?? false;
  return { dt, clamped, neuronEnergy: o.neuronEnergy ?? true, multirate: typeof multirate === 'object' ? { ratio: multirate.ratio, innerSteps: multirate.innerSteps } : multirate };
}
