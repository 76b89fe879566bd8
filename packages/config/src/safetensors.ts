/**
 * safetensors, the weights format of Hugging Face, read and written from its specification:
 *
 * ```text
 * [8 bytes: N, u64 little-endian][N bytes: UTF-8 JSON header][data buffer]
 * header = { "__metadata__"?: {string: string},
 *            name: { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ... }
 * ```
 *
 * Offsets are relative to the data buffer, and the tensors must tile it exactly. The reader treats
 * the file as hostile: every number is checked against the real file length before anything is
 * allocated, and every problem is a `HamuxError` naming the tensor. Nothing in a file is executed.
 */
import {
  HamuxError,
  HamuxErrors,
  type HamuxErrorCode,
  didYouMean,
  formatShape,
  tf,
  type HAM,
  type ParamSpecTree,
  type Tensor,
} from '@hamux-ts/core';
import { parseJson } from './json.js';
import { nonFiniteProblems } from './finite.js';
import type { LagrangianConfig, SynapseConfig } from './schema/config.js';
import { createRegistry, type AnyRegistry } from './schema/registry.js';
import { fixedProblems, fixedTensor, rangeProblems, type ConfigEntries } from './weights.js';

/** A float32 tensor as plain data, what `encodeSafetensors` writes. */
export interface SafeTensor {
  /** Always `F32`: hamux-ts writes float32. */
  readonly dtype: 'F32';
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** Its values, row-major. */
  readonly data: Float32Array;
}

/** The dtypes the reader converts to float32. */
export type ReadableDtype = 'F32' | 'F16' | 'BF16' | 'F64';

/** A tensor read from a file: its dtype there, and its values as float32. */
export interface DecodedTensor {
  /** The dtype stored in the file. */
  readonly dtype: ReadableDtype;
  /** The tensor's shape. */
  readonly shape: number[];
  /** Its values converted to float32, row-major. */
  readonly data: Float32Array;
}

/** What `decodeSafetensors` read: every tensor by name, as float32, and the file's metadata. */
export interface DecodedSafetensors {
  /** Every tensor, by name. */
  readonly tensors: Record<string, DecodedTensor>;
  /** The `__metadata__` map, `{}` when the file has none. */
  readonly metadata: Record<string, string>;
}

/** Limits applied while reading a safetensors file. */
export interface DecodeOptions {
  /** Largest header accepted, in bytes (default 100 MB, the reference implementation's limit). */
  readonly maxHeaderBytes?: number;
}

const DEFAULT_MAX_HEADER = 100_000_000;
const METADATA_KEY = '__metadata__';

/** Bytes per element of every dtype in the format; only the first four can be read here. */
const DTYPE_SIZES: Readonly<Record<string, number>> = {
  F32: 4, F16: 2, BF16: 2, F64: 8,
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, I32: 4, U32: 4, I64: 8, U64: 8,
};
const READABLE: readonly string[] = ['F32', 'F16', 'BF16', 'F64'];

