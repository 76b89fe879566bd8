import { describe, expect, it } from 'vitest';
import { formatTick, linePlot, logTicks, niceTicks, textWidth } from '../src/index.js';

/** Every `points` attribute of the polylines, parsed to numbers. */
function polylines(svg: string): number[][][] {
  return [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number)));
}

describe('ticks', () => {
  it('chooses round linear ticks that cover the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3.2, 7.9)).toEqual([-2, 0, 2, 4, 6]);
    expect(niceTicks(-206, 444.1)).toEqual([-200, 0, 200, 400]);
    expect(niceTicks(0.001, 0.0042)).toEqual([0.001, 0.002, 0.003, 0.004]);
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(niceTicks(1, 0)).toEqual([]);
  });
  it('puts log ticks on powers of ten and thins them', () => {
    expect(logTicks(3, 20000)).toEqual([10, 100, 1000, 10000]);
    expect(logTicks(3, 200)).toEqual([5, 10, 20, 50, 100, 200]);
    expect(logTicks(1e-9, 1e9, 5)).toEqual([1e-9, 1e-5, 1e-1, 1e3, 1e7]);
    expect(logTicks(0, 10)).toEqual([]);
  });
  it('formats ticks compactly', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(1e6)).toBe('1e6');
    expect(formatTick(2.5e-7)).toBe('2.5e-7');
  });
});

describe('linePlot', () => {
  it('maps data monotonically into the plot box, y growing upwards', () => {
    const svg = linePlot([{ name: 'a', x: [0, 1, 2], y: [0, 10, 5] }], { width: 500, height: 300 });
    const [line] = polylines(svg);
    expect(line).toHaveLength(3);
    const [p0, p1, p2] = line!;
    expect(p0![0]).toBeLessThan(p1![0]!);
    expect(p1![0]).toBeLessThan(p2![0]!);
    expect(p1![1]).toBeLessThan(p2![1]!); // y = 10 is drawn above y = 5
    expect(p2![1]).toBeLessThan(p0![1]!);
    for (const [x, y] of line!) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(500);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(300);
    }
  });
  it('spaces powers of ten evenly on a log axis', () => {
    const svg = linePlot([{ name: 'a', x: [1, 10, 100], y: [1, 2, 3] }], { logX: true });
    const [line] = polylines(svg);
    const [a, b, c] = line!.map((p) => p[0]!);
    expect(b! - a!).toBeCloseTo(c! - b!, 1);
  });
  it('breaks lines at missing values and at non-positive values on a log axis', () => {
    const svg = linePlot([{ name: 'a', x: [1, 2, 3, 4, 5], y: [1, 2, Number.NaN, 4, 0] }], { logY: true });
    expect(polylines(svg).map((l) => l.length)).toEqual([2]);
  });
  it('escapes text and draws a legend for several series', () => {
    const svg = linePlot(
      [
        { name: 'n < 3 & "x"', x: [0, 1], y: [0, 1] },
        { name: 'b', x: [0, 1], y: [1, 0], dashed: true },
      ],
      { title: 'a <title>', xLabel: 'K', yLabel: 'recall' },
    );
    expect(svg).not.toContain('n < 3');
    expect(svg).toContain('n &#60; 3 &#38; &#34;x&#34;');
    expect(svg).toContain('a &#60;title&#62;');
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2); // the dashed line and its legend entry
  });
  it('draws an empty plot without failing', () => {
    expect(linePlot([])).toContain('<svg');
  });
});

