// The folder through which a benchmark's processes share numbers: the parent builds each graph
// (seeded), writes its parameters and start states as raw float32 files `<name>.bin` and lists them
// in a manifest (`arrays`: name → shape; `relax`: each case's settings and layers); every worker,
// hamux-ts (`paramsOf`, `readArray`) and Python (torch_steps.py's `Inputs`) alike, loads those same
// numbers. Used by public/public.ts and gpu/gpu.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type ParamTree, type Tensor } from '@hamux-ts/core';
import type { AnyHam, RelaxCase } from './cases.js';

/** What a relaxation worker needs to know of a case besides its arrays. */
export interface RelaxEntry {
  batch: number;
  dt: number;
  neuronEnergy: boolean;
  clamp: string[];
  layers: Record<string, { shape: number[]; tau: number; kind: string; options: Record<string, unknown> }>;
}

/** The part of a manifest this file writes and reads. */
export interface InputsManifest {
  arrays: Record<string, number[]>;
  relax: Record<string, RelaxEntry>;
}

/** Writes `t` (or raw values of `shape`) as `<dir>/<name>.bin` and lists it in the manifest. */
export function putArray(dir: string, manifest: InputsManifest, name: string, t: Tensor | Float32Array, shape?: number[]): void {
  const values = t instanceof Float32Array ? t : Float32Array.from(t.dataSync());
  writeFileSync(join(dir, `${name}.bin`), values);
  manifest.arrays[name] = shape ?? (t as Tensor).shape;
}

/** Writes every parameter of `ham` as `<prefix>.param.<layers|synapses>.<owner>.<name>`. */
export function putParams(dir: string, manifest: InputsManifest, prefix: string, ham: AnyHam): void {
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, ps] of Object.entries(ham.params[group])) {
      for (const [p, t] of Object.entries(ps)) putArray(dir, manifest, `${prefix}.param.${group}.${owner}.${p}`, t);
    }
  }
}

/** The settings of a relaxation case that a worker needs, besides its graph. */
export type RelaxSettings = Pick<RelaxCase, 'batch' | 'dt' | 'neuronEnergy' | 'clamp' | 'stateSeed' | 'stateStd'>;

/** Writes case `id`: the parameters of `ham`, its seeded start states `<id>.state.<layer>` and its manifest entry. */
export function putRelax(dir: string, manifest: InputsManifest, id: string, c: RelaxSettings, ham: AnyHam): void {
  putParams(dir, manifest, id, ham);
  const s = ham.randomStates(c.batch, c.stateSeed, c.stateStd);
  for (const n of ham.layerNames) putArray(dir, manifest, `${id}.state.${n}`, s[n]!);
  tf.dispose(Object.values<Tensor>(s));
  manifest.relax[id] = {
    batch: c.batch, dt: c.dt, neuronEnergy: c.neuronEnergy, clamp: [...c.clamp],
    layers: Object.fromEntries(ham.layerNames.map((n) => {
      const l = ham.layers[n]!;
      return [n, { shape: [...l.shape], tau: l.tau, kind: l.lagrangian.kind, options: { ...l.lagrangian.options } }];
    })),
  };
}

/** The values of `<dir>/<name>.bin`. */
export function readArray(dir: string, name: string): Float32Array {
  const bytes = readFileSync(join(dir, `${name}.bin`)); // small files share Node's buffer pool: copy out
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Array `name` of the manifest as a tensor. */
export function readTensor(dir: string, manifest: InputsManifest, name: string): Tensor {
  return tf.tensor(readArray(dir, name), manifest.arrays[name]!);
}

/** The parameters written under `prefix`, as a ParamTree for `build({ params })`. */
export function paramsOf(dir: string, manifest: InputsManifest, prefix: string): ParamTree {
  const tree: Record<'layers' | 'synapses', Record<string, Record<string, Tensor>>> = { layers: {}, synapses: {} };
  for (const name of Object.keys(manifest.arrays).filter((k) => k.startsWith(`${prefix}.param.`))) {
    const [group, owner, p] = name.slice(prefix.length + 7).split('.') as ['layers' | 'synapses', string, string];
    (tree[group][owner] ??= {})[p] = readTensor(dir, manifest, name);
  }
  return tree;
}
