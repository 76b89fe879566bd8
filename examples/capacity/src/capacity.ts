import { hypergraph, lagrangians as L, synapses as Y, tf, uniformValues, deriveKey } from '@hamux-ts/core';

/** The memories compared: `E = −Σ_μ F(ξ_μ·σ)` with F(z) = z²/2 (classical Hopfield), z³/3, z⁴/4 or eᶻ. */
export type Model = 'classical' | 'degree 3' | 'degree 4' | 'exponential';
export const MODELS: readonly Model[] = ['classical', 'degree 3', 'degree 4', 'exponential'];

function memory(model: Model, k: number) {
  switch (model) {
    case 'classical': return Y.polynomialMemory({ memories: k, degree: 2 });
    case 'degree 3': return Y.polynomialMemory({ memories: k, degree: 3 });
    case 'degree 4': return Y.polynomialMemory({ memories: k, degree: 4 });
    case 'exponential': return Y.exponentialMemory({ memories: k, beta: 1 });
  }
}

/** K random ±1 patterns of N features, from a seed. */
export function randomPatterns(k: number, n: number, seed: number): Float32Array {
  return Float32Array.from(uniformValues(seed, [k, n], -1, 1), (u) => (u < 0 ? -1 : 1));
}

/**
 * The fraction of `tested` stored patterns that are fixed points of the dense-memory update
 * `σ_i ← sgn(E(σ with σ_i = −1) − E(σ with σ_i = +1))` (Krotov & Hopfield 2016): a pattern is stored
 * when flipping any one of its N bits raises the energy. The energies come from the hypergraph
 * (one identity layer `sigma`, one memory synapse holding the patterns as ξ), without the neuron term.
 */
export function storedFraction(model: Model, n: number, k: number, seed: number, tested = 32): number {
  const xi = randomPatterns(k, n, seed);
  const b = Math.min(k, tested);
  const ham = hypergraph()
    .layer('sigma', { shape: [n], lagrangian: L.identity() })
    .synapse('memory', memory(model, k), ['sigma'])
    .build({ seed, params: { synapses: { memory: { xi: tf.tensor2d(xi, [k, n]) } } } });
  // Each tested pattern, then the same pattern with bit i flipped, for i = 0 … N−1.
  const states = new Float32Array(b * (n + 1) * n);
  for (let p = 0; p < b; p++) {
    const pattern = xi.subarray(p * n, (p + 1) * n);
    for (let f = 0; f <= n; f++) {
      const row = states.subarray((p * (n + 1) + f) * n, (p * (n + 1) + f + 1) * n);
      row.set(pattern);
      if (f > 0) row[f - 1] = -row[f - 1]!;
    }
  }
  const energies = tf.tidy(() =>
    ham.energy({ sigma: tf.tensor2d(states, [b * (n + 1), n]) }, { neuronEnergy: false }).dataSync(),
  );
  ham.dispose();
  let stored = 0;
  for (let p = 0; p < b; p++) {
    const e0 = energies[p * (n + 1)]!;
    let stable = true;
    for (let f = 1; f <= n && stable; f++) stable = energies[p * (n + 1) + f]! > e0;
    if (stable) stored++;
  }
  return stored / b;
}

/**
 * The largest K at which at least `threshold` of the tested patterns are stored: K doubles until
 * recall fails, then bisection between the last success and the first failure. Every K gets fresh
 * patterns, so near the edge the answer moves by a few percent with the seed.
 */
export function capacity(model: Model, n: number, opts: { seed: number; threshold?: number; maxK?: number; samples?: number }): { k: number; capped: boolean } {
  const threshold = opts.threshold ?? 0.9;
  const maxK = opts.maxK ?? 1 << 14;
  const samples = opts.samples ?? 256;
  // At least `samples` patterns are tested at every K: small K gets several independent sets of patterns.
  const ok = (k: number) => {
    const trials = Math.ceil(samples / Math.min(k, 64));
    let fraction = 0;
    for (let t = 0; t < trials; t++) fraction += storedFraction(model, n, k, deriveKey(opts.seed, `${model}/${n}/${k}/${t}`), 64);
    return fraction / trials >= threshold;
  };
  let good = 1;
  let bad = 0;
  for (let k = 2; k <= maxK; k *= 2) {
    if (ok(k)) good = k;
    else { bad = k; break; }
  }
  if (bad === 0) return { k: good, capped: true };
  while (bad - good > Math.max(1, Math.floor(good / 50))) {
    const mid = Math.floor((good + bad) / 2);
    if (ok(mid)) good = mid; else bad = mid;
  }
  return { k: good, capped: false };
}

/** (2m−1)!! = 1·3·5·…·(2m−1). */
const doubleFactorial = (m: number): number => (m <= 1 ? 1 : m * doubleFactorial(m - 2));

/**
 * Theory (Krotov & Hopfield 2016): with no errors allowed, a degree-n memory stores about
 * `N^(n−1) / (2 (2n−3)!! ln N)` random patterns (n = 2 gives the classical `N / (2 ln N)`; the
 * classical 0.14 N allows ~1.5% wrong bits).
 */
export function theoryCapacity(degree: number, n: number): number {
  return n ** (degree - 1) / (2 * doubleFactorial(2 * degree - 3) * Math.log(n));
}

/** Least-squares slope of log y against log x: the exponent of a power law. */
export function powerLawExponent(x: readonly number[], y: readonly number[]): number {
  const lx = x.map(Math.log), ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length, my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0, sxx = 0;
  lx.forEach((v, i) => { sxy += (v - mx) * (ly[i]! - my); sxx += (v - mx) ** 2; });
  return sxy / sxx;
}