/** A problem with the file (`name` undefined) or one of its entries: at `['safetensors', name]`, which may hold dots. */
function fail(name: string | undefined, message: string, code: HamuxErrorCode): never {
  throw new HamuxError(name === undefined ? ['safetensors'] : ['safetensors', name], message, code);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A short description of a JSON value for error messages (never recurses into deep values). */
function describe(v: unknown): string {
  if (Array.isArray(v)) {
    const shown = v.slice(0, 8).map((x) => (typeof x === 'number' || typeof x === 'boolean' || x === null ? String(x) : typeof x));
    return `[${shown.join(', ')}${v.length > 8 ? ', …' : ''}]`;
  }
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return isRecord(v) ? 'an object' : String(v);
}

/** Elements of a shape; 0 as soon as one dimension is 0, Infinity rather than a wrong product on overflow. */
const elementCount = (shape: readonly number[]): number => (shape.includes(0) ? 0 : shape.reduce((a, b) => a * b, 1));

/** IEEE half precision (1 sign, 5 exponent, 10 fraction bits) to a number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 is the upper half of a float32. */
const bf16Scratch = new DataView(new ArrayBuffer(4));
/** The float32 value of a bfloat16 given as its 16 bits (the upper half of a float32). */
export function bfloat16ToFloat(bits: number): number {
  bf16Scratch.setUint32(0, (bits << 16) >>> 0);
  return bf16Scratch.getFloat32(0);
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Encodes float32 tensors (and optional string metadata) as a safetensors file. Tensors are laid
 * out by name, and the header is padded with spaces so the data starts 8-byte aligned.
 */
export function encodeSafetensors(tensors: Readonly<Record<string, SafeTensor>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const entries: string[] = [];
  if (metadata !== undefined) {
    if (!isRecord(metadata)) fail(METADATA_KEY, 'expected an object of strings', 'invalid_argument');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new HamuxError(['safetensors', METADATA_KEY, k], `metadata values must be strings, got ${describe(v)}`, 'invalid_argument');
    }
    entries.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    if (name === METADATA_KEY) fail(name, `"${METADATA_KEY}" is reserved for metadata and cannot name a tensor`, 'invalid_argument');
    if (t.dtype !== 'F32') fail(name, `only F32 tensors can be written, got dtype ${describe(t.dtype)}`, 'unsupported');
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(name, `shape must be an array of non-negative integers, got ${describe(t.shape)}`, 'invalid_argument');
    }
    if (!(t.data instanceof Float32Array)) fail(name, 'data must be a Float32Array', 'invalid_argument');
    if (t.data.length !== elementCount(t.shape)) {
      fail(name, `shape ${formatShape(t.shape)} has ${elementCount(t.shape)} elements, but data has ${t.data.length}`, 'shape_mismatch');
    }
    const end = offset + 4 * t.data.length;
    // Keys are written one by one so that their order is kept (JS objects reorder integer-like keys).
    entries.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true); // u64 little-endian: low word, then a zero high word
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    for (const x of tensors[name]!.data) { view.setFloat32(at, x, true); at += 4; }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface Entry {
  readonly name: string;
  readonly dtype: ReadableDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** Checks one header entry (types, dtype, shape, byte size); offsets are checked against each other later. */
function checkEntry(name: string, value: unknown, dataLength: number): Entry {
  if (!isRecord(value)) return fail(name, `expected an object with dtype, shape and data_offsets, got ${describe(value)}`, 'invalid_file');
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') return fail(name, `dtype must be a string such as "F32", got ${describe(dtype)}`, 'invalid_file');
  if (!Object.hasOwn(DTYPE_SIZES, dtype)) {
    return fail(name, `unknown dtype ${describe(dtype)} (safetensors dtypes are ${Object.keys(DTYPE_SIZES).join(', ')})`, 'invalid_file');
  }
  if (!READABLE.includes(dtype)) return fail(name, `dtype ${dtype} is not supported (expected F32, F16, BF16 or F64)`, 'unsupported');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return fail(name, `shape must be an array of non-negative integers, got ${describe(shape)}`, 'invalid_file');
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
    return fail(name, `data_offsets must be two non-negative integers [begin, end], got ${describe(offsets)}`, 'invalid_file');
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return fail(name, `data_offsets [${begin}, ${end}] begin after they end`, 'invalid_file');
  if (end > dataLength) {
    return fail(name, `data_offsets [${begin}, ${end}] are out of range: the data buffer has ${dataLength} bytes`, 'invalid_file');
  }
  const needed = elementCount(shape) * DTYPE_SIZES[dtype]!;
  if (needed !== end - begin) {
    return fail(name, `shape ${formatShape(shape)} of ${dtype} needs ${needed} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`, 'invalid_file');
  }
  return { name, dtype: dtype as ReadableDtype, shape: shape as number[], begin, end };
}

/** The tensors must tile the data buffer: sorted by offset, each starts where the previous ended. */
function checkTiling(entries: Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let end = 0;
  let previous: string | undefined;
  for (const e of sorted) {
    const where = previous === undefined ? 'the start of the data buffer' : `the end of tensor "${previous}"`;
    if (e.begin > end) fail(e.name, `gap in the data buffer: starts at byte ${e.begin}, expected ${end} (${where})`, 'invalid_file');
    if (e.begin < end) fail(e.name, `overlaps tensor "${previous}": starts at byte ${e.begin}, expected ${end} (${where})`, 'invalid_file');
    end = e.end;
    previous = e.name;
  }
  if (end !== dataLength) {
    fail(undefined, `the tensors cover ${end} bytes of the data buffer, but it has ${dataLength} (expected them to cover it exactly)`, 'invalid_file');
  }
}

/** Reads one tensor's values as float32 (little-endian in the file, whatever this machine is). */
function readValues(view: DataView, start: number, e: Entry): Float32Array {
  const size = DTYPE_SIZES[e.dtype]!;
  const out = new Float32Array((e.end - e.begin) / size);
  for (let i = 0, at = start + e.begin; i < out.length; i++, at += size) {
    switch (e.dtype) {
      case 'F32': out[i] = view.getFloat32(at, true); break;
      case 'F64': out[i] = view.getFloat64(at, true); break;
      case 'F16': out[i] = halfToFloat(view.getUint16(at, true)); break;
      case 'BF16': out[i] = bfloat16ToFloat(view.getUint16(at, true)); break;
    }
  }
  return out;
}

/**
 * Decodes a safetensors file. F16, BF16 and F64 tensors are converted to float32; other dtypes are
 * rejected. Throws a `HamuxError` (path `safetensors` or `safetensors.<tensor>`) for any malformed file.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): DecodedSafetensors {
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  if (!Number.isSafeInteger(maxHeader) || maxHeader < 0) {
    throw new HamuxError(['options', 'maxHeaderBytes'], `expected a non-negative integer, got ${describe(maxHeader)}`, 'invalid_argument');
  }
  if (!(bytes instanceof Uint8Array)) fail(undefined, 'expected the file as a Uint8Array', 'invalid_argument');
  if (bytes.length < 8) fail(undefined, `file is ${bytes.length} bytes long; expected at least 8 (the header length)`, 'invalid_file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // u64 as two u32 words: exact below 2^53, and anything larger is rejected by the checks below anyway.
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > maxHeader) fail(undefined, `header length ${headerLength} exceeds the limit of ${maxHeader} bytes`, 'invalid_file');
  if (headerLength > bytes.length - 8) {
    fail(undefined, `header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length field)`, 'invalid_file');
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch (e) {
    fail(undefined, `header is not valid UTF-8 (${e instanceof Error ? e.message : String(e)})`, 'invalid_file');
  }
  let header: unknown;
  try {
    // Strictly: a tensor named twice would otherwise silently be its last entry.
    header = parseJson(text);
  } catch (e) {
    if (e instanceof HamuxErrors) throw new HamuxErrors(e.errors.map((x) => new HamuxError(['safetensors', ...x.path], x.detail.replace(/^duplicate key/, 'given twice in the header'), 'invalid_file')));
    const message = (e as HamuxError).message;
    fail(undefined, `header ${message.startsWith('not valid') ? 'is' : 'at'} ${message}`, 'invalid_file');
  }
  if (!isRecord(header)) fail(undefined, `header must be a JSON object mapping tensor names to entries, got ${describe(header)}`, 'invalid_file');
  const fields = header as Record<string, unknown>;

  const metadata: [string, string][] = [];
  if (Object.hasOwn(fields, METADATA_KEY)) {
    const m = fields[METADATA_KEY];
    if (!isRecord(m)) fail(METADATA_KEY, `expected an object of strings, got ${describe(m)}`, 'invalid_file');
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(METADATA_KEY, `value of "${k}" must be a string, got ${describe(v)}`, 'invalid_file');
      metadata.push([k, v as string]);
    }
  }

  const start = 8 + headerLength;
  const dataLength = bytes.length - start;
  const entries = Object.entries(fields)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, value]) => checkEntry(name, value, dataLength));
  checkTiling(entries, dataLength);
  // Object.fromEntries defines own properties, so a tensor named "__proto__" stays a plain key.
  return {
    tensors: Object.fromEntries(entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape, data: readValues(view, start, e) }])),
    metadata: Object.fromEntries(metadata),
  };
}

// ---------------------------------------------------------------------------------------------
// Parameters and states of a HAM

/** The tensors of a graph: `layers.<layer>.<param>` and `synapses.<synapse>.<param>`, float32. */
export function paramsToSafetensors(ham: Pick<HAM<string, string>, 'params'>): Record<string, SafeTensor> {
  const out: [string, SafeTensor][] = [];
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, params] of Object.entries(ham.params[group])) {
      for (const [p, t] of Object.entries(params)) out.push([`${group}.${owner}.${p}`, toSafeTensor(t)]);
    }
  }
  return Object.fromEntries(out);
}

