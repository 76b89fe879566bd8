import type { Tensor } from '../tf.js';
import { HamuxError } from '../errors.js';
import type { GpuMap, GpuOperand, GpuProgram, GpuRun, GpuSum, GpuSynapseCall, ProductTerm } from './types.js';

/**
 * WGSL shared by the forms of the fused webgpu step: reading operands (x̂ computed on read), the
 * tiled matrix product that every form's products run (`runProduct`), reductions over a
 * workgroup, powers, and the envelope of an activation pass.
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

/**
 * How programs read an operand bound as `name`, given its inline activation (undefined: x̂ itself
 * is bound); its parameters are bound as `params` (default `<name>P0`, `<name>P1`…).
 */
export function operandRead(name: string, inline: GpuMap | undefined, params = inline?.params.map((_, k) => `${name}P${k}`) ?? []): OperandRead {
  if (!inline) return { names: [name], key: 'xhat', at: (i) => `${name}[${i}]` };
  return { names: [name, ...params], key: inline.key, at: (i) => `(${inline.activation(`${name}[${i}]`, params.map((q) => `${q}[0]`))})` };
}

/** The tensors to bind for an operand, in the order of `operandRead(…).names`. */
export const operandInputs = (op: GpuOperand): Tensor[] => [op.tensor, ...(op.inline?.params ?? [])];

/** The block the step computed for a form's projection (a form with a projection is always given one). */
export function projectedOf(projected: GpuSynapseCall['projected']): { readonly tensor: Tensor; readonly offset: number } {
  if (!projected) throw new HamuxError(['gpu', 'projected'], 'a form with a projection runs only in the fused step, which computes it', 'unsupported');
  return projected;
}

/** WebGPU's default limit on the workgroups along one dimension of a dispatch. */
export const MAX_WORKGROUPS = 65535;

/**
 * A dispatch of `count` workgroups, spread over y past MAX_WORKGROUPS: a flat program's `index`
 * (tfjs's getGlobalIndex) counts the y rows, and programs with a workgroup per row read their
 * row as WORKGROUP_INDEX. The last row of workgroups may run past `count`: they must check it.
 */
export function spread(count: number): [number, number, number] {
  return count <= MAX_WORKGROUPS ? [count, 1, 1] : [MAX_WORKGROUPS, Math.ceil(count / MAX_WORKGROUPS), 1];
}

/** Invocations per workgroup of an `entryProgram`. */
const ENTRY_GROUP = 64;

/**
 * A program with one invocation per entry of `[rows, n]`: `body` runs for each flat `index` below
 * `rows · n`. The rows (the batch) come from the uniforms, not baked in, since tfjs caches the
 * pipeline by `shaderKey` alone, which must name everything else the code depends on; reading a
 * uniform also keeps tfjs's bind layout whole. `helpers` is WGSL placed before `main`.
 */
export function entryProgram(o: {
  readonly shaderKey: string;
  readonly rows: number;
  readonly n: number;
  readonly variableNames: readonly string[];
  readonly body: string;
  readonly helpers?: string;
  readonly uniforms?: string;
}): GpuProgram {
  return {
    variableNames: [...o.variableNames],
    outputShape: [o.rows, o.n],
    shaderKey: o.shaderKey,
    dispatchLayout: { x: [0, 1] },
    dispatch: spread(Math.ceil((o.rows * o.n) / ENTRY_GROUP)),
    workgroupSize: [ENTRY_GROUP, 1, 1],
    ...(o.uniforms ? { uniforms: o.uniforms } : {}),
    getUserCode: () => `${o.helpers ?? ''}
      fn main(index : i32) {
        if (index < uniforms.outShape[0] * ${o.n}) {${o.body}
        }
      }`,
  };
}

/** WGSL: the workgroup's index in a `spread` dispatch (uniform across the workgroup). */
export const WORKGROUP_INDEX = 'i32(workgroupId.y * numWorkgroups.x + workgroupId.x)';

/**
 * WGSL: the row of a program with one workgroup per row in a `spread` dispatch, `rows` a WGSL
 * expression. Workgroups past the last row redo it and write the same values: a workgroup may not
 * return early before its barriers.
 */
export const workgroupRow = (rows: string | number): string => `min(${WORKGROUP_INDEX}, ${rows} - 1)`;

