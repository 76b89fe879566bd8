// Sharded sweeps: three shards of a tiny suite, run as separate processes of the built hamux and
// merged, give the report of one unsharded run in every figure but the timings (and the same
// Markdown and plots); and every way a merge or a --shard is refused, with the file or flag named.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HamuxErrors } from '@hamux-ts/core';
import { bench } from '../src/commands/bench.js';
import { suiteIdentity } from '../src/bench/identity.js';
import { loadSuite } from '../src/bench/load-suite.js';
import { markdownReport } from '../src/bench/markdown.js';
import { mergeReports, type ReportFile } from '../src/bench/merge.js';
import { reportPlots } from '../src/bench/plots.js';
import { readShards } from '../src/bench/read-shards.js';
import type { BenchReport } from '../src/bench/result.js';
import { inShard, parseShard } from '../src/bench/shard.js';
import { parseReport, reportJson } from '../src/bench/write-report.js';
import { InputError, UsageError } from '../src/errors.js';
import { Files } from '../src/files.js';
import { buildCli, hamuxRunner } from './built-cli.js';
import { blowup, chain } from './tiny-configs.js';

const hamux = hamuxRunner(120_000);
const tmp = mkdtempSync(join(tmpdir(), 'hamux-bench-shard-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(tmp, { recursive: true, force: true });
});

// Four variants over three shards: shard 0 runs a and c, shard 1 only the failing one, shard 2 b.
const suite = {
  name: 'tiny-shards',
  title: 'Tiny sharded relaxation',
  seed: 5,
  task: { kind: 'relaxation' },
  protocol: { runs: 2, warmup: 1, batch: 3, maxSteps: 400, tolerance: { grad: 1e-2 } },
  variants: [
    { name: 'a', config: chain(1), tags: { ratio: 1 } },
    { name: 'blowup', config: blowup },
    { name: 'b', config: chain(3), tags: { ratio: 3 } },
    { name: 'c', config: 'models/c.json', tags: { ratio: 10 } },
  ],
  plots: [{ name: 'steps', x: 'ratio', y: 'steps' }],
};
const suiteFile = join(tmp, 'tiny-shards.json');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
const shardJson = (i: number) => join(tmp, 'shards', `tiny-shards-cpu-shard-${i}-of-3.json`);

/**
 * What a run measures of time and load, by path: everything else in a report follows from the
 * suite, the backend and the code, and must not depend on how the suite was split.
 */
const MEASURED = {
  report: ['date', 'seconds', 'loadAverageEnd', 'environment.loadAverage'],
  variant: ['seconds', 'preparation.seconds', 'relaxation.runsMs', 'relaxation.wallMs', 'relaxation.msPerStep', 'relaxation.loadAverage'],
  failed: ['seconds'],
};

/** `base` with the measured values (and the merge's record of its shards) of `from`. */
function withMeasurementsOf(base: BenchReport, from: BenchReport): BenchReport {
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  const copy = (to: Record<string, unknown>, src: Record<string, unknown>, paths: readonly string[]) => {
    for (const path of paths) {
      const keys = path.split('.');
      const last = keys.pop()!;
      let t = to, s = src;
      for (const k of keys) {
        t = t[k] as Record<string, unknown>;
        s = s[k] as Record<string, unknown>;
      }
      if (t !== undefined && s !== undefined && last in s) t[last] = s[last];
    }
  };
  copy(out, from as never, MEASURED.report);
  (out['variants'] as Record<string, unknown>[]).forEach((v, i) => copy(v, from.variants[i] as never, MEASURED.variant));
  (out['failed'] as Record<string, unknown>[]).forEach((f, i) => copy(f, from.failed[i] as never, MEASURED.failed));
  if (from.shards) out['shards'] = from.shards;
  return out as unknown as BenchReport;
}

