/**
 * Random hypergraphs for the property tests: 1–4 layers of random shapes, every Lagrangian and
 * every synapse kind, time constants over four orders of magnitude. Not a test file itself.
 *
 * Every generated graph has an energy bounded below, so that descent must end in a fixed point (or
 * run out of steps on a stiff one), never run away to −∞. The argument, per layer class:
 *
 * - B (bounded activation: tanh, sigmoid, softmax, layernorm, spherical, ghostmax): every synapse
 *   energy is a continuous function of bounded activations, and the neuron energy `x̂·x − L(x)` is
 *   bounded below (≥ 0 for tanh/sigmoid/softmax/ghostmax, ≥ −γ·D·sqrt(ε) for the norms).
 * - Q (identity, relu): the neuron energy is `½|x̂|²`, so quadratic synapse energies must be small:
 *   those get weights of std 0.01–0.02 (operator norms ≪ ½ over at most four synapses).
 * - S (repu with n = 1.5): neuron energy `x̂³/3`, which dominates any quadratic synapse energy.
 * - U (repu with n = 3, exp, rexp): neuron energy grows slower than `|x̂|²` (as `x̂^1.5` or
 *   `x̂ log x̂`), so these layers only take synapse energies linear in their activation: a coupling
 *   to a bounded layer, a bias, a modern Hopfield memory, a degree-1 polynomial memory.
 *
 * Choices that would break these rules are repaired (a layer's Lagrangian is made bounded, a memory
 * lowered in degree or replaced), so fast-check still shrinks over the raw choices.
 */
import fc from 'fast-check';
import {
  hypergraph,
  lagrangians as Lg,
  normal,
  synapses as Y,
  type GraphBuilder,
  type HAM,
  type Hypersynapse,
  type Lagrangian,
  type Shape,
} from '@hamux-ts/core';

export const LAGRANGIANS = ['identity', 'repu', 'relu', 'exp', 'rexp', 'tanh', 'sigmoid', 'softmax', 'layernorm', 'spherical', 'ghostmax'] as const;
export const SYNAPSES = [
  'dense', 'denseBias', 'bias', 'conv2d', 'avgPool', 'polynomialMemory', 'exponentialMemory', 'modernHopfield', 'reluSquaredMemory', 'energyAttention',
] as const;
const LINKS = ['dense', 'denseBias', 'conv2d', 'avgPool'] as const;
const OWN = ['bias', 'polynomialMemory', 'exponentialMemory', 'modernHopfield', 'reluSquaredMemory', 'energyAttention', 'denseSelf', 'none'] as const;

type Growth = 'B' | 'Q' | 'S' | 'U';

export interface LayerChoice {
  form: number; // 0 vector, 1 tokens, 2 image
  size: number;
  tokens: number;
  feat: number;
  h: number;
  w: number;
  ch: number;
  lag: number;
  u: number;
  logTau: number;
  link: { to: number; kind: number; k: number; stride: number; pad: number; cout: number };
  own: { kind: number; K: number; degree: number; rectified: boolean; u: number; perToken: boolean };
}

export interface GraphChoice {
  layers: LayerChoice[];
  batch: number;
  logStd: number;
  stateSeed: number;
  buildSeed: number;
  multirate: boolean;
  record: boolean;
}

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const layerArb: fc.Arbitrary<LayerChoice> = fc.record({
  form: fc.integer({ min: 0, max: 2 }),
  size: fc.integer({ min: 1, max: 32 }),
  tokens: fc.integer({ min: 2, max: 4 }),
  feat: fc.integer({ min: 2, max: 8 }),
  h: fc.integer({ min: 2, max: 4 }),
  w: fc.integer({ min: 2, max: 4 }),
  ch: fc.integer({ min: 1, max: 2 }),
  lag: fc.integer({ min: 0, max: LAGRANGIANS.length - 1 }),
  u: unit,
  logTau: fc.double({ min: -2, max: 2, noNaN: true }),
  link: fc.record({
    to: fc.nat(3),
    kind: fc.integer({ min: 0, max: LINKS.length - 1 }),
    k: fc.nat(2),
    stride: fc.integer({ min: 1, max: 2 }),
    pad: fc.nat(2),
    cout: fc.integer({ min: 1, max: 2 }),
  }),
  own: fc.record({
    kind: fc.integer({ min: 0, max: OWN.length - 1 }),
    K: fc.integer({ min: 2, max: 8 }),
    degree: fc.integer({ min: 1, max: 3 }),
    rectified: fc.boolean(),
    u: unit,
    perToken: fc.boolean(),
  }),
});

export const graphArb: fc.Arbitrary<GraphChoice> = fc.record({
  layers: fc.array(layerArb, { minLength: 1, maxLength: 4 }),
  batch: fc.integer({ min: 1, max: 4 }),
  logStd: fc.double({ min: -1, max: 0.3, noNaN: true }),
  stateSeed: fc.nat(1000),
  buildSeed: fc.nat(1000),
  multirate: fc.boolean(),
  record: fc.boolean(),
});

