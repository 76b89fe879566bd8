import { tf, type Tensor } from '../tf.js';
import { HamuxError } from '../errors.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { normal, type Init, type TensorMap } from '../params.js';
import { sumPerSample } from '../ops.js';
import { formatShape, type Shape } from '../shape.js';
import { learnableParam, positiveInteger } from './common.js';
import type { GpuOperand, GpuProgram, GpuRun, GpuSynapse } from '../gpu/types.js';
import { bilinearEnergy, entryProgram, operandInputs, operandRead } from '../gpu/products.js';

import type { Padding } from '../builtin.js';

export type { Padding };

type Pair = readonly [number, number];

function pair(kind: string, name: string, v: number | Pair): Pair {
  const p: Pair = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2) throw new HamuxError([kind, name], `must be a number or a pair, got ${JSON.stringify(v)}`, 'invalid_argument');
  positiveInteger(kind, name, p[0]);
  positiveInteger(kind, name, p[1]);
  return p;
}

function checkPadding(kind: string, padding: Padding): void {
  if (!(padding === 'valid' || padding === 'same' || (Number.isInteger(padding) && padding >= 0))) {
    throw new HamuxError([kind, 'padding'], `must be 'valid', 'same' or an integer >= 0, got ${JSON.stringify(padding)}`, 'invalid_argument');
  }
}