let whole: BenchReport;
let merged: BenchReport;
let shards: BenchReport[];
let mergeOut: string;
beforeAll(() => {
  buildCli(); // always: the tests are about the current sources
  mkdirSync(join(tmp, 'models'));
  writeFileSync(join(tmp, 'models', 'c.json'), JSON.stringify(chain(10)));
  writeFileSync(suiteFile, JSON.stringify(suite));
  // Outside any git checkout, so that a commit made meanwhile cannot tell the runs apart.
  process.chdir(tmp);
  const run = (...args: string[]) => {
    const r = hamux(...args);
    expect(r.status, r.stderr).toBe(0);
    return r;
  };
  run('bench', suiteFile, '--backend', 'cpu', '--out', join(tmp, 'whole'));
  for (const i of [2, 0, 1]) run('bench', suiteFile, '--backend', 'cpu', '--shard', `${i}/3`, '--out', join(tmp, 'shards'));
  mergeOut = run('bench', '--merge', join(tmp, 'shards'), '--out', join(tmp, 'merged')).stdout;
  whole = readJson(join(tmp, 'whole', 'tiny-shards-cpu.json'));
  merged = readJson(join(tmp, 'merged', 'tiny-shards-cpu.json'));
  shards = [0, 1, 2].map((i) => readJson(shardJson(i)));
}, 300_000);

