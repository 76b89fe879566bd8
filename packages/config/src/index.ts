export * from './safetensors.js';
export * from './schema.js';
