// The code blocks of the READMEs and docs/ run, as doctests do, so they cannot go stale.
//
// The convention, for every fenced block in README.md, packages/*/README.md and docs/**/*.md:
//   ```ts        type-checks (strict, the workspace's settings, against the packages' sources) and
//                runs with tsx against the built workspace packages ('@hamux-ts/…' imports)
//   ```sh        runs with bash -euo pipefail in an empty folder where configs/ and benchmarks/ are
//                the repository's (read them; write elsewhere, e.g. `hamux bench --out DIR`) and
//                `hamux` / `npx hamux` is the workspace's command (npx reaches nothing else)
//   ```json      parses; a config (one with "layers" or "preset") builds with buildFromConfig
//   ```ts no-run, ```sh no-run, ```json no-run: shown, not run (fragments, synopses with
//                placeholders, installs, the test suite itself, long jobs)
// Blocks in other languages (text, plain ```) are not touched.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFromConfig } from '@hamux-ts/config';
import { codeBlocks, type CodeBlock } from './markdown.js';
import { markdownFiles, rel, root, run } from './repo.js';

const languages: Record<string, 'ts' | 'sh' | 'json'> = {
  ts: 'ts', typescript: 'ts', sh: 'sh', bash: 'sh', shell: 'sh', json: 'json',
};
const documents = markdownFiles().filter((f) => !rel(f).startsWith('benchmarks/') && !rel(f).startsWith('examples/'));

const scratch = mkdtempSync(join(tmpdir(), 'hamux-doctest-'));
const shims = join(scratch, 'bin');
const doctestDir = join(import.meta.dirname, '..', '.doctest');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

mkdirSync(shims, { recursive: true });
mkdirSync(doctestDir, { recursive: true });
const cli = [join(root, 'packages/cli/bin/hamux.js'), join(root, 'packages/cli/dist/cli.js')].find((p) => existsSync(p));
writeFileSync(join(shims, 'hamux'), `#!/bin/sh\nexec "${process.execPath}" "${cli ?? 'missing-hamux-cli'}" "$@"\n`, { mode: 0o755 });
writeFileSync(
  join(shims, 'npx'),
  `#!/bin/sh\nif [ "$1" = hamux ]; then shift; exec hamux "$@"; fi\necho "doctest: only 'npx hamux' runs in a README block; mark the block no-run" >&2\nexit 127\n`,
  { mode: 0o755 },
);
// tsx reads this instead of the workspace's tsconfig, whose paths point at the packages' sources.
writeFileSync(
  join(doctestDir, 'tsconfig.json'),
  JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
);

/** A fresh folder in which `configs/` and `benchmarks/` are the repository's, as from the repository root. */
function workdir(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const shared of ['configs', 'benchmarks']) symlinkSync(join(root, shared), join(dir, shared));
  return dir;
}

const env = { ...process.env, PATH: `${shims}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1', FORCE_COLOR: '0' };

async function runBlock(file: string, block: CodeBlock, kind: 'ts' | 'sh' | 'json'): Promise<void> {
  const name = `${rel(file).replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}`;
  if (kind === 'json') {
    const value: unknown = JSON.parse(block.code);
    if (typeof value === 'object' && value !== null && ('layers' in value || 'preset' in value))
      buildFromConfig(value).dispose();
    return;
  }
  const cwd = workdir(name);
  const result =
    kind === 'sh'
      ? await run('bash', ['-euo', 'pipefail', '-c', block.code], { cwd, env })
      : await (() => {
          const script = join(doctestDir, `${name}.mts`);
          writeFileSync(script, block.code);
          return run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), script], {
            cwd,
            env: { ...env, TSX_TSCONFIG_PATH: join(doctestDir, 'tsconfig.json') },
          });
        })();
  if (result.code !== 0) throw new Error(`${rel(file)}:${block.line} (${kind}) exited ${result.code}:\n${result.output.slice(-4000)}`);
}

/** Every runnable block of one language, with where it is. */
function runnable(lang: 'ts' | 'sh' | 'json'): { file: string; block: CodeBlock }[] {
  return documents.flatMap((file) =>
    codeBlocks(readFileSync(file, 'utf8'))
      .filter((block) => languages[block.lang] === lang && !block.flags.includes('no-run'))
      .map((block) => ({ file, block })),
  );
}

describe('code blocks in the READMEs and docs/', () => {
  it('the ts blocks type-check with the workspace\'s strict settings', async () => {
    const dir = join(doctestDir, 'typecheck');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const { file, block } of runnable('ts'))
      writeFileSync(join(dir, `${rel(file).replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}.mts`), block.code);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(root, 'configs/tsconfig.base.json'), compilerOptions: { noEmit: true }, include: ['*.mts'] }),
    );
    const { code, output } = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir });
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('finds the README blocks', () => {
    const blocks = codeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(blocks.filter((b) => b.lang === 'ts' && !b.flags.includes('no-run')).length).toBeGreaterThan(0);
    expect(blocks.filter((b) => b.lang === 'sh' && !b.flags.includes('no-run')).length).toBeGreaterThan(0);
  });

  for (const file of documents)
    for (const block of codeBlocks(readFileSync(file, 'utf8'))) {
      const kind = languages[block.lang];
      if (kind === undefined || block.flags.includes('no-run')) continue;
      it(`${rel(file)}:${block.line} (${block.lang}) runs`, async () => {
        await runBlock(file, block, kind);
      });
    }
});
