/**
 * Layout changes between a PyTorch tensor and the hamux-ts parameter it becomes, applied in the
 * order a mapping lists them:
 *
 * - `transpose`: a matrix `[m, n]` → `[n, m]`;
 * - `normalizeColumns`: each column divided by its Euclidean norm, `W / sqrt(Σ_i W²)` along axis 0
 *   (hamux-torch's MNIST example stores its memories ξ this way: `ξ = (W / ‖W‖_col)ᵀ`, so its
 *   mapping is `["normalizeColumns", "transpose"]`);
 * - `normalizeRows`: each row divided by its Euclidean norm;
 * - `oihwToHwio`: a convolution kernel from PyTorch's `[out, in, kh, kw]` to hamux-ts's
 *   `[kh, kw, in, out]` (tfjs's layout).
 *
 * A normalisation is done in double precision and rounded once to float32.
 */
import { HamuxError, formatShape, type HamuxErrorCode } from '@hamux-ts/core';

/** Every layout step a mapping may name. */
export const LAYOUT_STEPS = ['transpose', 'normalizeColumns', 'normalizeRows', 'oihwToHwio'] as const;
/** One layout step. */
export type LayoutStep = (typeof LAYOUT_STEPS)[number];

/** A tensor as plain data: shape and row-major float32 values. */
export interface PlainTensor {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** Its values, row-major. */
  readonly data: Float32Array;
}

/** A step that cannot apply, said in words (with no path: the caller names the tensor). */
export class LayoutProblem extends HamuxError {
  /** `'LayoutProblem'`, the error's name. */
  override readonly name: string = 'LayoutProblem';

  constructor(message: string, code: HamuxErrorCode = 'shape_mismatch') {
    super([], message, code);
  }
}

function needRank(step: LayoutStep, t: PlainTensor, rank: number, what: string): void {
  if (t.shape.length !== rank) throw new LayoutProblem(`${step} needs ${what} (rank ${rank}), got shape ${formatShape(t.shape)}`);
}

function transpose(t: PlainTensor): PlainTensor {
  needRank('transpose', t, 2, 'a matrix');
  const [m, n] = t.shape as [number, number];
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = t.data[i * n + j]!;
  return { shape: [n, m], data: out };
}

/** Divides the entries of each group (a column or a row) by the group's norm. */
function normalize(step: LayoutStep, t: PlainTensor, byColumn: boolean): PlainTensor {
  needRank(step, t, 2, 'a matrix');
  const [m, n] = t.shape as [number, number];
  const groups = byColumn ? n : m;
  const length = byColumn ? m : n;
  const at = (g: number, k: number) => (byColumn ? k * n + g : g * n + k);
  const out = new Float32Array(m * n);
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    for (let k = 0; k < length; k++) sum += t.data[at(g, k)]! ** 2;
    const norm = Math.sqrt(sum);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new LayoutProblem(`${step}: ${byColumn ? 'column' : 'row'} ${g} has norm ${norm}, which cannot be divided by`, 'invalid_argument');
    for (let k = 0; k < length; k++) out[at(g, k)] = t.data[at(g, k)]! / norm;
  }
  return { shape: [m, n], data: out };
}

function oihwToHwio(t: PlainTensor): PlainTensor {
  needRank('oihwToHwio', t, 4, 'a convolution kernel [out, in, kh, kw]');
  const [o, i, h, w] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = t.data[((a * i + b) * h + y) * w + x]!;
      }
    }
  }
  return { shape: [h, w, i, o], data: out };
}

/** Applies `steps` in order; a step that does not fit the tensor throws a `LayoutProblem`. */
export function applyLayout(t: PlainTensor, steps: readonly LayoutStep[]): PlainTensor {
  return steps.reduce<PlainTensor>((x, step) => {
    switch (step) {
      case 'transpose': return transpose(x);
      case 'normalizeColumns': return normalize(step, x, true);
      case 'normalizeRows': return normalize(step, x, false);
      case 'oihwToHwio': return oihwToHwio(x);
    }
  }, t);
}
