import { buildFromConfig, checkMemory, loadParams, loadStates } from '@hamux-ts/config';
import { HamuxError, HamuxErrors, type HAM, type States, type Tensor } from '@hamux-ts/core';
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

/** What a command's memory estimate counts: the limit (`--max-memory`) and, when known, the batch. */
export interface MemoryLimit {
  readonly maxBytes: number;
  readonly batch?: number;
}

/** `f`, its `too_large` errors saying how to raise the limit. */
function hinted<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    const hint = (x: HamuxError) => (x.code === 'too_large' ? new HamuxError(x.path, `${x.detail} (--max-memory raises it)`, x.code) : x);
    if (e instanceof HamuxErrors && e.errors.some((x) => x.code === 'too_large')) throw new HamuxErrors(e.errors.map(hint));
    throw hint(e);
  }
}

/** Checks that a graph's parameters and `batch` samples of states fit the limit (a batch read from a file). */
export function checkStatesMemory(ham: HAM<string, string>, batch: number, limit: MemoryLimit): void {
  hinted(() => checkMemory(ham, { batch, maxBytes: limit.maxBytes }));
}

/** Builds the config's HAM, with the parameters of a safetensors file when one is given. */
export function buildHam(files: Files, config: unknown, weightsPath?: string, limit?: MemoryLimit): HAM<string, string> {
  return hinted(() => buildHamWithin(files, config, weightsPath, limit ?? {}));
}

function buildHamWithin(files: Files, config: unknown, weightsPath: string | undefined, limit: Partial<MemoryLimit>): HAM<string, string> {
  const ham = buildFromConfig(config, limit);
  if (weightsPath === undefined) return ham;
  const bytes = files.read(weightsPath, 'weights');
  let params;
  try {
    params = loadParams(ham, bytes);
  } finally {
    ham.dispose();
  }
  try {
    return buildFromConfig(config, { ...limit, params });
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
