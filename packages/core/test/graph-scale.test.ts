// Building a graph is linear in its number of layers and synapses (issue 15, item 3): the builder
// once copied its whole list of declarations on every call, so 20,000 layers took half a minute.
// The check is structural, not timed: every builder of a chain is kept, and what they retain
// together is measured after a full collection. Builders that share their predecessors' lists retain
// a constant amount per call; a copy per call retains n²/2 references (80 KB a call at n = 20,000).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, type GraphBuilder, type LayerSpec } from '@hamux-ts/core';

setFlagsFromString('--expose-gc');
/** V8's full collection, reachable once the flag is set (a new context sees it). */
const gc = runInNewContext('gc') as () => void;

const spec: LayerSpec = { shape: [2], lagrangian: L.identity() };

/** A chain l0 — l1 — … of n layers, declared (not built). */
function chain(n: number): GraphBuilder<string, string> {
  let b: GraphBuilder<string, string> = hypergraph();
  for (let i = 0; i < n; i++) b = b.layer(`l${i}`, spec);
  for (let i = 0; i + 1 < n; i++) b = b.synapse(`s${i}`, Y.dense(), [`l${i}`, `l${i + 1}`]);
  return b;
}

/** Bytes the heap holds after `f`, while what `f` returns is still reachable, per unit of `n`. */
function retainedPer(n: number, f: () => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = f();
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  expect(kept).toBeDefined(); // keeps it alive until measured
  return bytes / n;
}

describe('graph building scales linearly', () => {
  it('each call of a builder retains a constant amount, not a copy of the declarations so far', () => {
    const n = 20_000;
    const layers = retainedPer(n, () => {
      const all: GraphBuilder<string, string>[] = [];
      let b: GraphBuilder<string, string> = hypergraph();
      for (let i = 0; i < n; i++) all.push((b = b.layer(`l${i}`, spec)));
      return all;
    });
    const synapses = retainedPer(n, () => {
      const all: GraphBuilder<string, string>[] = [];
      let b: GraphBuilder<string, string> = hypergraph().layer('a', spec).layer('b', spec);
      const dense = Y.dense();
      for (let i = 0; i < n; i++) all.push((b = b.synapse(`s${i}`, dense, ['a', 'b'])));
      return all;
    });
    // About 150 bytes a call (the builder, its list node, the name); a copy per call: 80,000.
    expect(layers).toBeLessThan(2000);
    expect(synapses).toBeLessThan(2000);
  });

  it('a builder extended twice gives two graphs, each with its own declarations in order', () => {
    const base = hypergraph().layer('a', spec).layer('b', spec).synapse('ab', Y.dense(), ['a', 'b']);
    const left = base.layer('c', spec).synapse('bc', Y.dense(), ['b', 'c']).build({ seed: 0 });
    const right = base.layer('d', spec).build({ seed: 0, isolatedLayers: 'allow' });
    const alone = base.build({ seed: 0 });
    expect(left.layerNames).toEqual(['a', 'b', 'c']);
    expect(left.synapseNames).toEqual(['ab', 'bc']);
    expect(right.layerNames).toEqual(['a', 'b', 'd']);
    expect(right.synapseNames).toEqual(['ab']);
    expect(alone.layerNames).toEqual(['a', 'b']);
    for (const h of [left, right, alone]) h.dispose();
  });

  it('a chain builds with its layers and synapses in declaration order', () => {
    const ham = chain(3000).build({ seed: 0 });
    expect(ham.layerNames).toEqual(Array.from({ length: 3000 }, (_, i) => `l${i}`));
    expect(ham.synapseNames).toEqual(Array.from({ length: 2999 }, (_, i) => `s${i}`));
    expect(ham.synapses.s123!.connects).toEqual(['l123', 'l124']);
    ham.dispose();
  });
});
