/**
 * Training a variant through its unrolled dynamics with the suite's one budget (same digits,
 * corruption, epochs, batch size, optimizer, unrolled steps and dt for every variant).
 */
import { HamuxError, HamuxErrors, parsePath, tf, type HAM, type Params, type Tensor } from '@hamux-ts/core';
import { Trainer, corruptedInput, maskedInput, mse, type EpochReport } from '@hamux-ts/train';
import type { Runtime } from '@hamux-ts/dynamics';
import type { Preparation } from './result.js';
import type { CompletionTask } from './suite-schema.js';

export interface TrainedParams {
  readonly params: Params;
  readonly preparation: Extract<Preparation, { kind: 'trained' }>;
  /** Frees the trained parameters. */
  readonly dispose: () => void;
}

/** Whether `e` says the current backend lacks a kernel (tfjs: "Kernel 'X' not registered for backend 'Y'"). */
export function missingKernel(e: unknown): string | undefined {
  const m = e instanceof Error ? /Kernel '([^']+)' not registered for backend '([^']+)'/.exec(e.message) : null;
  return m ? `${m[2]} has no ${m[1]} kernel` : undefined;
}

/** Every learnable parameter path of `ham` except the frozen ones; a frozen path must be learnable. */
export function trainablePaths(ham: HAM<string, string>, freeze: readonly string[], path: string): string[] {
  const learnable: string[] = [];
  const all: string[] = [];
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, specs] of Object.entries(ham.paramSpecs[group] as Record<string, Record<string, { learnable: boolean }>>)) {
      for (const [p, spec] of Object.entries(specs)) {
        all.push(`${group}.${owner}.${p}`);
        if (spec.learnable) learnable.push(`${group}.${owner}.${p}`);
      }
    }
  }
  const errors = freeze.flatMap((f, i) =>
    learnable.includes(f)
      ? []
      : [all.includes(f)
          ? new HamuxError([...parsePath(path), i], `"${f}" is a fixed parameter already`, 'invalid_config')
          : new HamuxError([...parsePath(path), i], `unknown parameter "${f}" (learnable parameters are ${learnable.map((l) => `"${l}"`).join(', ')})`, 'unknown_name')]);
  if (errors.length > 0) throw new HamuxErrors(errors);
  return learnable.filter((p) => !freeze.includes(p));
}

/** `o` without its undefined entries (zod's optional fields, for options that leave a field out). */
function definedOnly<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function trainerFor(ham: HAM<string, string>, input: string, train: CompletionTask['train'], seed: number, runtime: Runtime, trainable?: readonly string[], observed?: string): Trainer<string, string> {
  const c = train.corruption;
  if (observed !== undefined && c.kind !== 'noise') {
    throw new HamuxError('task.train.corruption', `a variant with an observed layer ("${observed}") is trained on noisy inputs: expected { "kind": "noise" }, got "${c.kind}"`, 'invalid_config');
  }
  return new Trainer(ham, {
    ...(trainable ? { trainable } : {}),
    seed,
    runtime,
    ...(train.fixedPoint ? { fixedPoint: definedOnly(train.fixedPoint) } : { steps: train.steps }),
    dt: train.dt,
    batchSize: train.batchSize,
    optimizer: { name: 'adam', learningRate: train.learningRate },
    ...(train.clipNorm !== undefined ? { clipNorm: train.clipNorm } : {}),
    prepare: c.kind === 'noise' ? corruptedInput({ layer: input, field: 'x', std: c.std, ...(observed !== undefined ? { observed } : {}) }) : maskedInput({ layer: input, field: 'x', fraction: c.fraction }),
    loss: mse({ layer: input, field: 'x', on: c.kind === 'mask' ? 'free' : 'all' }),
  });
}

async function fit(ham: HAM<string, string>, input: string, train: CompletionTask['train'], seed: number, x: Tensor, runtime: Runtime, trainable?: readonly string[], observed?: string) {
  const trainer = trainerFor(ham, input, train, seed, runtime, trainable, observed);
  const started = performance.now();
  try {
    const reports: EpochReport[] = await trainer.fit({ x }, { epochs: train.epochs });
    return { trainer, reports, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    trainer.dispose();
    throw e;
  }
}

function preparation(reports: readonly EpochReport[], seconds: number, backend: string, epochs: number, note?: string): TrainedParams['preparation'] {
  const first = reports[0]?.loss ?? Number.NaN;
  const last = reports.at(-1)?.loss ?? Number.NaN;
  return { kind: 'trained', seconds, backend, epochs, lossFirst: first, lossLast: last, ...(note ? { note } : {}) };
}

/**
 * Trains `ham`'s learnable parameters to restore `x` (`[count, size]`, the clean data) from its
 * corrupted copies, through `train.steps` unrolled Euler steps. When the current backend lacks a
 * kernel that training needs (the wasm backend of tfjs 4.22 has no `Conv2DBackpropFilter`), the
 * training runs on the cpu backend instead (on the runtime's matrix product, which serves both) and
 * the trained values are copied back; the report says so.
 */
export async function trainVariant(
  ham: HAM<string, string>, input: string, train: CompletionTask['train'], seed: number, x: Tensor, runtime: Runtime, trainable?: readonly string[], observed?: string,
): Promise<TrainedParams> {
  const backend = tf.getBackend();
  try {
    const { trainer, reports, seconds } = await fit(ham, input, train, seed, x, runtime, trainable, observed);
    return { params: trainer.params, preparation: preparation(reports, seconds, backend, train.epochs), dispose: () => trainer.dispose() };
  } catch (e) {
    const missing = missingKernel(e);
    if (!missing || backend === 'cpu') throw e;
    await tf.setBackend('cpu');
    let trained: { values: Map<string, { data: Float32Array; shape: number[] }>; reports: EpochReport[]; seconds: number };
    try {
      const { trainer, reports, seconds } = await fit(ham, input, train, seed, x, { ...runtime, backend: 'cpu' }, trainable, observed);
      const values = new Map<string, { data: Float32Array; shape: number[] }>();
      for (const path of trainer.trainable) {
        const [, owner, name] = path.split('.') as [string, string, string];
        const group = path.startsWith('layers.') ? trainer.params.layers : trainer.params.synapses;
        const t = group[owner]![name]!;
        values.set(path, { data: (await t.data()) as Float32Array, shape: [...t.shape] });
      }
      trainer.dispose();
      trained = { values, reports, seconds };
    } finally {
      await tf.setBackend(backend);
    }
    // The trained values as tensors of the run's backend, the fixed parameters the graph's own.
    const made: Tensor[] = [];
    const rebuild = (group: 'layers' | 'synapses') =>
      Object.fromEntries(Object.entries(ham.params[group]).map(([owner, map]) => [
        owner,
        Object.fromEntries(Object.entries(map).map(([name, t]) => {
          const v = trained.values.get(`${group}.${owner}.${name}`);
          if (!v) return [name, t];
          const copy = tf.tensor(v.data, v.shape);
          made.push(copy);
          return [name, copy];
        })),
      ]));
    const params: Params = { layers: rebuild('layers'), synapses: rebuild('synapses') };
    if (made.length !== trained.values.size) {
      tf.dispose(made);
      throw new HamuxError(['train'], 'the parameters trained on cpu do not match the graph\'s', 'shape_mismatch');
    }
    return {
      params,
      preparation: preparation(trained.reports, trained.seconds, 'cpu', train.epochs, `trained on cpu: ${missing}`),
      dispose: () => tf.dispose(made),
    };
  }
}