function lagrangianOf(kind: (typeof LAGRANGIANS)[number], u: number): { lag: Lagrangian; growth: Growth; desc: string } {
  const beta = Math.round(10 ** (-0.3 + u) * 100) / 100; // 0.5 … 5
  const small = Math.round((0.1 + 0.4 * u) * 100) / 100; // 0.1 … 0.5
  switch (kind) {
    case 'identity': return { lag: Lg.identity(), growth: 'Q', desc: 'identity' };
    case 'relu': return { lag: Lg.relu(), growth: 'Q', desc: 'relu' };
    case 'repu': return u < 0.5 ? { lag: Lg.repu({ n: 1.5 }), growth: 'S', desc: 'repu(1.5)' } : { lag: Lg.repu({ n: 3 }), growth: 'U', desc: 'repu(3)' };
    case 'exp': return { lag: Lg.exp({ beta: small }), growth: 'U', desc: `exp(β=${small})` };
    case 'rexp': return { lag: Lg.rexp({ beta: small }), growth: 'U', desc: `rexp(β=${small})` };
    case 'tanh': return { lag: Lg.tanh({ beta }), growth: 'B', desc: `tanh(β=${beta})` };
    case 'sigmoid': return { lag: Lg.sigmoid({ beta }), growth: 'B', desc: `sigmoid(β=${beta})` };
    case 'softmax': return { lag: Lg.softmax({ beta }), growth: 'B', desc: `softmax(β=${beta})` };
    case 'layernorm': return { lag: Lg.layernorm({ gamma: 0.5 + u }), growth: 'B', desc: `layernorm(γ=${0.5 + u})` };
    case 'spherical': return { lag: Lg.spherical({ gamma: 0.5 + u }), growth: 'B', desc: `spherical(γ=${0.5 + u})` };
    case 'ghostmax': return { lag: Lg.ghostmax(), growth: 'B', desc: 'ghostmax' };
  }
}

const BOUNDED = LAGRANGIANS.slice(5);

export interface RandomGraph {
  ham: HAM<string, string>;
  /** A readable account of the graph, for failure messages. */
  desc: string;
  lagrangians: Set<string>;
  synapses: Set<string>;
}

