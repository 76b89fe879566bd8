import { describe, expect, it } from 'vitest';
import { presets, parseConfig } from '@hamux-ts/config';
import { textWidth } from '@hamux-ts/plot';
import { FONTS, badgeText, graphSvg, layoutGraph, type GraphLayout } from '../src/lib/graph-layout.js';
import { specFromConfig, type GraphSpec } from '../src/lib/graph-spec.js';

const overlaps = (a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function checkLayout(spec: GraphSpec, layout: GraphLayout): void {
  expect(layout.layers.map((l) => l.name)).toEqual(spec.layers.map((l) => l.name));
  const drawn = [...layout.hubs.map((h) => h.name), ...layout.badges.map((b) => b.name)].sort();
  expect(drawn).toEqual(spec.synapses.map((s) => s.name).sort());
  for (const hub of layout.hubs) {
    const s = spec.synapses.find((x) => x.name === hub.name)!;
    expect(hub.edges.map((e) => e.layer).sort()).toEqual([...new Set(s.connects)].sort());
    for (const e of hub.edges) {
      const box = layout.layers.find((l) => l.name === e.layer)!;
      // Every edge ends on its layer's box.
      expect(e.x2).toBeGreaterThanOrEqual(box.x - 1e-9);
      expect(e.x2).toBeLessThanOrEqual(box.x + box.w + 1e-9);
      expect(e.y2).toBeGreaterThanOrEqual(box.y - 1e-9);
      expect(e.y2).toBeLessThanOrEqual(box.y + box.h + 1e-9);
    }
  }
  const boxes = [...layout.layers, ...layout.badges];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i]!, boxes[j]!), `${boxes[i]!.name} / ${boxes[j]!.name}`).toBe(false);
  for (const b of boxes) {
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.y).toBeGreaterThanOrEqual(0);
    expect(b.x + b.w).toBeLessThanOrEqual(layout.width);
    expect(b.y + b.h).toBeLessThanOrEqual(layout.height);
  }
  for (const h of layout.hubs) {
    expect(h.y).toBeGreaterThan(0);
    expect(h.y).toBeLessThan(layout.height);
  }
}

