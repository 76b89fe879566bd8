import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, type BackendChoice } from '@hamux-ts/backends';
import { parse } from '../args.js';
import { comparisonText } from '../bench/compare.js';
import { loadSuite } from '../bench/load-suite.js';
import { bytes, si } from '../bench/markdown.js';
import { runSuite } from '../bench/run-suite.js';
import { suiteJsonSchema } from '../bench/suite-schema.js';
import { parseReport, writeReport } from '../bench/write-report.js';
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

export const bench: Command = {
  name: 'bench',
  summary: 'run a benchmark suite and write its report',
  help: `Usage: hamux bench SUITE [--backend auto|cpu|wasm|webgpu] [--full] [--out DIR] [--only NAME,...]
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
  --compare A B    print what differs between two reports and the ratios B / A per variant
  --schema         print the JSON Schema of suite files`,
  async run(args, io) {
    // What is positional depends on the mode: two reports to compare, nothing for the schema, else the suite.
    const mode = args.includes('--compare') ? 'compare' : args.includes('--schema') ? 'schema' : 'suite';
    const { values, positionals } = parse('bench', args, {
      backend: { type: 'string' }, full: { type: 'boolean' }, out: { type: 'string' }, only: { type: 'string' },
      compare: { type: 'boolean' }, schema: { type: 'boolean' },
    }, mode === 'compare' ? ['A.json', 'B.json'] : mode === 'schema' ? [] : ['SUITE']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    if (values['compare'] && values['schema']) throw new UsageError(['bench'], '--compare and --schema do not go together');
    if (mode === 'schema') return io.stdout(`${JSON.stringify(suiteJsonSchema(), null, 2)}\n`);
    if (mode === 'compare') {
      const [a, b] = positionals as [string, string];
      const files = new Files(); // reads only
      return io.stdout(comparisonText(parseReport(readText(files, a), a), parseReport(readText(files, b), b), a, b));
    }
    const backend = (typeof values['backend'] === 'string' ? values['backend'] : 'auto') as BackendChoice;
    if (!BACKENDS.includes(backend)) throw new UsageError(['bench'], `unknown backend "${backend}" (expected one of: ${BACKENDS.join(', ')})`);
    const file = findSuite(positionals[0]!);
    const full = values['full'] === true;
    const only = typeof values['only'] === 'string' ? values['only'].split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined;
    const loaded = loadSuite(file, { full });
    const outDir = typeof values['out'] === 'string' ? values['out'] : DEFAULT_OUT;
    const report = await useBackend(backend);
    const started = performance.now();
    const log = (line: string) => io.stderr(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
    log(`${loaded.suite.title}: ${loaded.variants.length} variants on ${report.chosen}${full ? ', full size' : ''}`);
    const result = await runSuite(loaded, { backend: report, log, ...(only ? { only } : {}) });
    const command = ['hamux bench', file, `--backend ${report.chosen}`, ...(full ? ['--full'] : []), ...(only ? [`--only ${only.join(',')}`] : []), ...(outDir !== DEFAULT_OUT ? [`--out ${outDir}`] : [])].join(' ');
    const written = writeReport(result, outDir, command);
    io.stdout(`${table(
      ['variant', 'parameters', 'FLOPs/step', 'peak memory', 'steps', 'wall ms', 'converged'],
      result.variants.map((v) => [v.name, String(v.params), si(v.work.perStep), bytes(v.work.peakBytes), String(v.relaxation.stepsPerSample.median), v.relaxation.wallMs.median.toFixed(0), `${v.relaxation.converged}/${v.relaxation.batch}`]),
    )}\n`);
    for (const f of result.failed) io.stdout(`${f.name}: failed: ${f.error}\n`);
    io.stdout(`wrote ${written.markdown}, ${written.json}${written.svgs.length > 0 ? ` and ${written.svgs.length} plot${written.svgs.length > 1 ? 's' : ''}` : ''} (${result.seconds.toFixed(0)} s)\n`);
  },
};