/** A box `[x0, x1] × [y0, y1]`. */
interface Box { x0: number; y0: number; x1: number; y1: number }
const num = (tag: string, name: string) => Number(new RegExp(`\\s${name}="([^"]*)"`).exec(tag)![1]);
const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
const union = (boxes: Box[]): Box => ({
  x0: Math.min(...boxes.map((b) => b.x0)), y0: Math.min(...boxes.map((b) => b.y0)),
  x1: Math.max(...boxes.map((b) => b.x1)), y1: Math.max(...boxes.map((b) => b.y1)),
});
const intersect = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The canvas, the plot frame, the box round every point drawn, and the legend's box (swatches and names). */
function geometry(svg: string): { canvas: Box; frame: Box; data: Box; legend: Box | undefined } {
  const [, w, h] = /viewBox="0 0 (\S+) (\S+)"/.exec(svg)!;
  const frameTag = /<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="none" stroke="black"\/>/.exec(svg)![0];
  const frame = { x0: num(frameTag, 'x'), y0: num(frameTag, 'y'), x1: num(frameTag, 'x') + num(frameTag, 'width'), y1: num(frameTag, 'y') + num(frameTag, 'height') };
  const points = [
    ...polylines(svg).flat().map(([x, y]) => ({ x0: x!, y0: y!, x1: x!, y1: y! })),
    ...[...svg.matchAll(/<circle[^>]*>/g)].map(([t]) => ({ x0: num(t, 'cx') - num(t, 'r'), y0: num(t, 'cy') - num(t, 'r'), x1: num(t, 'cx') + num(t, 'r'), y1: num(t, 'cy') + num(t, 'r') })),
  ];
  const group = /<g class="legend">([\s\S]*?)<\/g>/.exec(svg)?.[1];
  let legend: Box | undefined;
  if (group) {
    const boxes: Box[] = [];
    for (const [t] of group.matchAll(/<line[^>]*>/g)) boxes.push({ x0: num(t, 'x1'), y0: num(t, 'y1') - 1, x1: num(t, 'x2'), y1: num(t, 'y2') + 1 });
    for (const m of group.matchAll(/(<text[^>]*>)([^<]*)<\/text>/g)) {
      const size = num(m[1]!, 'font-size'), x = num(m[1]!, 'x'), y = num(m[1]!, 'y');
      boxes.push({ x0: x, y0: y - 0.93 * size, x1: x + textWidth(unescape(m[2]!), size), y1: y + 0.24 * size });
    }
    legend = union(boxes);
  }
  return { canvas: { x0: 0, y0: 0, x1: Number(w), y1: Number(h) }, frame, data: union(points), legend };
}
const inside = (a: Box, b: Box) => a.x0 >= b.x0 && a.y0 >= b.y0 && a.x1 <= b.x1 && a.y1 <= b.y1;

