// The hypergraph drawing of `hamux inspect --svg`, checked as geometry: the SVG is parsed, every
// circle, square and line of text becomes a box (text as wide as plot's `textWidth`, an upper bound
// for DejaVu Sans, the font Linux browsers draw sans-serif with, checked in plot's tests), and the
// boxes must not overlap and must lie inside the viewBox. HAMUX_TEST_ARTIFACTS=DIR keeps the drawings for looking at.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFromConfig } from '@hamux-ts/config';
import { textWidth } from '@hamux-ts/plot';
import { graphSvg, type GraphEdge, type GraphLayer } from '../src/svg.js';

const modelsDir = resolve(import.meta.dirname, '../../../configs/models');

const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));

interface Box { x0: number; y0: number; x1: number; y1: number; what: string }
interface Drawing { width: number; height: number; circles: Box[]; squares: Box[]; nodeText: Box[]; labels: Box[]; layerCentres: [number, number][] }

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const n = (tag: string, name: string): number => Number(attr(tag, name));

/** The boxes of what `graphSvg` drew. */
function parse(svg: string): Drawing {
  const viewBox = attr(/<svg[^>]*>/.exec(svg)![0], 'viewBox')!.split(' ').map(Number);
  expect(viewBox.slice(0, 2)).toEqual([0, 0]);
  const d: Drawing = { width: viewBox[2]!, height: viewBox[3]!, circles: [], squares: [], nodeText: [], labels: [], layerCentres: [] };
  for (const [tag] of svg.matchAll(/<circle[^>]*>/g)) {
    const cx = n(tag, 'cx'), cy = n(tag, 'cy'), r = n(tag, 'r');
    d.circles.push({ x0: cx - r, y0: cy - r, x1: cx + r, y1: cy + r, what: `circle at ${cx},${cy}` });
    d.layerCentres.push([cx, cy]);
  }
  for (const [tag] of svg.matchAll(/<rect[^>]*>/g)) {
    if (attr(tag, 'width') === '100%') continue; // the white background
    const x = n(tag, 'x'), y = n(tag, 'y');
    d.squares.push({ x0: x, y0: y, x1: x + n(tag, 'width'), y1: y + n(tag, 'height'), what: `square at ${x},${y}` });
  }
  for (const m of svg.matchAll(/(<text[^>]*>)([^<]*)<\/text>/g)) {
    const tag = m[1]!, text = unescape(m[2]!);
    const size = n(tag, 'font-size'), bold = attr(tag, 'font-weight') === 'bold';
    const w = textWidth(text, size, bold);
    const x = n(tag, 'x'), y = n(tag, 'y');
    const x0 = attr(tag, 'text-anchor') === 'middle' ? x - w / 2 : x;
    // DejaVu Sans: ascent 0.93 em above the baseline at most (capitals and accents), descent 0.24 em.
    const box = { x0, y0: y - 0.93 * size, x1: x0 + w, y1: y + 0.24 * size, what: `text "${text}"` };
    (attr(tag, 'fill') === '#a33' ? d.labels : d.nodeText).push(box);
  }
  return d;
}

const overlap = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
function noOverlaps(a: readonly Box[], b: readonly Box[], same = false): void {
  a.forEach((p, i) => b.forEach((q, j) => {
    if (same && j <= i) return;
    expect(overlap(p, q), `${p.what} overlaps ${q.what}`).toBe(false);
  }));
}

/** Every check the drawing must pass, and the parsed drawing for more. */
function check(layers: readonly GraphLayer[], edges: readonly GraphEdge[], name: string): Drawing {
  const svg = graphSvg(layers, edges);
  const dir = process.env['HAMUX_TEST_ARTIFACTS'];
  if (dir) { mkdirSync(dir, { recursive: true }); writeFileSync(join(dir, `${name}.svg`), svg); }
  const d = parse(svg);
  expect(d.circles).toHaveLength(layers.length);
  expect(d.squares).toHaveLength(edges.length);
  expect(d.labels).toHaveLength(edges.length);
  const all = [...d.circles, ...d.squares, ...d.nodeText, ...d.labels];
  for (const b of all) {
    expect(b.x0 >= 0 && b.y0 >= 0 && b.x1 <= d.width && b.y1 <= d.height, `${b.what} [${b.x0}, ${b.x1}] × [${b.y0}, ${b.y1}] leaves the ${d.width} × ${d.height} canvas`).toBe(true);
  }
  noOverlaps(d.labels, d.labels, true);
  noOverlaps(d.labels, [...d.circles, ...d.squares, ...d.nodeText]);
  noOverlaps(d.squares, d.squares, true);
  noOverlaps(d.squares, [...d.circles, ...d.nodeText]);
  // Each layer's two lines of text stay clear of the other layers.
  d.circles.forEach((c, i) => noOverlaps([c, d.nodeText[2 * i]!, d.nodeText[2 * i + 1]!], d.circles.filter((_, j) => j !== i)));
  noOverlaps(d.nodeText, [], true);
  for (let i = 0; i < layers.length; i++) for (let j = 0; j < layers.length; j++) {
    if (i !== j) noOverlaps([d.nodeText[2 * i]!, d.nodeText[2 * i + 1]!], [d.nodeText[2 * j]!, d.nodeText[2 * j + 1]!]);
  }
  // The drawing sits in the middle of its canvas.
  const x0 = Math.min(...all.map((b) => b.x0)), x1 = Math.max(...all.map((b) => b.x1));
  const y0 = Math.min(...all.map((b) => b.y0)), y1 = Math.max(...all.map((b) => b.y1));
  expect(Math.abs((x0 + x1) / 2 - d.width / 2), 'centred across').toBeLessThan(8);
  expect(Math.abs((y0 + y1) / 2 - d.height / 2), 'centred down').toBeLessThan(8);
  return d;
}

