// What a registry needs from every publishable package (those not marked private): a licence with
// its LICENSE file, the repository and folder, the Node versions, entry points with their types, the
// files to ship; and sibling packages depended on at the one version they all share.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: { type: string; url: string; directory: string };
  engines?: { node?: string };
  type?: string;
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Manifest & { workspaces: string[] };
const all = readdirSync(join(repo, 'packages'))
  .filter((d) => existsSync(join(repo, 'packages', d, 'package.json')))
  .map((d) => ({ dir: d, m: JSON.parse(readFileSync(join(repo, 'packages', d, 'package.json'), 'utf8')) as Manifest }));
const publishable = all.filter(({ m }) => m.private !== true);
const workspaceNames = new Set(all.map(({ m }) => m.name));

/** Every object of an exports map (the map itself and each set of conditions), at any depth. */
function conditions(value: unknown): Record<string, unknown>[] {
  if (value === null || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  return [o, ...Object.values(o).flatMap(conditions)];
}

describe('publishable packages', () => {
  it('are the twelve, the root is not one of them', () => {
    expect(publishable.map(({ m }) => m.name).sort()).toEqual([
      '@hamux-ts/backends', '@hamux-ts/browser', '@hamux-ts/cli', '@hamux-ts/config', '@hamux-ts/core', '@hamux-ts/data',
      '@hamux-ts/dynamics', '@hamux-ts/kernels', '@hamux-ts/plot', '@hamux-ts/torch', '@hamux-ts/train', 'hamux-ts',
    ]);
    expect(root.private).toBe(true);
    expect(root.name).not.toBe('hamux-ts');
  });

  for (const { dir, m } of publishable) {
    it(`${m.name}: licence, repository, engines, exports with types, files`, () => {
      expect(m.license).toBe('MIT');
      expect(readFileSync(join(repo, 'packages', dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(repo, 'LICENSE'), 'utf8'));
      expect(m.repository).toMatchObject({ type: 'git', directory: `packages/${dir}` });
      expect(m.engines?.node).toBe(root.engines?.node);
      expect(m.type).toBe('module');
      expect(m.files?.length).toBeGreaterThan(0);
      expect(m.exports).toBeDefined();
      // Every entry point with code has its declarations, listed first; a library has one at least.
      const entries = conditions(m.exports).filter((c) => typeof (c['import'] ?? c['default']) === 'string');
      if (m.bin === undefined) expect(entries.length).toBeGreaterThan(0);
      for (const c of entries) {
        const keys = Object.keys(c);
        expect(keys).toContain('types');
        expect(keys.indexOf('types')).toBeLessThan(keys.indexOf('import' in c ? 'import' : 'default'));
      }
      for (const file of Object.values(m.bin ?? {})) expect(existsSync(join(repo, 'packages', dir, file)), file).toBe(true);
    });
  }

  it('depend on their siblings at the version they all share', () => {
    const versions = new Set(publishable.map(({ m }) => m.version));
    expect([...versions]).toHaveLength(1);
    const [version] = [...versions];
    for (const { m } of all)
      for (const [dep, range] of Object.entries({ ...m.dependencies, ...m.devDependencies }))
        if (workspaceNames.has(dep)) expect(range, `${m.name} → ${dep}`).toBe(version);
  });
});
