import { formatTick, logTicks, niceTicks } from './ticks.js';

/** One named curve: points `(x[i], y[i])`; non-finite points (and ≤ 0 on a log axis) break the line. */
export interface Series {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Draw a marker at every point (default: only when the series has at most 40 points). */
  readonly markers?: boolean;
  readonly dashed?: boolean;
  readonly colour?: string;
}

export interface LinePlotOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Show the legend (default: when there is more than one named series). */
  readonly legend?: boolean;
}

/** Ten well-separated colours (the matplotlib "tab10" order, a convention readers know). */
export const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));

interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
  readonly ticks: number[];
}

/** The data range of one axis, padded when it is a single value, and its ticks. */
function axis(values: number[], log: boolean, count: number): Axis {
  const ok = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = ok.length ? Math.min(...ok) : log ? 1 : 0;
  let hi = ok.length ? Math.max(...ok) : log ? 10 : 1;
  if (log) {
    if (hi === lo) { lo /= 2; hi *= 2; }
    const ticks = logTicks(lo, hi);
    // Fewer than two decades shown: label round values in between as well.
    const t = ticks.length >= 2 ? ticks : niceTicks(lo, hi, count).filter((v) => v > 0);
    return { lo, hi, log, ticks: t };
  }
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  return { lo, hi, log, ticks: niceTicks(lo, hi, count) };
}

/** Maps a value to [0, 1] along the axis (log axes in log space). */
function unit(a: Axis, v: number): number {
  if (a.log) return (Math.log(v) - Math.log(a.lo)) / (Math.log(a.hi) - Math.log(a.lo));
  return (v - a.lo) / (a.hi - a.lo);
}

/**
 * A line plot as a standalone SVG document: axes with round ticks (powers of ten on log axes),
 * labels, a title and a legend. Plain SVG 1.1, so browsers, `rsvg-convert` and Inkscape all draw it.
 */
export function linePlot(series: readonly Series[], options: LinePlotOptions = {}): string {
  const W = options.width ?? 640, H = options.height ?? 420;
  const L = 78, R = 20, T = options.title ? 36 : 16, B = 52;
  const xs = axis(series.flatMap((s) => Array.from(s.x)), options.logX ?? false, 6);
  const ys = axis(series.flatMap((s) => Array.from(s.y)), options.logY ?? false, 6);
  const px = (v: number) => L + (W - L - R) * unit(xs, v);
  const py = (v: number) => H - B - (H - T - B) * unit(ys, v);
  const visible = (v: number, a: Axis) => Number.isFinite(v) && (!a.log || v > 0);

  const parts: string[] = [];
  if (options.title) parts.push(`<text x="${W / 2}" y="22" font-size="15" text-anchor="middle">${esc(options.title)}</text>`);
  for (const t of ys.ticks) {
    const y = num(py(t));
    parts.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${L - 6}" y="${num(py(t) + 4)}" font-size="11" text-anchor="end">${formatTick(t)}</text>`);
  }
  for (const t of xs.ticks) {
    const x = num(px(t));
    parts.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${H - B}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${x}" y="${H - B + 16}" font-size="11" text-anchor="middle">${formatTick(t)}</text>`);
  }
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="black"/>`);
  if (options.xLabel) parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" font-size="13" text-anchor="middle">${esc(options.xLabel)}</text>`);
  if (options.yLabel) {
    const cy = (T + H - B) / 2;
    parts.push(`<text x="16" y="${cy}" font-size="13" text-anchor="middle" transform="rotate(-90 16 ${cy})">${esc(options.yLabel)}</text>`);
  }

  series.forEach((s, i) => {
    const colour = s.colour ?? COLOURS[i % COLOURS.length]!;
    const n = Math.min(s.x.length, s.y.length);
    const runs: string[][] = [[]];
    const marks: string[] = [];
    for (let j = 0; j < n; j++) {
      const x = s.x[j]!, y = s.y[j]!;
      if (!visible(x, xs) || !visible(y, ys)) {
        if (runs[runs.length - 1]!.length) runs.push([]);
        continue;
      }
      runs[runs.length - 1]!.push(`${num(px(x))},${num(py(y))}`);
      if (s.markers ?? n <= 40) marks.push(`<circle cx="${num(px(x))}" cy="${num(py(y))}" r="2.5" fill="${colour}"/>`);
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    for (const run of runs.filter((r) => r.length > 1)) {
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.6"${dash} points="${run.join(' ')}"><title>${esc(s.name)}</title></polyline>`);
    }
    parts.push(...marks);
  });

  if (options.legend ?? series.length > 1) {
    const lx = L + 10;
    series.forEach((s, i) => {
      const colour = s.colour ?? COLOURS[i % COLOURS.length]!;
      const y = T + 14 + 16 * i;
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<line x1="${lx}" y1="${y - 4}" x2="${lx + 22}" y2="${y - 4}" stroke="${colour}" stroke-width="2"${dash}/>`);
      parts.push(`<text x="${lx + 28}" y="${y}" font-size="12">${esc(s.name)}</text>`);
    });
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