/** A graph's parameters as a safetensors file. */
export function saveParams(ham: Pick<HAM<string, string>, 'params'>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  return encodeSafetensors(paramsToSafetensors(ham), metadata);
}

/** Loaded parameters, ready for `build({ seed, params })`; the tensors are the caller's to dispose. */
export interface LoadedParams {
  /** The Lagrangians' parameters (β…), by layer name, then parameter name. */
  readonly layers: Record<string, Record<string, Tensor>>;
  /** The hypersynapses' parameters (W, b…), by synapse name, then parameter name. */
  readonly synapses: Record<string, Record<string, Tensor>>;
}

/** Options of `loadParams`. */
export interface LoadParamsOptions {
  /**
   * Let the file's values of fixed parameters (a Lagrangian's β that the config does not mark
   * learnable) replace the graph's. Without it, a fixed parameter in the file must equal the graph's.
   */
  readonly overrideFixed?: boolean;
  /** Where the graph's user-defined kinds are registered (to check option values such as β). */
  readonly registry?: AnyRegistry;
}

/** What `loadParams` reads against: a graph, or just its parameter specs. */
export type ParamsTarget = (Pick<HAM<string, string>, 'paramSpecs'> & Partial<Pick<HAM<string, string>, 'params' | 'layers' | 'synapses'>>) | ParamSpecTree;

