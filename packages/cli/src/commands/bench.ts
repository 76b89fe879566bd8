import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend, type BackendChoice } from '@hamux-ts/backends';
import { parse } from '../args.js';
import { comparisonText } from '../bench/compare.js';
import { loadSuite } from '../bench/load-suite.js';
import { bytes, si } from '../bench/markdown.js';
import { mergeReports } from '../bench/merge.js';
import { readShards } from '../bench/read-shards.js';
import { runSuite } from '../bench/run-suite.js';
import { inShard, parseShard } from '../bench/shard.js';
import { suiteJsonSchema } from '../bench/suite-schema.js';
import { parseReport, writeReport, type WrittenReport } from '../bench/write-report.js';
import type { Command } from '../command.js';
import { InputError, UsageError } from '../errors.js';
import { Files } from '../files.js';
import { table } from '../table.js';

const BACKENDS: readonly BackendChoice[] = ['auto', 'cpu', 'wasm', 'webgpu'];
/** Where reports go without --out: a folder of the current directory, never a package's committed results. */
export const DEFAULT_OUT = 'hamux-bench';

/** A suite by path, or by name from `benchmarks/suites/` under the current directory. */
function findSuite(name: string): string {
  if (existsSync(name) && statSync(name).isFile()) return name;
  const shipped = join('benchmarks', 'suites', `${name}.json`);
  if (existsSync(shipped)) return shipped;
  throw new InputError(['bench'], `no suite "${name}": not a file, and no ${shipped}`, 'unknown_name');
}

const readText = (files: Files, path: string) => new TextDecoder().decode(files.read(path, 'report'));

const OPTIONS = {
  backend: { type: 'string' }, full: { type: 'boolean' }, out: { type: 'string' }, only: { type: 'string' }, shard: { type: 'string' },
  compare: { type: 'boolean' }, schema: { type: 'boolean' }, merge: { type: 'boolean' },
} as const;

/** How many positional arguments `args` has (`--merge` takes any number of reports). */
const positionalCount = (args: readonly string[]) => parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: false }).positionals.length;

/** The line printed after writing a report. */
function wroteLine(written: WrittenReport, seconds: number): string {
  const count = (n: number, what: string) => (n > 0 ? [`${n} ${what}${n > 1 ? 's' : ''}`] : []);
  const extra = [...count(written.svgs.length, 'plot'), ...count(written.pngs.length, 'picture')];
  return `wrote ${written.markdown}, ${written.json}${extra.length > 0 ? ` and ${extra.join(' and ')}` : ''} (${seconds.toFixed(0)} s)\n`;
}

