// The browser build in headless Chromium: the self-contained bundle is rebuilt (so a fresh clone
// needs no prior `npm run build`), served from 127.0.0.1 with a test page, and three small graphs
// are evaluated and descended on webgpu, wasm and cpu; webgpu and wasm must agree with cpu to
// float32 accuracy, and no energy may rise. Artifacts (screenshot, numbers) go to test-artifacts/.
//
// Without a GPU, Chromium's WebGPU is SwiftShader (a software adapter) behind --enable-unsafe-webgpu.
// No WebGPU at all fails the test, unless HAMUX_SKIP_WEBGPU=1. HAMUX_CHROMIUM overrides the browser path.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, closeAll, launchChromium, relErrPerEntry, serveStatic, type StaticServer } from '@hamux-ts/test-support';
import { bundleBrowser } from '../scripts/bundle.mjs';
import type { Backend, BackendRun, ComparisonRow, GraphRun, TreeRun } from './page/parity.js';
import type { BackendReport } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const artifacts = join(packageDir, 'test-artifacts');
const CHROMIUM = chromiumPath();
const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';

/**
 * Float32 agreement after 40 steps, as |a − b| / (1 + |b|). Measured in Chromium 156 on SwiftShader:
 * at most 9e-7 (energies), 2e-7 (∂E/∂x̂) and 1.5e-6 (final states), so these leave a margin of ~10.
 */
const TOL = { energy: 1e-5, dEdxhat: 1e-5, final: 2e-5, autodiff: 1e-5 };
/** A fixed-step energy may not rise by more than float32 rounding: 1e-6 · (1 + |E|). */
const RISE = 1e-6;

let work = '';
let server: StaticServer | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let bundle: { bytes: number; inputs: string[]; outfile: string } | undefined;
const pageMessages: string[] = [];
const runs: Partial<Record<Backend, BackendRun>> = {};
const failures: Partial<Record<Backend, string>> = {};
const results: Record<string, unknown> = {};

async function runOn(backend: Backend): Promise<BackendRun> {
  try {
    // beforeAll waited for window.hamuxParity, the page's API (test/page/parity.ts).
    const run = await page!.evaluate((b) => window.hamuxParity!.run(b), backend);
    runs[backend] = run;
    return run;
  } catch (e) {
    failures[backend] = e instanceof Error ? e.message : String(e);
    throw e;
  }
}

const layerDiff = (a: Record<string, number[]>, b: Record<string, number[]>) => {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  return Math.max(...Object.keys(b).map((k) => relErrPerEntry(a[k]!, b[k]!)));
};

function compare(run: BackendRun, reference: BackendRun): ComparisonRow[] {
  return run.graphs.map((g) => {
    const ref = reference.graphs.find((r) => r.graph === g.graph)!;
    const energy = Math.max(relErrPerEntry(g.energy0, ref.energy0), ...g.energies.map((e, b) => relErrPerEntry(e, ref.energies[b]!)));
    const dEdxhat = layerDiff(g.dEdxhat0, ref.dEdxhat0);
    const final = layerDiff(g.final, ref.final);
    const ok = energy <= TOL.energy && dEdxhat <= TOL.dEdxhat && final <= TOL.final;
    return { backend: run.backend, graph: g.graph, energy, dEdxhat, final, ok };
  });
}

/** Checks one backend's own results: a full descent, no energy rise, autodiff = closed forms, no leaks. */
function checkRun(run: BackendRun, expectedBackend: Backend): void {
  expect(run.report.chosen).toBe(expectedBackend);
  expect(run.tfBackend).toBe(expectedBackend);
  for (const g of run.graphs) {
    const where = `${run.backend}/${g.graph}`;
    expect(g.leaked, `${where}: tensors leaked`).toBe(0);
    expect(g.steps, `${where}: steps`).toBe(40);
    const autodiff = layerDiff(g.dEdxhat0Autodiff, g.dEdxhat0);
    results[`autodiffVsClosedForm.${where}`] = autodiff;
    expect(autodiff, `${where}: autodiff vs closed-form ∂E/∂x̂`).toBeLessThanOrEqual(TOL.autodiff);
    for (const [b, trace] of g.energies.entries()) {
      expect(trace.length, `${where}: energy trace of sample ${b}`).toBe(41);
      for (let t = 1; t < trace.length; t++) {
        const rise = trace[t]! - trace[t - 1]!;
        expect(rise, `${where}: energy of sample ${b} rose at step ${t}`).toBeLessThanOrEqual(RISE * (1 + Math.abs(trace[t - 1]!)));
      }
      // The descent must actually move: a graph stuck at a fixed point would compare trivially.
      expect(trace[0]! - trace[trace.length - 1]!, `${where}: energy drop of sample ${b}`).toBeGreaterThan(1e-3);
    }
  }
}