/** `E_b = Σ_j x̂_bj (g_bj − base_bj)` over n entries per sample: a bilinear synapse's energy read from its signal `g = base + ∂E/∂x̂` on one layer (dense, conv, pool). */
export function bilinearEnergy(xhat: GpuOperand, g: Tensor, base: Tensor | undefined, n: number): GpuSum {
  return {
    operands: [xhat, { tensor: g }, ...(base ? [{ tensor: base }] : [])],
    count: n,
    stride: n,
    summand: ([v, s, b0]) => (b0 ? `${v} * (${s} - ${b0})` : `${v} * ${s}`),
  };
}

/** Side of the square tiles (a workgroup of TILE × TILE invocations). */
export const TILE = 16;

/** How a product's sum is returned: as it is, negated, or subtracted from `base` (`[rows, N]`). */
export type ProductSign =
  | {
      /** The sum as it is. */
      readonly sign: 'plus';
    }
  | {
      /** The sum negated, or subtracted from `base`. */
      readonly sign: 'minus';
      /** Subtracted from (`[rows, N]`; undefined: zero). */
      readonly base?: Tensor | undefined;
      /** Also subtracted, each `[N]` for every row (the biases of dense and bias synapses). */
      readonly biases?: readonly Tensor[] | undefined;
    };

/** What a product program bakes in of one term. */
interface TermShape {
  readonly inline: GpuMap | undefined;
  readonly K: number;
  readonly stride: number;
  readonly offset: number;
  readonly layout: 'kn' | 'nk';
  /** Rows (along w's first axis) of each stacked input. */
  readonly rows: readonly number[];
}

/** WGSL that reads row `r` (w's first axis), column `c` of term t's stacked weights `w{t}_{i}`, `cols` wide, into `wv`. */
function weightRead(t: number, rows: readonly number[], r: string, c: string, cols: number): string {
  let start = 0;
  return rows.map((n, i) => {
    const read = `wv = w${t}_${i}[(${r} - ${start}) * ${cols} + ${c}];`;
    const guard = i === rows.length - 1 ? '' : `if (${r} < ${start + n}) `;
    start += n;
    return i === 0 ? `${guard}{ ${read} }` : ` else ${guard}{ ${read} }`;
  }).join('');
}

/**
 * The tiled program of `Σ_terms a w` (`[rows, N]`): each workgroup a TILE × TILE block of the
 * result, accumulating term after term over K in tiles; inputs per term its operand's
 * (`operandInputs`) and its weights, then `base` if any.
 */
