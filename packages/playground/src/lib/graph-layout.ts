/**
 * Lays out a hypergraph for drawing: layers as boxes in a row (in declaration order, which is the
 * order inputs → memories in every preset), each hypersynapse of two or more layers as a small hub
 * joined to every layer it connects (a hyperedge), and each unary synapse (or a synapse joining a
 * layer to itself) as a badge under its layer. Pure: numbers in, numbers out; `graphSvg` draws it.
 */
import { HamuxError } from '@hamux-ts/core';
import { textWidth } from '@hamux-ts/plot';
import type { GraphSpec } from './graph-spec.js';

export interface Segment {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export interface PlacedLayer {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** Text lines inside the box: name, Lagrangian, shape and τ. */
  readonly lines: readonly string[];
  readonly clamped: boolean;
}

export interface PlacedHub {
  readonly name: string;
  readonly kind: string;
  readonly x: number;
  readonly y: number;
  /** Whether the hub sits on the straight line between two neighbouring layers (label above and below it). */
  readonly inline: boolean;
  /** One segment per connected layer, from the hub to the layer's box. */
  readonly edges: readonly (Segment & { readonly layer: string })[];
}

export interface PlacedBadge {
  readonly name: string;
  readonly kind: string;
  readonly layer: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly link: Segment;
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly layers: readonly PlacedLayer[];
  readonly hubs: readonly PlacedHub[];
  readonly badges: readonly PlacedBadge[];
}

export const LAYOUT = { boxW: 156, boxH: 64, gap: 112, margin: 16, level: 46, badgeH: 22, badgeGap: 8 } as const;

/** Font sizes of the drawing's text (px), as `graphSvg`'s style sets them; widths from plot's `textWidth`. */
export const FONTS = { layerName: 13, layerLine: 12, hubName: 11, hubKind: 10.5, badge: 11 } as const;

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** The text of a layer's box: its name (and whether it is clamped), Lagrangian, shape and τ. */
const layerLines = (l: GraphSpec['layers'][number]): string[] => [l.name, l.lagrangian, `${shapeText(l.shape)}  τ=${Number(l.tau.toPrecision(3))}`];
/** The widest line of a layer's box, drawn as `graphSvg` draws it. */
const layerTextWidth = (l: GraphSpec['layers'][number]): number => {
  const [name, lagrangian, shape] = layerLines(l);
  return Math.max(textWidth(`${name}${l.clamped ? ' (clamped)' : ''}`, FONTS.layerName, true), textWidth(lagrangian!, FONTS.layerLine), textWidth(shape!, FONTS.layerLine));
};
/** A badge's text. */
export const badgeText = (s: { readonly name: string; readonly kind: string }): string => `${s.name}: ${s.kind}`;

export function layoutGraph(spec: GraphSpec): GraphLayout {
  const { boxW, boxH, gap, margin, level, badgeH, badgeGap } = LAYOUT;
  const index = new Map(spec.layers.map((l, i) => [l.name, i] as const));
  for (const s of spec.synapses) {
    for (const l of s.connects) if (!index.has(l)) throw new HamuxError(['layoutGraph', 'synapses', s.name], `synapse "${s.name}" connects unknown layer "${l}"`, 'unknown_name');
  }
  const unary = spec.synapses.filter((s) => new Set(s.connects).size === 1);
  const multi = spec.synapses.filter((s) => new Set(s.connects).size > 1);

  // Hubs: the first synapse between two neighbouring layers sits on the line between them; every
  // other one goes on its own level above the row.
  const inlinePairs = new Set<string>();
  const placement = multi.map((s) => {
    const ids = [...new Set(s.connects.map((l) => index.get(l)!))].sort((a, b) => a - b);
    const key = ids.join(',');
    const inline = ids.length === 2 && ids[1]! - ids[0]! === 1 && !inlinePairs.has(key);
    if (inline) inlinePairs.add(key);
    return { s, ids, inline };
  });
  const levels = placement.filter((p) => !p.inline).length;
  const top = margin + (levels > 0 ? levels * level + 10 : 14);
  const badgeCount = Math.max(0, ...spec.layers.map((l) => unary.filter((s) => s.connects[0] === l.name).length));

  // Widths: a box holds its text, a badge its text, and a column is as wide as its box or widest badge.
  const boxWidths = spec.layers.map((l) => Math.max(boxW, layerTextWidth(l) + 16));
  const badgeWidth = (s: { readonly name: string; readonly kind: string }, layer: number) => Math.max(boxWidths[layer]! - 16, textWidth(badgeText(s), FONTS.badge) + 20);
  const columns = spec.layers.map((l, i) => Math.max(boxWidths[i]!, ...unary.filter((s) => s.connects[0] === l.name).map((s) => badgeWidth(s, i))));
  // Between neighbours: the usual gap, room for the inline hub's two labels, and badges apart.
  const inlineLabel = spec.layers.map((_, i) => Math.max(0, ...placement.filter((p) => p.inline && p.ids[0] === i).map((p) => Math.max(textWidth(p.s.name, FONTS.hubName, true), textWidth(p.s.kind, FONTS.hubKind)) + 20)));
  const centres: number[] = [];
  spec.layers.forEach((_, i) => {
    if (i === 0) { centres.push(margin + columns[0]! / 2); return; }
    const boxesApart = (boxWidths[i - 1]! + boxWidths[i]!) / 2;
    centres.push(centres[i - 1]! + Math.max(boxesApart + Math.max(gap, inlineLabel[i - 1]!), (columns[i - 1]! + columns[i]!) / 2 + 16));
  });
  const centreX = (i: number) => centres[i]!;
  const layers: PlacedLayer[] = spec.layers.map((l, i) => ({
    name: l.name,
    x: centreX(i) - boxWidths[i]! / 2,
    y: top,
    w: boxWidths[i]!,
    h: boxH,
    lines: layerLines(l),
    clamped: l.clamped,
  }));

  let nextLevel = 0;
  const hubs: PlacedHub[] = placement.map(({ s, ids, inline }) => {
    // Inline: the middle of the gap between the two boxes; above: the mean of the layers' centres.
    const x = inline ? (layers[ids[0]!]!.x + layers[ids[0]!]!.w + layers[ids[1]!]!.x) / 2 : ids.reduce((sum, i) => sum + centreX(i), 0) / ids.length;
    const y = inline ? top + boxH / 2 : top - 10 - level * ++nextLevel + level / 2;
    const edges = ids.map((i) => {
      const box = layers[i]!;
      // Inline hubs meet the sides of their two boxes; hubs above meet the tops.
      const end = inline
        ? { x2: box.x + (centreX(i) < x ? box.w : 0), y2: top + boxH / 2 }
        : { x2: centreX(i), y2: top };
      return { layer: box.name, x1: x, y1: y, ...end };
    });
    return { name: s.name, kind: s.kind, x, y, inline, edges };
  });

  // Badges stack under their layer, each linked to the one above it (the first to the box), so
  // no link runs across a badge.
  const stack = new Map<string, number>();
  const badges: PlacedBadge[] = unary.map((s) => {
    const layer = s.connects[0]!;
    const k = stack.get(layer) ?? 0;
    stack.set(layer, k + 1);
    const i = index.get(layer)!;
    const y = top + boxH + 18 + k * (badgeH + badgeGap);
    const w = badgeWidth(s, i);
    return {
      name: s.name,
      kind: s.kind,
      layer,
      x: centreX(i) - w / 2,
      y,
      w,
      h: badgeH,
      link: { x1: centreX(i), y1: k === 0 ? top + boxH : y - badgeGap, x2: centreX(i), y2: y },
    };
  });

  // Labels of hubs above the row run to the right of their hub: the drawing is wide enough for them.
  const aboveLabels = hubs.filter((h) => !h.inline).map((h) => h.x + 12 + textWidth(h.name, FONTS.hubName, true) + textWidth(` ${h.kind}`, FONTS.hubKind));
  const width = Math.max(spec.layers.length ? centreX(spec.layers.length - 1) + columns[spec.layers.length - 1]! / 2 + margin : 2 * margin + boxW, ...aboveLabels.map((x) => x + margin));
  const height = top + boxH + (badgeCount > 0 ? 18 + badgeCount * (badgeH + badgeGap) : 0) + margin + 10;
  return { width, height, layers, hubs, badges };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const n = (v: number): string => String(Math.round(v * 10) / 10);

/**
 * The layout as an SVG document. Every layer is a `<g data-layer="name">`, every synapse a
 * `<g data-synapse="name" data-kind="kind">`, for styling and for tests.
 */
export function graphSvg(layout: GraphLayout): string {
  const parts: string[] = [];
  for (const hub of layout.hubs) {
    const lines = hub.edges.map((e) => `<line x1="${n(e.x1)}" y1="${n(e.y1)}" x2="${n(e.x2)}" y2="${n(e.y2)}" class="edge"/>`).join('');
    const label = hub.inline
      ? `<text x="${n(hub.x)}" y="${n(hub.y - 12)}" class="hub-name">${esc(hub.name)}</text><text x="${n(hub.x)}" y="${n(hub.y + 20)}" class="hub-kind">${esc(hub.kind)}</text>`
      : `<text x="${n(hub.x + 12)}" y="${n(hub.y + 4)}" class="hub-name" text-anchor="start">${esc(hub.name)} <tspan class="hub-kind">${esc(hub.kind)}</tspan></text>`;
    parts.push(`<g class="synapse" data-synapse="${esc(hub.name)}" data-kind="${esc(hub.kind)}">${lines}<circle cx="${n(hub.x)}" cy="${n(hub.y)}" r="7" class="hub"/>${label}</g>`);
  }
  for (const l of layout.layers) {
    const [name, lagrangian, shape] = l.lines;
    parts.push(
      `<g class="layer${l.clamped ? ' clamped' : ''}" data-layer="${esc(l.name)}"><rect x="${n(l.x)}" y="${n(l.y)}" width="${n(l.w)}" height="${l.h}" rx="8"/>` +
        `<text x="${n(l.x + l.w / 2)}" y="${n(l.y + 19)}" class="layer-name">${esc(name ?? '')}${l.clamped ? ' (clamped)' : ''}</text>` +
        `<text x="${n(l.x + l.w / 2)}" y="${n(l.y + 37)}" class="layer-kind">${esc(lagrangian ?? '')}</text>` +
        `<text x="${n(l.x + l.w / 2)}" y="${n(l.y + 54)}" class="layer-shape">${esc(shape ?? '')}</text></g>`,
    );
  }
  for (const b of layout.badges) {
    const { link } = b;
    parts.push(
      `<g class="synapse unary" data-synapse="${esc(b.name)}" data-kind="${esc(b.kind)}"><line x1="${n(link.x1)}" y1="${n(link.y1)}" x2="${n(link.x2)}" y2="${n(link.y2)}" class="edge"/>` +
        `<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.w)}" height="${b.h}" rx="11" class="badge"/>` +
        `<text x="${n(b.x + b.w / 2)}" y="${n(b.y + 15)}" class="badge-text">${esc(badgeText(b))}</text></g>`,
    );
  }
  const style =
    '.layer rect{fill:#eef4fb;stroke:#3b6ea8;stroke-width:1.5}.layer.clamped rect{fill:#fdf1dc;stroke:#b07a1f}' +
    `text{font:${FONTS.layerLine}px system-ui,sans-serif;text-anchor:middle;fill:#222}.layer-name{font-weight:600;font-size:${FONTS.layerName}px}.layer-kind,.layer-shape{fill:#444}` +
    `.edge{stroke:#7d8a99;stroke-width:1.6}.hub{fill:#7d4ea8;stroke:#fff;stroke-width:1.5}.hub-name{font-size:${FONTS.hubName}px;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}` +
    `.hub-kind{font-size:${FONTS.hubKind}px;fill:#555;font-weight:400;paint-order:stroke;stroke:#fff;stroke-width:3px}` +
    `.badge{fill:#f3ecfa;stroke:#7d4ea8}.badge-text{font-size:${FONTS.badge}px}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n(layout.width)} ${n(layout.height)}" width="${n(layout.width)}" height="${n(layout.height)}" role="img" aria-label="hypergraph">` +
    `<style>${style}</style>${parts.join('')}</svg>`
  );
}