/**
 * Reads parameters saved by `saveParams` for a graph (or its `paramSpecs`). Every learnable
 * parameter must be present with its shape, and nothing else may be in the file. A fixed parameter
 * (one not trained, such as a Lagrangian's β by default) may be left out: it then comes from the
 * graph (or its spec). When present it must equal the graph's value, unless `overrideFixed`; and,
 * against a graph, an option parameter (β, γ, δ) must lie in the range a config allows. Otherwise
 * throws a `HamuxErrors` naming each parameter path (`layers.hidden.beta: …`).
 */
export function loadParams(target: ParamsTarget, bytes: Uint8Array, options: LoadParamsOptions = {}): LoadedParams {
  const graph = 'paramSpecs' in target ? target : undefined;
  const specs: ParamSpecTree = graph ? graph.paramSpecs : (target as ParamSpecTree);
  const { tensors } = decodeSafetensors(bytes);
  const notFinite = nonFiniteProblems(tensors, [], 'weights'); // before anything is made of them
  if (notFinite.length > 0) throw new HamuxErrors(notFinite);
  const used = new Set<string>();
  const errors: HamuxError[] = [];
  // Names are matched against the expected paths, so owner names containing dots need no parsing.
  const collect = (group: 'layers' | 'synapses') =>
    Object.fromEntries(
      Object.entries(specs[group]).map(([owner, ownerSpecs]) => {
        const found = Object.entries(ownerSpecs).flatMap(([p, spec]) => {
          const name = `${group}.${owner}.${p}`;
          if (!Object.hasOwn(tensors, name)) return [];
          used.add(name);
          const t = tensors[name]!;
          if (!sameShape(t.shape, spec.shape)) {
            errors.push(new HamuxError([group, owner, p], `expected shape ${formatShape(spec.shape)}, got ${formatShape(t.shape)}`, 'shape_mismatch'));
            return [];
          }
          return [[p, tf.tensor(t.data, t.shape, 'float32')] as const];
        });
        return [owner, Object.fromEntries(found)];
      }),
    );
  const params: LoadedParams = { layers: collect('layers'), synapses: collect('synapses') };
  for (const name of Object.keys(tensors).filter((n) => !used.has(n))) {
    errors.push(new HamuxError([name], `unexpected tensor of shape ${formatShape(tensors[name]!.shape)}: the graph has no such parameter${didYouMean(name, expectedNames(specs))}`, 'unknown_name'));
  }
  if (errors.length === 0) {
    if (!options.overrideFixed) errors.push(...fixedProblems(specs, params, [], 'graph'));
    if (graph?.layers && graph.synapses) errors.push(...rangeProblems(entriesOf(graph as Pick<HAM<string, string>, 'layers' | 'synapses'>), params, options.registry ?? createRegistry(), []));
  }
  errors.push(...fillFixed(specs, params, graph?.params, used));
  if (errors.length > 0) {
    disposeTree(params);
    throw new HamuxErrors(errors);
  }
  return params;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Every parameter path the specs have: `layers.hidden.beta`, `synapses.enc.W`. */
function expectedNames(specs: ParamSpecTree): string[] {
  return (['layers', 'synapses'] as const).flatMap((g) => Object.entries(specs[g]).flatMap(([o, s]) => Object.keys(s).map((p) => `${g}.${o}.${p}`)));
}

/**
 * Adds the parameters the file leaves out: a fixed one from the graph (a copy) or its spec; a
 * learnable one, or a fixed one that needs a seed without a graph, is a problem (`missing: …`).
 */
function fillFixed(specs: ParamSpecTree, params: LoadedParams, values: HAM<string, string>['params'] | undefined, used: ReadonlySet<string>): HamuxError[] {
  const errors: HamuxError[] = [];
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, ownerSpecs] of Object.entries(specs[group])) {
      for (const [p, spec] of Object.entries(ownerSpecs)) {
        if (used.has(`${group}.${owner}.${p}`)) continue;
        const fromGraph = values && Object.hasOwn(values[group], owner) && Object.hasOwn(values[group][owner]!, p) ? values[group][owner]![p] : undefined;
        const filled = spec.learnable ? undefined : fromGraph ? tf.clone(fromGraph) : fixedTensor(spec);
        if (filled) params[group][owner]![p] = filled;
        else errors.push(new HamuxError([group, owner, p], `missing: expected a tensor of shape ${formatShape(spec.shape)}`, 'invalid_config'));
      }
    }
  }
  return errors;
}