/** `p` zeros on both sides of both spatial axes, as tfjs's explicit NHWC padding. */
function explicitPadding(p: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/**
 * Zeros added before and after one spatial axis: none for `'valid'`, `p` on both sides for a
 * number, and TensorFlow's split for `'same'` (total `max((ceil(n/s) − 1)·s + k − n, 0)`, the
 * smaller half before).
 */
export function paddingAmounts(n: number, k: number, s: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding !== 'same') return [padding, padding];
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Output length along one spatial axis of a window of size k, stride s. */
export function outputLength(n: number, k: number, s: number, padding: Padding): number {
  if (padding === 'same') return Math.ceil(n / s);
  const p = padding === 'valid' ? 0 : padding;
  return Math.floor((n + 2 * p - k) / s) + 1;
}

function spatialCheck(
  what: string,
  [input, output]: readonly Shape[],
  kernel: Pair,
  stride: Pair,
  padding: Padding,
  channelsOut: (input: Shape, output: Shape) => number,
): string | undefined {
  if (input!.length !== 3) return `the first layer must be [height, width, channels], got ${formatShape(input!)}`;
  if (output!.length !== 3) return `the second layer must be [height, width, channels], got ${formatShape(output!)}`;
  const h = outputLength(input![0]!, kernel[0], stride[0], padding);
  const w = outputLength(input![1]!, kernel[1], stride[1], padding);
  const expected = [h, w, channelsOut(input!, output!)];
  if (h < 1 || w < 1 || expected.some((d, i) => d !== output![i])) {
    return (
      `${what} of ${formatShape(input!)} gives ${formatShape(expected)}, ` +
      `but the second layer is ${formatShape(output!)}`
    );
  }
  return undefined;
}

/** Options of `conv2d`: kernel, stride, padding and initialiser. */
export interface Conv2dOptions {
  /** Kernel height and width. */
  kernel: number | Pair;
  /** Step of the kernel along height and width (default 1). */
  stride?: number | Pair;
  /** `'valid'` (default), `'same'`, or that many zeros on each side. */
  padding?: Padding;
  /** Initialiser of the filter W, instead of the default. */
  init?: {
    /** Initialiser of W. */
    W?: Init;
  };
}

/**
 * 2-D convolution: `E = −Σ x̂₂ ⊙ conv(x̂₁, W)` between layers `[H, W, C_in]` and `[H′, W′, C_out]`,
 * filter `[kh, kw, C_in, C_out]`. Its signal to x̂₁ is the transposed convolution of x̂₂.
 */
export function conv2d(options: Conv2dOptions): Hypersynapse {
  const kernel = pair('conv2d', 'kernel', options.kernel);
  const stride = pair('conv2d', 'stride', options.stride ?? 1);
  const padding = options.padding ?? 'valid';
  checkPadding('conv2d', padding);
  // A numeric padding goes to tfjs as explicit amounts: tfjs 4.22 computes the output width of a
  // numeric padding from the kernel's HEIGHT, so a non-square kernel got a wrong output shape on
  // cpu, and on wasm a write past the output buffer that corrupted the heap.
  const pad = typeof padding === 'number' ? explicitPadding(padding) : padding;
  const conv = (x: Tensor, W: Tensor) => tf.conv2d(x as tf.Tensor4D, W as tf.Tensor4D, [...stride] as [number, number], pad, 'NHWC');
  return {
    kind: 'conv2d',
    arity: 2,
    options: { kernel, stride, padding },
    builtin: { kind: 'conv2d', kernel, stride, padding },
    check: (shapes) =>
      spatialCheck(
        `a ${kernel[0]}×${kernel[1]} convolution with stride ${formatShape(stride)} and padding ${padding}`,
        shapes,
        kernel,
        stride,
        padding,
        (_, out) => out[2]!,
      ),
    params: ([s1, s2]) => {
      const fanIn = kernel[0] * kernel[1] * s1![2]!;
      return {
        W: learnableParam([kernel[0], kernel[1], s1![2]!, s2![2]!], options.init?.W, normal(1 / Math.sqrt(fanIn))),
      };
    },
    energy: ([a, b], p) => tf.neg(sumPerSample(tf.mul(b!, conv(a!, p['W']!)))),
  };
}

/** Options of `avgPool`: window size and stride. */
export interface PoolOptions {
  /** Window height and width. */
  size: number | Pair;
  /** Default: the window size (non-overlapping windows). */
  stride?: number | Pair;
  /** `'valid'` (default), `'same'`, or that many zeros on each side. */
  padding?: Padding;
}

/**
 * For each output position along one axis, `k / (number of window entries inside the input)`: the
 * factor that turns a window sum divided by `k` into the mean over the real (unpadded) entries.
 */
function coverage(n: number, k: number, s: number, before: number, out: number): number[] {
  return Array.from({ length: out }, (_, i) => {
    const start = i * s - before;
    const inside = Math.min(start + k, n) - Math.max(start, 0);
    return inside > 0 ? k / inside : 0;
  });
}

/**
 * Average pooling: `E = −Σ x̂₂ ⊙ avgPool(x̂₁)`, layers `[H, W, C]` and `[H′, W′, C]`; no parameters.
 * As in TensorFlow, padded entries are left out of each window's average (a window lying wholly in
 * the padding averages to 0).
 *
 * The pooling is computed as a zero-padded, per-channel `'valid'` convolution with a constant
 * `1/(kh·kw)` filter, rescaled where windows overlap the padding. tfjs's own `avgPool` is not used:
 * its gradient divides by the full window size even where the forward pass left padding out (so
 * the autodiff signal was wrong at padded borders), and that gradient has no gradient itself, which
 * training through the unrolled dynamics needs.
 */
export function avgPool(options: PoolOptions): Hypersynapse {
  const size = pair('avgPool', 'size', options.size);
  const stride = pair('avgPool', 'stride', options.stride ?? size);
  const padding = options.padding ?? 'valid';
  checkPadding('avgPool', padding);
  const pool = (x: Tensor): Tensor => {
    const [batch, h, w, c] = x.shape as [number, number, number, number];
    const [top, bottom] = paddingAmounts(h, size[0], stride[0], padding);
    const [left, right] = paddingAmounts(w, size[1], stride[1], padding);
    const padded = top + bottom + left + right > 0
      ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
      : x;
    const [hp, wp] = [h + top + bottom, w + left + right];
    // Channels into the batch, so that one [kh, kw, 1, 1] filter pools every channel alike.
    const planes = tf.reshape(tf.transpose(padded, [0, 3, 1, 2]), [batch * c, hp, wp, 1]);
    const filter = tf.fill([size[0], size[1], 1, 1], 1 / (size[0] * size[1]));
    const summed = tf.conv2d(planes as tf.Tensor4D, filter as tf.Tensor4D, [...stride] as [number, number], 'valid');
    const [, ho, wo] = summed.shape as [number, number, number, number];
    const pooled = tf.transpose(tf.reshape(summed, [batch, c, ho, wo]), [0, 2, 3, 1]);
    if (top + bottom + left + right === 0) return pooled;
    const rows = coverage(h, size[0], stride[0], top, ho);
    const cols = coverage(w, size[1], stride[1], left, wo);
    const scale = tf.tensor3d(rows.flatMap((r) => cols.map((q) => r * q)), [ho, wo, 1]);
    return tf.mul(pooled, scale);
  };
  return {
    kind: 'avgPool',
    arity: 2,
    options: { size, stride, padding },
    builtin: { kind: 'avgPool', size, stride, padding },
    check: (shapes) =>
      spatialCheck(
        `${size[0]}×${size[1]} average pooling with stride ${formatShape(stride)} and padding ${padding}`,
        shapes,
        size,
        stride,
        padding,
        (input) => input[2]!,
      ),
    params: () => ({}),
    energy: ([a, b]) => tf.neg(sumPerSample(tf.mul(b!, pool(a!)))),
  };
}

// ---- WGSL forms: the same energies and signals in the fused webgpu step (gpu/forms.ts picks one by spec) ----

/**
 * Where the windows lie, as a WGSL form bakes it in: input `[H, W, C]`, output `[Ho, Wo, Co]`,
 * windows `kh × kw` with strides `sh`, `sw`, and the zeros before the first row (`pt`) and column (`pl`).
 */
interface Windows {
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly Co: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly pt: number;
  readonly pl: number;
}

/** The windows of a convolution or pooling of `input` (`[H, W, C]`) into `output` (`[Ho, Wo, Co]`). */
function windowsOf(input: readonly number[], output: readonly number[], k: Pair, s: Pair, padding: Padding): Windows {
  const [H, W, C] = input as [number, number, number];
  const [Ho, Wo, Co] = output as [number, number, number];
  const [pt] = paddingAmounts(H, k[0], s[0], padding);
  const [pl] = paddingAmounts(W, k[1], s[1], padding);
  return { H, W, C, Ho, Wo, Co, kh: k[0], kw: k[1], sh: s[0], sw: s[1], pt, pl };
}

/** Names everything `Windows` bakes in, for pipeline cache keys. */
const windowsKey = (g: Windows): string => [g.H, g.W, g.C, g.Ho, g.Wo, g.Co, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl].join('x');

/** WGSL running `body` over the input entries `(y, x)` of output position `(i, j)`'s window (offsets `di`, `dj`), padding skipped. */
const windowLoop = (g: Windows, body: string): string => `
        for (var di = 0; di < ${g.kh}; di = di + 1) {
          let y = i * ${g.sh} + di - ${g.pt};
          if (y < 0 || y >= ${g.H}) { continue; }
          for (var dj = 0; dj < ${g.kw}; dj = dj + 1) {
            let x = j * ${g.sw} + dj - ${g.pl};
            if (x < 0 || x >= ${g.W}) { continue; }${body}
          }
        }`;

/** WGSL running `body` over the output positions `(i, j)` whose windows hold input entry `(y, x)` (at offsets `di`, `dj`): `y + pt = i·sh + di`. */
const coverLoop = (g: Windows, body: string): string => `
        for (var di = 0; di < ${g.kh}; di = di + 1) {
          let ty = y + ${g.pt} - di;
          if (ty < 0 || ty % ${g.sh} != 0 || ty / ${g.sh} >= ${g.Ho}) { continue; }
          let i = ty / ${g.sh};
          for (var dj = 0; dj < ${g.kw}; dj = dj + 1) {
            let tx = x + ${g.pl} - dj;
            if (tx < 0 || tx % ${g.sw} != 0 || tx / ${g.sw} >= ${g.Wo}) { continue; }
            let j = tx / ${g.sw};${body}
          }
        }`;

/** WGSL that splits `r`, an entry of a sample of the output layer, into its position `(i, j)` and channel `o`. */
const outputIndices = (g: Windows): string => `
        let o = r % ${g.Co};
        let j = (r / ${g.Co}) % ${g.Wo};
        let i = r / ${g.Co * g.Wo};`;

/** WGSL that splits `r`, an entry of a sample of the input layer, into its position `(y, x)` and channel `c`. */
const inputIndices = (g: Windows): string => `
        let c = r % ${g.C};
        let x = (r / ${g.C}) % ${g.W};
        let y = r / ${g.C * g.W};`;

/**
 * One signal of a window synapse, `base − Σ` over windows: its name in cache keys, entries per
 * sample, WGSL functions it calls, and the WGSL that accumulates `acc` for sample `b`, entry `r`
 * (the operand read as `at(flat index)`, the weights bound as `w0`…).
 */
interface WindowSignal {
  readonly name: string;
  readonly n: number;
  readonly helpers: string;
  body(at: (index: string) => string): string;
}

/** The program of a window signal: one invocation per entry of `[B, n]`, `result = base − acc` (or `−acc` without a base). */
function windowProgram(B: number, signal: WindowSignal, key: string, inputs: readonly string[], withBase: boolean, at: (index: string) => string): GpuProgram {
  const n = signal.n;
  return entryProgram({
    shaderKey: `hamuxWindow_${signal.name}_${key}_${withBase}`,
    rows: B,
    n,
    variableNames: [...inputs, ...(withBase ? ['base'] : [])],
    helpers: signal.helpers,
    body: `
          let b = index / ${n};
          let r = index % ${n};
          var acc = 0.0;${signal.body(at)}
          result[index] = ${withBase ? 'base[index] - acc' : '-acc'};`,
  });
}

/** Runs a window signal of the operand `lhs` (x̂ read through its inline activation) with these weights: `[B, n]`, a new tensor. */
function runWindowSignal(run: GpuRun, B: number, g: Windows, signal: WindowSignal, lhs: GpuOperand, weights: readonly Tensor[], base: Tensor | undefined): Tensor {
  const read = operandRead('xs', lhs.inline?.form);
  const inputs = [...read.names, ...weights.map((_, k) => `w${k}`)];
  const program = windowProgram(B, signal, `${windowsKey(g)}_${read.key}`, inputs, base !== undefined, (i) => read.at(i));
  return run(program, [...operandInputs(lhs), ...weights, ...(base ? [base] : [])]);
}

/**
 * A bilinear window synapse `E = −Σ x̂₂ ⊙ f(x̂₁)`: the signal `g₂ = base₂ − f(x̂₁)` in one program
 * (`forward`), `g₁ = base₁ − fᵀ(x̂₂)` in another (`transposed`), each skipped where its layer is
 * not wanted, except that one of them always runs: the energy `Σ x̂ (g − base)` is read from it.
 */
function windowSynapse(kind: 'conv2d' | 'avgPool', g: Windows, forward: WindowSignal, transposed: WindowSignal, weights: (p: TensorMap) => Tensor[]): GpuSynapse {
  return {
    kind,
    dispatches: 2,
    run: ({ run, batch: B, xhat: [a, z], base: [baseA, baseZ], wanted: [wantA, wantZ], p }) => {
      const w = weights(p);
      const gZ = wantZ || !wantA ? runWindowSignal(run, B, g, forward, a!, w, baseZ) : undefined;
      const gA = wantA ? runWindowSignal(run, B, g, transposed, z!, w, baseA) : undefined;
      const energy = gZ ? bilinearEnergy(z!, gZ, baseZ, forward.n) : bilinearEnergy(a!, gA!, baseA, transposed.n);
      return { energy, grad: [gA, gZ], keep: [] };
    },
  };
}

/** `conv(x̂₁, W)` (W `[kh, kw, C, Co]`, HWIO) per output entry: `Σ_{di, dj, c} x̂₁[i·sh + di − pt, j·sw + dj − pl, c] W[di, dj, c, o]`. */
function convForward(g: Windows): WindowSignal {
  return {
    name: 'convForward',
    n: g.Ho * g.Wo * g.Co,
    helpers: '',
    body: (at) => `${outputIndices(g)}${windowLoop(g, `
            let a0 = b * ${g.H * g.W * g.C} + (y * ${g.W} + x) * ${g.C};
            let w0i = (di * ${g.kw} + dj) * ${g.C * g.Co} + o;
            for (var c = 0; c < ${g.C}; c = c + 1) { acc = acc + ${at('a0 + c')} * w0[w0i + c * ${g.Co}]; }`)}`,
  };
}

/** The transposed convolution per input entry: `Σ_{windows (i, j) holding (y, x)} Σ_o x̂₂[i, j, o] W[di, dj, c, o]`. */
function convTransposed(g: Windows): WindowSignal {
  return {
    name: 'convTransposed',
    n: g.H * g.W * g.C,
    helpers: '',
    body: (at) => `${inputIndices(g)}${coverLoop(g, `
            let z0 = b * ${g.Ho * g.Wo * g.Co} + (i * ${g.Wo} + j) * ${g.Co};
            let w0i = ((di * ${g.kw} + dj) * ${g.C} + c) * ${g.Co};
            for (var o = 0; o < ${g.Co}; o = o + 1) { acc = acc + ${at('z0 + o')} * w0[w0i + o]; }`)}`,
  };
}

/** WGSL of `poolShare(i, j)`: 1 / (the entries of window (i, j) inside the input), 0 for a window wholly in the padding (as `coverage`). */
const poolShareCode = (g: Windows): string => `
      fn poolInside(start : i32, k : i32, n : i32) -> i32 { return max(min(start + k, n) - max(start, 0), 0); }
      fn poolShare(i : i32, j : i32) -> f32 {
        let count = poolInside(i * ${g.sh} - ${g.pt}, ${g.kh}, ${g.H}) * poolInside(j * ${g.sw} - ${g.pl}, ${g.kw}, ${g.W});
        return select(0.0, 1.0 / f32(count), count > 0);
      }`;

/** The average pool per output entry: the mean of x̂₁ over the window's entries inside the input. */
function poolForward(g: Windows): WindowSignal {
  return {
    name: 'poolForward',
    n: g.Ho * g.Wo * g.C,
    helpers: poolShareCode(g),
    body: (at) => `${outputIndices(g)}${windowLoop(g, `
            acc = acc + ${at(`b * ${g.H * g.W * g.C} + (y * ${g.W} + x) * ${g.C} + o`)};`)}
        acc = acc * poolShare(i, j);`,
  };
}

/** Its transpose per input entry: `Σ_{windows (i, j) holding (y, x)} x̂₂[i, j, c] · poolShare(i, j)`. */
function poolTransposed(g: Windows): WindowSignal {
  return {
    name: 'poolTransposed',
    n: g.H * g.W * g.C,
    helpers: poolShareCode(g),
    body: (at) => `${inputIndices(g)}${coverLoop(g, `
            acc = acc + ${at(`b * ${g.Ho * g.Wo * g.C} + (i * ${g.Wo} + j) * ${g.C} + c`)} * poolShare(i, j);`)}`,
  };
}

/** The WGSL forms of the convolution and the average pool between `[H, W, C]` layers; gpu/forms.ts picks one by spec. */
export const convGpu = {
  /**
   * `E = −Σ x̂₂ ⊙ conv(x̂₁, W)` (W `[kh, kw, C, Co]`): `g₂ = base₂ − conv(x̂₁, W)` and
   * `g₁ = base₁ − convᵀ(x̂₂, W)`, one direct program each (one invocation per entry, looping over
   * its windows), each skipped where not wanted; the energy `Σ x̂₂ (g₂ − base₂)` (or, where only
   * the first layer's signal runs, `Σ x̂₁ (g₁ − base₁)`), a sum the step's energy program takes.
   */
  conv2d: (input: readonly number[], output: readonly number[], kernel: Pair, stride: Pair, padding: Padding): GpuSynapse => {
    const g = windowsOf(input, output, kernel, stride, padding);
    return windowSynapse('conv2d', g, convForward(g), convTransposed(g), (p) => [p['W']!]);
  },
  /**
   * `E = −Σ x̂₂ ⊙ avgPool(x̂₁)` (padding left out of each window's mean, as the tfjs form): the
   * pool and its transpose, one program each, as conv2d's.
   */
  avgPool: (input: readonly number[], output: readonly number[], size: Pair, stride: Pair, padding: Padding): GpuSynapse => {
    const g = windowsOf(input, output, size, stride, padding);
    return windowSynapse('avgPool', g, poolForward(g), poolTransposed(g), () => []);
  },
};
