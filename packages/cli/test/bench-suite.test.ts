// Suite files of `hamux bench`: the schema, variant configs read from files or inline, and every
// problem reported with its path inside the suite (or inside the config it points to).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HamuxErrors } from '@hamux-ts/core';
import { checkSuite, deepMerge, loadSuite, substitute, variantConfig } from '../src/bench/load-suite.js';
import { suiteJsonSchema } from '../src/bench/suite-schema.js';

const root = resolve(import.meta.dirname, '../../..');
const suitesDir = join(root, 'benchmarks/suites');
const tmp = mkdtempSync(join(tmpdir(), 'hamux-bench-suite-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = {
  layers: { a: { shape: [4], lagrangian: { kind: 'identity' } }, b: { shape: [3], lagrangian: { kind: 'tanh' }, tau: 0.5 } },
  synapses: { s: { kind: 'dense', connects: ['a', 'b'] } },
  seed: 0,
};
const suite = (over: Record<string, unknown> = {}) => ({
  name: 'tiny',
  title: 'Tiny',
  seed: 1,
  task: { kind: 'relaxation' },
  variants: [{ name: 'one', config: tiny }],
  ...over,
});

/** The messages of what `f` throws, one per problem. */
function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof HamuxErrors) return e.errors.map((x) => x.message);
    if (e instanceof Error) return [e.message];
  }
  return [];
}

describe('suite files', () => {
  it('accepts a minimal suite and fills in the protocol', () => {
    const s = checkSuite(suite(), 'x.json');
    expect(s.suite.protocol).toEqual({ runs: 3, warmup: 1, batch: 32, maxSteps: 300 });
    expect(s.variants[0]!.origin).toBe('inline');
  });

  it('reads configs relative to the suite file, and names the file in its problems', () => {
    mkdirSync(join(tmp, 'suites/models'), { recursive: true });
    writeFileSync(join(tmp, 'suites/models/good.json'), JSON.stringify(tiny));
    writeFileSync(join(tmp, 'suites/models/bad.json'), JSON.stringify({ ...tiny, layers: { ...tiny.layers, b: { ...tiny.layers.b, tau: -1 } } }));
    const file = join(tmp, 'suites/s.json');
    writeFileSync(file, JSON.stringify(suite({ variants: [{ name: 'good', config: 'models/good.json' }] })));
    expect(loadSuite(file).variants[0]!.source).toEqual(tiny);
    writeFileSync(file, JSON.stringify(suite({ variants: [{ name: 'bad', config: 'models/bad.json' }, { name: 'gone', config: 'models/missing.json' }] })));
    const p = problems(() => loadSuite(file));
    expect(p).toHaveLength(2);
    expect(p[0]).toBe(`${file}: variants[0].config ("models/bad.json").layers.b.tau: expected a positive number, got -1`);
    expect(p[1]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: variants\\[1\\]\\.config: cannot read config ".*missing\\.json": no such file$`));
  });

  it('reports every problem at once, each at its path inside the suite', () => {
    const bad = suite({
      protocol: { runs: 0, runz: 3 },
      task: { kind: 'relaxation', initStd: -1 },
      variants: [
        { name: 'one', config: tiny },
        { name: 'one', config: { ...tiny, synapses: { s: { kind: 'dense', connects: ['a', 'c'] } } } },
        { name: 'two', config: tiny, scheduler: { mode: 'fast' } },
      ],
    });
    const p = problems(() => checkSuite(bad, 's.json'));
    expect(p).toContain('s.json: protocol: unknown key "runz" (expected: runs, warmup, batch, maxSteps, tolerance, checkEvery)');
    expect(p).toContain('s.json: protocol.runs: expected a positive integer, got 0');
    expect(p).toContain('s.json: task.initStd: expected a positive number, got -1');
    // the variant checks run once the suite itself is valid
    const q = problems(() => checkSuite({ ...bad, protocol: {}, task: { kind: 'relaxation' } }, 's.json'));
    expect(q).toEqual(['s.json: variants[1].name: variant name "one" is already used by variants[0]']);
    const r = problems(() => checkSuite({ ...bad, protocol: {}, task: { kind: 'relaxation' }, variants: bad['variants'].map((v: { name: string }, i: number) => ({ ...v, name: `v${i}` })) }, 's.json'));
    expect(r).toEqual([
      's.json: variants[1].config.synapses.s.connects[1]: unknown layer "c" (layers are "a", "b")',
      's.json: variants[2].scheduler.mode: expected "adaptive" or "fixed", got "fast"',
    ]);
  });

  it('names unknown task kinds and checks the "full" values even without --full', () => {
    expect(problems(() => checkSuite(suite({ task: { kind: 'sorting' } }), 's.json'))).toEqual([
      's.json: task.kind: unknown task kind "sorting" (expected one of: completion, capacity, relaxation)',
    ]);
    expect(problems(() => checkSuite(suite({ full: { protocol: { batch: 0 } } }), 's.json'))).toEqual([
      's.json: protocol.batch: expected a positive integer, got 0 (with the "full" values merged in)',
    ]);
    const full = checkSuite(suite({ protocol: { runs: 2, batch: 4 }, full: { protocol: { batch: 64 } } }), 's.json', { full: true });
    expect(full.suite.protocol.runs).toBe(2);
    expect(full.suite.protocol.batch).toBe(64);
  });

  it('fills "$N" and "$K" of capacity configs, and checks them at the task\'s N and load', () => {
    const capacity = suite({
      task: { kind: 'capacity', features: 8, load: 4, flips: [0] },
      variants: [{ name: 'c', config: { preset: 'denseAssociativeMemory', options: { features: '$N', memories: '$K', degree: 2 } }, store: { param: 'synapses.memory.xi' } }],
    });
    const s = checkSuite(capacity, 's.json');
    const config = variantConfig(s.variants[0]!, { N: 8, K: 5 });
    expect(config.layers['visible']!.shape).toEqual([8]);
    expect((config.synapses['memory'] as { memories: number }).memories).toBe(5);
    expect(substitute({ a: ['$N', '$X', 3] }, { N: 2 })).toEqual({ a: [2, '$X', 3] });
  });

  it('merges objects key by key and replaces everything else', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: 2 });
    expect(deepMerge({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});

describe('the shipped suites', () => {
  const files = readdirSync(suitesDir).filter((f) => f.endsWith('.json') && f !== 'suite.schema.json');
  it('are the three of the issue, and the completion suite trained at the fixed point', () => {
    expect(files.sort()).toEqual(['capacity.json', 'mnist-completion-fixed-point.json', 'mnist-completion.json', 'stiffness.json']);
    const fixed = loadSuite(join(suitesDir, 'mnist-completion-fixed-point.json')).suite.task;
    expect(fixed.kind === 'completion' && fixed.train.fixedPoint?.method).toBe('implicit');
  });
  for (const f of files) {
    it(`${f} is valid at default and full size`, () => {
      const file = join(suitesDir, f);
      expect(loadSuite(file).variants.length).toBeGreaterThan(1);
      expect(loadSuite(file, { full: true }).full).toBe(true);
    });
  }

  it('the committed JSON Schema is the generated one', () => {
    expect(JSON.parse(readFileSync(join(suitesDir, 'suite.schema.json'), 'utf8'))).toEqual(suiteJsonSchema());
  });
});