function productProgram(rows: number, N: number, terms: readonly TermShape[], sign: ProductSign['sign'], withBase: boolean, biases: number, blocks: readonly number[]): GpuProgram {
  const reads = terms.map((t, i) => operandRead(`a${i}`, t.inline));
  const loops = terms.map((t, i) => {
    const a = reads[i]!;
    const K = t.K;
    // 'kn': tileW[ty][tx] = w[k0 + ty, n0 + tx], used as tileW[j][tx]; 'nk': tileW[ty][tx] = w[n0 + ty, k0 + tx], used as tileW[tx][j]
    const wLoad = t.layout === 'kn'
      ? `if (k0 + ty < ${K} && n0 + tx < ${N}) { ${weightRead(i, t.rows, 'k0 + ty', 'n0 + tx', N)} }`
      : `if (n0 + ty < ${N} && k0 + tx < ${K}) { ${weightRead(i, t.rows, 'n0 + ty', 'k0 + tx', K)} }`;
    const use = t.layout === 'kn' ? 'tileW[j][tx]' : 'tileW[tx][j]';
    return `
        for (var k0 = 0; k0 < ${K}; k0 = k0 + ${TILE}) {
          var av = 0.0;
          if (b0 + ty < nRows && k0 + tx < ${K}) { av = ${a.at(`${t.offset} + (b0 + ty) * ${t.stride} + k0 + tx`)}; }
          tileA[ty][tx] = av;
          var wv = 0.0;
          ${wLoad}
          tileW[ty][tx] = wv;
          workgroupBarrier();
          for (var j = 0; j < ${TILE}; j = j + 1) { acc = acc + tileA[ty][j] * ${use}; }
          workgroupBarrier();
        }`;
  }).join('');
  const minusBiases = Array.from({ length: biases }, (_, i) => ` - bias${i}[n]`).join('');
  const finish = sign === 'plus' ? 'acc' : `${withBase ? 'base[at] - acc' : '-acc'}${minusBiases}`;
  const key = terms.map((t, i) => `${reads[i]!.key}:${t.K}:${t.stride}:${t.offset}:${t.layout}:${t.rows.join('/')}`).join('|');
  // Column n of block j (columns [c_j, c_j + N_j)) goes to nRows·c_j + row·N_j + (n − c_j): each block row-major on its own
  let c = 0;
  const place = blocks.map((Nj, j) => {
    const at = `nRows * ${c} + (b0 + ty) * ${Nj} + (n - ${c})`;
    const guard = j === blocks.length - 1 ? '' : `if (n < ${c + Nj}) `;
    c += Nj;
    return `${j === 0 ? '' : ' else '}${guard}{ at = ${at}; }`;
  }).join('');
  return {
    variableNames: [...terms.flatMap((t, i) => [...reads[i]!.names, ...t.rows.map((_, j) => `w${i}_${j}`)]), ...(withBase ? ['base'] : []), ...Array.from({ length: biases }, (_, i) => `bias${i}`)],
    outputShape: [rows, N],
    shaderKey: `hamuxProduct_${N}_${sign}_${withBase}_${biases}_${blocks.join('/')}_${key}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: spread(Math.ceil(N / TILE) * Math.ceil(rows / TILE)),
    workgroupSize: [TILE, TILE, 1],
    getUserCode: () => `
      var<workgroup> tileA : array<array<f32, ${TILE}>, ${TILE}>;
      var<workgroup> tileW : array<array<f32, ${TILE}>, ${TILE}>;
      fn main(index : i32) {
        let nRows = uniforms.outShape[0];
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        // the tile: column tiles first, then rows (one flat workgroup index, spread over y past the limit)
        let tile = ${WORKGROUP_INDEX};
        let b0 = (tile / ${Math.ceil(N / TILE)}) * ${TILE};
        let n0 = (tile % ${Math.ceil(N / TILE)}) * ${TILE};
        var acc = 0.0;${loops}
        let n = n0 + tx;
        var at = 0;
        ${place}
        if (b0 + ty < nRows && n < ${N}) { result[at] = ${finish}; }
      }`,
  };
}

/**
 * Runs `Σ_terms a w` (`[rows, N]`, a new tensor) in one tiled program: the memories' overlaps
 * `x̂ ξᵀ` and signals `−F′(h) ξ`, dense's `−x̂₁ W` and `−x̂₂ Wᵀ`, attention's K and Q, and the
 * signals of several synapses on one layer summed in one program. With `blocks` (column counts
 * summing to N), the output is laid out block after block, each `[rows, N_j]` row-major (the
 * projections of several synapses in one program, each reading its own block).
 */
export function runProduct(run: GpuRun, rows: number, N: number, terms: readonly ProductTerm[], sign: ProductSign, blocks: readonly number[] = [N]): Tensor {
  const shapes = terms.map((t): TermShape => {
    const per = t.layout === 'kn' ? N : t.K; // w's row length
    return { inline: t.lhs.inline?.form, K: t.K, stride: t.stride ?? t.K, offset: t.offset ?? 0, layout: t.layout, rows: t.weights.map((w) => w.size / per) };
  });
  const base = sign.sign === 'minus' ? sign.base : undefined;
  const biases = sign.sign === 'minus' ? sign.biases ?? [] : [];
  const inputs = [...terms.flatMap((t) => [...operandInputs(t.lhs), ...t.weights]), ...(base ? [base] : []), ...biases];
  return run(productProgram(rows, N, shapes, sign.sign, base !== undefined, biases.length, blocks), inputs);
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
export function activationPassProgram(key: string, B: number, n: number, body: string, withBeta = true): GpuProgram {
  return {
    variableNames: withBeta ? ['xs', 'betas'] : ['xs'],
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
        ${withBeta ? 'let beta = betas[0];' : ''}${body}
        // (reads a uniform: tfjs binds the uniforms, and a layout made from the code must have them)
        if (tid == 0 && b * ${n} < uniforms.outShape) { result[${B * n} + b] = energy; }
      }`,
  };
}
