import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The newest modification time of any file below `dir`. */
function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }, 0);
}

/**
 * Builds a workspace package (the repository's `scripts/build-package.mjs`, run in its folder) when
 * its `dist/index.js` is missing or older than any file of its `src/`: for tests that run the built
 * package in a fresh `node`, as a user would.
 */
export function buildIfStale(packageDir: string): void {
  const entry = join(packageDir, 'dist/index.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(packageDir, 'src'))) return;
  const repoRoot = resolve(packageDir, '../..');
  execFileSync(process.execPath, [join(repoRoot, 'scripts/build-package.mjs')], { cwd: packageDir, stdio: 'pipe' });
}