/** Bundles the page script, leaving `@hamux-ts/browser` an import of the bundle under test. */
async function bundlePage(outdir: string): Promise<void> {
  await build({
    entryPoints: [join(packageDir, 'test/page/parity.ts')],
    outfile: join(outdir, 'parity.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'bundle-under-test',
        setup(b) {
          b.onResolve({ filter: /^@hamux-ts\/browser$/ }, () => ({ path: '/dist/hamux.browser.js', external: true }));
        },
      },
    ],
  });
  copyFileSync(join(packageDir, 'test/page/index.html'), join(outdir, 'index.html'));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hamux-browser-'));
  const t0 = performance.now();
  bundle = await bundleBrowser({ outdir: join(work, 'dist') });
  await bundlePage(join(work, 'page'));
  results['bundleMs'] = Math.round(performance.now() - t0);
  server = await serveStatic({ '/dist/': join(work, 'dist'), '/page/': join(work, 'page'), '/demo/': join(packageDir, 'demo') });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (m) => pageMessages.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageMessages.push(`page error: ${e.message}`));
  const response = await page.goto(`${server.url}/page/index.html`);
  if (!response?.ok()) throw new Error(`the test page did not load: HTTP ${response?.status() ?? 'no response'}`);
  await page.waitForFunction(() => window.hamuxParity !== undefined, undefined, { timeout: 20_000 }).catch((e: unknown) => {
    throw new Error(`the test page did not start: ${String(e)}\n${pageMessages.join('\n')}`);
  });
}, 60_000);

afterAll(async () => {
  try {
    mkdirSync(artifacts, { recursive: true });
    results['pageMessages'] = pageMessages;
    results['failures'] = failures;
    results['runs'] = Object.fromEntries(
      Object.entries(runs).map(([k, r]) => [k, { report: r.report, graphs: r.graphs.map((g: GraphRun) => ({ graph: g.graph, evaluator: g.evaluator, ms: Math.round(g.ms), steps: g.steps, energy0: g.energy0, energyFinal: g.energies.map((e) => e[e.length - 1]) })) }]),
    );
    writeFileSync(join(artifacts, 'chromium-results.json'), JSON.stringify(results, null, 2));
    if (page) await page.screenshot({ path: join(artifacts, 'chromium.png'), fullPage: true });
  } finally {
    await closeAll(
      () => browser?.close(),
      () => server?.close(),
      () => work && rmSync(work, { recursive: true, force: true }),
    );
  }
}, 30_000);

