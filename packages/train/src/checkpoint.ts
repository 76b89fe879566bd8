import { HamuxError, HamuxErrors, formatShape, paramProblems, tf, type ParamSpecTree, type Params, type Tensor } from '@hamux-ts/core';
import { decodeSafetensors, encodeSafetensors, paramsToSafetensors, type SafeTensor } from '@hamux-ts/config';
import type { OptimizerState } from './optimizer.js';

/**
 * A training checkpoint is one safetensors file:
 *
 * - tensors `layers.<layer>.<param>` and `synapses.<synapse>.<param>`: every parameter of the graph
 *   (the names `saveParams` uses), so the file is also a weights file;
 * - tensors `optimizer.slot.<i>` (the optimizer's moments or accumulators, in its own order) and
 *   `optimizer.<name>` for hidden state (Adam's `accBeta1`, `accBeta2`);
 * - string metadata: `format`, `version`, `epoch`, `step`, `seed`, `batchSize`, `examples`,
 *   `trainable` (JSON list of parameter paths), `optimizer` (class name), `optimizer.iterations`,
 *   `optimizer.slots`, and `rng`: where the random streams stand. Shuffling and batch randomness are
 *   keyed by `(seed, epoch, batch)` (`deriveKey(seed, 'shuffle.<epoch>')`,
 *   `deriveKey(seed, 'batch.<epoch>.<index>')`), so the stream position is the next epoch to run.
 */
export const CHECKPOINT_FORMAT = 'hamux-ts.train-checkpoint';
export const CHECKPOINT_VERSION = '1';

/** Where training stands at a checkpoint. */
export interface CheckpointInfo {
  /** Epochs completed. */
  readonly epoch: number;
  /** Optimizer steps (mini-batches) taken. */
  readonly step: number;
  /** The trainer's seed (it fixes the shuffles and the batches' randomness). */
  readonly seed: number;
  /** Examples per mini-batch. */
  readonly batchSize: number;
  /** Examples in the training set (the shuffles depend on it). */
  readonly examples: number;
  /** Paths of the trained parameters, `synapses.enc.W`. */
  readonly trainable: readonly string[];
}

/** A checkpoint read back: its info, every parameter and the optimizer's state. */
export interface DecodedCheckpoint {
  /** Where the run was: epoch, step, seed, batch size, trainable parameters. */
  readonly info: CheckpointInfo;
  /** Every parameter, as new tensors (the caller's to dispose). */
  readonly params: {
    /** The Lagrangians' parameters (β, γ, δ…), by layer name, then parameter name. */
    readonly layers: Record<string, Record<string, Tensor>>;
    /** The hypersynapses' parameters (W, b, ξ…), by synapse name, then parameter name. */
    readonly synapses: Record<string, Record<string, Tensor>>;
  };
  /** The optimizer's state: its kind, iterations and slot tensors. */
  readonly optimizer: OptimizerState;
}

export function encodeCheckpoint(params: Params, optimizer: OptimizerState, info: CheckpointInfo): Uint8Array {
  const tensors: Record<string, SafeTensor> = { ...paramsToSafetensors({ params }) };
  const width = String(Math.max(optimizer.slots.length - 1, 0)).length;
  optimizer.slots.forEach((s, i) => { tensors[`optimizer.slot.${String(i).padStart(width, '0')}`] = s; });
  for (const [k, s] of Object.entries(optimizer.extra)) tensors[`optimizer.${k}`] = s;
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch: String(info.epoch),
    step: String(info.step),
    seed: String(info.seed),
    batchSize: String(info.batchSize),
    examples: String(info.examples),
    trainable: JSON.stringify(info.trainable),
    optimizer: optimizer.kind,
    'optimizer.iterations': String(optimizer.iterations),
    'optimizer.slots': String(optimizer.slots.length),
    rng: JSON.stringify({ seed: info.seed, nextEpoch: info.epoch + 1, keys: "deriveKey(seed, 'shuffle.<epoch>'), deriveKey(seed, 'batch.<epoch>.<index>')" }),
  });
}

function integer(meta: Record<string, string>, key: string): number {
  const raw = meta[key];
  const v = raw === undefined ? NaN : Number(raw);
  if (!Number.isSafeInteger(v)) throw new HamuxError(['checkpoint', 'metadata', key], `expected an integer, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`, 'invalid_config');
  return v;
}

/**
 * Reads a checkpoint written by `Trainer.checkpoint()` for a graph with these parameter specs.
 * Every parameter must be there with its shape; problems are `HamuxError`s naming the tensor or
 * metadata key.
 */