describe('legends outside the data', () => {
  const ramp = (k: number, n = 100) => Array.from({ length: n }, (_, i) => Math.exp(-i / (5 + k)) * 1e4 - 1e4);
  const steps = Array.from({ length: 100 }, (_, i) => i);
  const cases: [string, Parameters<typeof linePlot>][] = [
    // The Energy Transformer example's energy.svg: ten curves that start at the top-left corner, and a long-named marker line.
    ['ET energy', [[...Array.from({ length: 10 }, (_, c) => ({ name: `digit ${c}`, x: steps, y: ramp(c) })), { name: 'step 6: end of the trained descent', x: [6, 6], y: [-1e4, 0], dashed: true }],
      { title: 'Energy during inpainting', xLabel: 'step', yLabel: 'energy' }]],
    // The bench noise plot: six variants with markers on a log axis, one dashed reference.
    ['bench noise', [[...['dense', 'hierarchical-3', 'hierarchical-4', 'conv-hierarchical', 'hierarchical-3-sigmoid', 'hierarchical-3-tau1'].map((name, i) => ({ name, x: [0.2, 0.4, 0.6], y: [0.05 + 0.05 * i, 0.06 + 0.05 * i, 0.07 + 0.05 * i], markers: true })), { name: 'noisy input', x: [0.2, 0.4, 0.6], y: [0.04, 0.16, 0.36], dashed: true }],
      { title: 'Restoring noisy digits', xLabel: 'noise σ', yLabel: 'error (MSE per pixel)', logY: true }]],
    ['two short names', [[{ name: 'train', x: [0, 1, 2], y: [3, 2, 1] }, { name: 'test', x: [0, 1, 2], y: [3, 2.5, 2] }], { xLabel: 'epoch', yLabel: 'loss' }]],
    ['long names, small canvas', [[{ name: 'hierarchical (784 — 96 — 256), converged', x: [0.1, 0.7], y: [1, 2] }, { name: 'dense (784 — 128), after 15 steps', x: [0.1, 0.7], y: [2, 1] }], { width: 400, height: 300, title: 't', xLabel: 'x' }]],
    ['forced right', [[{ name: 'a', x: [0, 1], y: [0, 1] }, { name: 'b', x: [0, 1], y: [1, 0] }], { legendPosition: 'right' }]],
    ['forced below', [[{ name: 'a', x: [0, 1], y: [0, 1] }, { name: 'b', x: [0, 1], y: [1, 0] }], { legendPosition: 'below', xLabel: 'x' }]],
  ];
  for (const [name, args] of cases) {
    it(`${name}: the legend is inside the canvas and clear of the plot area`, () => {
      const g = geometry(linePlot(...args));
      expect(g.legend).toBeDefined();
      expect(inside(g.legend!, g.canvas), `legend ${JSON.stringify(g.legend)} inside ${JSON.stringify(g.canvas)}`).toBe(true);
      expect(intersect(g.legend!, g.frame), `legend ${JSON.stringify(g.legend)} meets the plot frame ${JSON.stringify(g.frame)}`).toBe(false);
      expect(intersect(g.legend!, g.data), 'legend meets the data').toBe(false);
      expect(inside(g.data, { x0: g.frame.x0 - 3, y0: g.frame.y0 - 3, x1: g.frame.x1 + 3, y1: g.frame.y1 + 3 }), 'data (markers of radius 2.5 included) inside the frame').toBe(true);
    });
  }
  it('puts the legend below when that leaves more of the plot, at the right when asked, and keeps the canvas size', () => {
    const area = (b: Box) => (b.x1 - b.x0) * (b.y1 - b.y0);
    for (const [, args] of cases.slice(0, 4)) {
      const auto = geometry(linePlot(...args));
      const right = geometry(linePlot(args[0], { ...args[1], legendPosition: 'right' }));
      const below = geometry(linePlot(args[0], { ...args[1], legendPosition: 'below' }));
      expect(right.legend!.x0).toBeGreaterThan(right.frame.x1);
      expect(below.legend!.y0).toBeGreaterThan(below.frame.y1);
      expect(area(auto.frame)).toBeCloseTo(Math.max(area(right.frame), area(below.frame)), 0);
      for (const g of [auto, right, below]) expect(g.canvas).toEqual({ x0: 0, y0: 0, x1: args[1]?.width ?? 640, y1: args[1]?.height ?? 420 });
    }
    // Ten short entries and a long one share a table below: fewer rows than entries.
    const et = geometry(linePlot(...cases[0]![1]));
    expect(et.legend!.y0).toBeGreaterThan(et.frame.y1);
    expect(et.legend!.y1 - et.legend!.y0).toBeLessThan(4 * 16);
  });
  it('keeps the x-axis label clear of a legend below', () => {
    const svg = linePlot(...cases[5]![1]);
    const g = geometry(svg);
    const label = /<text x="([^"]*)" y="([^"]*)" font-size="13" text-anchor="middle">x<\/text>/.exec(svg)!;
    expect(Number(label[2]) + 0.24 * 13).toBeLessThanOrEqual(g.legend!.y0);
    expect(Number(label[2]) - 0.93 * 13).toBeGreaterThan(g.frame.y1 + 16);
  });
  it('draws no legend for one series unless asked', () => {
    expect(linePlot([{ name: 'a', x: [0, 1], y: [0, 1] }])).not.toContain('class="legend"');
    expect(linePlot([{ name: 'a', x: [0, 1], y: [0, 1] }], { legend: true })).toContain('class="legend"');
  });
});