describe('the browser bundle in headless Chromium', () => {
  it('is one self-contained module with tfjs, its gradients and the cpu, wasm and webgpu backends', () => {
    const inputs = bundle!.inputs.join('\n');
    for (const part of ['tfjs-core/dist/index.js', 'register_all_gradients', 'tfjs-backend-cpu/', 'tfjs-backend-wasm/', 'tfjs-backend-webgpu/', 'zod']) {
      expect(inputs, `bundle inputs should include ${part}`).toContain(part);
    }
    expect(inputs).not.toMatch(/(^|\n)node:/);
    const code = readFileSync(bundle!.outfile, 'utf8');
    // No import of anything outside the file (static `from"x"` or dynamic `import("x")`).
    expect(code).not.toMatch(/\bfrom\s*["'][^"']+["']|\bimport\s*\(\s*["'][^"']+["']\s*\)/);
    results['bundleBytes'] = bundle!.bytes;
  });

  it('runs on webgpu (SwiftShader without a GPU)', async (ctx) => {
    let run: BackendRun;
    try {
      run = await runOn('webgpu');
    } catch (e) {
      const message =
        `WEBGPU UNAVAILABLE in Chromium (${CHROMIUM}): ${e instanceof Error ? e.message : String(e)}. ` +
        'Set HAMUX_SKIP_WEBGPU=1 to run only wasm and cpu.';
      if (SKIP_WEBGPU) {
        results['webgpuSkipped'] = message;
        ctx.skip(message);
      }
      throw new Error(message);
    }
    results['adapter'] = run.report.adapter;
    expect(run.report.adapter, 'webgpu reports its adapter').toBeDefined();
    checkRun(run, 'webgpu');
    // Every graph is built-ins with WGSL forms: the browser bundle's descent takes the fused step too
    for (const g of run.graphs) expect(g.evaluator, `${g.graph} on webgpu`).toBe('fused WGSL step (webgpu)');
  });

  it('runs on wasm and on cpu', async () => {
    checkRun(await runOn('cpu'), 'cpu');
    checkRun(await runOn('wasm'), 'wasm');
  });

  it('gets the same energies, ∂E/∂x̂ and final states from webgpu and wasm as from cpu', async () => {
    const cpu = runs.cpu;
    expect(cpu, `cpu did not run: ${failures.cpu ?? ''}`).toBeDefined();
    expect(runs.wasm, `wasm did not run: ${failures.wasm ?? ''}`).toBeDefined();
    const others = [runs.webgpu, runs.wasm].filter((r): r is BackendRun => r !== undefined);
    if (!SKIP_WEBGPU) expect(runs.webgpu, `webgpu did not run: ${failures.webgpu ?? ''}`).toBeDefined();
    const rows = others.flatMap((r) => compare(r, cpu!));
    results['largestDifferences'] = rows;
    const verdict = rows.every((r) => r.ok)
      ? `all within float32 tolerance (relative ${TOL.energy})`
      : `DIFFERENCES ABOVE TOLERANCE: ${rows.filter((r) => !r.ok).map((r) => `${r.backend}/${r.graph}`).join(', ')}`;
    await page!.evaluate(([rs, v]) => window.hamuxParity!.showComparison(rs, v), [rows, verdict] as const);
    for (const r of rows) {
      const where = `${r.backend} vs cpu, ${r.graph}`;
      expect(r.energy, `${where}: energies`).toBeLessThanOrEqual(TOL.energy);
      expect(r.dEdxhat, `${where}: ∂E/∂x̂`).toBeLessThanOrEqual(TOL.dEdxhat);
      expect(r.final, `${where}: final states`).toBeLessThanOrEqual(TOL.final);
    }
  });

  it('sums an energy tree of 8 or more terms on webgpu as cpu does (tfjs 4.22 dropped AddN work past 7 inputs)', async (ctx) => {
    if (SKIP_WEBGPU) ctx.skip('HAMUX_SKIP_WEBGPU=1');
    const cpu: TreeRun = await page!.evaluate(() => window.hamuxParity!.energyTree('cpu'));
    const webgpu: TreeRun = await page!.evaluate(() => window.hamuxParity!.energyTree('webgpu'));
    results['energyTree'] = { cpu, webgpu };
    expect(webgpu.backend).toBe('webgpu');
    expect(Object.keys(cpu.terms).length, 'terms in the tree').toBeGreaterThanOrEqual(8);
    expect(relErrPerEntry(webgpu.total, cpu.total), 'the tree\'s total').toBeLessThanOrEqual(TOL.energy);
    expect(layerDiff(webgpu.terms, cpu.terms), 'every term').toBeLessThanOrEqual(TOL.energy);
    expect(relErrPerEntry(webgpu.energy, cpu.energy), 'energyAndDEdxhat: E').toBeLessThanOrEqual(TOL.energy);
    expect(layerDiff(webgpu.dEdxhat, cpu.dEdxhat), 'energyAndDEdxhat: ∂E/∂x̂').toBeLessThanOrEqual(TOL.dEdxhat);
  });

  it("'auto' passes a software adapter over for wasm, and says why", async () => {
    const report: BackendReport = await page!.evaluate(() => window.hamuxParity!.auto());
    results['auto'] = report;
    const webgpu = report.tried[0]!;
    expect(webgpu.name).toBe('webgpu');
    if (webgpu.ok) {
      expect(report.chosen).toBe('webgpu');
      expect(report.adapter?.software).toBe(false);
    } else {
      expect(report.chosen).toBe('wasm');
      expect(report.tried.map((t) => t.name)).toEqual(['webgpu', 'wasm']);
      expect(webgpu.reason).toMatch(SKIP_WEBGPU ? /./ : /software WebGPU adapter/);
      if (!SKIP_WEBGPU) expect(webgpu.adapter?.software).toBe(true);
    }
  });

  it('serves a demo page that picks a backend and prints a falling energy', async () => {
    const demo = await browser!.newPage();
    try {
      demo.on('pageerror', (e) => pageMessages.push(`demo page error: ${e.message}`));
      await demo.goto(`${server!.url}/demo/index.html`);
      await demo.waitForFunction(() => document.body.dataset['done'] !== undefined, undefined, { timeout: 20_000 });
      const text = await demo.locator('#energy').innerText();
      expect(await demo.evaluate(() => document.body.dataset['done']), text).toBe('true');
      expect(await demo.evaluate(() => document.body.dataset['backend'])).toMatch(/^(webgpu|wasm|cpu)$/);
      const energies = [...text.matchAll(/^\s*\d+\s+(-?\d+\.\d+)$/gm)].map((m) => Number(m[1]));
      expect(energies.length).toBeGreaterThan(5);
      expect(energies[energies.length - 1]!).toBeLessThan(energies[0]!);
    } finally {
      await demo.close();
    }
  });
});
