export * from './safetensors.js';
export * from './schema.js';
export * as presets from './presets/index.js';
