import { HamuxError, lagrangians as L, synapses as Y, type Hypersynapse, type Init, type Lagrangian } from '@hamux-ts/core';
import type { BuiltinLagrangianConfig, BuiltinLagrangianKind } from './lagrangians.js';
import type { BuiltinSynapseConfig, BuiltinSynapseKind } from './synapses.js';
import type { LagrangianConfig, SynapseConfig } from './config.js';
import type { AnyRegistry } from './registry.js';

/** How each built-in kind is made from its validated entry (the table is checked to be complete). */
type Factories<C extends { kind: string }, K extends string, T> = { readonly [P in K]: (c: Extract<C, { kind: P }>) => T };

const lagrangianFactories: Factories<BuiltinLagrangianConfig, BuiltinLagrangianKind, Lagrangian> = {
  identity: () => L.identity(),
  relu: () => L.relu(),
  repu: ({ n }) => L.repu({ n }),
  exp: ({ beta }) => L.exp({ beta }),
  rexp: ({ beta }) => L.rexp({ beta }),
  tanh: ({ beta }) => L.tanh({ beta }),
  sigmoid: ({ beta }) => L.sigmoid({ beta }),
  softmax: ({ beta, axis }) => L.softmax({ beta, axis }),
  ghostmax: ({ axis }) => L.ghostmax({ axis }),
  layernorm: ({ gamma, delta, eps, axis }) => L.layernorm({ gamma, delta, eps, axis }),
  spherical: ({ gamma, delta, eps, axis }) => L.spherical({ gamma, delta, eps, axis }),
};

// Initialisers are not passed here: `withInit` applies them to built-in and registered kinds alike.
const synapseFactories: Factories<BuiltinSynapseConfig, BuiltinSynapseKind, Hypersynapse> = {
  dense: ({ perToken }) => Y.dense({ perToken }),
  denseBias: ({ perToken }) => Y.denseBias({ perToken }),
  bias: () => Y.bias(),
  tie: ({ gamma }) => Y.tie({ gamma }),
  conv2d: ({ kernel, stride, padding }) => Y.conv2d({ kernel, stride, padding }),
  avgPool: ({ size, stride, padding }) => Y.avgPool({ size, stride, padding }),
  polynomialMemory: ({ memories, perToken, degree, rectified }) => Y.polynomialMemory({ memories, perToken, degree, rectified }),
  exponentialMemory: ({ memories, perToken, beta }) => Y.exponentialMemory({ memories, perToken, beta }),
  modernHopfield: ({ memories, perToken, beta }) => Y.modernHopfield({ memories, perToken, beta }),
  reluSquaredMemory: ({ memories, perToken }) => Y.reluSquaredMemory({ memories, perToken }),
  energyAttention: ({ heads, headDim, beta, maskSelf }) => Y.energyAttention({ heads, headDim, beta, maskSelf }),
};

function builtin<T>(table: Readonly<Record<string, T>>, kind: string): T | undefined {
  return Object.hasOwn(table, kind) ? table[kind] : undefined;
}

/** The Lagrangian a validated entry describes: built in, or made by the registry's factory. */
export function makeLagrangian(config: LagrangianConfig, registry: AnyRegistry): Lagrangian {
  const make = builtin(lagrangianFactories as Readonly<Record<string, (c: LagrangianConfig) => Lagrangian>>, config.kind);
  if (make) return make(config);
  return checkKind(config.kind, registry.lagrangians.get(config.kind)!.build(config), 'Lagrangian');
}

/** The hypersynapse a validated entry describes, with its `init` applied. */
export function makeSynapse(config: SynapseConfig, registry: AnyRegistry): Hypersynapse {
  const make = builtin(synapseFactories as Readonly<Record<string, (c: SynapseConfig) => Hypersynapse>>, config.kind);
  const synapse = make ? make(config) : checkKind(config.kind, registry.synapses.get(config.kind)!.build(config), 'hypersynapse');
  const init = initOf(config);
  return Object.keys(init).length > 0 ? withInit(synapse, init) : synapse;
}

/** The initialisers an entry gives (none for a kind without parameters). */
export function initOf(config: SynapseConfig): Readonly<Record<string, Init>> {
  const init = 'init' in config ? config.init : undefined;
  return Object.fromEntries(Object.entries(init ?? {}).filter((e): e is [string, Init] => e[1] !== undefined));
}

/**
 * A registered factory must make a component of its own kind, or the config could not be recovered.
 * The error has no path of its own: `buildFromConfig` places it at the entry.
 */
function checkKind<T extends { readonly kind: string }>(kind: string, made: T, what: string): T {
  if (made?.kind !== kind) {
    throw new HamuxError([], `the factory registered for "${kind}" made a ${what} of kind ${JSON.stringify(made?.kind)}`, 'invalid_config');
  }
  return made;
}

/**
 * The synapse with some parameters initialised by the config instead of by default. Its methods
 * are called on the synapse itself, and a built-in keeps its `builtin` spec: the energy is the same.
 */
function withInit(synapse: Hypersynapse, init: Readonly<Record<string, Init>>): Hypersynapse {
  const dEdxhat = synapse.dEdxhat;
  return {
    kind: synapse.kind,
    options: synapse.options,
    arity: synapse.arity,
    ...(synapse.builtin ? { builtin: synapse.builtin } : {}),
    check: (shapes) => synapse.check(shapes),
    params: (shapes) =>
      Object.fromEntries(
        Object.entries(synapse.params(shapes)).map(([p, spec]) => [p, Object.hasOwn(init, p) ? { ...spec, init: init[p]! } : spec]),
      ),
    energy: (xhats, p) => synapse.energy(xhats, p),
    ...(dEdxhat ? { dEdxhat: (xhats, p) => dEdxhat.call(synapse, xhats, p) } : {}),
  };
}
