import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale, builtEntries, centralDiff, centralDifferences, closeAll, mulberry32, relErr, relErrPerEntry, serveStatic, uniformValues, type StaticServer } from '../src/index.js';

describe('relative errors', () => {
  it('relErr scales by the largest reference entry, relErrPerEntry by each', () => {
    expect(relErr([1, 10.5], [1, 10])).toBeCloseTo(0.5 / 11, 15);
    expect(relErrPerEntry([1.5, 10], [1, 10])).toBeCloseTo(0.5 / 2, 15);
    expect(relErrPerEntry([NaN], [1])).toBe(Infinity);
    expect(relErrPerEntry([Infinity], [Infinity])).toBe(Infinity);
    expect(() => relErr([1, 2], [1])).toThrow(/comparing 2 values with 1/);
  });
});

describe('seeded random numbers', () => {
  it('repeat for a seed and differ between seeds', () => {
    const a = mulberry32(7), b = mulberry32(7), c = mulberry32(8);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
    expect(uniformValues(5, 3)).toEqual(uniformValues(5, 3));
    expect(Array.from(uniformValues(1000, 1, 2)).every((v) => v >= -2 && v < 2)).toBe(true);
    expect(uniformValues(4, 0)).toEqual(uniformValues(4, 1));
  });
});

describe('finite differences', () => {
  it('match known derivatives', () => {
    expect(centralDiff(Math.sin, 0.3)).toBeCloseTo(Math.cos(0.3), 9);
    const g = centralDifferences((x) => x['u']![0]! * x['u']![1]! + x['v']![0]! ** 2, { u: [2, 3], v: [5] });
    expect(g['u']![0]).toBeCloseTo(3, 6);
    expect(g['u']![1]).toBeCloseTo(2, 6);
    expect(g['v']![0]).toBeCloseTo(10, 6);
  });
});

describe('serveStatic', () => {
  let dir = '';
  let server: StaticServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hamux-serve-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'index.html'), '<p>a</p>');
    writeFileSync(join(dir, 'k.wasm'), 'x');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    server = await serveStatic({ '/site/': join(dir, 'a'), '/bin/': dir });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files under their mounts, with their types, and nothing else', async () => {
    const page = await fetch(`${server.url}/site/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toBe('<p>a</p>');
    expect((await fetch(`${server.url}/bin/k.wasm`)).headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(`${server.url}/site/missing.js`)).status).toBe(404);
    // Out of a mount by an encoded slash (the URL parser keeps it; the server decodes it): refused.
    expect((await fetch(`${server.url}/site/..%2fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/bin/secret.txt`)).status).toBe(200);
    expect((await fetch(`${server.url}/other/`)).status).toBe(404);
    expect(server.requested).toContain('/site/');
  });
});

describe('closeAll', () => {
  it('runs every closer in order, even after a failure, and throws the first failure', async () => {
    const ran: string[] = [];
    const e = await closeAll(
      () => { ran.push('a'); throw new Error('first'); },
      async () => { ran.push('b'); throw new Error('second'); },
      () => ran.push('c'),
    ).catch((x: unknown) => x);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect((e as Error).message).toBe('first');
    await expect(closeAll(() => undefined)).resolves.toBeUndefined();
  });
});

describe('buildIfStale', () => {
  // A package whose entries live below src/ (like @hamux-ts/backends): an already built one must
  // not be rebuilt, since a rebuild swaps dist under tests of other workspaces that import it.
  it('reads the entries from package.json and rebuilds only when one is older than src', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hamux-build-'));
    try {
      mkdirSync(join(dir, 'packages/pkg/src/node'), { recursive: true });
      mkdirSync(join(dir, 'packages/pkg/dist/node'), { recursive: true });
      const pkg = join(dir, 'packages/pkg');
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ hamuxEntries: { node: 'src/node/index.ts' } }));
      writeFileSync(join(pkg, 'src/node/index.ts'), 'export {};');
      writeFileSync(join(pkg, 'dist/node/index.js'), 'export {};');
      expect(builtEntries(pkg)).toEqual([join(pkg, 'dist/node/index.js')]);
      utimesSync(join(pkg, 'src/node/index.ts'), 1000, 1000);
      expect(() => buildIfStale(pkg)).not.toThrow(); // fresh: the (absent) build script is not run
      utimesSync(join(pkg, 'src/node/index.ts'), new Date(), new Date(Date.now() + 60_000));
      expect(() => buildIfStale(pkg)).toThrow(); // stale: it tries to run dir/scripts/build-package.mjs
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
