/** Hand-written SVG drawings: the hypergraph, and energy against step. */

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

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Round tick values covering [lo, hi]: multiples of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Energy against step, one polyline per sample, with axes, ticks and labels. */
export function energySvg(series: readonly ArrayLike<number>[]): string {
  const W = 640, H = 400, L = 80, Rm = 20, T = 30, B = 50;
  const all = series.flatMap((s) => Array.from(s)).filter(Number.isFinite);
  const steps = Math.max(1, ...series.map((s) => s.length - 1));
  let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
  if (hi === lo) { hi += 0.5; lo -= 0.5; }
  const sx = (i: number) => L + ((W - L - Rm) * i) / steps;
  const sy = (e: number) => T + ((H - T - B) * (hi - e)) / (hi - lo);
  const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : Number(v.toPrecision(4)).toString());
  const parts: string[] = [
    `<line x1="${L}" y1="${H - B}" x2="${W - Rm}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - Rm) / 2}" y="${H - 10}" font-size="13" text-anchor="middle">step</text>`,
    `<text x="18" y="${(T + H - B) / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">energy</text>`,
  ];
  for (const e of niceTicks(lo, hi)) {
    const y = sy(e);
    parts.push(`<line x1="${L - 4}" y1="${num(y)}" x2="${L}" y2="${num(y)}" stroke="black"/><text x="${L - 6}" y="${num(y + 4)}" font-size="10" text-anchor="end">${fmt(e)}</text>`);
  }
  for (const s of niceTicks(0, steps).filter(Number.isInteger)) {
    const x = sx(s);
    parts.push(`<line x1="${num(x)}" y1="${H - B}" x2="${num(x)}" y2="${H - B + 4}" stroke="black"/><text x="${num(x)}" y="${H - B + 16}" font-size="10" text-anchor="middle">${s}</text>`);
  }
  series.forEach((s, i) => {
    const pts = Array.from(s).map((e, j) => `${num(sx(j))},${num(sy(Number.isFinite(e) ? e : hi))}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5" points="${pts}"><title>sample ${i}</title></polyline>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n<text x="${W / 2}" y="18" font-size="14" text-anchor="middle">energy per sample</text>\n${parts.join('\n')}\n</svg>\n`;
}
