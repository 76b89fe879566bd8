/**
 * `hamux bench --merge`: joins the reports of a suite's shards (`--shard I/N`) into the report one
 * unsharded run writes, the variants in the suite's order. It refuses shards that do not belong
 * together (another suite, or the same suite changed between runs; another size, shard count,
 * backend or version), a shard missing or given twice, and variants measured twice or out of place.
 */
import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import { InputError } from '../errors.js';
import type { BenchReport, FailedVariant, ShardInfo, ShardRecord, VariantResult } from './result.js';
import { shardLabel, shardOf } from './shard.js';

/** A report and the file it was read from (named in every message about it). */
export interface ReportFile {
  readonly file: string;
  readonly report: BenchReport;
}

interface ShardFile extends ReportFile {
  readonly shard: ShardInfo;
  readonly hash: string;
  readonly variants: readonly string[];
}

const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');
const isIndex = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** Throws every problem found, if any (each already names its file or shard). */
function fail(errors: readonly HamuxError[]): void {
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new HamuxErrors(errors);
}

const problem = (message: string) => new InputError(['--merge'], message, 'invalid_file');
const inFile = (file: string, message: string) => new InputError([file], message, 'invalid_file');

/** The shard and suite identity a report records, or a problem naming its file. */
function asShard({ file, report }: ReportFile): ShardFile | HamuxError {
  const s = report.shard as Partial<ShardInfo> | undefined;
  if (typeof s !== 'object' || s === null) return inFile(file, 'not a shard report (it has no "shard"): shard reports are written by hamux bench SUITE --shard I/N');
  if (!isIndex(s.index) || !isIndex(s.count) || s.index >= s.count || typeof s.command !== 'string') {
    return inFile(file, `"shard" must be { "index", "count", "command" } with 0 ≤ index < count, got ${JSON.stringify(s)}`);
  }
  const { hash, variants } = report.suite;
  if (typeof hash !== 'string' || !Array.isArray(variants) || !variants.every((v) => typeof v === 'string')) {
    return inFile(file, '"suite" must record the suite\'s "hash" and "variants" (the names of all its variants)');
  }
  const named = (xs: unknown) => Array.isArray(xs) && xs.every((x) => typeof x === 'object' && x !== null && typeof (x as { name?: unknown }).name === 'string');
  if (!named(report.variants) || !named(report.failed)) return inFile(file, '"variants" and "failed" must be lists of results with a "name"');
  return { file, report, shard: s as ShardInfo, hash, variants };
}

/** Problems with shards that do not belong to one run of one suite, each against the first shard. */
function belongTogether(shards: readonly ShardFile[]): HamuxError[] {
  const [a] = shards as [ShardFile];
  const errors: HamuxError[] = [];
  const env = (x: ShardFile) => x.report.environment;
  const checks: readonly (readonly [string, (x: ShardFile) => unknown])[] = [
    ['suite', (x) => x.report.suite.name],
    ['size', (x) => x.report.size],
    ['shard count', (x) => x.shard.count],
    ['backend', (x) => env(x).backend.name],
    ['matrix product', (x) => env(x).backend.kernels?.gemm],
    ['tfjs version', (x) => env(x).tfjs],
    ['hamux version', (x) => env(x).hamux],
  ];
  for (const b of shards.slice(1)) {
    const differ = checks.find(([, get]) => get(a) !== get(b));
    if (differ) {
      const [what, get] = differ;
      const shown = (x: ShardFile) => (what === 'shard count' ? `shard ${shardLabel(x.shard)}` : `${what} ${JSON.stringify(get(x) ?? null)}`);
      const why = what === 'suite' ? 'shards of different suites' : `shards of different runs (another ${what})`;
      errors.push(problem(`${why}: "${a.file}" is ${shown(a)}, "${b.file}" is ${shown(b)}`));
    } else if (b.hash !== a.hash || b.variants.join('\n') !== a.variants.join('\n')) {
      errors.push(problem(`shards of different versions of suite "${a.report.suite.name}": the suite file or a variant's config changed between "${a.file}" (suite hash ${a.hash.slice(0, 12)}) and "${b.file}" (${b.hash.slice(0, 12)})`));
    }
  }
  return errors;
}

