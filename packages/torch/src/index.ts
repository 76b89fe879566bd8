/**
 * To and from PyTorch: a hamux-ts graph exported as one self-contained Python file (only `torch`)
 * with its weights as safetensors, and hamux-torch state dicts imported as a config and params.
 *
 * @module @hamux-ts/torch
 */
export {};
export * from './export/index.js';
export * from './import/index.js';
