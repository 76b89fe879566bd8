// The playground end to end, in headless Chromium: the page is built with Vite into a temporary
// folder (so a fresh clone needs no prior build), served from 127.0.0.1, and driven by clicking it
// and through its small test API (`window.hamuxPlayground`). Without a GPU, Chromium's WebGPU is
// SwiftShader behind --enable-unsafe-webgpu: a software adapter, which the page passes over for wasm
// by default and uses when `?backend=webgpu` forces it. Artefacts (screenshots, numbers) go to
// test-artifacts/. HAMUX_CHROMIUM overrides the browser's path. A Chromium without WebGPU fails the
// WebGPU tests, unless HAMUX_SKIP_WEBGPU=1 (as in packages/browser).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, launchChromium, serveFolder, type StaticServer } from '@hamux-ts/test-support';
import type { PlaygroundState } from '../src/ui/api.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = join(packageDir, '../..');
const artifacts = join(packageDir, 'test-artifacts');
const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';
/** An energy may not rise by more than float32 rounding between steps: 1e-6 · (1 + |E|). */
const RISE = 1e-6;

let work = '';
let dist = '';
let server: StaticServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page | undefined;
/** A second page with the wasm backend forced, opened by the wasm test and used by the heavier ones. */
let wasmPage: Page | undefined;
const messages: string[] = [];
const foreign: string[] = [];
const results: Record<string, unknown> = {};

/** Opens the page in `ctx` and waits until it is ready; console output and outside requests are recorded. */
async function open(ctx: BrowserContext, query = ''): Promise<Page> {
  const p = await ctx.newPage();
  p.on('console', (m) => messages.push(`${query || 'default'}: console.${m.type()}: ${m.text()}`));
  p.on('pageerror', (e) => messages.push(`${query || 'default'}: page error: ${e.message}`));
  p.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(server!.url) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  const response = await p.goto(`${server!.url}/index.html${query}`);
  expect(response?.ok(), `the page did not load: HTTP ${response?.status()}`).toBe(true);
  await p.waitForFunction(() => document.body.dataset['ready'] !== undefined, undefined, { timeout: 60_000 });
  const ready = await p.evaluate(() => document.body.dataset['ready']);
  expect(ready, `the page failed to start: ${await p.locator('#model-errors').innerText()}\n${messages.join('\n')}`).toBe('true');
  return p;
}

const errorsIn = (list: readonly string[]) => list.filter((m) => /console\.error|page error/.test(m));

/** Every curve's energies never rise beyond rounding, and the descent moved. */
function checkEnergy(state: PlaygroundState): void {
  expect(state.curves.length).toBeGreaterThan(0);
  for (const curve of state.curves) {
    for (let t = 1; t < curve.values.length; t++) {
      const rise = curve.values[t]! - curve.values[t - 1]!;
      expect(rise, `${curve.label}: energy rose at step ${curve.start + t}`).toBeLessThanOrEqual(RISE * (1 + Math.abs(curve.values[t - 1]!)));
    }
  }
  const values = state.curves[0]!.values;
  expect(values[0]! - values[values.length - 1]!, 'the energy fell').toBeGreaterThan(1e-3);
}

async function waitStopped(p: Page): Promise<string> {
  await p.waitForFunction(() => ['converged', 'stepUnderflow', 'maxSteps', 'error'].includes(document.querySelector<HTMLElement>('#run-status')!.dataset['status']!), undefined, { timeout: 60_000 });
  return p.evaluate(() => document.querySelector<HTMLElement>('#run-status')!.dataset['status']!);
}