/** Problems with the set of shards: each of 0 … N−1 exactly once. */
function complete(shards: readonly ShardFile[]): HamuxError[] {
  const count = shards[0]!.shard.count;
  const byIndex = new Map<number, ShardFile[]>();
  for (const s of shards) byIndex.set(s.shard.index, [...(byIndex.get(s.shard.index) ?? []), s]);
  const errors: HamuxError[] = [];
  for (const [index, given] of [...byIndex].sort(([x], [y]) => x - y)) {
    if (given.length > 1) errors.push(problem(`shard ${index}/${count} is given ${given.length} times: ${given.map((s) => `"${s.file}"`).join(', ')}`));
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const have = [...byIndex].sort(([x], [y]) => x - y).map(([i, [s]]) => `${i}/${count} ("${s!.file}")`).join(', ');
    errors.push(problem(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing (given: ${have})`));
  }
  return errors;
}

/** Problems with the variants: each of the suite's measured (or failed) once, by the shard it belongs to. */
function variantsInPlace(shards: readonly ShardFile[]): HamuxError[] {
  const suite = shards[0]!.variants;
  const count = shards[0]!.shard.count;
  const errors: HamuxError[] = [];
  const seen = new Map<string, ShardFile>();
  for (const s of shards) {
    for (const { name } of [...s.report.variants, ...s.report.failed]) {
      const at = suite.indexOf(name);
      const before = seen.get(name);
      if (before) errors.push(problem(`overlapping shards: variant "${name}" is in both "${before.file}" (shard ${shardLabel(before.shard)}) and "${s.file}" (shard ${shardLabel(s.shard)})`));
      else if (at < 0) errors.push(inFile(s.file, `variant "${name}" is not one of the suite's (${quoted(suite)})`));
      else if (shardOf(at, count) !== s.shard.index) errors.push(inFile(s.file, `shard ${shardLabel(s.shard)} has variant "${name}", which is shard ${shardOf(at, count)}/${count}'s`));
      seen.set(name, before ?? s);
    }
  }
  const absent = suite.filter((n) => !seen.has(n));
  if (absent.length > 0) errors.push(problem(`variant${absent.length > 1 ? 's' : ''} ${quoted(absent)} ${absent.length > 1 ? 'are' : 'is'} in no shard's report`));
  return errors;
}

/**
 * The report of the whole suite, from the reports of all its shards (any order). Its variants and
 * failed variants follow the suite's order; its `date`, `environment` and `loadAverageEnd` are
 * shard 0's, its `seconds` the sum of the shards', and `shards` records each shard as it ran.
 * Throws an `InputError` (or `HamuxErrors` of several) naming the files at fault.
 */
export function mergeReports(inputs: readonly ReportFile[]): BenchReport {
  if (inputs.length === 0) throw problem('no shard reports to merge');
  const checked = inputs.map(asShard);
  fail(checked.filter((x): x is HamuxError => x instanceof HamuxError));
  const shards = (checked as ShardFile[]).slice().sort((x, y) => x.shard.index - y.shard.index);
  fail(belongTogether(shards));
  fail(complete(shards));
  fail(variantsInPlace(shards));
  const results = new Map<string, VariantResult>(shards.flatMap((s) => s.report.variants.map((v) => [v.name, v] as const)));
  const failures = new Map<string, FailedVariant>(shards.flatMap((s) => s.report.failed.map((f) => [f.name, f] as const)));
  const inOrder = <T>(by: ReadonlyMap<string, T>) => shards[0]!.variants.flatMap((n) => (by.has(n) ? [by.get(n)!] : []));
  const first = shards[0]!.report;
  const records: ShardRecord[] = shards.map(({ shard, report: r }) => ({
    index: shard.index, count: shard.count, command: shard.command, date: r.date, seconds: r.seconds, environment: r.environment, loadAverageEnd: r.loadAverageEnd,
  }));
  // The keys in the order an unsharded run writes them, `shards` where a shard's report has `shard`.
  return {
    format: first.format,
    suite: first.suite,
    shards: records,
    size: first.size,
    date: first.date,
    seed: first.seed,
    environment: first.environment,
    protocol: first.protocol,
    plots: first.plots,
    variants: inOrder(results),
    failed: inOrder(failures),
    loadAverageEnd: first.loadAverageEnd,
    seconds: shards.reduce((s, x) => s + x.report.seconds, 0),
  };
}
