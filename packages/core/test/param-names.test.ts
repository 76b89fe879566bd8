/**
 * `ham.params` is typed by the graph's layer and synapse names, as `ham.layers` and `energyTree`
 * are: a misspelt owner is a compile error (the `@ts-expect-error` lines are the type tests, run by
 * `npm run typecheck`). Names from data (`HAM<string, string>`) index it with any string.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  hypergraph,
  lagrangians as L,
  synapses as Y,
  type GraphBuilder,
  type HAM,
  type ParamPath,
  type Params,
  type TensorMap,
} from '@hamux-ts/core';

const graph = () =>
  hypergraph()
    .layer('pixels', { shape: [4], lagrangian: L.identity() })
    .layer('hidden', { shape: [3], lagrangian: L.softmax() })
    .synapse('encode', Y.dense(), ['pixels', 'hidden'])
    .build({ seed: 0 });

describe('typing of parameter owners', () => {
  it('types ham.params by the graph\'s names', () => {
    const ham = graph();
    expectTypeOf(ham.params).toEqualTypeOf<Params<'pixels' | 'hidden', 'encode'>>();
    expectTypeOf(ham.params.synapses.encode).toEqualTypeOf<TensorMap>();
    expect(ham.params.synapses.encode['W']!.shape).toEqual([...ham.paramSpecs.synapses.encode['W']!.shape]);
    expect(Object.keys(ham.params.layers)).toEqual(['pixels', 'hidden']);
    // @ts-expect-error no synapse 'encod'
    expect(ham.params.synapses.encod).toBeUndefined();
    // @ts-expect-error no layer 'xyz'
    expect(ham.params.layers.xyz).toBeUndefined();
    // Typed parameters are parameters: whatever takes `Params` takes them.
    const wide: Params = ham.params;
    expect(wide.synapses['encode']).toBe(ham.params.synapses.encode);
    ham.dispose();
  });

  it('indexes the parameters of a graph built from data with any string', () => {
    const names: string[] = JSON.parse('["pixels", "hidden"]');
    let b: GraphBuilder<string, string> = hypergraph();
    for (const n of names) b = b.layer(n, { shape: [2], lagrangian: L.identity() });
    const ham: HAM<string, string> = b.synapse('encode', Y.dense(), names).build({ seed: 0 });
    expectTypeOf(ham.params.synapses['encod']).toEqualTypeOf<TensorMap | undefined>();
    expect(ham.params.synapses['encod']).toBeUndefined();
    ham.dispose();
  });

  it('types parameter paths by owner', () => {
    type P = ParamPath<'pixels' | 'hidden', 'encode'>;
    expectTypeOf<'synapses.encode.W'>().toMatchTypeOf<P>();
    expectTypeOf<'layers.hidden.beta'>().toMatchTypeOf<P>();
    expectTypeOf<'synapses.encod.W'>().not.toMatchTypeOf<P>();
    expectTypeOf<'layers.hiden.beta'>().not.toMatchTypeOf<P>();
    expectTypeOf<'encode.W'>().not.toMatchTypeOf<P>();
    // @ts-expect-error no synapse 'nope'
    const bad: P = 'synapses.nope.W';
    expect(bad).toBe('synapses.nope.W');
    // With names from data, any string.
    expectTypeOf<ParamPath<string, string>>().toEqualTypeOf<string>();
    expectTypeOf<ParamPath>().toEqualTypeOf<string>();
  });
});
