/**
 * Declarative configs: zod schemas and the JSON Schema, `buildFromConfig`, `defineConfig`, presets,
 * a registry for user-defined kinds, and safetensors weights and states.
 *
 * @module @hamux-ts/config
 */
export * from './safetensors.js';
export * from './json.js';
export * from './schema.js';
export * as presets from './presets/index.js';
export { findNonFinite, describeNonFinite, nonFiniteProblems, nonFiniteValue, type NonFinite } from './finite.js';
