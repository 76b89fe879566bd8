import { describe, expect, it } from 'vitest';
import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';

describe('smoke', () => {
  it('builds and evaluates', () => {
    const ham = hypergraph()
      .layer('v', { shape: [5], lagrangian: L.identity() })
      .layer('h', { shape: [3], lagrangian: L.softmax() })
      .synapse('s', Y.dense(), ['v', 'h'])
      .build({ seed: 0 });
    const x = ham.randomStates(2, 1);
    const a = ham.energyAndDEdxhat(x);
    const b = ham.energyAndDEdxhat(x, { method: 'autodiff' });
    expect(a.energy.arraySync()).toEqual(b.energy.arraySync());
    const ga = a.dEdxhat.v.arraySync() as number[][];
    const gb = b.dEdxhat.v.arraySync() as number[][];
    ga.flat().forEach((v, i) => expect(v).toBeCloseTo(gb.flat()[i]!, 5));
  });
});
