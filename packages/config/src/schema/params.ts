import {
  HamuxError,
  deriveKey,
  normalValues,
  paramProblems,
  tf,
  uniformValues,
  type Hypersynapse,
  type Init,
  type LayerSpec,
  type ParamSpecs,
  type ParamTree,
  type Shape,
  type Tensor,
} from '@hamux-ts/core';
import { initOf } from './builtins.js';
import type { SynapseConfig } from './config.js';
import type { Checked } from './validate.js';
import type { AnyRegistry } from './registry.js';
import { fixedProblems, rangeProblems, type GivenTree } from '../weights.js';

/** The parameters of a config's components: checking given weights and `init`, drawing per-synapse seeds. */

export interface PlacedSynapse {
  readonly synapse: Hypersynapse;
  readonly connects: readonly string[];
  readonly config: SynapseConfig;
}

export interface Parts {
  readonly layers: Map<string, LayerSpec>;
  readonly synapses: Map<string, PlacedSynapse>;
  readonly specs: { readonly layers: Record<string, ParamSpecs>; readonly synapses: Record<string, ParamSpecs> };
}

/**
 * The parameter specs of the components that pass their own checks (the others fail the build,
 * which says why): what loaded weights and per-synapse seeds are checked against.
 */
export function specsOf(layers: Map<string, LayerSpec>, synapses: Map<string, PlacedSynapse>): Parts['specs'] {
  const safe = (f: () => ParamSpecs | undefined) => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const layerSpecs = [...layers].flatMap(([name, { shape, lagrangian }]) => {
    const specs = safe(() => (lagrangian.check?.(shape) ? undefined : lagrangian.params(shape)));
    return specs ? [[name, specs] as const] : [];
  });
  const synapseSpecs = [...synapses].flatMap(([name, { synapse, connects }]) => {
    const shapes = connects.map((l) => layers.get(l)!.shape);
    const ok = shapes.length === synapse.arity;
    const specs = safe(() => (ok && !synapse.check(shapes) ? synapse.params(shapes) : undefined));
    return specs ? [[name, specs] as const] : [];
  });
  return { layers: Object.fromEntries(layerSpecs), synapses: Object.fromEntries(synapseSpecs) };
}

/** `init` entries that name no parameter of their synapse. */
export function initProblems({ synapses, specs }: Parts): HamuxError[] {
  return [...synapses].flatMap(([name, { synapse, config }]) => {
    const own = Object.hasOwn(specs.synapses, name) ? specs.synapses[name]! : undefined;
    if (!own) return [];
    const known = Object.keys(own);
    return Object.keys(initOf(config))
      .filter((p) => !known.includes(p))
      .map((p) => new HamuxError(['synapses', name, 'init', p], `${synapse.kind} has no parameter "${p}" (its parameters: ${known.join(', ') || 'none'})`, 'unknown_name'));
  });
}

/**
 * Problems of the given weights, for the owners that are valid (or that the config does not have):
 * unknown names and wrong shapes; then, for the tensors that fit, values out of the range the config
 * allows (β > 0…) and, unless `overrideFixed`, fixed parameters that differ from the config's.
 */
export function givenParamProblems(given: ParamTree, { specs }: Parts, checked: Checked, registry: AnyRegistry, overrideFixed: boolean): HamuxError[] {
  const relevant = (owners: ParamTree['layers'], mine: Record<string, ParamSpecs>, declared: ReadonlySet<string>) =>
    Object.fromEntries(Object.entries(owners ?? {}).filter(([n]) => Object.hasOwn(mine, n) || !declared.has(n)));
  const tree = {
    layers: relevant(given.layers, specs.layers, checked.declaredLayers),
    synapses: relevant(given.synapses, specs.synapses, checked.declaredSynapses),
  };
  const problems = paramProblems(specs, tree, false, ['params']);
  if (problems.length > 0) return problems;
  const fitting = { layers: tree.layers as GivenTree['layers'], synapses: tree.synapses as GivenTree['synapses'] };
  const entries = {
    layers: new Map([...checked.layers].map(([n, l]) => [n, l.lagrangian] as const)),
    synapses: checked.synapses,
  };
  return [...(overrideFixed ? [] : fixedProblems(specs, fitting, ['params'], 'config')), ...rangeProblems(entries, fitting, registry, ['params'])];
}

/** The parameters of synapses with their own `seed`, drawn as the graph would draw them with that seed. */
export function seededParams({ synapses, specs }: Parts): Record<string, Record<string, Tensor>> {
  const out: Record<string, Record<string, Tensor>> = {};
  for (const [name, { config }] of synapses) {
    if (config.seed === undefined || !Object.hasOwn(specs.synapses, name)) continue;
    const drawn = Object.entries(specs.synapses[name]!).flatMap(([p, spec]) => {
      const t = drawRandom(spec.init, spec.shape, deriveKey(config.seed!, `synapses.${name}.${p}`));
      return t ? [[p, t] as const] : [];
    });
    out[name] = Object.fromEntries(drawn);
  }
  return out;
}

/** A seeded random initialiser's values (others do not depend on the seed; core checks them). */
function drawRandom(init: Init, shape: Shape, key: number): Tensor | undefined {
  if (init.type === 'normal' && init.std >= 0) return tf.tensor(normalValues(key, shape, init.mean ?? 0, init.std), [...shape]);
  if (init.type === 'uniform' && init.high >= init.low) return tf.tensor(uniformValues(key, shape, init.low, init.high), [...shape]);
  return undefined;
}

/** The user's weights win over seeded ones. */
export function mergeParams(given: ParamTree | undefined, seeded: Record<string, Record<string, Tensor>>): ParamTree | undefined {
  if (Object.keys(seeded).length === 0) return given;
  const owners = new Set([...Object.keys(seeded), ...Object.keys(given?.synapses ?? {})]);
  const synapses = Object.fromEntries(
    [...owners].map((n) => [n, { ...(seeded[n] ?? {}), ...(Object.hasOwn(given?.synapses ?? {}, n) ? given!.synapses![n] : {}) }]),
  );
  return { ...(given?.layers ? { layers: given.layers } : {}), synapses };
}
