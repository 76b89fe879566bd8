export * from './safetensors.js';
export * from './json.js';
export * from './schema.js';
export * as presets from './presets/index.js';
export { findNonFinite, describeNonFinite, nonFiniteProblems, type NonFinite } from './finite.js';