/** Boxes in page pixels that overlap (by more than `slack` px each way): label and badge collisions. */
interface Hit { readonly a: string; readonly b: string }
async function collisions(p: Page): Promise<Hit[]> {
  return p.evaluate(() => {
    type Item = { name: string; box: DOMRect; group: Element | null };
    const slack = 0.5;
    const hit = (a: DOMRect, b: DOMRect) => a.left + slack < b.right && b.left + slack < a.right && a.top + slack < b.bottom && b.top + slack < a.bottom;
    const items = (selector: string, group: (e: Element) => Element | null = () => null): Item[] =>
      Array.from(document.querySelectorAll(selector)).filter((e) => e.getClientRects().length > 0).map((e) => ({ name: `${selector} "${e.textContent ?? ''}"`, box: e.getBoundingClientRect(), group: group(e) }));
    const out: { a: string; b: string }[] = [];
    const pairs = (xs: Item[], ys: Item[], ok: (x: Item, y: Item) => boolean = () => false) => {
      for (const x of xs) for (const y of ys) if (x !== y && !ok(x, y) && hit(x.box, y.box)) out.push({ a: x.name, b: y.name });
    };
    const inside = (x: Item, y: Item) => x.box.left >= y.box.left - slack && x.box.right <= y.box.right + slack && x.box.top >= y.box.top - slack && x.box.bottom <= y.box.bottom + slack;
    // The hypergraph: no two texts meet; a text meets a box or badge only inside its own.
    const texts = items('#graph svg text', (e) => e.closest('[data-layer], [data-synapse]'));
    const shapes = items('#graph svg .layer rect, #graph svg rect.badge, #graph svg circle.hub', (e) => e.closest('[data-layer], [data-synapse]'));
    const sameGroup = (x: Item, y: Item) => x.group !== null && x.group === y.group;
    for (let i = 0; i < texts.length; i++) pairs([texts[i]!], texts.slice(i + 1), sameGroup);
    pairs(texts, shapes, (t, s) => sameGroup(t, s) && (inside(t, s) || s.name.includes('circle')));
    for (const t of texts) {
      const own = shapes.find((s) => sameGroup(t, s) && !s.name.includes('circle'));
      if (own && !inside(t, own) && !own.name.includes('hub')) out.push({ a: t.name, b: `outside ${own.name}` });
    }
    for (let i = 0; i < shapes.length; i++) pairs([shapes[i]!], shapes.slice(i + 1), (x, y) => x.name.includes('circle') || y.name.includes('circle'));
    // The layer views: captions, tick labels, pictures and bars stay apart, and the header's badge clear of the title.
    const views = [...items('#layers figcaption'), ...items('#layers .tick'), ...items('#layers canvas'), ...items('#layers .bars')];
    const within = (x: Item, y: Item) => (x.name.includes('.tick') && y.name.includes('.bars')) || (y.name.includes('.tick') && x.name.includes('.bars'));
    for (let i = 0; i < views.length; i++) pairs([views[i]!], views.slice(i + 1), within);
    const figures = items('#layers figure');
    for (const v of views) {
      const own = figures.find((f) => f.box.left <= v.box.left + slack && v.box.right <= f.box.right + slack && f.box.top <= v.box.top + slack && v.box.bottom <= f.box.bottom + slack);
      if (!own) out.push({ a: v.name, b: 'outside every figure' });
    }
    for (let i = 0; i < figures.length; i++) pairs([figures[i]!], figures.slice(i + 1));
    pairs(items('#backend'), items('header h1, header .tagline'));
    return out;
  });
}

/** The RGBA pixels of a canvas on the page. */
async function canvasPixels(p: Page, selector: string): Promise<number[]> {
  return p.evaluate((sel) => {
    const c = document.querySelector<HTMLCanvasElement>(sel)!;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, selector);
}
/** How many opaque pixels are tinted (red apart from green and blue), as unknown pixels are. */
function tinted(rgba: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i + 3]! > 0 && (rgba[i]! !== rgba[i + 1]! || rgba[i]! !== rgba[i + 2]!)) count++;
  return count;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hamux-playground-'));
  dist = join(work, 'dist');
  const t0 = performance.now();
  // Built as `npm run build` builds it (vitest sets NODE_ENV=test, which Vite would carry into the page).
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({ root: packageDir, configFile: join(packageDir, 'vite.config.ts'), mode: 'production', logLevel: 'silent', build: { outDir: dist, emptyOutDir: true } });
  } finally {
    process.env['NODE_ENV'] = nodeEnv;
  }
  results['buildMs'] = Math.round(performance.now() - t0);
  server = await serveFolder(dist);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
  const t1 = performance.now();
  page = await open(context);
  results['firstLoadMs'] = Math.round(performance.now() - t1);
}, 180_000);

afterAll(async () => {
  try {
    mkdirSync(artifacts, { recursive: true });
    results['messages'] = messages;
    results['foreignRequests'] = foreign;
    if (page && !page.isClosed()) await page.screenshot({ path: join(artifacts, 'playground.png'), fullPage: true });
    if (wasmPage && !wasmPage.isClosed()) await wasmPage.screenshot({ path: join(artifacts, 'playground-wasm.png'), fullPage: true });
    writeFileSync(join(artifacts, 'playground-results.json'), JSON.stringify(results, null, 2));
  } finally {
    await closeAll(
      () => browser?.close(),
      () => server?.close(),
      () => work && rmSync(work, { recursive: true, force: true }),
    );
  }
}, 60_000);

