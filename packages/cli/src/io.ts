import { buildFromConfig, loadParams, loadStates } from '@hamux-ts/config';
import type { HAM, States, Tensor } from '@hamux-ts/core';
import { InputError } from './errors.js';
import type { Files } from './files.js';

/** A config file parsed as JSON (not yet validated). */
export function readConfig(files: Files, path: string): unknown {
  const text = new TextDecoder().decode(files.read(path, 'config'));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError([path], `not valid JSON: ${(e as Error).message}`, 'invalid_file');
  }
}

/** Builds the config's HAM, with the parameters of a safetensors file when one is given. */
export function buildHam(files: Files, config: unknown, weightsPath?: string): HAM<string, string> {
  const ham = buildFromConfig(config);
  if (weightsPath === undefined) return ham;
  const bytes = files.read(weightsPath, 'weights');
  let params;
  try {
    params = loadParams(ham, bytes);
  } finally {
    ham.dispose();
  }
  try {
    return buildFromConfig(config, { params });
  } finally {
    for (const group of [params.layers, params.synapses]) for (const m of Object.values(group)) for (const t of Object.values(m)) t.dispose();
  }
}

/** States from a safetensors file, checked against the graph. */
export function readStates(files: Files, ham: HAM<string, string>, path: string): States<string> {
  return loadStates(files.read(path, 'states'), ham) as States<string>;
}

export const disposeAll = (tensors: Iterable<Tensor>): void => {
  for (const t of tensors) t.dispose();
};
