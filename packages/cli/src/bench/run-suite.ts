/**
 * Runs every variant of a suite through the suite's one protocol and gathers the raw numbers:
 * parameters, FLOPs per step, memory, the timed relaxation, and the task's quality measures.
 */
import type { BackendRuntime } from '@hamux-ts/backends';
import { buildFromConfig } from '@hamux-ts/config';
import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import { InputError, UsageError } from '../errors.js';
import { environment, loadAverage } from './environment.js';
import { suiteIdentity } from './identity.js';
import { templateNumbers, variantConfig, type LoadedSuite } from './load-suite.js';
import { DivergenceError } from '@hamux-ts/dynamics';
import { REPORT_FORMAT, type BenchReport, type FailedVariant, type ShardInfo, type VariantResult } from './result.js';
import { inShard } from './shard.js';
import type { Suite } from './suite-schema.js';
import { capacityRunner } from './tasks/capacity.js';
import { completionRunner } from './tasks/completion.js';
import { relaxationRunner } from './tasks/relaxation.js';
import type { TaskRunner } from './tasks/task.js';
import { reportedOptions, schedulerOptions, summarise } from './variant.js';

export interface RunSuiteOptions {
  /** What `useBackend` returned for the backend the run uses (already current): every descent and training runs on it. */
  readonly runtime: BackendRuntime;
  /** Progress lines (one per phase of each variant). */
  readonly log?: (line: string) => void;
  /** Run only these variants (by name). */
  readonly only?: readonly string[];
  /** Run only this shard's variants (see `shard.ts`), and record it in the report. */
  readonly shard?: ShardInfo;
  /** The date written into the report (default: now). */
  readonly date?: Date;
}

function runnerFor(suite: Suite): TaskRunner {
  switch (suite.task.kind) {
    case 'completion': return completionRunner(suite, suite.task);
    case 'capacity': return capacityRunner(suite, suite.task);
    case 'relaxation': return relaxationRunner(suite, suite.task);
  }
}

/** Errors of a task, placed in the suite file (`suite.json: variants[2].input: …`); the CLI's own errors say where they are already. */
function inFile(e: unknown, file: string): unknown {
  if (e instanceof UsageError || e instanceof InputError) return e;
  if (e instanceof HamuxErrors) return new HamuxErrors(e.errors.map((x) => inFile(x, file) as HamuxError));
  if (e instanceof HamuxError) return new HamuxError(e.where ? `${file}: ${e.where}` : file, e.detail, e.code);
  return e;
}

/** Whether `e` is the dynamics diverging or a training loss that is not finite. */
function diverged(e: unknown): boolean {
  return e instanceof DivergenceError || (e instanceof HamuxError && e.where === 'loss');
}

export async function runSuite(loaded: LoadedSuite, options: RunSuiteOptions): Promise<BenchReport> {
  const { suite } = loaded;
  const log = options.log ?? (() => undefined);
  const only = options.only;
  if (only) {
    const unknown = only.filter((n) => !loaded.variants.some((v) => v.name === n));
    if (unknown.length > 0) throw new HamuxError(['--only'], `unknown variant${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} (variants are ${loaded.variants.map((v) => `"${v.name}"`).join(', ')})`, 'unknown_name');
  }
  const env = environment(options.runtime.report);
  const started = performance.now();
  const numbers = templateNumbers(suite);
  const variants: VariantResult[] = [];
  const failed: FailedVariant[] = [];
  let runner: TaskRunner | undefined;
  try {
    runner = runnerFor(suite);
    for (const [index, variant] of loaded.variants.entries()) {
      if (only && !only.includes(variant.name)) continue;
      if (options.shard && !inShard(index, options.shard)) continue;
      const t0 = performance.now();
      const config = variantConfig(variant, numbers);
      const ham = buildFromConfig(config);
      try {
        const scheduler = schedulerOptions(config, suite.protocol);
        log(`${variant.name}: ${ham.layerNames.length} layer${ham.layerNames.length === 1 ? '' : 's'}, ${ham.numParams} parameters`);
        let out;
        try {
          out = await runner.run({
            variant, index, ham, config, runtime: options.runtime, options: { ...scheduler, runtime: options.runtime },
            configAt: (k) => variantConfig(variant, templateNumbers(suite, k)),
            log: (line) => log(`${variant.name}: ${line}`),
            load: () => loadAverage()[0]!,
          });
        } catch (e) {
          // A variant whose dynamics diverge (or whose training loss blows up) is a result, not a
          // mistake in the suite: it is reported and the others are still measured.
          if (!diverged(e)) throw e;
          const error = (e as Error).message;
          log(`${variant.name}: failed: ${error}`);
          failed.push({ name: variant.name, config: variant.origin, error, seconds: (performance.now() - t0) / 1000 });
          continue;
        }
        variants.push({
          name: variant.name,
          ...(variant.description ? { description: variant.description } : {}),
          ...(variant.tags ? { tags: variant.tags } : {}),
          config: variant.origin,
          ...summarise(config),
          scheduler: reportedOptions(scheduler),
          params: ham.numParams,
          paramBytes: 4 * ham.numParams,
          ...out,
          seconds: (performance.now() - t0) / 1000,
        });
      } finally {
        ham.dispose();
      }
    }
  } catch (e) {
    throw inFile(e, loaded.file);
  } finally {
    runner?.dispose();
  }
  const { full: _full, ...rest } = suite;
  return {
    format: REPORT_FORMAT,
    suite: { name: rest.name, title: rest.title, ...(rest.description ? { description: rest.description } : {}), file: loaded.file, ...suiteIdentity(loaded) },
    ...(options.shard ? { shard: { index: options.shard.index, count: options.shard.count, command: options.shard.command } } : {}),
    size: loaded.full ? 'full' : 'default',
    date: (options.date ?? new Date()).toISOString(),
    seed: suite.seed,
    environment: env,
    protocol: { task: suite.task, protocol: suite.protocol, text: runner.text },
    plots: suite.plots,
    variants,
    failed,
    loadAverageEnd: loadAverage()[0]!,
    seconds: (performance.now() - started) / 1000,
  };
}
