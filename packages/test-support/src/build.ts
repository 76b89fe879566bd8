import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The newest modification time of any file below `dir`. */
function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }, 0);
}

/**
 * The files the build writes for a package's entry points (`hamuxEntries` in its package.json, or
 * `src/index.ts`): `src/a/b.ts` is built to `dist/a/b.js`.
 */
export function builtEntries(packageDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { hamuxEntries?: Record<string, string> };
  const sources = Object.values(pkg.hamuxEntries ?? { index: 'src/index.ts' });
  return sources.map((s) => join(packageDir, s.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js')));
}

/**
 * Builds a workspace package (the repository's `scripts/build-package.mjs`, run in its folder) when
 * any of its built entry points is missing or older than a file of its `src/`: for tests that run
 * the built package in a fresh `node`, as a user would.
 */
export function buildIfStale(packageDir: string): void {
  const newestSource = newestMtime(join(packageDir, 'src'));
  const fresh = (entry: string) => existsSync(entry) && statSync(entry).mtimeMs >= newestSource;
  if (builtEntries(packageDir).every(fresh)) return;
  const repoRoot = resolve(packageDir, '../..');
  execFileSync(process.execPath, [join(repoRoot, 'scripts/build-package.mjs')], { cwd: packageDir, stdio: 'pipe' });
}
