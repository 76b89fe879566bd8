/**
 * The inputs of `hamux bench --merge`: report files, and folders standing for the shard reports
 * they hold (`<suite>-<backend>-shard-I-of-N.json`, as `--shard` names them). A file reached twice
 * (a folder and one of its files) is read once.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { Files } from '../files.js';
import type { ReportFile } from './merge.js';
import { parseReport } from './write-report.js';

/** The name `reportStem` gives a shard's JSON report. */
export const SHARD_FILE = /-shard-\d+-of-\d+\.json$/;

/** The report files `paths` stand for: each file as given, each folder's shard reports by name. */
export function shardPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    let real = file;
    try {
      real = realpathSync(file);
    } catch {
      /* missing: reading it says so */
    }
    if (!seen.has(real)) out.push(file);
    seen.add(real);
  };
  for (const path of paths) {
    let folder = false;
    try {
      folder = statSync(path).isDirectory();
    } catch {
      /* not there: reading it says so */
    }
    if (!folder) {
      add(path);
      continue;
    }
    const found = readdirSync(path).filter((n) => SHARD_FILE.test(n)).sort();
    if (found.length === 0) throw new InputError([], `no shard reports (<suite>-<backend>-shard-I-of-N.json) in the folder "${path}"`, 'io');
    for (const n of found) add(join(path, n));
  }
  return out;
}

/** Reads and parses every report `paths` stand for (see `shardPaths`); a problem names its file. */
export function readShards(paths: readonly string[], files: Files): ReportFile[] {
  return shardPaths(paths).map((file) => ({ file, report: parseReport(new TextDecoder().decode(files.read(file, 'report')), file) }));
}
