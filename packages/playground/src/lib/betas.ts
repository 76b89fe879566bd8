/**
 * β, the inverse temperature of Lagrangians (tanh, softmax…) and memory synapses, is a scalar
 * parameter `layers.<name>.beta` or `synapses.<name>.beta`. The page lets the user change it: these
 * find every such β and build the parameter tree with new values in place.
 */
import { HamuxError, tf, type HAM, type Params, type Tensor } from '@hamux-ts/core';

export interface Beta {
  /** `layers.pixels.beta`, `synapses.memory.beta`. */
  readonly path: string;
  readonly owner: 'layers' | 'synapses';
  readonly name: string;
  readonly value: number;
}

/** Every scalar `beta` parameter of the graph, with its current value. */
export async function findBetas(ham: HAM<string, string>): Promise<Beta[]> {
  const out: Beta[] = [];
  for (const owner of ['layers', 'synapses'] as const) {
    for (const [name, map] of Object.entries(ham.params[owner])) {
      const beta = map['beta'];
      if (beta && beta.rank === 0) out.push({ path: `${owner}.${name}.beta`, owner, name, value: (await beta.data())[0]! });
    }
  }
  return out;
}

/**
 * The graph's parameters with these β values in place of its own; every other tensor is the
 * graph's (shared, not copied). `owned` are the new β tensors: the caller's to dispose, once the
 * tree is no longer used.
 */
export function withBetas(params: Params, betas: readonly Beta[]): { tree: Params; owned: Tensor[] } {
  for (const b of betas) {
    if (!(b.value > 0 && Number.isFinite(b.value))) throw new HamuxError(b.path, `β must be a positive number, got ${b.value}`, 'invalid_argument');
    if (params[b.owner][b.name]?.['beta'] === undefined) throw new HamuxError(b.path, 'the graph has no such parameter', 'unknown_name');
  }
  const owned: Tensor[] = [];
  const replace = (owner: 'layers' | 'synapses') =>
    Object.fromEntries(Object.entries(params[owner]).map(([name, map]) => {
      const over = betas.find((b) => b.owner === owner && b.name === name);
      if (!over) return [name, map];
      const t = tf.scalar(over.value);
      owned.push(t);
      return [name, { ...map, beta: t }];
    }));
  return { tree: { layers: replace('layers'), synapses: replace('synapses') }, owned };
}
