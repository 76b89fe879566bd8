// Configs of the bench tests: small enough to relax in milliseconds.

/** Two layers, the visible one with time constant `tau`: the larger the ratio to 1, the stiffer. */
export const chain = (tau: number) => ({
  layers: {
    v: { shape: [6], lagrangian: { kind: 'identity' }, tau },
    h: { shape: [4], lagrangian: { kind: 'tanh' }, tau: 1 },
  },
  synapses: { vh: { kind: 'dense', connects: ['v', 'h'] } },
  seed: 3,
});

/** E = ½a² + ½b² − 3ab is unbounded below: a variant that diverges, reported as failed. */
export const blowup = {
  layers: { a: { shape: [1], lagrangian: { kind: 'identity' } }, b: { shape: [1], lagrangian: { kind: 'identity' } } },
  synapses: { s: { kind: 'dense', connects: ['a', 'b'], init: { W: { type: 'constant', value: 3 } } } },
  seed: 0,
};