describe('three shards as separate processes, merged', () => {
  it('each shard ran the variants whose index is its own modulo 3, and says which shard it is', () => {
    expect(shards.map((s) => [...s.variants, ...s.failed].map((v) => v.name))).toEqual([['a', 'c'], ['blowup'], ['b']]);
    expect(shards.map((s) => s.shard && [s.shard.index, s.shard.count])).toEqual([[0, 3], [1, 3], [2, 3]]);
    expect(shards[1]!.shard!.command).toBe(`hamux bench ${suiteFile} --backend cpu --shard 1/3 --out ${join(tmp, 'shards')}`);
    for (const s of shards) expect(s.suite.variants).toEqual(['a', 'blowup', 'b', 'c']);
    expect(readFileSync(shardJson(0).replace(/\.json$/, '.md'), 'utf8')).toContain('- Shard 0 of 3 (numbered from 0): variants a, c of the suite\'s 4.');
  });

  it('gives the unsharded report in every figure but the timings, the variants in the suite\'s order', () => {
    expect(merged.variants.map((v) => v.name)).toEqual(['a', 'b', 'c']);
    expect(merged.failed.map((f) => f.name)).toEqual(['blowup']);
    expect(merged.shard).toBeUndefined();
    expect(withMeasurementsOf(whole, merged)).toEqual(merged);
    // The figures that must agree are there to compare (not, say, all missing in both).
    expect(merged.variants.map((v) => v.relaxation.stepsPerSample.median)).toEqual(whole.variants.map((v) => v.relaxation.stepsPerSample.median));
    expect(merged.variants.every((v) => v.work.perStep > 0 && v.quality.kind === 'relaxation' && Number.isFinite(v.quality.finalEnergy))).toBe(true);
  });

  it('takes its date, machine and load from shard 0, sums the shards\' time, and records each shard', () => {
    expect(merged.date).toBe(shards[0]!.date);
    expect(merged.environment).toEqual(shards[0]!.environment);
    expect(merged.seconds).toBeCloseTo(shards.reduce((s, r) => s + r.seconds, 0), 12);
    expect(merged.shards!.map((r) => [r.index, r.count, r.command, r.seconds])).toEqual(shards.map((s) => [s.shard!.index, s.shard!.count, s.shard!.command, s.seconds]));
    expect(mergeOut).toContain('merged 3 shards of tiny-shards: 3 variants, 1 failed');
  });

  it('writes the same Markdown as the unsharded run would with these timings, and the same plots', () => {
    const dir = join(tmp, 'merged');
    expect(readdirSync(dir).sort()).toEqual(['tiny-shards-cpu-steps.svg', 'tiny-shards-cpu.json', 'tiny-shards-cpu.md']);
    const expected = withMeasurementsOf(whole, merged);
    const plots = reportPlots(expected);
    const command = `hamux bench --merge ${join(tmp, 'shards')} --out ${dir}`;
    const md = readFileSync(join(dir, 'tiny-shards-cpu.md'), 'utf8');
    expect(md).toBe(markdownReport(expected, plots, (p) => `tiny-shards-cpu-${p.name}.svg`, command));
    expect(md).toContain('- Merged from 3 shards;');
    expect(md).toMatch(/^ {2}- shard 1: `hamux bench .* --shard 1\/3 /m);
    expect(readFileSync(join(dir, 'tiny-shards-cpu-steps.svg'), 'utf8')).toBe(readFileSync(join(tmp, 'whole', 'tiny-shards-cpu-steps.svg'), 'utf8'));
  });
});

describe('--shard', () => {
  it('numbers shards from 0 and takes every N-th variant', () => {
    expect(parseShard('0/3', 4)).toEqual({ index: 0, count: 3 });
    expect(parseShard('2/3', 4)).toEqual({ index: 2, count: 3 });
    expect(parseShard('0/1', 1)).toEqual({ index: 0, count: 1 });
    expect([0, 1, 2, 3, 4, 5, 6].filter((i) => inShard(i, { index: 1, count: 3 }))).toEqual([1, 4]);
  });

  it('names the flag, the value and what it expected', () => {
    expect(() => parseShard('3/3', 4)).toThrow('bench: --shard "3/3": expected I/N with 0 ≤ I < N: shards are numbered from 0, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are (the last of 3 shards is 2/3)');
    for (const bad of ['', '/4', '1', '1/', 'a/3', '-1/3', '1.5/3', '1/2/3']) expect(() => parseShard(bad, 4)).toThrow(`--shard "${bad}": expected I/N with 0 ≤ I < N`);
    expect(() => parseShard('0/0', 4)).toThrow('and N ≥ 1');
    expect(() => parseShard('0/5', 4)).toThrow('--shard "0/5": the suite has 4 variants, so 5 shards would leave 1 with nothing to run; use at most 4 shards');
    expect(() => parseShard('0/3', 4)).not.toThrow();
  });

  it('refuses --only with --shard, and suite options with --merge', async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, stderrIsTTY: false };
    await expect(bench.run([suiteFile, '--shard', '0/2', '--only', 'a'], io)).rejects.toThrow('bench: --only and --shard do not go together');
    await expect(bench.run([suiteFile, '--shard', '4/4'], io)).rejects.toThrow(UsageError);
    await expect(bench.run(['--merge', join(tmp, 'shards'), '--backend', 'cpu', '--shard', '0/3'], io)).rejects.toThrow('bench: --merge does not take --backend, --shard');
    await expect(bench.run(['--merge', '--compare', 'a.json', 'b.json'], io)).rejects.toThrow('--compare and --merge do not go together');
    await expect(bench.run(['--merge'], io)).rejects.toThrow('bench: missing argument REPORT');
  });
});

describe('the suite\'s identity', () => {
  it('is the suite as it ran: not its path or key order, but its content and its configs\' content', () => {
    const base = suiteIdentity(loadSuite(suiteFile));
    expect(base.variants).toEqual(['a', 'blowup', 'b', 'c']);
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(shards[0]!.suite.hash).toBe(base.hash);
    const elsewhere = join(tmp, 'copy');
    mkdirSync(join(elsewhere, 'models'), { recursive: true });
    const reordered = Object.fromEntries(Object.entries(suite).reverse());
    writeFileSync(join(elsewhere, 'suite.json'), JSON.stringify(reordered));
    writeFileSync(join(elsewhere, 'models', 'c.json'), JSON.stringify(chain(10)));
    expect(suiteIdentity(loadSuite(join(elsewhere, 'suite.json'))).hash).toBe(base.hash);
    writeFileSync(join(elsewhere, 'models', 'c.json'), JSON.stringify(chain(11)));
    expect(suiteIdentity(loadSuite(join(elsewhere, 'suite.json'))).hash).not.toBe(base.hash);
    expect(suiteIdentity(loadSuite(suiteFile, { full: true })).hash).not.toBe(base.hash);
  });
});

describe('what --merge refuses', () => {
  const inputs = (): ReportFile[] => shards.map((s, i) => ({ file: `s${i}.json`, report: structuredClone(s) }));
  const edit = (i: number, change: (r: BenchReport) => BenchReport): ReportFile[] => inputs().map((x, j) => (j === i ? { ...x, report: change(x.report) } : x));
  const messages = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      // One problem is an InputError (exit code 1), several a HamuxErrors of them.
      expect(e instanceof HamuxErrors ? e.errors.every((x) => x instanceof InputError) : e instanceof InputError).toBe(true);
      return e instanceof HamuxErrors ? e.errors.map((x) => x.message) : [(e as Error).message];
    }
    throw new Error('expected the merge to be refused');
  };

  it('merges the three shards in any order', () => {
    expect(mergeReports(inputs().reverse()).variants.map((v) => v.name)).toEqual(['a', 'b', 'c']);
  });

  it('accepts shards run on other machines, and the Markdown names each shard\'s machine where it differs', () => {
    const other = edit(2, (r) => ({ ...r, environment: { ...r.environment, machine: { ...r.environment.machine, cpu: 'Other CPU', cores: 64 } } }));
    const m = mergeReports(other);
    expect(m.environment.machine.cpu).toBe(shards[0]!.environment.machine.cpu);
    const md = markdownReport(m, reportPlots(m), (p) => p.name, 'hamux bench --merge s0.json s1.json s2.json');
    expect(md).toMatch(/^ {2}- shard 2: .*; Other CPU, 64 cores, /m);
    expect(md).not.toMatch(/^ {2}- shard [01]: .*cores/m);
  });

  it('shards of different suites, or of the suite changed between runs', () => {
    expect(messages(() => mergeReports(edit(2, (r) => ({ ...r, suite: { ...r.suite, name: 'other', hash: '0'.repeat(64) } })))))
      .toEqual(['--merge: shards of different suites: "s0.json" is suite "tiny-shards", "s2.json" is suite "other"']);
    expect(messages(() => mergeReports(edit(1, (r) => ({ ...r, suite: { ...r.suite, hash: 'f'.repeat(64) } })))))
      .toEqual([`--merge: shards of different versions of suite "tiny-shards": the suite file or a variant's config changed between "s0.json" (suite hash ${shards[0]!.suite.hash!.slice(0, 12)}) and "s1.json" (ffffffffffff)`]);
  });

  it('shards of another size, shard count or backend', () => {
    expect(messages(() => mergeReports(edit(1, (r) => ({ ...r, size: 'full' })))))
      .toEqual(['--merge: shards of different runs (another size): "s0.json" is size "default", "s1.json" is size "full"']);
    expect(messages(() => mergeReports(edit(1, (r) => ({ ...r, shard: { ...r.shard!, count: 4 } })))))
      .toEqual(['--merge: shards of different runs (another shard count): "s0.json" is shard 0/3, "s1.json" is shard 1/4']);
    expect(messages(() => mergeReports(edit(2, (r) => ({ ...r, environment: { ...r.environment, backend: { name: 'wasm' } } })))))
      .toEqual(['--merge: shards of different runs (another backend): "s0.json" is backend "cpu", "s2.json" is backend "wasm"']);
  });

  it('a missing shard, and a shard given twice', () => {
    expect(messages(() => mergeReports(inputs().slice(0, 2)))).toEqual(['--merge: shard 2/3 is missing (given: 0/3 ("s0.json"), 1/3 ("s1.json"))']);
    expect(messages(() => mergeReports([inputs()[1]!]))).toEqual(['--merge: shards 0/3, 2/3 are missing (given: 1/3 ("s1.json"))']);
    const twice = [...inputs(), { ...inputs()[1]!, file: 'again.json' }];
    expect(messages(() => mergeReports(twice))).toEqual(['--merge: shard 1/3 is given 2 times: "s1.json", "again.json"']);
  });

  it('overlapping variants, variants out of place, and variants in no report', () => {
    expect(messages(() => mergeReports(edit(2, (r) => ({ ...r, variants: [...r.variants, shards[0]!.variants[0]!] })))))
      .toEqual(['--merge: overlapping shards: variant "a" is in both "s0.json" (shard 0/3) and "s2.json" (shard 2/3)']);
    // Moved from shard 0 to shard 2: no overlap, but not where the suite puts it.
    const moved = inputs();
    const a = moved[0]!.report.variants[0]!;
    moved[0] = { ...moved[0]!, report: { ...moved[0]!.report, variants: moved[0]!.report.variants.slice(1) } };
    moved[2] = { ...moved[2]!, report: { ...moved[2]!.report, variants: [...moved[2]!.report.variants, a] } };
    expect(messages(() => mergeReports(moved))).toEqual(['s2.json: shard 2/3 has variant "a", which is shard 0/3\'s']);
    expect(messages(() => mergeReports(edit(0, (r) => ({ ...r, variants: r.variants.slice(1) }))))).toEqual(['--merge: variant "a" is in no shard\'s report']);
    expect(messages(() => mergeReports(edit(1, (r) => ({ ...r, variants: [{ ...shards[0]!.variants[0]!, name: 'zz' }] })))))
      .toEqual(['s1.json: variant "zz" is not one of the suite\'s ("a", "blowup", "b", "c")']);
  });

  it('reports that are not shard reports, naming each file', () => {
    expect(messages(() => mergeReports([...inputs(), { file: 'whole.json', report: whole }])))
      .toEqual(['whole.json: not a shard report (it has no "shard"): shard reports are written by hamux bench SUITE --shard I/N']);
    expect(messages(() => mergeReports(edit(0, (r) => ({ ...r, shard: { index: 3, count: 3, command: '' } })))))
      .toEqual(['s0.json: "shard" must be { "index", "count", "command" } with 0 ≤ index < count, got {"index":3,"count":3,"command":""}']);
    expect(messages(() => mergeReports(edit(0, (r) => ({ ...r, suite: { name: r.suite.name, title: r.suite.title, file: r.suite.file } })))))
      .toEqual(['s0.json: "suite" must record the suite\'s "hash" and "variants" (the names of all its variants)']);
    expect(messages(() => mergeReports([]))).toEqual(['--merge: no shard reports to merge']);
  });
});

describe('hamux bench --merge, reading files', () => {
  const io = { stdout: () => undefined, stderr: () => undefined, stderrIsTTY: false };

  it('takes folders and files, reading a file reached twice once', () => {
    const read = readShards([join(tmp, 'shards'), shardJson(1)], new Files());
    expect(read.map((r) => r.file)).toEqual([0, 1, 2].map(shardJson));
    expect(read.map((r) => r.report)).toEqual(shards);
  });

  it('names a file that is missing, not JSON or not a report, and a folder without shards', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{ "format": ');
    const notReport = join(tmp, 'other.json');
    writeFileSync(notReport, '{ "format": "something-else" }');
    expect(() => readShards([join(tmp, 'none.json')], new Files())).toThrow(`cannot read report "${join(tmp, 'none.json')}": no such file`);
    expect(() => readShards([shardJson(0), bad], new Files())).toThrow(`${bad}: not valid JSON`);
    expect(() => readShards([notReport], new Files())).toThrow(`${notReport}: not a hamux bench report`);
    expect(() => readShards([join(tmp, 'models')], new Files())).toThrow(`no shard reports (<suite>-<backend>-shard-I-of-N.json) in the folder "${join(tmp, 'models')}"`);
  });

  it('writes nothing when it refuses, and leaves an earlier report as it was', async () => {
    const out = join(tmp, 'refused');
    await expect(bench.run(['--merge', shardJson(0), shardJson(2), '--out', out], io)).rejects.toThrow('shard 1/3 is missing');
    expect(existsSync(out)).toBe(false);
    const earlier = join(tmp, 'merged', 'tiny-shards-cpu.json');
    const before = readFileSync(earlier, 'utf8');
    await expect(bench.run(['--merge', join(tmp, 'shards'), join(tmp, 'whole', 'tiny-shards-cpu.json'), '--out', join(tmp, 'merged')], io)).rejects.toThrow('not a shard report');
    expect(readFileSync(earlier, 'utf8')).toBe(before);
    expect(readdirSync(join(tmp, 'merged')).sort()).toEqual(['tiny-shards-cpu-steps.svg', 'tiny-shards-cpu.json', 'tiny-shards-cpu.md']);
  });

  it('writes the merged report as the JSON an unsharded run would read back', async () => {
    const out = join(tmp, 'again');
    let printed = '';
    await bench.run(['--merge', ...[2, 1, 0].map(shardJson), '--out', out], { ...io, stdout: (t) => void (printed += t) });
    expect(printed).toContain(`wrote ${join(out, 'tiny-shards-cpu.md')}, ${join(out, 'tiny-shards-cpu.json')} and 1 plot`);
    const text = readFileSync(join(out, 'tiny-shards-cpu.json'), 'utf8');
    expect(text).toBe(reportJson(parseReport(text, 'again')));
    expect(JSON.parse(text)).toEqual(merged);
  });
});
