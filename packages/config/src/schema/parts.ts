// The zod schemas of one layer and one hypersynapse of a config, with the kinds of a registry beside
// the built-in ones. Apart from the whole config's schema (config.ts), which also reads presets,
// so that the presets' own types can be derived from them without importing the presets back.
import { builtinLagrangians } from './lagrangians.js';
import { builtinSynapses } from './synapses.js';
import { strict, tagged, shape, boolean, positiveNumber } from './primitives.js';
import type { AnyRegistry } from './registry.js';

/** A layer's Lagrangian: a built-in kind or one of `registry`'s, by its `kind` tag. */
export function lagrangianSchema(registry: AnyRegistry) {
  const custom = [...registry.lagrangians.values()].map((k) => k.schema);
  return tagged('kind', 'Lagrangian kind', [...builtinLagrangians, ...custom]);
}

/** A hypersynapse: a built-in kind or one of `registry`'s, by its `kind` tag. */
export function synapseSchema(registry: AnyRegistry) {
  const custom = [...registry.synapses.values()].map((k) => k.schema);
  return tagged('kind', 'hypersynapse kind', [...builtinSynapses, ...custom]);
}

/** A neuron layer: shape, Lagrangian, time constant τ and clamp. */
export function layerSchema(registry: AnyRegistry) {
  return strict({
    shape,
    lagrangian: lagrangianSchema(registry),
    tau: positiveNumber.default(1).describe('Time constant τ: the layer moves by (dt/τ)·(−∂E/∂x̂) per step. Default 1.'),
    clamp: boolean.optional().describe('Hold the layer fixed while the others relax (an input).'),
  }, 'a layer { "shape", "lagrangian" }');
}