export function decodeCheckpoint(specs: ParamSpecTree, bytes: Uint8Array): DecodedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata['format'] !== CHECKPOINT_FORMAT) {
    throw new HamuxError('checkpoint.metadata.format', `not a hamux-ts training checkpoint (format ${JSON.stringify(metadata['format'] ?? null)}); weights files are read with loadParams`, 'invalid_file');
  }
  if (metadata['version'] !== CHECKPOINT_VERSION) {
    throw new HamuxError('checkpoint.metadata.version', `version ${JSON.stringify(metadata['version'] ?? null)} is not supported (expected ${CHECKPOINT_VERSION})`, 'unsupported');
  }
  let trainable: unknown;
  try { trainable = JSON.parse(metadata['trainable'] ?? ''); } catch { trainable = undefined; }
  if (!Array.isArray(trainable) || !trainable.every((p) => typeof p === 'string')) {
    throw new HamuxError('checkpoint.metadata.trainable', 'expected a JSON list of parameter paths', 'invalid_config');
  }
  const info: CheckpointInfo = {
    epoch: integer(metadata, 'epoch'),
    step: integer(metadata, 'step'),
    seed: integer(metadata, 'seed'),
    batchSize: integer(metadata, 'batchSize'),
    examples: integer(metadata, 'examples'),
    trainable: trainable as string[],
  };
  const slotCount = integer(metadata, 'optimizer.slots');
  const kind = metadata['optimizer'];
  if (!kind) throw new HamuxError('checkpoint.metadata.optimizer', 'missing the optimizer kind', 'invalid_config');

  const used = new Set<string>();
  const take = (name: string): SafeTensor | undefined => {
    if (!Object.hasOwn(tensors, name)) return undefined;
    used.add(name);
    const t = tensors[name]!;
    return { dtype: 'F32', shape: t.shape, data: t.data };
  };
  const width = String(Math.max(slotCount - 1, 0)).length;
  const slots = Array.from({ length: slotCount }, (_, i) => {
    const name = `optimizer.slot.${String(i).padStart(width, '0')}`;
    const s = take(name);
    if (!s) throw new HamuxError(['checkpoint', name], `missing (the metadata announces ${slotCount} optimizer slots)`, 'invalid_config');
    return s;
  });
  const extra = Object.fromEntries(
    Object.keys(tensors)
      .filter((n) => n.startsWith('optimizer.') && !n.startsWith('optimizer.slot.'))
      .map((n) => [n.slice('optimizer.'.length), take(n)!]),
  );

  const collect = (group: 'layers' | 'synapses') =>
    Object.fromEntries(Object.entries(specs[group]).map(([owner, ownerSpecs]) => [
      owner,
      Object.fromEntries(Object.keys(ownerSpecs).flatMap((p) => {
        const s = take(`${group}.${owner}.${p}`);
        return s ? [[p, tf.tensor(s.data, [...s.shape], 'float32')] as const] : [];
      })),
    ]));
  const params = { layers: collect('layers'), synapses: collect('synapses') };
  // A parameter missing from the checkpoint is the file's problem, not the caller's: 'invalid_config'.
  const errors = paramProblems(specs, params, true, 'checkpoint.').map((e) => (e.code === 'invalid_argument' ? new HamuxError(e.path, e.detail, 'invalid_config') : e));
  for (const name of Object.keys(tensors).filter((n) => !used.has(n))) {
    errors.push(new HamuxError(['checkpoint', name], `unexpected tensor of shape ${formatShape(tensors[name]!.shape)}: the graph has no such parameter`, 'unknown_name'));
  }
  if (errors.length > 0) {
    for (const g of [params.layers, params.synapses]) for (const m of Object.values(g)) tf.dispose(Object.values(m));
    throw new HamuxErrors(errors);
  }
  return { info, params, optimizer: { kind, iterations: integer(metadata, 'optimizer.iterations'), slots, extra } };
}

/**
 * The parameters stored in a checkpoint, ready for `build({ seed, params })` (new tensors, the
 * caller's to dispose).
 */
export function paramsFromCheckpoint(specs: ParamSpecTree | { readonly paramSpecs: ParamSpecTree }, bytes: Uint8Array): DecodedCheckpoint['params'] {
  const tree: ParamSpecTree = 'paramSpecs' in specs ? specs.paramSpecs : specs;
  return decodeCheckpoint(tree, bytes).params;
}