describe('hypergraph layout', () => {
  it('draws a chain with its synapses between neighbouring layers, on the line joining them', () => {
    const spec = specFromConfig(parseConfig(presets.classifier({ input: 784, hidden: 64, labels: 10 })));
    const layout = layoutGraph(spec);
    checkLayout(spec, layout);
    expect(layout.hubs.every((h) => h.inline)).toBe(true);
    const [input, hidden] = layout.layers;
    const encode = layout.hubs.find((h) => h.name === 'encode')!;
    expect(encode.x).toBeCloseTo((input!.x + input!.w / 2 + hidden!.x + hidden!.w / 2) / 2, 6);
    expect(layout.layers[0]!.lines).toEqual(['input', 'identity', '[784]  τ=1']);
    expect(layout.layers[2]!.lines[1]).toBe('softmax β=1');
    expect(layout.layers[0]!.clamped).toBe(true);
  });

  it('puts unary synapses under their layer as badges, and hyperedges and extra links above the row', () => {
    const spec: GraphSpec = {
      layers: ['a', 'b', 'c'].map((name) => ({ name, lagrangian: 'identity', shape: [4], tau: 1, clamped: false })),
      synapses: [
        { name: 'ab', kind: 'dense', connects: ['a', 'b'] },
        { name: 'ab2', kind: 'dense', connects: ['a', 'b'] },
        { name: 'ac', kind: 'dense', connects: ['a', 'c'] },
        { name: 'abc', kind: 'trilinear', connects: ['a', 'b', 'c'] },
        { name: 'self', kind: 'dense', connects: ['b', 'b'] },
        { name: 'bias', kind: 'bias', connects: ['b'] },
      ],
    };
    const layout = layoutGraph(spec);
    checkLayout(spec, layout);
    expect(layout.hubs.find((h) => h.name === 'ab')!.inline).toBe(true);
    const above = layout.hubs.filter((h) => !h.inline);
    expect(above.map((h) => h.name).sort()).toEqual(['ab2', 'abc', 'ac']);
    expect(new Set(above.map((h) => h.y)).size).toBe(3); // one level each
    for (const h of above) expect(h.y).toBeLessThan(layout.layers[0]!.y);
    expect(layout.hubs.find((h) => h.name === 'abc')!.edges).toHaveLength(3);
    expect(layout.badges.map((b) => [b.name, b.layer])).toEqual([['self', 'b'], ['bias', 'b']]);
  });

  it('renders an SVG naming every layer and synapse, with text escaped', () => {
    const spec = specFromConfig(parseConfig(presets.energyTransformer({ image: [28, 28, 1], patch: 4, dim: 32, heads: 2, headDim: 16, memories: 64 })));
    const svg = graphSvg(layoutGraph(spec));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const l of spec.layers) expect(svg).toContain(`data-layer="${l.name}"`);
    for (const s of spec.synapses) expect(svg).toContain(`data-synapse="${s.name}"`);
    expect(svg).toContain('data-kind="energyAttention"');
    const odd = graphSvg(layoutGraph({ layers: [{ name: '<x>&', lagrangian: 'identity', shape: [1], tau: 1, clamped: false }], synapses: [] }));
    expect(odd).toContain('&#60;x&#62;&#38;');
    expect(odd).not.toContain('<x>');
  });

  it('sizes badges and boxes to their text, keeps labels off boxes and links off other badges (the Energy Transformer preset, a crowded graph)', () => {
    const et = specFromConfig(parseConfig(presets.energyTransformer({ image: [28, 28, 1], patch: 4, dim: 32, heads: 2, headDim: 16, memories: 64 })));
    const crowded: GraphSpec = {
      layers: [
        { name: 'a-layer-with-a-long-name', lagrangian: 'softmax β=0.25', shape: [16, 64], tau: 1, clamped: true },
        { name: 'b', lagrangian: 'identity', shape: [4], tau: 1, clamped: false },
        { name: 'c', lagrangian: 'identity', shape: [4], tau: 1, clamped: false },
      ],
      synapses: [
        { name: 'a-rather-long-synapse-name', kind: 'reluSquaredMemory', connects: ['a-layer-with-a-long-name', 'b'] },
        { name: 'above', kind: 'energyAttention', connects: ['a-layer-with-a-long-name', 'c'] },
        ...['hopfield', 'attention', 'position'].map((name) => ({ name, kind: 'reluSquaredMemory', connects: ['b'] })),
        ...['x', 'y'].map((name) => ({ name, kind: 'energyAttention', connects: ['c'] })),
      ],
    };
    for (const spec of [et, crowded]) {
      const layout = layoutGraph(spec);
      checkLayout(spec, layout);
      for (const l of layout.layers) {
        const [name, lagrangian, shape] = l.lines;
        const widest = Math.max(textWidth(`${name}${l.clamped ? ' (clamped)' : ''}`, FONTS.layerName, true), textWidth(lagrangian!, FONTS.layerLine), textWidth(shape!, FONTS.layerLine));
        expect(widest, `${l.name}'s text fits its box`).toBeLessThanOrEqual(l.w - 8);
      }
      for (const b of layout.badges) {
        expect(textWidth(badgeText(b), FONTS.badge), `${b.name}'s text fits its badge`).toBeLessThanOrEqual(b.w - 8);
        // The link runs down the middle, from the box or the badge above, and crosses no other badge.
        for (const o of layout.badges) {
          if (o === b) continue;
          const crosses = b.link.x1 > o.x && b.link.x1 < o.x + o.w && Math.min(b.link.y1, b.link.y2) < o.y + o.h && Math.max(b.link.y1, b.link.y2) > o.y;
          expect(crosses, `${b.name}'s link crosses ${o.name}`).toBe(false);
        }
      }
      // An inline hub's two labels (name above, kind below) sit between the boxes they join.
      for (const h of layout.hubs.filter((x) => x.inline)) {
        const half = Math.max(textWidth(h.name, FONTS.hubName, true), textWidth(h.kind, FONTS.hubKind)) / 2;
        const [left, right] = h.edges.map((e) => layout.layers.find((l) => l.name === e.layer)!).sort((p, q) => p.x - q.x);
        expect(h.x - half, `${h.name}'s labels clear the left box`).toBeGreaterThanOrEqual(left!.x + left!.w + 4);
        expect(h.x + half, `${h.name}'s labels clear the right box`).toBeLessThanOrEqual(right!.x - 4);
      }
      // A hub above the row has its label to its right, inside the drawing.
      for (const h of layout.hubs.filter((x) => !x.inline)) {
        expect(h.x + 12 + textWidth(h.name, FONTS.hubName, true) + textWidth(` ${h.kind}`, FONTS.hubKind)).toBeLessThanOrEqual(layout.width);
      }
    }
  });

  it('refuses a synapse on an unknown layer', () => {
    expect(() => layoutGraph({ layers: [], synapses: [{ name: 's', kind: 'dense', connects: ['nope'] }] })).toThrow(/synapse "s" connects unknown layer "nope"/);
  });
});
