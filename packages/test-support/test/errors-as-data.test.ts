// Errors as data (issue 14, item 6): every error the packages throw is a `HamuxError` (or a subclass)
// with an explicit `code`. This scans the source of every package, parsed with TypeScript's own
// parser (so comments, strings and calls over several lines are read as code reads them), for:
//   - a bare `new Error(…)`, `new RangeError(…)` or `new TypeError(…)`;
//   - a class that `extends Error`, `RangeError` or `TypeError` (other than `HamuxError` itself);
//   - a `new HamuxError(path, message)` that leaves its code to the default.
// A check that can fire only on a bug, never on what a user passes, may stay a plain error when it
// says so with `// internal invariant` on its line (or the line before).
// (It lives here, in the package every other one is tested with; its turbo.json makes every
// package's src an input of this test, so a change anywhere runs it again.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PACKAGES = join(ROOT, 'packages');
const MARK = '// internal invariant';
const BARE = new Set(['Error', 'RangeError', 'TypeError']);

/**
 * Not public API, and not able to use `HamuxError`: the private test tooling, which `@hamux-ts/core`
 * itself is tested with (so it cannot depend on core). Its errors reach only our own tests.
 */
const NOT_PUBLIC: readonly string[] = ['packages/test-support/src/chromium.ts', 'packages/test-support/src/errors.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.(test|d)\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every package's `src/**` as paths from the repository root. */
function allSources(): string[] {
  return readdirSync(PACKAGES)
    .map((p) => join(PACKAGES, p, 'src'))
    .filter((src) => statSync(src, { throwIfNoEntry: false })?.isDirectory())
    .flatMap(sourceFiles)
    .map((f) => relative(ROOT, f).split('\\').join('/'))
    .sort();
}

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

function findings(file: string): Finding[] {
  return findingsIn(file, readFileSync(join(ROOT, file), 'utf8'));
}

function findingsIn(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const lines = text.split('\n');
  const out: Finding[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line;
  const marked = (node: ts.Node) => {
    const first = lineOf(node);
    const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
    return lines.slice(Math.max(0, first - 1), last + 1).some((l) => l.includes(MARK));
  };
  const report = (node: ts.Node, what: string) => {
    if (!marked(node)) out.push({ file, line: lineOf(node) + 1, what });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
      const name = node.expression.text;
      if (BARE.has(name)) report(node, `new ${name}(…)`);
      if (name === 'HamuxError' && (node.arguments?.length ?? 0) < 3) report(node, 'new HamuxError(…) without a code');
    }
    if (ts.isClassLike(node)) {
      for (const clause of node.heritageClauses ?? []) {
        for (const t of clause.types) {
          const base = t.expression.getText(source);
          const isHamuxError = node.name?.text === 'HamuxError' && file === 'packages/core/src/errors.ts';
          if (clause.token === ts.SyntaxKind.ExtendsKeyword && BARE.has(base) && !isHamuxError) report(node, `class extends ${base}`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const show = (f: Finding) => `${f.file}:${f.line}: ${f.what}`;

describe('errors as data', () => {
  const files = allSources();
  const all = files.flatMap(findings);

  it('scans every package', () => {
    const packages = new Set(files.map((f) => f.split('/')[1]));
    for (const p of ['core', 'dynamics', 'config', 'data', 'cli', 'backends', 'browser', 'playground', 'kernels', 'train', 'test-support']) {
      expect(packages, p).toContain(p);
    }
    expect(files).toContain('packages/core/src/lagrangians/elementwise.ts');
    expect(files).toContain('packages/core/src/host/step.ts');
  });

  it('throws no bare Error, RangeError or TypeError, and gives every HamuxError its code', () => {
    const skipped = new Set(NOT_PUBLIC);
    expect(all.filter((f) => !skipped.has(f.file)).map(show)).toEqual([]);
  });

  it('exempts only files that still throw plain errors', () => {
    const open = new Set(all.map((f) => f.file));
    const stale = NOT_PUBLIC.filter((f) => !open.has(f));
    expect(stale, 'clean now: remove from NOT_PUBLIC').toEqual([]);
  });

  it('finds what it looks for, and only that', () => {
    const probe = [
      "throw new RangeError('a');",
      'const e = new Error(`b`);',
      "throw new HamuxError('x', 'y');",
      "throw new HamuxError(['x'], 'y', 'unknown_name');",
      "throw new TypeError('c'); // internal invariant",
      '// internal invariant: only a bug gets here',
      "throw new Error('d');",
      'class Mine extends Error {}',
      "const s = 'new Error(in a string)'; // new Error( in a comment",
      'throw new HamuxError(',
      "  ['x'],",
      "  'y',",
      ');',
    ].join('\n');
    expect(findingsIn('probe.ts', probe).map((f) => `${f.line}: ${f.what}`)).toEqual([
      '1: new RangeError(…)',
      '2: new Error(…)',
      '3: new HamuxError(…) without a code',
      '8: class extends Error',
      '10: new HamuxError(…) without a code',
    ]);
  });
});
