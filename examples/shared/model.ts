// What the learning examples leave behind for other programs (the playground, `hamux run`): the
// model's architecture as a hamux config and its parameters as safetensors.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromHam, loadParams, saveParams, type ConfigFromHamOptions } from '@hamux-ts/config';
import { tf, type HAM, type Params } from '@hamux-ts/core';

export interface SavedModel {
  /** `DIR/model.json`: the config (`buildFromConfig` rebuilds the graph). */
  readonly config: string;
  /** `DIR/model.safetensors`: the parameters (`loadParams` reads them). */
  readonly weights: string;
}

/**
 * Writes `model.json` (the HAM's config, with `options.scheduler` when given) and
 * `model.safetensors` (`params`, default the HAM's own, e.g. a trainer's `params` after training)
 * into `outDir`; `metadata` goes into the safetensors header.
 */
export function saveModel<L extends string, S extends string>(
  outDir: string,
  ham: HAM<L, S>,
  options: ConfigFromHamOptions<L> & { readonly params?: Params; readonly metadata?: Readonly<Record<string, string>> } = {},
): SavedModel {
  const { params, metadata, ...configOptions } = options;
  const config = join(outDir, 'model.json');
  const weights = join(outDir, 'model.safetensors');
  writeFileSync(config, `${JSON.stringify(configFromHam(ham, configOptions), null, 2)}\n`);
  writeFileSync(weights, saveParams({ params: params ?? ham.params }, metadata));
  return { config, weights };
}

/**
 * The graph `ham` with the parameters `saveModel` wrote into `dir` (`model.safetensors`), as a new
 * graph (`ham` is left as it was). `loadParams` checks every parameter's name and shape against
 * `ham`, so weights of another architecture are refused with the parameter's path.
 */
export function loadModel<L extends string, S extends string>(dir: string, ham: HAM<L, S>): HAM<L, S> {
  const loaded = loadParams(ham, readFileSync(join(dir, 'model.safetensors')));
  try {
    return ham.withParams(loaded);
  } finally {
    tf.dispose([...Object.values(loaded.layers), ...Object.values(loaded.synapses)].flatMap((m) => Object.values(m)));
  }
}