/** Builds the graph a choice describes (repairing choices that would leave the energy unbounded). */
export function buildGraph(choice: GraphChoice): RandomGraph {
  const shapes: Shape[] = [];
  const growth: Growth[] = [];
  const lags: Lagrangian[] = [];
  const lines: string[] = [];
  const usedL = new Set<string>();
  const usedS = new Set<string>();
  const syn: { name: string; s: Hypersynapse; connects: string[]; desc: string }[] = [];
  const quadSmall = normal(0.01);

  choice.layers.forEach((c, i) => {
    let kind: (typeof LAGRANGIANS)[number] = LAGRANGIANS[c.lag]!;
    let shape: Shape = c.form === 0 ? [c.size] : c.form === 1 ? [c.tokens, c.feat] : [c.h, c.w, c.ch];
    let link: { s: Hypersynapse; kind: string; desc: string; j: number } | undefined;
    if (i > 0) {
      const j = c.link.to % i;
      let lk: string = LINKS[c.link.kind]!;
      const src = shapes[j]!;
      if ((lk === 'conv2d' || lk === 'avgPool') && src.length !== 3) lk = 'dense';
      if (lk === 'conv2d') {
        const [h, w, ch] = src as [number, number, number];
        const k = 1 + (c.link.k % Math.min(3, h, w));
        const padding = (['valid', 'same', 1] as const)[c.link.pad % (k >= 2 ? 3 : 2)]!;
        const ho = Y.outputLength(h, k, c.link.stride, padding);
        const wo = Y.outputLength(w, k, c.link.stride, padding);
        const cout = ho * wo > 16 ? 1 : c.link.cout;
        shape = [ho, wo, cout];
        link = { s: Y.conv2d({ kernel: k, stride: c.link.stride, padding, init: { W: quadSmall } }), kind: lk, j, desc: `conv2d(k=${k}, s=${c.link.stride}, pad=${padding})` };
        void ch;
      } else if (lk === 'avgPool') {
        const [h, w, ch] = src as [number, number, number];
        // Pooling has operator norm ≤ 1, = 1 with a window of one entry: between two Q layers that
        // flat direction plus a bias would be unbounded, so those get 2×2 'valid' windows (norm ½).
        const bothQuadratic = growth[j] !== 'B' && lagrangianOf(kind, c.u).growth !== 'B';
        const size = bothQuadratic ? 2 : 1 + (c.link.k % 2);
        const padding = bothQuadratic ? 'valid' : (['valid', 'same'] as const)[c.link.pad % 2]!;
        shape = [Y.outputLength(h, size, size, padding), Y.outputLength(w, size, size, padding), ch];
        link = { s: Y.avgPool({ size, padding }), kind: lk, j, desc: `avgPool(size=${size}, pad=${padding})` };
      } else {
        link = { s: lk === 'dense' ? Y.dense() : Y.denseBias({ init: { b: normal(0.5) } }), kind: lk, j, desc: lk };
      }
      // A coupling between two unbounded layers needs both to be Q or S (and small weights).
      const gj = growth[j]!;
      let { growth: gi } = lagrangianOf(kind, c.u);
      if (gj !== 'B' && gi !== 'B' && (gj === 'U' || gi === 'U')) {
        kind = BOUNDED[c.lag % BOUNDED.length]!;
        gi = 'B';
      }
      if (gj !== 'B' && gi !== 'B' && (lk === 'dense' || lk === 'denseBias')) {
        link.s = lk === 'dense' ? Y.dense({ init: { W: quadSmall } }) : Y.denseBias({ init: { W: quadSmall, b: normal(0.5) } });
        link.desc += '(small W)';
      }
    }
    const made = lagrangianOf(kind, c.u);
    shapes.push(shape);
    growth.push(made.growth);
    lags.push(made.lag);
    usedL.add(kind);
    const tau = Number((10 ** c.logTau).toPrecision(3));
    lines.push(`l${i}: ${JSON.stringify(shape)} ${made.desc} τ=${tau}`);
    if (link) {
      syn.push({ name: `link${i}`, s: link.s, connects: [`l${link.j}`, `l${i}`], desc: `${link.desc} l${link.j}→l${i}` });
      usedS.add(link.kind);
    }

    // The layer's own one-layer synapse.
    const o = c.own;
    let own: string = OWN[o.kind]!;
    if (choice.layers.length === 1 && own === 'none') own = 'bias';
    const g = made.growth;
    const quadraticOk = g !== 'U';
    const xiSmall = g === 'B' ? {} : { init: { xi: normal(0.02) } };
    if (own === 'exponentialMemory' && g !== 'B') own = 'modernHopfield';
    if ((own === 'reluSquaredMemory' || own === 'energyAttention') && !quadraticOk) own = 'modernHopfield';
    if (own === 'energyAttention' && shape.length !== 2) own = 'reluSquaredMemory';
    if (own === 'reluSquaredMemory' && !quadraticOk) own = 'modernHopfield';
    if (own === 'denseSelf' && !quadraticOk) own = 'bias';
    const perToken = o.perToken && shape.length >= 2;
    const mem = { memories: o.K, ...(perToken ? { perToken: true } : {}) };
    const beta = Math.round(10 ** (-0.3 + o.u) * 100) / 100;
    let s: Hypersynapse | undefined;
    let desc = own;
    switch (own) {
      case 'bias': s = Y.bias({ init: { b: normal(0.5) } }); break;
      case 'modernHopfield': s = Y.modernHopfield({ ...mem, beta }); desc += `(K=${o.K}, β=${beta})`; break;
      case 'exponentialMemory': s = Y.exponentialMemory({ ...mem, beta: beta / 4 }); desc += `(K=${o.K}, β=${beta / 4})`; break;
      case 'reluSquaredMemory': s = Y.reluSquaredMemory({ ...mem, ...xiSmall }); desc += `(K=${o.K})`; break;
      case 'polynomialMemory': {
        // Degree n grows like |x̂|ⁿ: only bounded layers take n = 3, only Q/S layers n = 2.
        const degree = g === 'B' ? o.degree : g === 'U' ? 1 : Math.min(o.degree, 2);
        s = Y.polynomialMemory({ ...mem, degree, rectified: o.rectified, ...(degree >= 2 ? xiSmall : {}) });
        desc += `(K=${o.K}, n=${degree}${o.rectified ? ', rectified' : ''})`;
        break;
      }
      case 'energyAttention': {
        const heads = 1 + (o.K % 2), headDim = 2 + (o.K % 3);
        s = Y.energyAttention({ heads, headDim, maskSelf: o.rectified });
        desc += `(H=${heads}, Y=${headDim}${o.rectified ? ', maskSelf' : ''})`;
        break;
      }
      case 'denseSelf': s = g === 'B' ? Y.dense() : Y.dense({ init: { W: quadSmall } }); break;
      case 'none': break;
    }
    if (s) {
      syn.push({ name: `own${i}`, s, connects: own === 'denseSelf' ? [`l${i}`, `l${i}`] : [`l${i}`], desc: `${desc}${perToken ? ' perToken' : ''} on l${i}` });
      usedS.add(own === 'denseSelf' ? 'dense' : own);
    }
  });

  let b = hypergraph() as unknown as GraphBuilder<string, string>;
  choice.layers.forEach((c, i) => {
    b = b.layer(`l${i}`, { shape: shapes[i]!, lagrangian: lags[i]!, tau: Number((10 ** c.logTau).toPrecision(3)) });
  });
  for (const s of syn) b = b.synapse(s.name, s.s, s.connects);
  const ham = b.build({ seed: choice.buildSeed, isolatedLayers: 'allow' });
  const desc = [...lines, ...syn.map((s) => `${s.name}: ${s.desc}`)].join('; ');
  return { ham, desc, lagrangians: usedL, synapses: usedS };
}
