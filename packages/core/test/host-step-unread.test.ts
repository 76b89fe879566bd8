// Layers held whole: the lean step leaves out their signals (and the products only they need),
// and everything else it computes is the same as with every signal computed.
import { describe, expect, it } from 'vitest';
import { compileLeanStep, hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '../src/index.js';

describe('lean step with unread layers', () => {
  it('gives the same energy and the same signals of the other layers, and an empty signal for the held ones', () => {
    const ham = hypergraph()
      .layer('pixels', { shape: [40], lagrangian: L.identity() })
      .layer('features', { shape: [24], lagrangian: L.tanh(), tau: 0.5 })
      .layer('memories', { shape: [8], lagrangian: L.softmax({ beta: 4 }), tau: 0.1 })
      .synapse('encode', Y.denseBias(), ['pixels', 'features'])
      .synapse('recall', Y.dense(), ['features', 'memories'])
      .synapse('hop', Y.modernHopfield({ memories: 6 }), ['pixels'])
      .build({ seed: 3 });
    const B = 3;
    const s = ham.randomStates(B, 9, 0.5);
    const host = () => Object.fromEntries(ham.layerNames.map((n) => [n, Float32Array.from(s[n].dataSync())])) as Record<'pixels' | 'features' | 'memories', Float32Array>;
    const all = compileLeanStep(ham), held = compileLeanStep(ham, { unread: ['pixels'] });
    if (typeof all === 'string' || typeof held === 'string') throw new Error('does not compile');
    const a = all.energyAndDEdxhat(host(), B);
    const energy = Float64Array.from(a.energy), features = Float32Array.from(a.dEdxhat.features), memories = Float32Array.from(a.dEdxhat.memories);
    const h = held.energyAndDEdxhat(host(), B);
    expect(Array.from(h.energy)).toEqual(Array.from(energy));
    expect(Array.from(h.dEdxhat.features)).toEqual(Array.from(features));
    expect(Array.from(h.dEdxhat.memories)).toEqual(Array.from(memories));
    expect(h.dEdxhat.pixels).toHaveLength(0);
    // step() leaves a held layer where it is
    const x = host(), before = Float32Array.from(x.pixels);
    held.step(x, B, 0.1);
    expect(Array.from(x.pixels)).toEqual(Array.from(before));
    tf.dispose(Object.values<Tensor>(s));
    ham.dispose();
  });
});
