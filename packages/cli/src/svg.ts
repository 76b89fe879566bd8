/** Hand-written SVG drawings: the hypergraph, and energy against step. */
import { linePlot } from '@hamux-ts/plot';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));

export interface GraphLayer {
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: string;
}
export interface GraphEdge {
  readonly name: string;
  readonly kind: string;
  readonly connects: readonly string[];
}

/**
 * Layers as labelled circles on a circle (a row when there are two or fewer), each synapse as a
 * small square at the mean of its layers' positions (pushed off the centre line), joined to them by lines.
 */
export function graphSvg(layers: readonly GraphLayer[], edges: readonly GraphEdge[]): string {
  const n = layers.length;
  const R = 28;
  const ring = Math.max(140, n * 45);
  const size = 2 * ring + 260;
  const c = size / 2;
  const pos = new Map<string, [number, number]>();
  layers.forEach((l, i) => {
    const a = n <= 2 ? Math.PI * i : -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos.set(l.name, [c + ring * Math.cos(a), c + ring * Math.sin(a)]);
  });
  const parts: string[] = [];
  edges.forEach((e, j) => {
    const pts = e.connects.map((l) => pos.get(l)).filter((p): p is [number, number] => p !== undefined);
    if (pts.length === 0) return;
    let x = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    let y = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    if (pts.length === 1 || new Set(e.connects).size === 1) {
      // A synapse on one layer: its square sits outside the layer's circle.
      const [px, py] = pts[0]!;
      const dx = px - c || 1, dy = py - c;
      const d = Math.hypot(dx, dy) || 1;
      x = px + (dx / d) * 70; y = py + (dy / d) * 70;
    } else {
      // Several synapses between the same layers would overlap: spread them along the normal.
      const [ax, ay] = pts[0]!, [bx, by] = pts[pts.length - 1]!;
      const len = Math.hypot(bx - ax, by - ay) || 1;
      const offset = ((j % 3) - 1) * 24;
      x += (-(by - ay) / len) * offset; y += ((bx - ax) / len) * offset;
    }
    for (const [px, py] of pts) parts.push(`<line x1="${num(px)}" y1="${num(py)}" x2="${num(x)}" y2="${num(y)}" stroke="#888" stroke-width="1.5"/>`);
    parts.push(`<rect x="${num(x - 7)}" y="${num(y - 7)}" width="14" height="14" fill="#d9534f"><title>${esc(e.name)}</title></rect>`);
    parts.push(`<text x="${num(x + 10)}" y="${num(y - 9)}" font-size="11" fill="#a33">${esc(`${e.name} (${e.kind})`)}</text>`);
  });
  for (const l of layers) {
    const [x, y] = pos.get(l.name)!;
    parts.push(`<circle cx="${num(x)}" cy="${num(y)}" r="${R}" fill="#e8f0fe" stroke="#3367d6" stroke-width="2"><title>${esc(l.name)}</title></circle>`);
    parts.push(`<text x="${num(x)}" y="${num(y + 4)}" font-size="12" text-anchor="middle" font-weight="bold">${esc(l.name)}</text>`);
    parts.push(`<text x="${num(x)}" y="${num(y + R + 14)}" font-size="11" text-anchor="middle">${esc(`[${l.shape.join(', ')}] ${l.kind}`)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

/** Energy against step, one line per sample. */
export function energySvg(series: readonly ArrayLike<number>[]): string {
  return linePlot(
    series.map((y, i) => ({ name: `sample ${i}`, x: Array.from({ length: y.length }, (_, j) => j), y, markers: false })),
    { title: 'energy per sample', xLabel: 'step', yLabel: 'energy', legend: false },
  );
}
