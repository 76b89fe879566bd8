import { tf, type GpuProgram, type GpuUniform, type Tensor } from '@hamux-ts/core';
import type { GpuRunner } from './gpu-stepper.js';
import type { FreeMask, StepPlan } from './stepper.js';
import type { CheckInputs, CheckRows } from './tensor-stepper.js';

/** Invocations per workgroup (one workgroup per sample). */
const GROUP = 64;
/** Storage buffers a program may read: the device allows 8, one of them the output. */
const MAX_INPUTS = 7;
/** Level steps bound one by one; with more levels they are stacked into one `[K, B]` input first. */
const MAX_LEVEL_INPUTS = 3;
/**
 * Entries per sample one program reads at most: 4096 loop iterations a thread (past 65,535 Mesa's
 * llvmpipe cuts a loop short; on a GPU, short loops keep every workgroup busy). A larger layer is
 * checked in tfjs ops.
 */
const MAX_ENTRIES = GROUP * 4096;
/** Workgroups along x a dispatch may have (WebGPU's default limit): one per sample. */
const MAX_WORKGROUPS = 65535;

/** How a layer's free mask is bound: none (free or held whole), shared (`[n]`) or per sample (`[B, n]`). */
type MaskKind = 'none' | 'shared' | 'perSample';

/** One layer's part of a check program: `n` entries per sample; a moving layer also reads x at the last check, g and its mask. */
interface LayerPart {
  readonly size: number;
  readonly moving: boolean;
  readonly mask: MaskKind;
  /** Its inputs, in order: x, then (moving) x at the last check, g, the mask. */
  readonly inputs: readonly Tensor[];
}

/**
 * The last program's extra part: E and the level steps (`levels` inputs, or one stacked `[K, B]`),
 * and with `counts` the accepted and rejected counts (it then writes all 7 diagnostic rows; without,
 * the first 4, and the concat adds the counts and the last level's dt as they are).
 */
interface TailPart {
  readonly levels: number;
  readonly stacked: boolean;
  readonly counts: boolean;
  readonly inputs: readonly Tensor[];
}

/**
 * WGSL helpers. WGSL has no reliable isnan (an implementation may assume there are no NaNs), so
 * they test the bits: all exponent bits set is NaN or ±∞, with a nonzero mantissa NaN. The maxima
 * and minima keep a NaN, as tfjs's reductions do (WGSL's own max and min need not).
 */
const HELPERS = `
      fn hamuxNotFinite(v : f32) -> f32 {
        return select(0.0, 1.0, (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u);
      }
      fn hamuxIsNaN(v : f32) -> bool {
        let u = bitcast<u32>(v);
        return (u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0u;
      }
      fn hamuxMax(a : f32, b : f32) -> f32 {
        return select(select(max(a, b), b, hamuxIsNaN(b)), a, hamuxIsNaN(a));
      }
      fn hamuxMin(a : f32, b : f32) -> f32 {
        return select(select(min(a, b), b, hamuxIsNaN(b)), a, hamuxIsNaN(a));
      }
      fn hamuxMax3(a : vec3<f32>, b : vec3<f32>) -> vec3<f32> {
        return vec3<f32>(hamuxMax(a.x, b.x), hamuxMax(a.y, b.y), max(a.z, b.z));
      }`;

const layerNames = (i: number, part: LayerPart) => (part.moving ? [`x${i}`, `c${i}`, `g${i}`, ...(part.mask === 'none' ? [] : [`m${i}`])] : [`x${i}`]);
const layerKey = (p: LayerPart) => `${p.size}${p.moving ? `m${p.mask}` : 'h'}`;

/**
 * WGSL of layer `i`'s share of one sample's reduction into `acc`: acc.x = max |m ⊙ g| and
 * acc.y = max |x − x_check| (moving layers; NaN if any is), acc.z = 1 if any x is not finite (every layer).
 */
function layerCode(i: number, { size, moving, mask }: LayerPart): string {
  const m = mask === 'none' ? '' : mask === 'shared' ? ` * m${i}[j]` : ` * m${i}[k]`;
  const move = moving ? `
          acc.x = hamuxMax(acc.x, abs(g${i}[k]${m}));
          acc.y = hamuxMax(acc.y, abs(v - c${i}[k]));` : '';
  return `
        for (var j = tid; j < ${size}; j = j + ${GROUP}) {
          let k = b * ${size} + j;
          let v = x${i}[k];
          acc.z = max(acc.z, hamuxNotFinite(v));${move}
        }`;
}

/**
 * WGSL (thread 0, sample b, reduced partials `r`) writing the diagnostic rows: gradNorm, dx,
 * underflow = [min_k dt_k / levelDt_k < below], nonFinite (of x and E), and with `counts`
 * accepted, rejected and the last level's dt.
 */
