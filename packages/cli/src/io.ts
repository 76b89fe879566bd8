import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildFromConfig, loadParams, loadStates } from '@hamux-ts/config';
import type { HAM, States, Tensor } from '@hamux-ts/core';
import { InputError } from './errors.js';

/** A file's bytes, or an input error naming the file. */
export function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new InputError(`cannot read ${what} "${path}": ${why}`);
  }
}

/** A config file parsed as JSON (not yet validated). */
export function readConfig(path: string): unknown {
  const text = new TextDecoder().decode(readBytes(path, 'config'));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Builds the config's HAM, with the parameters of a safetensors file when one is given. */
export function buildHam(config: unknown, weightsPath?: string): HAM<string, string> {
  const ham = buildFromConfig(config);
  if (weightsPath === undefined) return ham;
  const bytes = readBytes(weightsPath, 'weights');
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
export function readStates(ham: HAM<string, string>, path: string): States<string> {
  return loadStates(readBytes(path, 'states'), ham) as States<string>;
}

export function writeOutput(path: string, data: Uint8Array | string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  } catch (e) {
    throw new InputError(`cannot write "${path}": ${(e as Error).message}`);
  }
}

export const disposeAll = (tensors: Iterable<Tensor>): void => {
  for (const t of tensors) t.dispose();
};
