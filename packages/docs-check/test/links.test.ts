// Every relative link and figure in the Markdown (the READMEs, benchmarks' and examples' notes,
// docs/) points at a file or folder that exists, and a `#anchor` into a Markdown file names one
// of its headings. Links to the web are not fetched (the tests run offline).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, links, slug } from './markdown.js';
import { markdownFiles, rel, root } from './repo.js';

const external = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  for (const { target, line } of links(text)) {
    if (external.test(target)) continue;
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
    const where = `${rel(file)}:${line}: ${target}`;
    const path = pathPart === '' ? file : pathPart.startsWith('/') ? join(root, pathPart) : resolve(dirname(file), pathPart);
    if (!existsSync(path)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (!path.startsWith(root)) problems.push(`${where}: outside the repository`);
    if (anchor === null || anchor === '' || !path.endsWith('.md') || statSync(path).isDirectory()) continue;
    if (!anchors(readFileSync(path, 'utf8')).has(anchor)) problems.push(`${where}: no heading with anchor #${anchor}`);
  }
  return problems;
}

describe('links in the Markdown', () => {
  const files = markdownFiles();

  it('covers the READMEs and docs/', () => {
    const names = files.map(rel);
    expect(names).toContain('README.md');
    expect(names).toContain('packages/core/README.md');
    expect(names).toContain('docs/math.md');
    expect(names.some((n) => n.startsWith('docs/guides/'))).toBe(true);
  });

  for (const file of files)
    it(`${rel(file)}: every relative link and figure resolves`, () => {
      expect(brokenLinks(file)).toEqual([]);
    });

  it('anchors follow GitHub: code, punctuation and case dropped', () => {
    expect(slug('The `hamux` command')).toBe('the-hamux-command');
    expect(slug('6. Learning')).toBe('6-learning');
    expect(slug('Dependencies and what each is for')).toBe('dependencies-and-what-each-is-for');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });

  it('finds links outside code only', () => {
    const text = 'see [a](x.md#b) and ![fig](y.svg)\n`[no](z.md)`\n```\n[no](w.md)\n```\n[ref]: r.md\n';
    expect(links(text).map((l) => l.target)).toEqual(['x.md#b', 'y.svg', 'r.md']);
  });
});
