import type { Tensor } from '../tf.js';
import type { GpuMap, GpuOperand, GpuProgram } from './types.js';

/**
 * Tiled matrix products of the fused webgpu step, shared by the synapses' WGSL forms (memories,
 * dense): each workgroup a TILE × TILE block of the result, `[B, N]`, with an optional `base`
 * (`[B, N]`) from which the product is subtracted (`base − a·w`), or the product negated.
 */

/** How a program reads an operand (`GpuOperand`) bound as `name`: its inputs' names, its cache key, and x̂ at a flat index. */
export interface OperandRead {
  /** The names of its inputs, in the order of `operandInputs`: the tensor, then the inline activation's parameters. */
  readonly names: readonly string[];
  /** Names the activation computed on read (`'x̂'` for none) in cache keys. */
  readonly key: string;
  /** The WGSL expression of x̂ at the WGSL flat index `index`. */
  at(index: string): string;
}

/** How programs read an operand bound as `name`, given its inline activation (undefined: x̂ itself is bound). */
export function operandRead(name: string, inline: GpuMap | undefined): OperandRead {
  if (!inline) return { names: [name], key: 'xhat', at: (i) => `${name}[${i}]` };
  const params = inline.params.map((_, k) => `${name}P${k}`);
  return { names: [name, ...params], key: inline.key, at: (i) => `(${inline.activation(`${name}[${i}]`, params.map((q) => `${q}[0]`))})` };
}

/** The tensors to bind for an operand, in the order of `operandRead(…).names`. */
export const operandInputs = (op: GpuOperand): Tensor[] => [op.tensor, ...(op.inline?.params ?? [])];

/** Side of the square tiles (a workgroup of TILE × TILE invocations). */
export const TILE = 16;

/** How a product's result is formed from the sum `acc`. */
export type ProductSign = 'plus' | 'minus' | 'baseMinus';

const finish = (sign: ProductSign, at: string) =>
  sign === 'plus' ? `result[${at}] = acc;` : sign === 'minus' ? `result[${at}] = -acc;` : `result[${at}] = base[${at}] - acc;`;
const names = (lhs: OperandRead, sign: ProductSign, split: number | undefined) => [...lhs.names, 'ws', ...(split === undefined ? [] : ['ws2']), ...(sign === 'baseMinus' ? ['base'] : [])];

/** What else a product reads. */
export interface ProductOptions {
  /** The left operand's activation computed on read (`GpuOperand.inline`'s form). */
  readonly lhs?: GpuMap | undefined;
  /**
   * w is two inputs stacked (`ws` then `ws2`): its first `split` rows from `ws`, the rest from
   * `ws2` (attention's `[Wᴷ; Wᵠ]`, without copying them into one tensor).
   */
  readonly split?: number | undefined;
}

/** WGSL reading row `row`, column `col` of w, `cols` wide, from `ws` or (past `split` rows) `ws2`. */
const weightAt = (row: string, col: string, cols: string | number, split: number | undefined) =>
  split === undefined ? `ws[(${row}) * ${cols} + ${col}]` : `select(ws2[max(${row} - ${split}, 0) * ${cols} + ${col}], ws[min(${row}, ${split - 1}) * ${cols} + ${col}], ${row} < ${split})`;

/**
 * `a wᵀ` (`[B, N]`): `a` `[B, D]`, `w` `[N, D]` (the memories' overlaps `x̂ ξᵀ`; dense's signal on
 * its first layer, `−x̂₂ Wᵀ`). Inputs: the operand `a` (`operandInputs`), `ws` (and `ws2`, `base`).
 */
