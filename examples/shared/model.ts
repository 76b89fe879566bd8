// What the learning examples leave behind for other programs (the playground, `hamux run`): the
// model's architecture as a hamux config and its parameters as safetensors.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromHam, saveParams, type ConfigFromHamOptions } from '@hamux-ts/config';
import type { HAM, Params } from '@hamux-ts/core';

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
