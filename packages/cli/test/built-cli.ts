// The built `hamux` as a user runs it (`node dist/cli.js …`), shared by the tests that run it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const pkg = resolve(import.meta.dirname, '..');
/** The repository root. */
export const root = resolve(pkg, '../..');
/** The built command. */
export const distCli = join(pkg, 'dist/cli.js');

/** What a run of the command gave. */
export interface Result { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/** `hamux(...args)`: runs the built command, killing it after `timeout` ms. */
export function hamuxRunner(timeout: number): (...args: string[]) => Result {
  return (...args) => {
    const r = spawnSync(process.execPath, [distCli, ...args], { encoding: 'utf8', timeout });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** Builds the command from the current sources (always), and the packages it needs first when they were never built. */
export function buildCli(): void {
  const build = (dir: string) => execFileSync(process.execPath, [join(root, 'scripts/build-package.mjs')], { cwd: join(root, 'packages', dir), stdio: 'pipe' });
  for (const dep of ['core', 'dynamics', 'config']) if (!existsSync(join(root, 'packages', dep, 'dist/index.js'))) build(dep);
  build('cli');
}