/** The layers and synapses `hamux inspect` hands to `graphSvg` for a config. */
function graphOf(config: unknown): [GraphLayer[], GraphEdge[]] {
  const ham = buildFromConfig(config);
  try {
    return [
      ham.layerNames.map((name) => ({ name, shape: ham.layers[name]!.shape, kind: ham.layers[name]!.lagrangian.kind })),
      ham.synapseNames.map((name) => ({ name, kind: ham.synapses[name]!.synapse.kind, connects: ham.synapses[name]!.connects })),
    ];
  } finally {
    ham.dispose();
  }
}
const model = (file: string) => graphOf(JSON.parse(readFileSync(join(modelsDir, file), 'utf8')));

describe('graphSvg', () => {
  it('puts a lone layer in the middle of the canvas', () => {
    const d = check([{ name: 'x', shape: [3], kind: 'relu' }], [], 'one-layer');
    const [cx, cy] = d.layerCentres[0]!;
    expect(cx).toBeCloseTo(d.width / 2, 0);
    expect(d.width).toBeLessThanOrEqual(300);
  });

  it('centres a one-layer graph with its synapses around it, labels apart and inside (configs/models/energy-transformer.json)', () => {
    const [layers, edges] = model('energy-transformer.json');
    expect(layers).toHaveLength(1);
    expect(edges.length).toBeGreaterThanOrEqual(2);
    const d = check(layers, edges, 'energy-transformer');
    // The layer is in the middle across, with its synapses on both sides.
    expect(Math.abs(d.layerCentres[0]![0] - d.width / 2)).toBeLessThan(d.width * 0.1);
    expect(d.squares.some((s) => s.x1 < d.layerCentres[0]![0]) && d.squares.some((s) => s.x0 > d.layerCentres[0]![0])).toBe(true);
  });

  it('draws the Energy Transformer preset', () => {
    const [layers, edges] = model('preset-energy-transformer.json');
    check(layers, edges, 'preset-energy-transformer');
  });

  it('keeps labels off the layers in the classifier preset', () => {
    const [layers, edges] = model('preset-classifier.json');
    check(layers, edges, 'preset-classifier');
  });

  it('spreads a crowded graph: many synapses between few layers, on one layer, and across three', () => {
    const layers: GraphLayer[] = [
      { name: 'visible', shape: [784], kind: 'identity' },
      { name: 'hidden', shape: [512], kind: 'softmax' },
      { name: 'labels', shape: [10], kind: 'softmax' },
    ];
    const edges: GraphEdge[] = [
      ...Array.from({ length: 6 }, (_, i) => ({ name: `memory${i}`, kind: 'dense', connects: ['visible', 'hidden'] })),
      ...Array.from({ length: 4 }, (_, i) => ({ name: `readout${i}`, kind: 'denseBias', connects: ['hidden', 'labels'] })),
      ...Array.from({ length: 3 }, (_, i) => ({ name: `self${i}`, kind: 'energyAttention', connects: ['hidden'] })),
      { name: 'triple', kind: 'trilinear', connects: ['visible', 'hidden', 'labels'] },
      { name: 'direct', kind: 'dense', connects: ['labels', 'visible'] },
    ];
    check(layers, edges, 'crowded-three');
    check(layers.slice(0, 2), edges.filter((e) => e.connects.every((l) => l !== 'labels')), 'crowded-two');
    check(layers.slice(0, 1), Array.from({ length: 5 }, (_, i) => ({ name: `attention-head-${i}`, kind: 'energyAttention', connects: ['visible'] })), 'crowded-one');
  });

  it('draws every config in configs/models cleanly', () => {
    for (const file of readdirSync(modelsDir).filter((f) => f.endsWith('.json'))) {
      const [layers, edges] = model(file);
      check(layers, edges, file.replace(/\.json$/, ''));
    }
  });

  it('gives long layer names a circle that holds them', () => {
    const d = check([{ name: 'memories', shape: [512], kind: 'softmax' }, { name: 'a-rather-long-layer-name', shape: [7], kind: 'identity' }], [{ name: 's', kind: 'dense', connects: ['memories', 'a-rather-long-layer-name'] }], 'long-names');
    d.circles.forEach((c, i) => {
      const t = d.nodeText[2 * i]!;
      expect(t.x0 >= c.x0 && t.x1 <= c.x1, `${t.what} is wider than its circle`).toBe(true);
    });
  });
});
