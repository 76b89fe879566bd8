/** Hand-written SVG drawings: the hypergraph, and energy against step. */
import { linePlot, textWidth } from '@hamux-ts/plot';

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

/** An axis-aligned box `[x0, x1] × [y0, y1]`. */
interface Box { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number }
const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
const grow = (b: Box, p: number): Box => ({ x0: b.x0 - p, y0: b.y0 - p, x1: b.x1 + p, y1: b.y1 + p });
const square = (x: number, y: number, half: number): Box => ({ x0: x - half, y0: y - half, x1: x + half, y1: y + half });

/** The box of one line of text whose baseline starts (`start`) or is centred (`middle`) at `(x, y)`. */
function textBox(x: number, y: number, text: string, size: number, anchor: 'start' | 'middle', bold = false): Box {
  const w = textWidth(text, size, bold);
  const x0 = anchor === 'middle' ? x - w / 2 : x;
  return { x0, y0: y - 0.95 * size, x1: x0 + w, y1: y + 0.25 * size };
}
/** Whether segment `p`–`q` passes through box `b` (clipped against the box, Liang–Barsky). */
function crosses(p: readonly [number, number], q: readonly [number, number], b: Box): boolean {
  let t0 = 0, t1 = 1;
  const dx = q[0] - p[0], dy = q[1] - p[1];
  for (const [den, n] of [[-dx, p[0] - b.x0], [dx, b.x1 - p[0]], [-dy, p[1] - b.y0], [dy, b.y1 - p[1]]] as const) {
    if (den === 0) { if (n < 0) return false; continue; }
    const t = n / den;
    if (den < 0) t0 = Math.max(t0, t); else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

const NODE_FONT = 12, SHAPE_FONT = 11, LABEL_FONT = 11, HALF = 7, MARGIN = 16;

/**
 * Layers as labelled circles (one in the middle, two in a row, more on a circle), each synapse as a
 * small square joined by lines to its layers: at the mean of its layers' positions, several between
 * the same layers spread across the line joining them, a synapse on one layer outside it. Each
 * synapse's label goes where it covers no circle, square or other label, with a leader line when
 * it had to move away; the canvas grows to hold everything, with the drawing in its middle.
 */
export function graphSvg(layers: readonly GraphLayer[], edges: readonly GraphEdge[]): string {
  const n = layers.length;
  const shapeText = (l: GraphLayer) => `[${l.shape.join(', ')}] ${l.kind}`;
  // Each circle holds its layer's name; R is the largest.
  const radius = new Map(layers.map((l) => [l.name, Math.max(28, textWidth(l.name, NODE_FONT, true) / 2 + 6)]));
  const R = Math.max(28, ...radius.values());
  const widest = Math.max(0, ...layers.map((l) => textWidth(shapeText(l), SHAPE_FONT)));
  // Several synapses between the same layers spread across the line joining them (30 px apart).
  const between = new Map<string, number>();
  for (const e of edges) {
    const key = [...new Set(e.connects)].sort().join('\u0000');
    if (new Set(e.connects).size > 1) between.set(key, (between.get(key) ?? 0) + 1);
  }
  const crowd = Math.max(1, ...between.values());
  const labelWidth = Math.max(0, ...edges.filter((e) => new Set(e.connects).size > 1).map((e) => textWidth(`${e.name} (${e.kind})`, LABEL_FONT)));
  // The distance from the middle to each layer. Two in a row: a circle and half a shape label
  // apart, and with a column of squares between them, room for a label beside it. More on a circle:
  // neighbours a circle or a shape label apart, and each chord's middle far enough from the centre
  // for its column of squares.
  const ring = n <= 1 ? 0 : n === 2 ? Math.max(140, R + widest / 2 + 40, crowd > 1 ? HALF + 8 + labelWidth + Math.max(R, widest / 2) : 0)
    : Math.max(140, (Math.max(2 * R, widest) + 80) / (2 * Math.sin(Math.PI / n)), ((crowd - 1) * 15 + 40) / Math.cos(Math.PI / n));
  const pos = new Map<string, [number, number]>();
  layers.forEach((l, i) => {
    const a = n <= 2 ? Math.PI * (i + 1) : -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos.set(l.name, [ring * Math.cos(a), ring * Math.sin(a)]);
  });

  // Everything a square or a label must keep clear of, grown as things are placed.
  const nodeBoxes: Box[] = [];
  for (const l of layers) {
    const [x, y] = pos.get(l.name)!;
    const r = radius.get(l.name)!;
    nodeBoxes.push(square(x, y, r), textBox(x, y + 4, l.name, NODE_FONT, 'middle', true), textBox(x, y + r + 14, shapeText(l), SHAPE_FONT, 'middle'));
  }
  const squares: Box[] = [];
  const free = (b: Box) => !nodeBoxes.some((o) => overlaps(grow(b, 4), o)) && !squares.some((o) => overlaps(grow(b, 4), o));

  interface Placed { readonly edge: GraphEdge; readonly at: [number, number]; readonly ends: [number, number][] }
  const placed: Placed[] = [];
  // Synapses on the same set of layers form a group, spread so that their squares stay apart.
  const groups = new Map<string, { names: string[]; edges: GraphEdge[] }>();
  for (const e of edges) {
    const names = [...new Set(e.connects)].filter((l) => pos.has(l)).sort();
    if (names.length === 0) continue;
    const key = names.join('\u0000');
    const group = groups.get(key) ?? { names, edges: [] };
    group.edges.push(e);
    groups.set(key, group);
  }
  for (const { names, edges: group } of groups.values()) {
    const ends = names.map((l) => pos.get(l)!);
    const m = group.length;
    group.forEach((e, k) => {
      let at: (step: number) => [number, number];
      if (ends.length === 1) {
        // On one layer: outside it, away from the middle; several fan out (all round a lone layer).
        const [px, py] = ends[0]!;
        const r = radius.get(names[0]!)!;
        const out = n === 1 ? 0 : Math.atan2(py, px);
        const a = n === 1 ? (2 * Math.PI * k) / m : out + (k - (m - 1) / 2) * 0.6;
        at = (step) => [px + Math.cos(a) * (r + 40 + 12 * step), py + Math.sin(a) * (r + 40 + 12 * step)];
      } else {
        // Between layers: at their mean, spread along the normal of the first–last line.
        const cx = ends.reduce((s, p) => s + p[0], 0) / ends.length, cy = ends.reduce((s, p) => s + p[1], 0) / ends.length;
        const [ax, ay] = ends[0]!, [bx, by] = ends[ends.length - 1]!;
        const len = Math.hypot(bx - ax, by - ay) || 1;
        const nx = -(by - ay) / len, ny = (bx - ax) / len;
        const offset = (k - (m - 1) / 2) * 30;
        const dir = offset < 0 ? -1 : 1;
        at = (step) => [cx + nx * (offset + dir * 12 * step), cy + ny * (offset + dir * 12 * step)];
      }
      let step = 0;
      while (step < 200 && !free(square(...at(step), HALF))) step++;
      const p = at(step);
      squares.push(square(p[0], p[1], HALF));
      placed.push({ edge: e, at: p, ends });
    });
  }

  // Labels: the nearest spot around the square that is clear, preferring ones few lines pass through
  // (drawn with a white halo, so a line under a label does not hide it).
  const segments = placed.flatMap((s) => s.ends.map((e) => [e, s.at] as const));
  const labels: { box: Box; text: string; leader: boolean; at: [number, number] }[] = [];
  const taken = (b: Box) => nodeBoxes.some((o) => overlaps(b, o)) || squares.some((o) => overlaps(b, o)) || labels.some((o) => overlaps(b, grow(o.box, 2)));
  for (const s of placed) {
    const text = `${s.edge.name} (${s.edge.kind})`;
    const w = textWidth(text, LABEL_FONT), h = 1.2 * LABEL_FONT;
    const [x, y] = s.at;
    let best: { box: Box; cost: number; d: number } | undefined;
    for (let d = 0; d <= 600 && !(best && best.cost < d); d += 6) {
      const g = HALF + 4 + d;
      const spots: [number, number][] = [
        [x + g, y - h / 2], [x - g - w, y - h / 2], [x - w / 2, y - g - h], [x - w / 2, y + g],
        [x + g, y - g - h], [x - g - w, y - g - h], [x + g, y + g], [x - g - w, y + g],
      ];
      for (const [i, [x0, y0]] of spots.entries()) {
        const box = { x0, y0, x1: x0 + w, y1: y0 + h };
        if (taken(grow(box, 2))) continue;
        // Beside or above the square reads as its label more surely than a corner does.
        const cost = d + (i >= 4 ? 24 : 0) + 3 * segments.filter(([p, q]) => crosses(p, q, box)).length;
        if (!best || cost < best.cost) best = { box, cost, d };
      }
    }
    const box = best?.box ?? { x0: x + HALF + 4, y0: y - h / 2, x1: x + HALF + 4 + w, y1: y + h / 2 };
    labels.push({ box, text, leader: (best?.d ?? 0) > 12, at: s.at });
  }

  // The canvas: everything drawn, plus a margin, centred.
  const all = [...nodeBoxes, ...squares, ...labels.map((l) => l.box)];
  const bx0 = Math.min(0, ...all.map((b) => b.x0)), bx1 = Math.max(0, ...all.map((b) => b.x1));
  const by0 = Math.min(0, ...all.map((b) => b.y0)), by1 = Math.max(0, ...all.map((b) => b.y1));
  const width = Math.ceil(Math.max(bx1 - bx0 + 2 * MARGIN, 200)), height = Math.ceil(Math.max(by1 - by0 + 2 * MARGIN, 120));
  const ox = (width - (bx1 - bx0)) / 2 - bx0, oy = (height - (by1 - by0)) / 2 - by0;
  const X = (v: number) => num(v + ox), Y = (v: number) => num(v + oy);

  const parts: string[] = [];
  for (const s of placed) for (const [px, py] of s.ends) parts.push(`<line x1="${X(px)}" y1="${Y(py)}" x2="${X(s.at[0])}" y2="${Y(s.at[1])}" stroke="#888" stroke-width="1.5"/>`);
  for (const l of labels) {
    if (!l.leader) continue;
    const tx = Math.min(Math.max(l.at[0], l.box.x0), l.box.x1), ty = Math.min(Math.max(l.at[1], l.box.y0), l.box.y1);
    parts.push(`<line x1="${X(l.at[0])}" y1="${Y(l.at[1])}" x2="${X(tx)}" y2="${Y(ty)}" stroke="#d9534f" stroke-width="0.8" stroke-dasharray="2 2"/>`);
  }
  placed.forEach((s) => parts.push(`<rect x="${X(s.at[0] - HALF)}" y="${Y(s.at[1] - HALF)}" width="${2 * HALF}" height="${2 * HALF}" fill="#d9534f"><title>${esc(s.edge.name)}</title></rect>`));
  for (const l of labels) parts.push(`<text x="${X(l.box.x0)}" y="${Y(l.box.y1 - 0.25 * LABEL_FONT)}" font-size="${LABEL_FONT}" fill="#a33" stroke="white" stroke-width="3" paint-order="stroke">${esc(l.text)}</text>`);
  for (const l of layers) {
    const [x, y] = pos.get(l.name)!;
    const r = radius.get(l.name)!;
    parts.push(`<circle cx="${X(x)}" cy="${Y(y)}" r="${num(r)}" fill="#e8f0fe" stroke="#3367d6" stroke-width="2"><title>${esc(l.name)}</title></circle>`);
    parts.push(`<text x="${X(x)}" y="${Y(y + 4)}" font-size="${NODE_FONT}" text-anchor="middle" font-weight="bold">${esc(l.name)}</text>`);
    parts.push(`<text x="${X(x)}" y="${Y(y + r + 14)}" font-size="${SHAPE_FONT}" text-anchor="middle">${esc(shapeText(l))}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

/** Energy against step, one line per sample. */
export function energySvg(series: readonly ArrayLike<number>[]): string {
  return linePlot(
    series.map((y, i) => ({ name: `sample ${i}`, x: Array.from({ length: y.length }, (_, j) => j), y, markers: false })),
    { title: 'energy per sample', xLabel: 'step', yLabel: 'energy', legend: false },
  );
}