function tailCode({ levels, stacked, counts }: TailPart): string {
  const dt = (k: number) => (stacked ? `dts[${k} * B + b]` : `dt${k}[b]`);
  const ratios = Array.from({ length: levels }, (_, k) => `${dt(k)} / uniforms.level${k}`);
  const shrunk = ratios.slice(1).reduce((acc, r) => `hamuxMin(${acc}, ${r})`, ratios[0]!);
  return `
          result[b] = r.x;
          result[B + b] = r.y;
          let shrunk = ${shrunk};
          result[2 * B + b] = select(0.0, 1.0, !hamuxIsNaN(shrunk) && shrunk < uniforms.below);
          result[3 * B + b] = max(r.z, hamuxNotFinite(en[b]));${counts ? `
          result[4 * B + b] = accepted[b];
          result[5 * B + b] = rejected[b];
          result[6 * B + b] = ${dt(levels - 1)};` : ''}`;
}

/**
 * One check program over some layers, one workgroup per sample: the per-sample maxima of the
 * layers (`layerCode`), a tree reduction over the workgroup, then max with `prev` (the partials of
 * the programs before, `[3, B]`: gradNorm, dx, nonFinite). Without `tail` it writes those partials
 * (`[3, B]`); with it, the diagnostic rows (`[7, B]` or `[4, B]`, `tailCode`).
 */
