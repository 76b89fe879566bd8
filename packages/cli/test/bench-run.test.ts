// The protocol of `hamux bench` on small synthetic suites (cpu backend, seconds): the timed
// relaxation and its counts, capacity against an independent energy computation, MNIST completion
// against independently computed errors, the report files, --compare, and no tensors left behind.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFromConfig } from '@hamux-ts/config';
import { HamuxError, deriveKey, tf } from '@hamux-ts/core';
import { loadStandardMnist, randomBipolar } from '@hamux-ts/data';
import { bench } from '../src/commands/bench.js';
import { compareReports, comparisonText } from '../src/bench/compare.js';
import { checkSuite } from '../src/bench/load-suite.js';
import type { BenchReport } from '../src/bench/result.js';
import { runSuite } from '../src/bench/run-suite.js';
import { stableCount, storePatterns } from '../src/bench/tasks/capacity.js';
import { completionData, corrupt } from '../src/bench/tasks/completion.js';
import { missingKernel } from '../src/bench/train.js';
import { parseReport, reportJson, reportStem, writeReport } from '../src/bench/write-report.js';
import { InputError, UsageError } from '../src/errors.js';
import { blowup, chain } from './tiny-configs.js';

const runtime = { backend: 'cpu' as const, report: { chosen: 'cpu', tried: [{ name: 'cpu', ok: true }] } }; // tfjs ops: no fast kernels
const tmp = mkdtempSync(join(tmpdir(), 'hamux-bench-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const relaxationSuite = {
  name: 'tiny-relax',
  title: 'Tiny relaxation',
  seed: 5,
  task: { kind: 'relaxation' },
  protocol: { runs: 2, warmup: 1, batch: 3, maxSteps: 400, tolerance: { grad: 1e-2 } },
  variants: [
    { name: 'fast', config: chain(1), tags: { ratio: 1 } },
    { name: 'slow', config: chain(10), tags: { ratio: 10 } },
  ],
  plots: [{ name: 'steps', x: 'ratio', y: 'steps' }],
};

let report: BenchReport;
let tensorsBefore: number;
let tensorsAfterFirst: number;
beforeAll(async () => {
  tensorsBefore = tf.memory().numTensors;
  report = await runSuite(checkSuite(relaxationSuite, 'tiny.json'), { runtime, date: new Date('2026-01-02T03:04:05Z') });
  tensorsAfterFirst = tf.memory().numTensors;
}, 120_000);

describe('the protocol, on a relaxation suite', () => {
  it('leaves no tensor behind, and a second run leaves none either', async () => {
    expect(tensorsAfterFirst).toBe(tensorsBefore);
    await runSuite(checkSuite(relaxationSuite, 'tiny.json'), { runtime });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('times `runs` relaxations of the batch and reports steps per sample', () => {
    expect(report.variants.map((v) => v.name)).toEqual(['fast', 'slow']);
    for (const v of report.variants) {
      const r = v.relaxation;
      expect(r.runsMs).toHaveLength(2);
      expect(r.wallMs.min).toBeLessThanOrEqual(r.wallMs.median);
      expect(r.wallMs.median).toBeLessThanOrEqual(r.wallMs.max);
      expect(r.batch).toBe(3);
      expect(r.stepsPerSample.max).toBe(r.batchSteps);
      expect(r.converged).toBe(3);
      expect(r.evaluator).toBe('HAM.energyAndDEdxhat');
      expect(Object.values(r.reasons).reduce((a, b) => a + b, 0)).toBe(3);
      expect(v.params).toBe(6 * 4 + 1); // W, and the tanh layer's β
      expect(v.paramBytes).toBe(4 * 25);
    }
    // a slower input layer takes more steps to the same end point
    expect(report.variants[1]!.relaxation.stepsPerSample.median).toBeGreaterThan(report.variants[0]!.relaxation.stepsPerSample.median);
  });

  it('counts the work of a step from its kernels: at least the graph\'s three matrix products', () => {
    for (const v of report.variants) {
      expect(v.work.graph).toBeGreaterThanOrEqual(3 * 2 * 3 * 6 * 4);
      expect(v.work.perStep).toBeGreaterThan(v.work.graph);
      expect(v.work.kernelsPerStep).toBeGreaterThan(0);
      expect(v.work.peakBytes).toBeGreaterThan(0);
    }
  });

  it('is the same numbers again from the same seed (bar the timings)', async () => {
    const again = await runSuite(checkSuite(relaxationSuite, 'tiny.json'), { runtime, only: ['slow'] });
    expect(again.variants).toHaveLength(1);
    expect(again.variants[0]!.relaxation.stepsPerSample).toEqual(report.variants[1]!.relaxation.stepsPerSample);
    expect(again.variants[0]!.work).toEqual(report.variants[1]!.work);
    expect(again.variants[0]!.quality).toEqual(report.variants[1]!.quality);
  });

  it('names an unknown variant of --only', async () => {
    await expect(runSuite(checkSuite(relaxationSuite, 'tiny.json'), { runtime, only: ['nope'] })).rejects.toThrow('--only: unknown variant "nope" (variants are "fast", "slow")');
  });
});

describe('a variant that diverges', () => {
  it('is reported as failed while the others are measured', async () => {
    // Two identity layers coupled by W = 3: E = ½a² + ½b² − 3ab is unbounded below, so descent runs off to infinity.
    const before = tf.memory().numTensors;
    const r = await runSuite(checkSuite({ ...relaxationSuite, protocol: { ...relaxationSuite.protocol, maxSteps: 5000 }, variants: [{ name: 'blowup', config: blowup }, relaxationSuite.variants[0]] }, 'd.json'), { runtime });
    expect(r.variants.map((v) => v.name)).toEqual(['fast']);
    expect(r.failed.map((f) => f.name)).toEqual(['blowup']);
    expect(r.failed[0]!.error).toMatch(/diverged/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('report files', () => {
  it('writes JSON that reads back as the report, Markdown with every variant, and the plots', () => {
    const dir = join(tmp, 'out');
    const files = writeReport(report, dir, 'hamux bench tiny.json --backend cpu');
    expect(files.json).toBe(join(dir, 'tiny-relax-cpu.json'));
    expect(reportStem(report)).toBe('tiny-relax-cpu');
    const back = parseReport(readFileSync(files.json, 'utf8'), files.json);
    expect(back).toEqual(JSON.parse(reportJson(report)));
    expect(back.environment.backend.name).toBe('cpu');
    expect(back.environment.node).toBe(process.version);
    expect(back.environment.tfjs).toBe(tf.version_core);
    expect(back.seed).toBe(5);
    expect(back.date).toBe('2026-01-02T03:04:05.000Z');
    const md = readFileSync(files.markdown, 'utf8');
    for (const v of report.variants) expect(md).toMatch(new RegExp(`^\\| ${v.name} \\| 6 — 4 \\| 25 \\|`, 'm'));
    expect(md).toContain('hamux bench tiny.json --backend cpu');
    expect(md).toContain('Load average');
    expect(files.svgs).toEqual([join(dir, 'tiny-relax-cpu-steps.svg')]);
    expect(readFileSync(files.svgs[0]!, 'utf8').startsWith('<svg')).toBe(true);
  });

  it('refuses a file that is not a report', () => {
    expect(() => parseReport('{"format":"other"}', 'x.json')).toThrow('x.json: not a hamux bench report');
    expect(() => parseReport('{', 'x.json')).toThrow('x.json: not valid JSON');
  });
});

describe('--compare', () => {
  const slower = (): BenchReport => {
    const b = JSON.parse(reportJson(report)) as BenchReport;
    return {
      ...b,
      environment: { ...b.environment, backend: { name: 'wasm' } },
      variants: b.variants.map((v) => ({ ...v, relaxation: { ...v.relaxation, wallMs: { ...v.relaxation.wallMs, median: 2 * v.relaxation.wallMs.median }, msPerStep: 2 * v.relaxation.msPerStep } })),
    };
  };

  it('gives the ratios B / A and what differs', () => {
    const c = compareReports(report, slower());
    expect(c.differences).toContain('backend: cpu → wasm');
    expect(c.ratios.map((r) => r.variant)).toEqual(['fast', 'slow']);
    for (const r of c.ratios) {
      expect(r.wallMs).toBeCloseTo(2, 12);
      expect(r.msPerStep).toBeCloseTo(2, 12);
      expect(r.steps).toBe(1);
      expect(r.flopsPerStep).toBe(1);
      expect(r.quality).toBe(1);
    }
    const text = comparisonText(report, slower(), 'a.json', 'b.json');
    expect(text).toMatch(/^fast\s+2\.00×\s+2\.00×\s+1\.00×/m);
  });

  it('runs from the command: hamux bench --compare A B', async () => {
    const a = join(tmp, 'a.json'), b = join(tmp, 'b.json');
    writeFileSync(a, reportJson(report));
    writeFileSync(b, reportJson(slower()));
    let out = '';
    await bench.run(['--compare', a, b], { stdout: (t) => void (out += t), stderr: () => undefined, stderrIsTTY: false });
    expect(out).toContain('Differences: backend: cpu → wasm');
    expect(out).toMatch(/^slow\s+2\.00×/m);
  });
});

describe('the bench command', () => {
  const io = { stdout: () => undefined, stderr: () => undefined, stderrIsTTY: false };
  it('reports usage errors and unknown suites', async () => {
    await expect(bench.run([], io)).rejects.toThrow(UsageError);
    await expect(bench.run(['--compare', 'a.json'], io)).rejects.toThrow('missing argument B.json');
    await expect(bench.run(['x.json', '--backend', 'tpu'], io)).rejects.toThrow('bench: unknown backend "tpu"');
    await expect(bench.run([join(tmp, 'none.json')], io)).rejects.toThrow(InputError);
  });

  it('writes into ./hamux-bench/ by default, or --out, never beside the suite', async () => {
    // A suite in DIR/suites/ would have written into DIR/results/ before; now the current directory's hamux-bench/.
    const root = mkdtempSync(join(tmpdir(), 'hamux-bench-out-'));
    const cwd = process.cwd();
    try {
      mkdirSync(join(root, 'suites'));
      mkdirSync(join(root, 'work'));
      const suite = join(root, 'suites', 'tiny.json');
      writeFileSync(suite, JSON.stringify({ ...relaxationSuite, protocol: { runs: 1, warmup: 0, batch: 2, maxSteps: 50 }, variants: relaxationSuite.variants.slice(0, 1) }));
      let out = '';
      process.chdir(join(root, 'work'));
      await bench.run([suite, '--backend', 'cpu'], { ...io, stdout: (t) => void (out += t) });
      expect(readdirSync(join(root, 'work', 'hamux-bench')).sort()).toEqual(['tiny-relax-cpu-steps.svg', 'tiny-relax-cpu.json', 'tiny-relax-cpu.md']);
      expect(existsSync(join(root, 'results'))).toBe(false);
      expect(out).toContain(`wrote ${join('hamux-bench', 'tiny-relax-cpu.md')}, ${join('hamux-bench', 'tiny-relax-cpu.json')} and 1 plot`);
      await bench.run([suite, '--backend', 'cpu', '--out', join(root, 'chosen')], io);
      expect(existsSync(join(root, 'chosen', 'tiny-relax-cpu.json'))).toBe(true);
      expect(readFileSync(join(root, 'chosen', 'tiny-relax-cpu.md'), 'utf8')).toContain(`--out ${join(root, 'chosen')}`);
      expect(existsSync(join(root, 'results'))).toBe(false);
    } finally {
      process.chdir(cwd);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves the committed reports to one explicit script of the benchmarks package', () => {
    const scripts = (JSON.parse(readFileSync(join(import.meta.dirname, '../../../benchmarks/package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const writesResults = Object.entries(scripts).filter(([, cmd]) => /hamux bench\b.*--out results\b/.test(cmd)).map(([name]) => name);
    expect(writesResults).toEqual(['bench:reports']);
    for (const suite of ['mnist-completion', 'capacity', 'stiffness']) expect(scripts['bench:reports']).toContain(suite);
  });

  it('prints the JSON Schema of suite files', async () => {
    let out = '';
    await bench.run(['--schema'], { ...io, stdout: (t) => void (out += t) });
    expect(JSON.parse(out).$defs.suite.required).toEqual(['name', 'title', 'seed', 'task', 'variants']);
  });
});

describe('capacity', () => {
  const N = 10;
  const K = 6;
  const patterns = randomBipolar(K, N, 11);

  it('counts stored patterns as the single-flip energy test of an independent computation says', async () => {
    const ham = buildFromConfig({ preset: 'denseAssociativeMemory', options: { features: N, memories: K, degree: 2 } });
    const stored = await storePatterns(ham, 'visible', { param: 'synapses.memory.xi', scale: 1 }, patterns, K, {}, 'store');
    const count = await stableCount(ham, 'visible', stored.params, {}, patterns, N, K);
    // Reference: E(σ) = Σ_i (x̂ᵢσᵢ − log cosh σᵢ) − Σ_μ (ξ_μ·x̂)²/2 with x̂ = tanh(σ), in float64.
    const energy = (s: number[]) => {
      const xh = s.map(Math.tanh);
      let e = s.reduce((a, x, i) => a + xh[i]! * x - Math.log(Math.cosh(x)), 0);
      for (let m = 0; m < K; m++) e -= xh.reduce((a, x, i) => a + x * patterns[m * N + i]!, 0) ** 2 / 2;
      return e;
    };
    let expected = 0;
    for (let p = 0; p < K; p++) {
      const s = Array.from(patterns.subarray(p * N, (p + 1) * N));
      const e0 = energy(s);
      if (s.every((_, i) => energy(s.map((x, j) => (j === i ? -x : x))) > e0)) expected++;
    }
    expect(count).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    stored.dispose();
    ham.dispose();
  });

  it('writes patterns as rows or columns, and asks which when the parameter is square', async () => {
    const ham = buildFromConfig({ preset: 'hiddenMemory', options: { features: N, memories: K } });
    const stored = await storePatterns(ham, 'visible', { param: 'synapses.memory.W', scale: 2 }, patterns, K, {}, 'variants[0].store');
    const W = await stored.params.synapses['memory']!['W']!.data();
    expect(W[1 * K + 0]).toBe(2 * patterns[0 * N + 1]!); // W[i, μ] = 2 ξ_μ[i]
    stored.dispose();
    await expect(storePatterns(ham, 'visible', { param: 'synapses.nope.W', scale: 1 }, patterns, K, {}, 'variants[0].store'))
      .rejects.toThrow('variants[0].store.param: unknown synapse "nope" (synapses are "memory")');
    ham.dispose();
    const square = buildFromConfig({ preset: 'hiddenMemory', options: { features: N, memories: N } });
    const ten = randomBipolar(N, N, 1);
    await expect(storePatterns(square, 'visible', { param: 'synapses.memory.W', scale: 1 }, ten, N, {}, 'variants[0].store'))
      .rejects.toThrow('variants[0].store.layout: missing: "synapses.memory.W" is square at K = 10');
    square.dispose();
  });

  it('runs a small capacity suite: classical stores fewer patterns than degree 3', async () => {
    const before = tf.memory().numTensors;
    const dam = (degree: number) => ({ preset: 'denseAssociativeMemory', options: { features: '$N', memories: '$K', degree } });
    const r = await runSuite(checkSuite({
      name: 'tiny-capacity', title: 'Tiny capacity', seed: 2,
      task: { kind: 'capacity', features: 16, load: 2, flips: [0, 0.25], tested: 8, samples: 16, maxK: 64 },
      protocol: { runs: 1, warmup: 0, batch: 4, maxSteps: 100 },
      variants: [
        { name: 'classical', config: dam(2), store: { param: 'synapses.memory.xi', layout: 'rows' } },
        { name: 'dense-3', config: dam(3), store: { param: 'synapses.memory.xi', layout: 'rows' } },
      ],
    }, 'cap.json'), { runtime });
    const [c2, c3] = r.variants.map((v) => (v.quality.kind === 'capacity' ? v.quality : undefined));
    expect(c2!.capacity.k).toBeLessThan(c3!.capacity.k);
    expect(c2!.capacity.tried.map((t) => t.k)).toEqual([...c2!.capacity.tried.map((t) => t.k)].sort((a, b) => a - b));
    for (const q of [c2!, c3!]) for (const p of q.recall) expect(p.accuracy).toBeGreaterThanOrEqual(0);
    expect(c3!.recall[0]!.accuracy).toBe(1); // two patterns of degree 3 are recalled from themselves
    expect(r.variants[0]!.preparation).toEqual({ kind: 'stored', patterns: 2, param: 'synapses.memory.xi' });
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('says which variant lacks a store', async () => {
    await expect(runSuite(checkSuite({
      name: 'x', title: 'x', seed: 0, task: { kind: 'capacity', features: 4, load: 2, flips: [0] },
      variants: [{ name: 'a', config: { preset: 'modernHopfield', options: { features: '$N', memories: '$K' } } }],
    }, 'x.json'), { runtime })).rejects.toThrow('x.json: variants[0].store: missing');
  });
});

describe('MNIST completion', () => {
  const task = {
    kind: 'completion', data: 'mnist', input: 'visible', trainImages: 20, testImages: 4,
    train: { epochs: 1, batchSize: 10, steps: 2, dt: 0.4, learningRate: 0.01, corruption: { kind: 'noise', std: 0.3 } },
    noise: [0.3], mask: [0.5], timed: { kind: 'mask', fraction: 0.5 },
  };
  const model = {
    layers: { visible: { shape: [784], lagrangian: { kind: 'identity' }, tau: 0.5 }, memories: { shape: [4], lagrangian: { kind: 'softmax' }, tau: 0.4 } },
    synapses: { memory: { kind: 'denseBias', connects: ['visible', 'memories'] } },
    seed: 0,
  };

  it('draws its digits from the standard split with data "mnist-standard", and names a count past it', () => {
    const standard = { ...task, data: 'mnist-standard' };
    const data = completionData(checkSuite({ name: 's', title: 'S', seed: 4, task: standard, protocol: { runs: 1, warmup: 0, batch: 2 }, variants: [{ name: 'd', config: model }] }, 'm.json').suite.task as never, 4);
    expect([data.trainCount, data.testCount]).toEqual([20, 4]);
    // every test digit is one of the standard test digits (centred on the training mean)
    const tests = loadStandardMnist('test').images;
    for (let b = 0; b < 4; b++) {
      const digit = Float32Array.from({ length: 784 }, (_, j) => data.test[b * 784 + j]! + data.mean[j]!);
      let found = false;
      for (let k = 0; k < 10000 && !found; k++) found = digit.every((v, j) => Math.abs(v - tests[k * 784 + j]!) < 1e-6);
      expect(found, `test digit ${b}`).toBe(true);
    }
    expect(() => completionData({ ...standard, trainImages: 60001 } as never, 4)).toThrow(/task\.trainImages: expected at most 60000 \(the standard training digits\), got 60001/);
    expect(() => completionData({ ...standard, testImages: 10001 } as never, 4)).toThrow(/task\.testImages: expected at most 10000 test digits/);
    expect(() => checkSuite({ name: 's', title: 'S', seed: 4, task: { ...task, data: 'emnist' }, protocol: { runs: 1, warmup: 0, batch: 2 }, variants: [{ name: 'd', config: model }] }, 'm.json'))
      .toThrow(/task\.data: expected "mnist" or "mnist-standard", got "emnist"/);
  });

  it('trains, times and scores every variant the same way; the input error is the corruption\'s own', async () => {
    const before = tf.memory().numTensors;
    const suite = checkSuite({
      name: 'tiny-mnist', title: 'Tiny MNIST', seed: 4, task,
      protocol: { runs: 1, warmup: 0, batch: 2, maxSteps: 20 },
      variants: [{ name: 'dense', config: model }, { name: 'dense-frozen', config: model, freeze: ['synapses.memory.b'] }],
    }, 'm.json');
    const r = await runSuite(suite, { runtime });
    expect(tf.memory().numTensors).toBe(before);
    const data = completionData(suite.suite.task as never, 4);
    const clean = data.test;
    for (const v of r.variants) {
      expect(v.preparation.kind).toBe('trained');
      if (v.quality.kind !== 'completion') throw new Error('expected completion');
      const [noise, mask] = v.quality.points;
      // independent errors of the corrupted inputs (same seeds as the protocol's)
      const noisy = corrupt(clean, { kind: 'noise', std: 0.3 }, deriveKey(4, 'quality.0')).data;
      let s = 0;
      for (let i = 0; i < clean.length; i++) s += (noisy[i]! - clean[i]!) ** 2;
      expect(noise!.inputError).toBeCloseTo(s / clean.length, 10);
      const { hidden } = corrupt(clean, { kind: 'mask', fraction: 0.5 }, deriveKey(4, 'quality.1'));
      let h = 0, n = 0;
      for (let i = 0; i < clean.length; i++) if (hidden![i]) { h += clean[i]! ** 2; n++; }
      expect(mask!.inputError).toBeCloseTo(h / n, 10);
      expect(n).toBe(4 * 392);
      for (const p of [noise!, mask!]) {
        expect(Number.isFinite(p.error)).toBe(true);
        expect(Number.isFinite(p.trainedStepsError)).toBe(true);
        expect(p.samples).toBe(4);
      }
    }
    const frozen = r.variants[1]!.preparation;
    expect(frozen.kind === 'trained' && frozen.frozen).toEqual(['synapses.memory.b']);
    // Pictures: the middle noise level and the middle mask, the first digits, rows labelled; not in the JSON.
    const dir = join(tmp, 'pictures');
    const files = writeReport(r, dir, 'hamux bench m.json --backend cpu');
    expect(files.pngs.map((f) => basename(f))).toEqual(['tiny-mnist-cpu-restored-1.png', 'tiny-mnist-cpu-restored-2.png']);
    const pictures = r.variants[0]!.pictures!;
    expect(pictures.map((p) => p.label)).toEqual(['noise σ 0.3', '50% hidden']);
    expect(pictures[0]!.clean).toHaveLength(4 * 784); // all 4 held-out digits (fewer than 10)
    // back on the mean image: the originals are the dataset's pixels, in [0, 1]
    expect(Math.min(...pictures[0]!.clean)).toBeGreaterThanOrEqual(-1e-6);
    expect(Math.max(...pictures[0]!.clean)).toBeLessThanOrEqual(1 + 1e-6);
    for (const f of files.pngs) expect(Array.from(readFileSync(f).subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const md = readFileSync(files.markdown, 'utf8');
    expect(md).toContain('## Restored digits');
    expect(md).toContain('![noise σ 0.3](tiny-mnist-cpu-restored-1.png)');
    expect(readFileSync(files.json, 'utf8')).not.toContain('pictures');
  }, 60_000);

  it('trains at the fixed point when the suite says so: another loss than through the unrolled steps, and said in the protocol', async () => {
    const run = async (train: Record<string, unknown>) => runSuite(checkSuite({
      name: 'tiny-mnist', title: 'Tiny MNIST', seed: 4, task: { ...task, train: { ...task.train, ...train } },
      protocol: { runs: 1, warmup: 0, batch: 2, maxSteps: 20 },
      variants: [{ name: 'dense', config: model }],
    }, 'm.json'), { runtime });
    const before = tf.memory().numTensors;
    const unrolled = await run({});
    const fixed = await run({ fixedPoint: { method: 'implicit', dt: 0.1, tolerance: 1e-3, maxSteps: 500 } });
    expect(tf.memory().numTensors).toBe(before);
    const [u, f] = [unrolled.variants[0]!.preparation, fixed.variants[0]!.preparation];
    if (u.kind !== 'trained' || f.kind !== 'trained') throw new Error('expected trained variants');
    expect(Number.isFinite(f.lossFirst)).toBe(true);
    expect(Math.abs(f.lossFirst - u.lossFirst)).toBeGreaterThan(1e-4); // the loss at the fixed point, not after 2 steps
    expect(fixed.protocol.text).toMatch(/implicit differentiation at the fixed point \(relaxed in fixed Euler steps of dt 0\.1 until every \|∂E\/∂x̂\| < 0\.001, at most 500 steps\)/);
  }, 120_000);

  it('gives an observed layer a clamped copy of the corrupted input, in training and when restoring', async () => {
    const withFit = {
      layers: { ...model.layers, seen: { shape: [784], lagrangian: { kind: 'identity' } } },
      synapses: { ...model.synapses, fit: { kind: 'tie', connects: ['visible', 'seen'], gamma: { value: 1, learnable: true } } },
      seed: 0,
    };
    const run = (v: Record<string, unknown>) => runSuite(checkSuite({
      name: 'tiny-mnist', title: 'Tiny MNIST', seed: 4, task: { ...task, mask: [] },
      protocol: { runs: 1, warmup: 0, batch: 2, maxSteps: 20 },
      variants: [{ name: 'fit', config: withFit, ...v }],
    }, 'm.json'), { runtime });
    const before = tf.memory().numTensors;
    const seen = (await run({ observed: 'seen' })).variants[0]!;
    const blind = (await run({})).variants[0]!; // the same graph, its `seen` layer left at 0 and free
    expect(tf.memory().numTensors).toBe(before);
    if (seen.quality.kind !== 'completion' || blind.quality.kind !== 'completion') throw new Error('expected completion');
    expect(seen.quality.points[0]!.error).toBeLessThan(blind.quality.points[0]!.error);
    await expect(run({ observed: 'memories' })).rejects.toThrow('m.json: variants[0].observed: layer "memories" has shape [4] (4 entries), but the task\'s data has 784 entries per sample');
    await expect(run({ observed: 'visible' })).rejects.toThrow('m.json: variants[0].observed: expected a layer other than the input "visible"');
  }, 120_000);

  it('names a bad input layer and a bad frozen parameter', async () => {
    const suite = (v: Record<string, unknown>) => checkSuite({ name: 'x', title: 'x', seed: 0, task: { ...task, trainImages: 10 }, protocol: { runs: 1, warmup: 0, batch: 1, maxSteps: 5 }, variants: [{ name: 'a', config: model, ...v }] }, 'x.json');
    await expect(runSuite(suite({ input: 'memories' }), { runtime })).rejects.toThrow('x.json: variants[0].input: layer "memories" has shape [4] (4 entries), but the task\'s data has 784 entries per sample');
    await expect(runSuite(suite({ freeze: ['synapses.memory.Q'] }), { runtime })).rejects.toThrow('x.json: variants[0].freeze[0]: unknown parameter "synapses.memory.Q"');
  }, 60_000);

  it('recognises a backend that lacks a kernel', () => {
    expect(missingKernel(new Error("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"))).toBe('wasm has no Conv2DBackpropFilter kernel');
    expect(missingKernel(new HamuxError('x', 'other'))).toBeUndefined();
  });
});

describe('files left', () => {
  it('wrote nothing outside its folder', () => {
    expect(existsSync(join(tmp, 'out'))).toBe(true);
  });
});