describe('the playground in headless Chromium', () => {
  it('is a static build with relative paths: the page, wasm binaries, digits, models and a service worker', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    expect(html).toMatch(/src="\.\/assets\/[^"]+\.js"/);
    expect(html).not.toMatch(/(src|href)="\/(?!\/)/); // nothing rooted at the server's top
    for (const f of ['wasm/tfjs-backend-wasm.wasm', 'wasm/tfjs-backend-wasm-simd.wasm', 'data/digits.bin', 'data/digits.json', 'models/index.json', 'sw.js']) {
      expect(existsSync(join(dist, f)), f).toBe(true);
    }
    const index = JSON.parse(readFileSync(join(dist, 'models/index.json'), 'utf8')) as { models: { config: string; weights: string }[] };
    for (const m of index.models) for (const f of [m.config, m.weights]) expect(existsSync(join(dist, f)), f).toBe(true);
  });

  it('by default passes a software WebGPU adapter (SwiftShader here) over for wasm, says so, draws the model, and logs no errors', async () => {
    const p = page!;
    const report = await p.evaluate(() => window.hamuxPlayground!.backend);
    results['backend'] = report;
    const tfBackend = await p.evaluate(() => window.hamuxPlayground!.state().tfBackend);
    if (report.chosen === 'webgpu') {
      // Only on a machine with a GPU: the library's 'auto' takes a hardware adapter.
      expect(report.adapter?.software).toBe(false);
      expect(tfBackend).toBe('webgpu');
    } else {
      expect(report.chosen).toBe('wasm');
      expect(tfBackend).toBe('wasm');
      expect(report.tried.map((t) => [t.name, t.ok])).toEqual([['webgpu', false], ['wasm', true]]);
      if (!SKIP_WEBGPU) {
        expect(report.tried[0]!.adapter?.software, `WebGPU was not found at all: ${JSON.stringify(report.tried)} (set HAMUX_SKIP_WEBGPU=1 to accept that)`).toBe(true);
        expect(await p.locator('#backend').innerText()).toBe('backend: wasm (WebGPU here is software, slower)');
        expect(await p.locator('#backend').getAttribute('title')).toMatch(/^not used: webgpu \(only a software WebGPU adapter was found/);
      }
    }
    expect(await p.locator('#graph svg [data-layer="pixels"]').count()).toBe(1);
    expect(await p.locator('#graph svg [data-synapse="memory"]').count()).toBe(1);
    expect(await p.locator('#layers canvas').count()).toBe(1);
    expect(await collisions(p)).toEqual([]);
    expect(errorsIn(messages)).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('runs on the software adapter when ?backend=webgpu forces it, and recalls there', async () => {
    const p = await open(context!, '?backend=webgpu').catch(async (e: unknown) => {
      if (SKIP_WEBGPU) return undefined;
      throw e;
    });
    if (!p) return; // no WebGPU in this Chromium, accepted by HAMUX_SKIP_WEBGPU=1
    try {
      const report = await p.evaluate(() => window.hamuxPlayground!.backend);
      results['webgpuBackend'] = report;
      expect(report.chosen).toBe('webgpu');
      expect(report.adapter).toBeDefined();
      expect(await p.locator('#backend').innerText()).toMatch(/^backend: webgpu on /);
      const out = await p.evaluate(async () => {
        const api = window.hamuxPlayground!;
        await api.pick('stored', 5);
        await api.corrupt('flip', 0.2, 1);
        const state = await api.run();
        return { state, recalled: api.inputActivation(), stored: api.stored(5) };
      });
      expect(out.state.tfBackend).toBe('webgpu');
      expect(out.state.status).toBe('converged');
      checkEnergy(out.state);
      expect(out.recalled.map((v) => (v >= 0 ? 1 : -1))).toEqual(out.stored);
      expect(errorsIn(messages)).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('recalls a corrupted stored digit exactly, by clicking: pick, flip noise, run', async () => {
    const p = page!;
    await p.selectOption('#model-select', 'pretrained:mnist-completion');
    await p.waitForFunction(() => document.body.dataset['model'] === 'pretrained:mnist-completion');
    await p.selectOption('#gallery-source', 'stored:0');
    const k = 5;
    await p.click(`#gallery button[data-source="stored"][data-index="${k}"]`);
    await p.click('#btn-flip'); // 20% of the pixels, seed 1 (the page's defaults)
    await p.evaluate(() => window.hamuxPlayground!.settled());
    const stored = await p.evaluate((i) => window.hamuxPlayground!.stored(i), k);
    const before = await p.evaluate(() => window.hamuxPlayground!.inputActivation());
    const differ = (a: readonly number[]) => a.filter((v, i) => (v >= 0 ? 1 : -1) !== stored[i]).length;
    expect(differ(before)).toBe(Math.round(0.2 * 784));
    await p.click('#btn-run');
    expect(await waitStopped(p)).toBe('converged');
    const state = await p.evaluate(() => window.hamuxPlayground!.state());
    results['recall'] = { steps: state.step, energyFirst: state.curves[0]!.values[0], energyLast: state.curves[0]!.values.at(-1), gradNorm: state.gradNorm };
    checkEnergy(state);
    expect(state.gradNorm!).toBeLessThanOrEqual(1e-3);
    expect(differ(await p.evaluate(() => window.hamuxPlayground!.inputActivation()))).toBe(0);
    expect(await p.locator('#readout').innerText()).toContain(`#${k}, 784/784 pixels agree — the pattern that was picked, exactly`);
    expect(await p.locator('#energy-plot svg polyline, #energy-plot svg path').count()).toBeGreaterThan(0);
    mkdirSync(artifacts, { recursive: true });
    await p.screenshot({ path: join(artifacts, 'playground-recall.png'), fullPage: true });
  });

  it('fills in a masked digit with the known pixels held, and starts a new curve when β changes', async () => {
    const p = page!;
    const k = 42;
    const out = await p.evaluate(async (i) => {
      const api = window.hamuxPlayground!;
      await api.pick('stored', i);
      await api.corrupt('mask', 0.5, 3);
      const start = api.inputActivation();
      const state = await api.run();
      const beta = await (async () => {
        api.setBeta('synapses.memory.beta', 0.3);
        await api.run();
        return api.state();
      })();
      return { start, state, recalled: api.inputActivation(), stored: api.stored(i), beta };
    }, k);
    expect(out.state.hidden).toBe(392);
    expect(out.state.status).toBe('converged');
    checkEnergy(out.state);
    expect(out.recalled.map((v) => (v >= 0 ? 1 : -1))).toEqual(out.stored);
    // Known pixels did not move (x̂ = tanh of the held ±1); unknown ones started at 0.
    const known = out.start.filter((v) => v !== 0).length;
    expect(known).toBe(392);
    out.start.forEach((v, i) => { if (v !== 0) expect(out.recalled[i]).toBe(v); });
    expect(out.beta.curves).toHaveLength(2);
    expect(out.beta.status).toBe('converged');
    checkEnergy(out.beta);
    // The unknown pixels are tinted on the corrupted input only; the recalled picture is plain grey.
    await p.evaluate(() => window.hamuxPlayground!.settled());
    expect(tinted(await canvasPixels(p, '#input-canvas'))).toBe(392);
    const recalled = await canvasPixels(p, '#layers figure[data-layer="pixels"] canvas');
    expect(recalled.length).toBe(784 * 4);
    expect(tinted(recalled)).toBe(0);
    mkdirSync(artifacts, { recursive: true });
    await p.screenshot({ path: join(artifacts, 'playground-masked.png'), fullPage: true });
  });

  it('classifies shipped digits with the pretrained classifier, input held', async () => {
    const p = page!;
    await p.selectOption('#model-select', 'pretrained:mnist-classifier');
    await p.waitForFunction(() => document.body.dataset['model'] === 'pretrained:mnist-classifier');
    const answers = await p.evaluate(async () => {
      const api = window.hamuxPlayground!;
      const out: { label: number; predicted: number; curve: number[] }[] = [];
      for (let c = 0; c < 10; c++) {
        await api.pick('digits', c * 30 + 7);
        const state = await api.run();
        const p = api.labels()!;
        out.push({ label: c, predicted: p.indexOf(Math.max(...p)), curve: [...state.curves[0]!.values] });
      }
      return out;
    });
    results['classifier'] = answers.map((a) => `${a.label}→${a.predicted}`);
    expect(answers.filter((a) => a.label === a.predicted).length).toBeGreaterThanOrEqual(8);
    for (const a of answers) checkEnergy({ curves: [{ label: 'e', start: 0, values: a.curve }] } as unknown as PlaygroundState);
    expect(await p.locator('#layers .bars .bar').count()).toBe(10);
    expect(await collisions(p)).toEqual([]);
  });

  it('draws a dropped config file, and names the problems of a bad one', async () => {
    const p = page!;
    await p.setInputFiles('#config-file', join(repoDir, 'configs/models/ham-hierarchical.json'));
    await p.waitForFunction(() => document.body.dataset['model']?.startsWith('file:ham-hierarchical.json'));
    expect(await p.evaluate(() => window.hamuxPlayground!.graph())).toEqual({ layers: ['pixels', 'features', 'memories'], synapses: ['encode', 'recall'] });
    for (const name of ['pixels', 'features', 'memories']) expect(await p.locator(`#graph svg [data-layer="${name}"]`).count()).toBe(1);
    for (const name of ['encode', 'recall']) expect(await p.locator(`#graph svg [data-synapse="${name}"] line`).count()).toBe(2);
    await p.click('#btn-step');
    await p.waitForFunction(() => document.querySelector<HTMLElement>('#run-status')!.dataset['step'] === '1');
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ layers: { a: { shape: [3], lagrangian: { kind: 'softmax', beta: -1 } } }, synapses: { s: { kind: 'dense', connects: ['a', 'b'] } } }));
    await p.setInputFiles('#config-file', bad);
    await p.waitForFunction(() => document.querySelector('#model-errors')!.textContent !== '');
    const errors = await p.locator('#model-errors').innerText();
    expect(errors).toMatch(/layers\.a\.lagrangian\.beta/);
    expect(errors).toMatch(/synapses\.s\.connects\[1\]: unknown layer "b"/);
    // The model in use stays, and the menu does not offer the broken file.
    expect(await p.evaluate(() => document.body.dataset['model'])).toBe('file:ham-hierarchical.json');
    expect(await p.evaluate(() => window.hamuxPlayground!.models().some((m) => m.id.startsWith('file:bad.json')))).toBe(false);
    expect(errorsIn(messages)).toEqual([]);
  });

  it('runs with wasm forced (?backend=wasm) and recalls', async () => {
    wasmPage = await open(context!, '?backend=wasm');
    {
      const report = await wasmPage.evaluate(() => window.hamuxPlayground!.backend);
      results['wasmBackend'] = report;
      expect(report.chosen).toBe('wasm');
      expect(await wasmPage.locator('#backend').innerText()).toBe('backend: wasm');
      const out = await wasmPage.evaluate(async () => {
        const api = window.hamuxPlayground!;
        await api.pick('stored', 5);
        await api.corrupt('flip', 0.2, 1);
        const state = await api.run();
        return { state, recalled: api.inputActivation(), stored: api.stored(5) };
      });
      expect(out.state.tfBackend).toBe('wasm');
      expect(out.state.status).toBe('converged');
      checkEnergy(out.state);
      expect(out.recalled.map((v) => (v >= 0 ? 1 : -1))).toEqual(out.stored);
    }
    expect(errorsIn(messages)).toEqual([]);
  });

  it('inpaints hidden patches with the pretrained Energy Transformer better than a blank fill (wasm)', async () => {
    const p = wasmPage!;
    await p.selectOption('#model-select', 'pretrained:et-inpainting');
    await p.waitForFunction(() => document.body.dataset['model'] === 'pretrained:et-inpainting');
    const runs = await p.evaluate(async () => {
      const api = window.hamuxPlayground!;
      const out = [];
      for (const i of [3, 95, 160, 222, 281]) {
        await api.pick('digits', i);
        await api.corrupt('mask', 0.5, i);
        const state = await api.run();
        out.push({ picture: api.picture(), patches: api.inputActivation(), curve: [...state.curves[0]!.values], readout: document.querySelector('#readout')!.textContent! });
      }
      return out;
    });
    // Independent check of the page's numbers: patch n = 7·⌊r/4⌋ + ⌊c/4⌋ holds pixel (r, c) at 4·(r mod 4) + (c mod 4).
    const scores = runs.map((r) => {
      let mse = 0, blank = 0, n = 0;
      for (let row = 0; row < 28; row++) {
        for (let col = 0; col < 28; col++) {
          const i = row * 28 + col;
          if (!r.picture.hidden[i]) continue;
          const v = r.patches[(7 * Math.floor(row / 4) + Math.floor(col / 4)) * 16 + 4 * (row % 4) + (col % 4)]!;
          mse += (Math.min(1, Math.max(0, v)) - r.picture.original[i]!) ** 2;
          blank += r.picture.original[i]! ** 2;
          n++;
        }
      }
      expect(n).toBe(25 * 16); // round(0.5 · 49) = 25 patches of 4×4 hidden
      return { mse: mse / n, blank: blank / n, curve: r.curve, readout: r.readout };
    });
    results['etInpainting'] = scores.map((s) => ({ mse: s.mse, blank: s.blank }));
    for (const s of scores) expect(s.readout).toContain(`MSE ${s.mse.toFixed(4)}`);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(scores.map((s) => s.mse))).toBeLessThan(mean(scores.map((s) => s.blank)));
    for (const s of scores) checkEnergy({ curves: [{ label: 'e', start: 0, values: s.curve }] } as unknown as PlaygroundState);
    // Its graph has three badges under one layer: each holds its text, none meets another label.
    expect(await p.locator('#graph svg g.unary').count()).toBe(3);
    expect(await collisions(p)).toEqual([]);
    // The masked input shows its unknown patches; the recalled picture does not.
    expect(tinted(await canvasPixels(p, '#input-canvas'))).toBe(25 * 16);
    expect(tinted(await canvasPixels(p, '#layers figure[data-layer="patches"] canvas'))).toBe(0);
    mkdirSync(artifacts, { recursive: true });
    await p.screenshot({ path: join(artifacts, 'playground-et.png'), fullPage: true });
  });

  it('trains a classifier in the page, its loss falling, and relaxes with it (wasm)', async () => {
    const p = wasmPage!;
    await p.fill('#train-steps', '40');
    await p.click('#btn-train');
    await p.waitForFunction(() => document.querySelector<HTMLElement>('#train-status')!.dataset['state'] === 'stopped', undefined, { timeout: 90_000 });
    const summary = await p.evaluate(() => window.hamuxPlayground!.training());
    results['training'] = { steps: summary.steps, firstLosses: summary.losses.slice(0, 5), lastLosses: summary.losses.slice(-5), heldOut: summary.heldOut, last: summary.last };
    expect(summary.steps).toBe(40);
    const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(summary.losses.slice(-5))).toBeLessThan(0.8 * mean(summary.losses.slice(0, 5)));
    expect(summary.heldOut[0]!.step).toBe(0);
    expect(summary.heldOut.at(-1)!.loss).toBeLessThan(summary.heldOut[0]!.loss);
    expect(await p.locator('#loss-plot svg').count()).toBe(1);
    await p.click('#btn-use-trained');
    await p.waitForFunction(() => document.body.dataset['model'] === 'trained');
    await p.click('#btn-run');
    await waitStopped(p);
    checkEnergy(await p.evaluate(() => window.hamuxPlayground!.state()));
    expect(await p.locator('#graph svg [data-layer]').count()).toBe(3);
  });

  it('works offline once loaded (service worker)', async () => {
    const p = page!;
    await p.waitForFunction(() => document.body.dataset['offline'] === 'ready', undefined, { timeout: 30_000 }).catch(async (e: unknown) => {
      const why = await p.evaluate(async () => ({
        line: document.querySelector('#offline')!.textContent,
        registrations: (await navigator.serviceWorker.getRegistrations()).map((r) => ({ scope: r.scope, installing: !!r.installing, waiting: !!r.waiting, active: !!r.active })),
      }));
      throw new Error(`the service worker did not become ready: ${JSON.stringify(why)} (${String(e)})`);
    });
    await context!.setOffline(true);
    try {
      const offline = await open(context!, '?backend=wasm&offline=1');
      try {
        const state = await offline.evaluate(async () => {
          const api = window.hamuxPlayground!;
          await api.selectModel('pretrained:et-inpainting');
          await api.pick('digits', 10);
          return api.run();
        });
        expect(state.model).toBe('pretrained:et-inpainting');
        checkEnergy(state);
      } finally {
        await offline.close();
      }
    } finally {
      await context!.setOffline(false);
    }
  });
});