function checkProgram(B: number, layers: readonly LayerPart[], prev: boolean, tail: TailPart | undefined): GpuProgram {
  const tailNames = tail ? ['en', ...(tail.counts ? ['accepted', 'rejected'] : []), ...(tail.stacked ? ['dts'] : Array.from({ length: tail.levels }, (_, k) => `dt${k}`))] : [];
  const prevCode = prev ? `
          r = hamuxMax3(r, vec3<f32>(prev[b], prev[B + b], prev[2 * B + b]));` : '';
  const write = tail ? tailCode(tail) : `
          result[b] = r.x;
          result[B + b] = r.y;
          result[2 * B + b] = r.z;`;
  return {
    variableNames: [...layers.flatMap((p, i) => layerNames(i, p)), ...(prev ? ['prev'] : []), ...tailNames],
    outputShape: [tail ? (tail.counts ? 7 : 4) : 3, B],
    shaderKey: `hamuxCheck_${layers.map(layerKey).join('_')}_${prev ? 'p' : ''}_${tail ? `t${tail.levels}${tail.stacked ? 's' : ''}${tail.counts ? 'c' : ''}` : ''}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [B, 1, 1],
    workgroupSize: [GROUP, 1, 1],
    ...(tail ? { uniforms: `${Array.from({ length: tail.levels }, (_, k) => `level${k} : f32, `).join('')}below : f32,` } : {}),
    getUserCode: () => `
      var<workgroup> red : array<vec3<f32>, ${GROUP}>;${HELPERS}
      fn main(index : i32) {
        let b = i32(workgroupId.x);
        let tid = i32(localId.x);
        // (batch from the uniforms: tfjs caches the pipeline by shaderKey, which has no B)
        let B = uniforms.outShape[1];
        var acc = vec3<f32>(0.0, 0.0, 0.0);${layers.map((p, i) => layerCode(i, p)).join('')}
        red[tid] = acc;
        workgroupBarrier();
        for (var s = ${GROUP / 2}; s > 0; s = s / 2) {
          if (tid < s) { red[tid] = hamuxMax3(red[tid], red[tid + s]); }
          workgroupBarrier();
        }
        if (tid == 0 && b < B) {
          var r = red[0];${prevCode}${write}
        }
      }`,
  };
}

/** Inputs a part binds. */
const cost = (p: { readonly inputs: readonly Tensor[] }) => p.inputs.length;

/**
 * The layers split into programs of at most MAX_INPUTS inputs and MAX_ENTRIES entries per sample
 * each, in order, the tail in the last: each program after the first also reads the one before's
 * partials (one input more).
 */
function pack(layers: readonly LayerPart[], tail: TailPart): LayerPart[][] {
  const groups: LayerPart[][] = [[]];
  let used = 0, entries = 0;
  for (const p of layers) {
    if (used + cost(p) > MAX_INPUTS || (entries > 0 && entries + p.size > MAX_ENTRIES)) {
      groups.push([]);
      used = 1; // the previous partials
      entries = 0;
    }
    groups[groups.length - 1]!.push(p);
    used += cost(p);
    entries += p.size;
  }
  if (used + cost(tail) > MAX_INPUTS) groups.push([]);
  return groups;
}

/** How layer `n`'s mask binds: a mask of x's rank is per sample, a lower one shared. */
function maskKind(m: FreeMask<Tensor>, x: Tensor): MaskKind {
  if (!(m instanceof tf.Tensor)) return 'none';
  return m.rank === x.rank ? 'perSample' : 'shared';
}

/** Each layer's part, its tensors flattened to `[B, n]` (masks `[n]` or `[B, n]`). */
function layerParts<L extends string>(c: CheckInputs<L>): LayerPart[] {
  const { names, batch: B } = c.plan;
  const moving = new Set(c.plan.moving);
  return names.map((n) => {
    const size = c.x[n].size / B;
    const flat = (t: Tensor) => tf.reshape(t, [B, size]);
    if (!moving.has(n)) return { size, moving: false, mask: 'none', inputs: [flat(c.x[n])] };
    const m = c.masks.get(n);
    const mask = maskKind(m, c.x[n]);
    const maskInput = m instanceof tf.Tensor ? [mask === 'shared' ? tf.reshape(m, [size]) : flat(m)] : [];
    return { size, moving: true, mask, inputs: [flat(c.x[n]), flat(c.xAtCheck[n]), flat(c.g[n]), ...maskInput] };
  });
}

/** The tail's part: E, the counts if `counts`, and the level steps `dts` (one stacked tensor when there are more than MAX_LEVEL_INPUTS levels). */
function tailPart<L extends string>(c: CheckInputs<L>, dts: readonly Tensor[], counts: boolean): TailPart {
  const inputs = [c.E, ...(counts ? [c.accepted, c.rejected] : []), ...dts];
  return { levels: c.dts.length, stacked: dts.length !== c.dts.length, counts, inputs };
}

/**
 * The dispatches of tfjs-backend-webgpu's concat of `n` tensors: none for one; one program of up
 * to MAX_INPUTS inputs, more in chunks of MAX_INPUTS, each a program, then the chunks' concat.
 */
const concatDispatches = (n: number): number => (n <= 1 ? 0 : n <= MAX_INPUTS ? 1 : Math.ceil(n / MAX_INPUTS) + concatDispatches(Math.ceil(n / MAX_INPUTS)));

/**
 * The programs of a check, with the tail that costs fewer dispatches in all: the counts bound in
 * the last program (fewer inputs to concat), or left to the concat (room for more layers a program).
 */
function layout<L extends string>(c: CheckInputs<L>, layers: readonly LayerPart[]): { groups: LayerPart[][]; tail: TailPart } {
  const dts = c.dts.length > MAX_LEVEL_INPUTS ? [tf.stack([...c.dts])] : c.dts;
  const options = [true, false].map((counts) => {
    const tail = tailPart(c, dts, counts);
    const groups = pack(layers, tail);
    return { groups, tail, dispatches: groups.length + concatDispatches(c.history.length + (counts ? 1 : 4)) };
  });
  return options[0]!.dispatches <= options[1]!.dispatches ? options[0]! : options[1]!;
}

/** The tail program's uniforms: each level's nominal step, then the underflow fraction. */
const tailUniforms = <L extends string>(plan: StepPlan<L>): GpuUniform[] =>
  [...plan.levelDt, plan.underflowBelow].map((value) => ({ type: 'float32', data: [value] }));

/**
 * The check in WGSL on the webgpu backend, or why not: the same `[rows + 7, B]` tensor as
 * `tensorCheckRows`, in a few programs instead of ~35 tfjs ops. The layers are packed into as few
 * programs as the 7-input limit allows (a moving layer binds x, x at the last check, g and its
 * mask; a held one x), each one workgroup per sample reducing max |m ⊙ g|, max |x − x_check| and
 * whether any x is not finite, chained through a `[3, B]` partial; the last program also reads E
 * and the level steps (and the counts, where that saves dispatches: `layout`) and writes the
 * diagnostic rows; tfjs's concat puts the energies since the last check above them (and the counts
 * below). The plan is read at each check, so a replan takes effect.
 */
export function gpuCheckRows<L extends string>(plan: StepPlan<L>, masks: ReadonlyMap<L, FreeMask<Tensor>>, runner: GpuRunner, sizes: ReadonlyMap<L, number>): CheckRows<L> | string {
  if (plan.names.length === 0) return 'the graph has no layers';
  for (const [n, size] of sizes) if (size > MAX_ENTRIES) return `layer "${n}" has ${size} neurons per sample (at most ${MAX_ENTRIES} in one program)`;
  if (plan.batch < 1) return 'no samples';
  if (plan.batch > MAX_WORKGROUPS) return `a batch of ${plan.batch} needs more than ${MAX_WORKGROUPS} workgroups (one a sample)`;
  for (const [n, m] of masks) if (m instanceof tf.Tensor && m.dtype !== 'float32') return `layer "${n}": the free mask is ${m.dtype}, not float32`;
  const { run } = runner;
  return (c) => tf.tidy(() => {
    const B = c.plan.batch;
    const { groups, tail } = layout(c, layerParts(c));
    let partial: Tensor | undefined;
    groups.forEach((layers, i) => {
      const last = i === groups.length - 1;
      const inputs = [...layers.flatMap((p) => p.inputs), ...(partial ? [partial] : []), ...(last ? tail.inputs : [])];
      partial = run(checkProgram(B, layers, partial !== undefined, last ? tail : undefined), inputs, last ? tailUniforms(c.plan) : undefined);
    });
    const row = (t: Tensor) => tf.reshape(t, [1, B]);
    const counts = tail.counts ? [] : [c.accepted, c.rejected, c.dts[c.dts.length - 1]!].map(row);
    return tf.concat([...c.history.map(row), partial!, ...counts], 0);
  });
}
