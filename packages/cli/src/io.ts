import { buildFromConfig, checkMemory, loadParams, loadStates, parseJson } from '@hamux-ts/config';
import { HamuxError, HamuxErrors, formatPath, type HAM, type States, type Tensor } from '@hamux-ts/core';
import { InputError, UsageError } from './errors.js';
import type { Files } from './files.js';

/**
 * A config file parsed as JSON (not yet validated), strictly: a syntax error by line and column,
 * a key given twice, or nesting too deep for a config is an error naming the file.
 */
export function readConfig(files: Files, path: string): unknown {
  const text = new TextDecoder().decode(files.read(path, 'config'));
  try {
    return parseJson(text);
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    const inFile = (x: HamuxError) => new InputError([path], x.message, x.code);
    throw e instanceof HamuxErrors ? new HamuxErrors(e.errors.map(inFile)) : inFile(e);
  }
}

/**
 * `f`, its problems said to be in a file: `weights "w.safetensors": layers.hidden.beta: …`. With
 * `only`, just the problems under that path are the file's (`params`, the weights a graph was built
 * with); without, all are, less a leading `safetensors` (the decoder's) or `states`.
 */
function inFile<T>(what: 'states' | 'weights', path: string, f: () => T, only?: string): T {
  const placed = (x: HamuxError): HamuxError => {
    if (only !== undefined && x.path[0] !== only) return x;
    const at = only !== undefined || x.path[0] === 'safetensors' || x.path[0] === 'states' ? x.path.slice(1) : x.path;
    return new InputError([], `${what} "${path}": ${at.length > 0 ? `${formatPath(at)}: ` : ''}${x.detail}`, x.code);
  };
  try {
    return f();
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    throw e instanceof HamuxErrors ? new HamuxErrors(e.errors.map(placed)) : placed(e);
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

/** A weights file, and whether its values may replace the config's fixed parameters (`--override-fixed`). */
export interface WeightsFile {
  readonly path: string;
  readonly overrideFixed?: boolean;
}

/** `--weights` and `--override-fixed` as a `WeightsFile` (undefined without `--weights`). */
export function weightsOption(command: string, values: Readonly<Record<string, string | boolean | undefined>>): WeightsFile | undefined {
  const path = values['weights'];
  const overrideFixed = values['override-fixed'] === true;
  if (overrideFixed && typeof path !== 'string') throw new UsageError([command], '--override-fixed applies to the values of --weights, and there is none');
  return typeof path === 'string' ? { path, overrideFixed } : undefined;
}

/** Builds the config's HAM, with the parameters of a safetensors file when one is given. */
export function buildHam(files: Files, config: unknown, weights?: string | WeightsFile, limit?: MemoryLimit): HAM<string, string> {
  return hinted(() => buildHamWithin(files, config, typeof weights === 'string' ? { path: weights } : weights, limit ?? {}));
}

function buildHamWithin(files: Files, config: unknown, weights: WeightsFile | undefined, limit: Partial<MemoryLimit>): HAM<string, string> {
  const ham = buildFromConfig(config, limit);
  if (weights === undefined) return ham;
  const bytes = files.read(weights.path, 'weights');
  const overrideFixed = weights.overrideFixed ?? false;
  let params;
  try {
    params = inFile('weights', weights.path, () => loadParams(ham, bytes, { overrideFixed }));
  } finally {
    ham.dispose();
  }
  try {
    return inFile('weights', weights.path, () => buildFromConfig(config, { ...limit, params, overrideFixed }), 'params');
  } finally {
    for (const group of [params.layers, params.synapses]) for (const m of Object.values(group)) for (const t of Object.values(m)) t.dispose();
  }
}

/** States from a safetensors file, checked against the graph. */
export function readStates(files: Files, ham: HAM<string, string>, path: string): States<string> {
  const bytes = files.read(path, 'states');
  return inFile('states', path, () => loadStates(bytes, ham)) as States<string>;
}

export const disposeAll = (tensors: Iterable<Tensor>): void => {
  for (const t of tensors) t.dispose();
};