export const bench: Command = {
  name: 'bench',
  summary: 'run a benchmark suite and write its report',
  help: `Usage: hamux bench SUITE [--backend auto|cpu|wasm|webgpu] [--full] [--out DIR] [--only NAME,...]
       hamux bench SUITE --shard I/N [--backend NAME] [--full] [--out DIR]
       hamux bench --merge REPORT_OR_DIR... [--out DIR]
       hamux bench --compare A.json B.json
       hamux bench --schema

Runs every variant of SUITE (a suite file, or the name of one in benchmarks/suites/) through the
suite's protocol and writes into DIR:
  <suite>-<backend>.json   the raw numbers, machine, backend, versions, seed and protocol
  <suite>-<backend>.md     the report: one table of every variant, quality tables, plots
  <suite>-<backend>-*.svg  the plots
Measured per variant: parameters, FLOPs per scheduler step (counted from the kernels), peak tensor
memory, steps and wall time to converge (median and range over runs, after warm-up), and the task's
quality (reconstruction error against corruption, or recall and capacity).

Options:
  --backend NAME   auto (WebGPU, else wasm, else cpu), cpu, wasm or webgpu (default auto)
  --full           the suite's full size (its "full" values) instead of the default size
  --out DIR        output folder (default: ./hamux-bench/ in the current directory; the
                   committed reports in benchmarks/results/ are rewritten only on request:
                   npm run bench:reports -w @hamux-ts/benchmarks)
  --only NAMES     run only these variants (comma-separated names)
  --shard I/N      run shard I of N: the variants whose index in the suite is I modulo N. Shards
                   are numbered from 0 (0 ≤ I < N), as Slurm's SLURM_ARRAY_TASK_ID and Kubernetes'
                   JOB_COMPLETION_INDEX are; N is at most the number of variants. The report is
                   <suite>-<backend>-shard-I-of-N.*, so that every shard can write into one folder
  --merge REPORTS  join the reports of all N shards of one run (their JSON files, or folders holding
                   them) into the report an unsharded run writes: the same variants in the suite's
                   order, tables and plots; the time is the sum of the shards'. Refuses shards of
                   different suites (or of a suite changed between runs), sizes, backends or
                   versions, a shard missing or given twice, and overlapping variants. Job files
                   for Slurm and Kubernetes: benchmarks/README.md
  --compare A B    print what differs between two reports and the ratios B / A per variant
  --schema         print the JSON Schema of suite files`,
  async run(args, io) {
    // What is positional depends on the mode: two reports to compare, nothing for the schema, reports to merge, else the suite.
    const modes = (['compare', 'schema', 'merge'] as const).filter((m) => args.includes(`--${m}`));
    const mode = modes[0] ?? 'suite';
    const positionalNames = mode === 'compare' ? ['A.json', 'B.json'] : mode === 'schema' ? [] : mode === 'merge' ? Array.from({ length: Math.max(1, positionalCount(args)) }, () => 'REPORT') : ['SUITE'];
    const { values, positionals } = parse('bench', args, OPTIONS, positionalNames);
    if (values['help']) return io.stdout(`${this.help}\n`);
    if (modes.length > 1) throw new UsageError(['bench'], `${modes.map((m) => `--${m}`).join(' and ')} do not go together`);
    if (mode !== 'suite') {
      const suiteOnly = (['backend', 'full', 'only', 'shard'] as const).filter((o) => values[o] !== undefined);
      if (suiteOnly.length > 0) throw new UsageError(['bench'], `--${mode} does not take ${suiteOnly.map((o) => `--${o}`).join(', ')} (options of a run of a suite)`);
    }
    if (mode === 'schema') return io.stdout(`${JSON.stringify(suiteJsonSchema(), null, 2)}\n`);
    if (mode === 'merge') {
      const outDir = typeof values['out'] === 'string' ? values['out'] : DEFAULT_OUT;
      const merged = mergeReports(readShards(positionals, new Files()));
      const command = ['hamux bench --merge', ...positionals, ...(outDir !== DEFAULT_OUT ? [`--out ${outDir}`] : [])].join(' ');
      const written = writeReport(merged, outDir, command);
      io.stdout(`merged ${merged.shards?.length} shards of ${merged.suite.name}: ${merged.variants.length} variants${merged.failed.length > 0 ? `, ${merged.failed.length} failed` : ''}\n`);
      return io.stdout(wroteLine(written, merged.seconds));
    }
    if (mode === 'compare') {
      const [a, b] = positionals as [string, string];
      const files = new Files(); // reads only
      return io.stdout(comparisonText(parseReport(readText(files, a), a), parseReport(readText(files, b), b), a, b));
    }
    const backend = (typeof values['backend'] === 'string' ? values['backend'] : 'auto') as BackendChoice;
    if (!BACKENDS.includes(backend)) throw new UsageError(['bench'], `unknown backend "${backend}" (expected one of: ${BACKENDS.join(', ')})`);
    if (values['only'] !== undefined && values['shard'] !== undefined) throw new UsageError(['bench'], '--only and --shard do not go together: a shard runs its share of all the variants');
    const file = findSuite(positionals[0]!);
    const full = values['full'] === true;
    const only = typeof values['only'] === 'string' ? values['only'].split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined;
    const loaded = loadSuite(file, { full });
    const shard = typeof values['shard'] === 'string' ? parseShard(values['shard'], loaded.variants.length) : undefined;
    const outDir = typeof values['out'] === 'string' ? values['out'] : DEFAULT_OUT;
    const runtime = await useBackend(backend);
    const command = [
      'hamux bench', file, `--backend ${runtime.backend}`, ...(full ? ['--full'] : []), ...(only ? [`--only ${only.join(',')}`] : []),
      ...(shard ? [`--shard ${shard.index}/${shard.count}`] : []), ...(outDir !== DEFAULT_OUT ? [`--out ${outDir}`] : []),
    ].join(' ');
    const started = performance.now();
    const log = (line: string) => io.stderr(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
    const share = shard ? `shard ${shard.index}/${shard.count}: ${loaded.variants.filter((_, i) => inShard(i, shard)).length} of ` : '';
    log(`${loaded.suite.title}: ${share}${loaded.variants.length} variants on ${runtime.backend}${full ? ', full size' : ''}`);
    const result = await runSuite(loaded, { runtime, log, ...(only ? { only } : {}), ...(shard ? { shard: { ...shard, command } } : {}) });
    const written = writeReport(result, outDir, command);
    io.stdout(`${table(
      ['variant', 'parameters', 'FLOPs/step', 'peak memory', 'steps', 'wall ms', 'converged'],
      result.variants.map((v) => [v.name, String(v.params), si(v.work.perStep), bytes(v.work.peakBytes), String(v.relaxation.stepsPerSample.median), v.relaxation.wallMs.median.toFixed(0), `${v.relaxation.converged}/${v.relaxation.batch}`]),
    )}\n`);
    for (const f of result.failed) io.stdout(`${f.name}: failed: ${f.error}\n`);
    io.stdout(wroteLine(written, result.seconds));
  },
};