/** A graph's components as config entries (`{ kind, ...options }`), for checking option values. */
function entriesOf(ham: Pick<HAM<string, string>, 'layers' | 'synapses'>): ConfigEntries {
  const layers = new Map(Object.entries(ham.layers).map(([n, l]) => [n, { ...l.lagrangian.options, kind: l.lagrangian.kind } as LagrangianConfig]));
  const synapses = new Map(Object.entries(ham.synapses).map(([n, s]) => [n, { ...s.synapse.options, kind: s.synapse.kind, connects: [...s.connects] } as SynapseConfig]));
  return { layers, synapses };
}

/** Named states (keys are layer names) as a safetensors file. */
export function saveStates(states: Readonly<Record<string, Tensor>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const out = Object.entries(states).map(([name, t]) => {
    if (!(t instanceof tf.Tensor) || t.isDisposed) throw new HamuxError(['states', name], 'expected a live tensor', t instanceof tf.Tensor ? 'disposed' : 'invalid_argument');
    return [name, toSafeTensor(t)] as const;
  });
  return encodeSafetensors(Object.fromEntries(out), metadata);
}

/**
 * Reads states saved by `saveStates` as float32 tensors, keyed by layer name. With a graph, also
 * checks them with `ham.checkStates` (one tensor per layer, `[B, ...shape]`).
 */
export function loadStates(bytes: Uint8Array, ham?: Pick<HAM<string, string>, 'checkStates'>): Record<string, Tensor> {
  const { tensors } = decodeSafetensors(bytes);
  const notFinite = nonFiniteProblems(tensors, ['states'], 'states');
  if (notFinite.length > 0) throw new HamuxErrors(notFinite);
  const states = Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, tf.tensor(t.data, t.shape, 'float32')]));
  try {
    ham?.checkStates(states);
  } catch (e) {
    Object.values(states).forEach((t) => t.dispose());
    throw e;
  }
  return states;
}

function toSafeTensor(t: Tensor): SafeTensor {
  if (t.dtype === 'string' || t.dtype === 'complex64') throw new HamuxError(['safetensors'], `cannot write a ${t.dtype} tensor`, 'unsupported');
  return { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as ArrayLike<number>) };
}

function disposeTree(params: LoadedParams): void {
  for (const group of [params.layers, params.synapses]) {
    for (const m of Object.values(group)) for (const t of Object.values(m)) t.dispose();
  }
}