export function productTransposedProgram(B: number, D: number, N: number, sign: ProductSign, options: ProductOptions = {}): GpuProgram {
  const lhs = operandRead('lhs', options.lhs);
  const { split } = options;
  return {
    variableNames: names(lhs, sign, split),
    outputShape: [B, N],
    shaderKey: `hamuxProductT_${D}_${N}_${sign}_${lhs.key}_${split ?? ''}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [Math.ceil(N / TILE), Math.ceil(B / TILE), 1],
    workgroupSize: [TILE, TILE, 1],
    getUserCode: () => `
      const P_D : i32 = ${D};
      const P_N : i32 = ${N};
      var<workgroup> tileA : array<array<f32, ${TILE}>, ${TILE}>;
      var<workgroup> tileW : array<array<f32, ${TILE}>, ${TILE}>;
      fn main(index : i32) {
        let rows = uniforms.outShape[0];
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let b0 = i32(workgroupId.y) * ${TILE};
        let n0 = i32(workgroupId.x) * ${TILE};
        var acc = 0.0;
        for (var d0 = 0; d0 < P_D; d0 = d0 + ${TILE}) {
          let d = d0 + tx;
          var av = 0.0;
          if (b0 + ty < rows && d < P_D) { av = ${lhs.at('(b0 + ty) * P_D + d')}; }
          tileA[ty][tx] = av;
          var wv = 0.0;
          if (n0 + ty < P_N && d < P_D) { wv = ${weightAt('n0 + ty', 'd', 'P_D', split)}; }
          tileW[ty][tx] = wv;
          workgroupBarrier();
          for (var j = 0; j < ${TILE}; j = j + 1) { acc = acc + tileA[ty][j] * tileW[tx][j]; }
          workgroupBarrier();
        }
        if (b0 + ty < rows && n0 + tx < P_N) { ${finish(sign, `(b0 + ty) * P_N + n0 + tx`)} }
      }`,
  };
}

/**
 * `a w` (`[B, N]`): `a` `[B, K]` read with row stride `aStride` ≥ K (the memories' weights sit in
 * rows of K + 1), `w` `[K, N]` (the memories' signal `−p ξ`; dense's signal on its second layer,
 * `−x̂₁ W`). Inputs: the operand `a` (`operandInputs`), `ws` (and `ws2`, `base`).
 */
export function productProgram(B: number, K: number, N: number, aStride: number, sign: ProductSign, options: ProductOptions = {}): GpuProgram {
  const lhs = operandRead('lhs', options.lhs);
  const { split } = options;
  return {
    variableNames: names(lhs, sign, split),
    outputShape: [B, N],
    shaderKey: `hamuxProduct_${K}_${N}_${aStride}_${sign}_${lhs.key}_${split ?? ''}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [Math.ceil(N / TILE), Math.ceil(B / TILE), 1],
    workgroupSize: [TILE, TILE, 1],
    getUserCode: () => `
      const P_K : i32 = ${K};
      const P_N : i32 = ${N};
      var<workgroup> tileA : array<array<f32, ${TILE}>, ${TILE}>;
      var<workgroup> tileW : array<array<f32, ${TILE}>, ${TILE}>;
      fn main(index : i32) {
        let rows = uniforms.outShape[0];
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let b0 = i32(workgroupId.y) * ${TILE};
        let n0 = i32(workgroupId.x) * ${TILE};
        var acc = 0.0;
        for (var k0 = 0; k0 < P_K; k0 = k0 + ${TILE}) {
          var av = 0.0;
          if (b0 + ty < rows && k0 + tx < P_K) { av = ${lhs.at(`(b0 + ty) * ${aStride} + k0 + tx`)}; }
          tileA[ty][tx] = av;
          var wv = 0.0;
          if (k0 + ty < P_K && n0 + tx < P_N) { wv = ${weightAt('k0 + ty', 'n0 + tx', 'P_N', split)}; }
          tileW[ty][tx] = wv;
          workgroupBarrier();
          for (var j = 0; j < ${TILE}; j = j + 1) { acc = acc + tileA[ty][j] * tileW[j][tx]; }
          workgroupBarrier();
        }
        let b = b0 + ty;
        let n = n0 + tx;
        if (b < rows && n < P_N) { ${finish(sign, 'b * P_N + n')} }
      }`,
  };
}

/** WGSL that reduces `red[0..size)` of a workgroup of `size` invocations (a power of two) into `red[0]` by `combine`; `tid` is the invocation. */
const reduceCode = (size: number, combine: (a: string, b: string) => string) => `
        workgroupBarrier();
        for (var s = ${size / 2}; s > 0; s = s / 2) {
          if (tid < s) { red[tid] = ${combine('red[tid]', 'red[tid + s]')}; }
          workgroupBarrier();
        }`;
/** WGSL that sums `red[0..size)` into `red[0]` (see `reduceCode`). */
export const reduceSumCode = (size: number) => reduceCode(size, (a, b) => `${a} + ${b}`);
/** WGSL that takes the largest of `red[0..size)` into `red[0]` (see `reduceCode`). */
export const reduceMaxCode = (size: number) => reduceCode(size, (a, b) => `max(${a}, ${b})`);

/** `zⁿ` as WGSL: a product for a whole n ≤ 16 (so a negative z is fine), `z > 0 ? zⁿ : 0` otherwise (pow is undefined below 0). */
export const powerCode = (z: string, n: number): string =>
  Number.isInteger(n) && n >= 1 && n <= 16 ? Array.from({ length: n }, () => z).join(' * ') : `select(0.0, pow(${z}, ${n.toPrecision(9)}), ${z} > 0.0)`;

/** Invocations per sample of an activation pass. */
export const PASS_GROUP = 64;

/**
 * The program of a Lagrangian's activation pass (`GpuLagrangian.pass`), inputs `xs` `[B, n]` and
 * `betas` `[1]`, output `[B·n + B]`: one workgroup of PASS_GROUP invocations per sample, `b` the
 * sample and `tid` the invocation, `beta` read and the workgroup array `red` declared. `body`
 * writes x̂ into `result` and leaves the sample's neuron energy in `energy` for invocation 0.
 * `key` names what the body bakes in besides n and B.
 */
export function activationPassProgram(key: string, B: number, n: number, body: string): GpuProgram {
  return {
    variableNames: ['xs', 'betas'],
    outputShape: [B * n + B],
    shaderKey: `hamuxActivation_${key}_${n}_${B}`, // B is baked in
    dispatchLayout: { x: [0] },
    dispatch: [B, 1, 1],
    workgroupSize: [PASS_GROUP, 1, 1],
    getUserCode: () => `
      var<workgroup> red : array<f32, ${PASS_GROUP}>;
      fn main(index : i32) {
        let b = i32(workgroupId.x);
        let tid = i32(localId.x);
        let beta = betas[0];${body}
        // (reads a uniform: tfjs binds the uniforms, and a layout made from the code must have them)
        if (tid == 0 && b * ${n} < uniforms.outShape) { result[${B * n} + b] = energy; }
      }`,
  };
}
