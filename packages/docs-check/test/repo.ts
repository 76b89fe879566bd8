// Where things are, and how the documentation tests run their child processes.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Path relative to the root, with forward slashes, for messages. */
export const rel = (path: string): string => relative(root, path).split('\\').join('/');

/** What a child process did. */
export interface RunResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a command without a shell, collecting stdout and stderr together; never throws on a failure. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, output: `${stdout}${stderr}${error?.killed === true ? '\n(killed: timed out)' : ''}` });
      },
    );
  });
}

/** Every file under `dir` (recursively) whose name passes `keep`, skipping node_modules, dist and dot folders. */
export function walk(dir: string, keep: (name: string) => boolean, skip: readonly string[] = []): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.') || skip.includes(rel(path))) continue;
    if (statSync(path).isDirectory()) out.push(...walk(path, keep, skip));
    else if (keep(name)) out.push(path);
  }
  return out;
}

/** The Markdown files whose links are checked: the READMEs, the benchmarks' and examples' notes, and docs/ (not the generated API reference). */
export function markdownFiles(): string[] {
  const isMd = (name: string) => name.endsWith('.md');
  const readmes = (dir: string) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .map((name) => join(root, dir, name, 'README.md'))
          .filter((path) => existsSync(path))
      : [];
  return [
    join(root, 'README.md'),
    ...readmes('packages'),
    ...readmes('examples'),
    ...walk(join(root, 'benchmarks'), isMd),
    ...walk(join(root, 'docs'), isMd, ['docs/api']),
  ];
}
