import { describe, expect, it } from 'vitest';
import { formatTick, linePlot, logTicks, niceTicks } from '../src/index.js';

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
