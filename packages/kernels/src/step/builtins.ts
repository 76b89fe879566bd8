import { lagrangians as Lg, synapses as Y, type Hypersynapse, type Lagrangian } from '@hamux-ts/core';

// The built-ins are recognised by kind *and* by the source of their functions, so that a user
// component that merely reuses a built-in's kind name keeps going through autodiff.
const sourceOf = (f: unknown) => (typeof f === 'function' ? String(f) : '');
let referenceLagrangians: Map<string, Lagrangian> | undefined;
let referenceSynapses: Map<string, Hypersynapse[]> | undefined;

export function isBuiltinLagrangian(lag: Lagrangian): boolean {
  referenceLagrangians ??= new Map(
    [Lg.identity(), Lg.relu(), Lg.repu({ n: 3 }), Lg.exp(), Lg.rexp(), Lg.tanh(), Lg.sigmoid(), Lg.softmax(), Lg.ghostmax(), Lg.layernorm(), Lg.spherical()]
      .map((l) => [l.kind, l]),
  );
  const ref = referenceLagrangians.get(lag.kind);
  return !!ref && sourceOf(ref.lagrangian) === sourceOf(lag.lagrangian) && sourceOf(ref.activation) === sourceOf(lag.activation);
}

export function isBuiltinSynapse(syn: Hypersynapse): boolean {
  if (!referenceSynapses) {
    referenceSynapses = new Map();
    for (const s of [
      Y.dense(), Y.dense({ perToken: true }), Y.denseBias(), Y.denseBias({ perToken: true }), Y.bias(),
      Y.modernHopfield({ memories: 1 }), Y.reluSquaredMemory({ memories: 1 }), Y.exponentialMemory({ memories: 1 }),
      Y.polynomialMemory({ memories: 1, degree: 2 }), Y.energyAttention({ heads: 1, headDim: 1 }),
    ]) referenceSynapses.set(s.kind, [...(referenceSynapses.get(s.kind) ?? []), s]);
  }
  return (referenceSynapses.get(syn.kind) ?? []).some(
    (ref) => sourceOf(ref.energy) === sourceOf(syn.energy) && sourceOf(ref.dEdxhat) === sourceOf(syn.dEdxhat),
  );
}

