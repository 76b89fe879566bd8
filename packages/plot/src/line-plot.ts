import { formatTick, logTicks, niceTicks } from './ticks.js';
import { textWidth } from './text.js';

/** One named curve: points `(x[i], y[i])`; non-finite points (and ≤ 0 on a log axis) break the line. */
export interface Series {
  /** The name shown in the legend. */
  readonly name: string;
  /** The x coordinates. */
  readonly x: ArrayLike<number>;
  /** The y coordinates, one per x. */
  readonly y: ArrayLike<number>;
  /** Draw a marker at every point (default: only when the series has at most 40 points). */
  readonly markers?: boolean;
  /** Draw the line dashed. */
  readonly dashed?: boolean;
  /** A CSS colour; default the next of `COLOURS`. */
  readonly colour?: string;
}

/** Options of `linePlot`: title, axis labels and scales, size and legend placement. */
export interface LinePlotOptions {
  /** Title above the plot. */
  readonly title?: string;
  /** Label of the x axis. */
  readonly xLabel?: string;
  /** Label of the y axis. */
  readonly yLabel?: string;
  /** Logarithmic x axis. */
  readonly logX?: boolean;
  /** Logarithmic y axis. */
  readonly logY?: boolean;
  /** Width of the SVG in pixels. */
  readonly width?: number;
  /** Height of the SVG in pixels. */
  readonly height?: number;
  /** Show the legend (default: when there is more than one named series). */
  readonly legend?: boolean;
  /**
   * Where the legend goes, always outside the plot area: `right` of it, or `below` the x-axis label
   * in rows. Default: right when the legend takes at most a third of the width and fits the
   * plot's height, else below.
   */
  readonly legendPosition?: 'right' | 'below';
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
 * labels, a title and a legend outside the plot area, so it never covers the data (see
 * `legendPosition`). Plain SVG 1.1, so browsers, `rsvg-convert` and Inkscape all draw it.
 */
export function linePlot(series: readonly Series[], options: LinePlotOptions = {}): string {
  const W = options.width ?? 640, H = options.height ?? 420;
  const T = options.title ? 36 : 16;
  const legend = (options.legend ?? series.length > 1) ? legendLayout(series, W, H, T, options.legendPosition) : undefined;
  const L = 78, R = 20 + (legend?.right ?? 0), B = 52 + (legend?.below ?? 0);
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
  if (options.xLabel) parts.push(`<text x="${(L + W - R) / 2}" y="${H - B + 40}" font-size="13" text-anchor="middle">${esc(options.xLabel)}</text>`);
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

  if (legend) {
    const top = legend.right ? T : H - legend.below;
    const left = legend.right ? W - legend.right : L;
    parts.push('<g class="legend">');
    series.forEach((s, i) => {
      const colour = s.colour ?? COLOURS[i % COLOURS.length]!;
      const x = left + legend.at[i]![0], y = top + legend.at[i]![1] + 12;
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<line x1="${num(x)}" y1="${y - 4}" x2="${num(x + SWATCH)}" y2="${y - 4}" stroke="${colour}" stroke-width="2"${dash}/>`);
      parts.push(`<text x="${num(x + SWATCH + 6)}" y="${y}" font-size="${LEGEND_FONT}">${esc(s.name)}</text>`);
    });
    parts.push('</g>');
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

const LEGEND_FONT = 12, SWATCH = 22, ROW = 16;

/**
 * Where each legend entry goes, relative to the legend's top-left corner, and the room the legend
 * takes from the plot area: a column at the right, or a table of rows below the x-axis label. Left
 * to itself it takes whichever leaves the larger share of the plot area.
 */
function legendLayout(series: readonly Series[], W: number, H: number, T: number, position: 'right' | 'below' | undefined): { right: number; below: number; at: [number, number][] } {
  const widths = series.map((s) => SWATCH + 6 + textWidth(s.name, LEGEND_FONT));
  const right = Math.max(0, ...widths) + 24;
  // Below: the most columns (entries row by row, each column as wide as its widest) that fit under the plot.
  const room = W - 78 - 20, gap = 18;
  let columns = Math.max(1, series.length), columnWidths: number[] = [];
  for (; columns >= 1; columns--) {
    columnWidths = Array.from({ length: columns }, (_, c) => Math.max(0, ...widths.filter((_, i) => i % columns === c)));
    if (columns === 1 || columnWidths.reduce((a, b) => a + b, 0) + gap * (columns - 1) <= room) break;
  }
  const rows = Math.ceil(series.length / columns);
  const below = rows * ROW + 6;
  const plotW = W - 78 - 20, plotH = H - T - 52;
  const fitsRight = series.length * ROW + 8 <= plotH && right <= plotW / 2;
  if (position === 'right' || (position === undefined && fitsRight && right / plotW < below / plotH)) {
    return { right, below: 0, at: series.map((_, i) => [0, i * ROW]) };
  }
  const left = columnWidths.map((_, c) => columnWidths.slice(0, c).reduce((a, b) => a + b + gap, 0));
  return { right: 0, below: series.length ? below : 0, at: series.map((_, i) => [left[i % columns]!, Math.floor(i / columns) * ROW]) };
}
