/** Writes a report: `<suite>-<backend>.json` (the raw numbers), `.md`, and one SVG per plot. */
import { join } from 'node:path';
import { parseJson } from '@hamux-ts/config';
import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import { imageGrid } from '@hamux-ts/data';
import { Files } from '../files.js';
import { markdownReport } from './markdown.js';
import { reportPlots, type Plot } from './plots.js';
import { REPORT_FORMAT, type BenchReport, type VariantResult } from './result.js';

export interface WrittenReport {
  readonly json: string;
  readonly markdown: string;
  readonly svgs: readonly string[];
  /** PNG pictures of restored digits (completion runs that measured them; none for a merged report). */
  readonly pngs: readonly string[];
}

/** The stem of a report's files: `<suite>-<backend>` (`-full` at full size, `-shard-I-of-N` for a shard, so that shards can share a folder). */
export function reportStem(report: BenchReport): string {
  const shard = report.shard ? `-shard-${report.shard.index}-of-${report.shard.count}` : '';
  return `${report.suite.name}-${report.environment.backend.name}${report.size === 'full' ? '-full' : ''}${shard}`;
}

/** JSON text of a report: numbers as measured, non-finite ones as null; the pictures' pixels stay out (they are the PNGs). */
export function reportJson(report: BenchReport): string {
  const variants = report.variants.map(({ pictures: _pictures, ...v }): VariantResult => v);
  return `${JSON.stringify({ ...report, variants }, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/**
 * One labelled grid per pictured quality level: the corrupted digits, each variant's restoration
 * (at convergence) and the originals, a row each.
 */
export function restoredPictures(report: BenchReport): { label: string; png: Uint8Array }[] {
  const shown = report.variants.filter((v) => v.pictures && v.pictures.length > 0);
  const first = shown[0]?.pictures;
  if (!first) return [];
  return first.map((p, k) => {
    const rows = [p.input, ...shown.map((v) => v.pictures![k]!.restored), p.clean];
    const rowLabels = [p.label.replace('σ', 'sd'), ...shown.map((v) => v.name), 'original']; // the label font has no σ
    return { label: p.label, png: imageGrid(rows, { shape: [28, 28], scale: 2, columns: p.clean.length / 784, rowLabels }) };
  });
}

export function writeReport(report: BenchReport, outDir: string, command: string): WrittenReport {
  const stem = reportStem(report);
  const plots = reportPlots(report);
  const plotFile = (p: Plot) => `${stem}-${p.name}.svg`;
  const pictures = restoredPictures(report);
  const pictureFile = (k: number) => `${stem}-restored-${k + 1}.png`;
  const files = {
    json: join(outDir, `${stem}.json`),
    markdown: join(outDir, `${stem}.md`),
    svgs: plots.map((p) => join(outDir, plotFile(p))),
    pngs: pictures.map((_, k) => join(outDir, pictureFile(k))),
  };
  const pictured = pictures.length === 0 ? '' : `\n## Restored digits\n\nThe first ${report.variants[0]!.pictures![0]!.clean.length / 784} held-out digits, corrupted, restored by each variant (at convergence) and as they were:\n\n${
    pictures.map((p, k) => `![${p.label}](${pictureFile(k)})`).join('\n\n')}\n`;
  // Staged and written together: the report's files are all new, or none is.
  const out = new Files();
  try {
    out.write(files.json, reportJson(report));
    out.write(files.markdown, markdownReport(report, plots, plotFile, command) + pictured);
    plots.forEach((p, i) => out.write(files.svgs[i]!, p.svg));
    pictures.forEach((p, i) => out.write(files.pngs[i]!, p.png));
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
