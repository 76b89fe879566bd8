/** Writes a report: `<suite>-<backend>.json` (the raw numbers), `.md`, and one SVG per plot. */
import { join } from 'node:path';
import { parseJson } from '@hamux-ts/config';
import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import { Files } from '../files.js';
import { markdownReport } from './markdown.js';
import { reportPlots, type Plot } from './plots.js';
import { REPORT_FORMAT, type BenchReport } from './result.js';

export interface WrittenReport {
  readonly json: string;
  readonly markdown: string;
  readonly svgs: readonly string[];
}

/** The stem of a report's files: `<suite>-<backend>` (`-full` at full size, `-shard-I-of-N` for a shard, so that shards can share a folder). */
export function reportStem(report: BenchReport): string {
  const shard = report.shard ? `-shard-${report.shard.index}-of-${report.shard.count}` : '';
  return `${report.suite.name}-${report.environment.backend.name}${report.size === 'full' ? '-full' : ''}${shard}`;
}

/** JSON text of a report: numbers as measured, non-finite ones as null. */
export function reportJson(report: BenchReport): string {
  return `${JSON.stringify(report, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

export function writeReport(report: BenchReport, outDir: string, command: string): WrittenReport {
  const stem = reportStem(report);
  const plots = reportPlots(report);
  const plotFile = (p: Plot) => `${stem}-${p.name}.svg`;
  const files = {
    json: join(outDir, `${stem}.json`),
    markdown: join(outDir, `${stem}.md`),
    svgs: plots.map((p) => join(outDir, plotFile(p))),
  };
  // Staged and written together: the report's files are all new, or none is.
  const out = new Files();
  try {
    out.write(files.json, reportJson(report));
    out.write(files.markdown, markdownReport(report, plots, plotFile, command));
    plots.forEach((p, i) => out.write(files.svgs[i]!, p.svg));
    out.commit();
  } catch (e) {
    throw new HamuxError(['--out'], `cannot write the report into "${outDir}": ${(e as Error).message}`, 'io');
  }
  return files;
}

/** Reads a report back from its JSON text, checking it is one. */
export function parseReport(text: string, file: string): BenchReport {
  let data: unknown;
  try {
    data = parseJson(text);
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    const inFile = (x: HamuxError) => new HamuxError([file], x.message, x.code);
    throw e instanceof HamuxErrors ? new HamuxErrors(e.errors.map(inFile)) : inFile(e);
  }
  const r = data as Partial<BenchReport> | null;
  if (typeof r !== 'object' || r === null || r.format !== REPORT_FORMAT) {
    throw new HamuxError([file], `not a hamux bench report (expected "format": "${REPORT_FORMAT}")`, 'invalid_file');
  }
  if (!Array.isArray(r.variants) || typeof r.environment !== 'object' || typeof r.suite !== 'object') {
    throw new HamuxError([file], 'a bench report needs "suite", "environment" and "variants"', 'invalid_file');
  }
  return r as BenchReport;
}
