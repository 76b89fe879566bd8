/**
 * A hamux-torch state dict with its aliases folded together. PyTorch writes a tensor once per path
 * that reaches its module, and hamux-torch reaches each synapse by several:
 *
 * - `HAM` keeps its synapses in `hypersynapses` and again in `synapses` (`self.synapses = self.hypersynapses`),
 *   so `W` appears as `hypersynapses.s1.W` and `synapses.s1.W`;
 * - `VectorizedHAM` (what `ham.vectorize()` returns) holds the HAM as `_ham` and its dictionaries
 *   again as its own: `_ham.hypersynapses.s1.W`, `_ham.synapses.s1.W`, `hypersynapses.s1.W`, `synapses.s1.W`;
 * - neuron layers appear as `neurons.*` (and `_ham.neurons.*`), though hamux-torch's own Lagrangians
 *   hold no tensors.
 *
 * Every key is read as its canonical name (`_ham.` dropped, `synapses.` read as `hypersynapses.`);
 * the tensors under one canonical name must be identical, and are kept once.
 */
import { HamuxError, formatShape } from '@hamux-ts/core';
import type { PlainTensor } from './layout.js';

/** A state dict as plain data: tensors by key (what `decodeSafetensors` reads gives this). */
export type StateDict = Readonly<Record<string, PlainTensor>>;

/** One tensor of the state dict under its canonical name, with every key it was found under. */
export interface Canonical {
  /** `hypersynapses` or `neurons`. */
  readonly group: 'hypersynapses' | 'neurons';
  /** The synapse or neuron's name in the Python dictionary. */
  readonly owner: string;
  /** The tensor's path inside that module (`W`, `proj.weight`). */
  readonly param: string;
  /** The tensor (the first of identical aliases). */
  readonly tensor: PlainTensor;
  /** The keys of the file that hold it, in the file's order. */
  readonly keys: readonly string[];
}

const GROUPS: Readonly<Record<string, Canonical['group']>> = { hypersynapses: 'hypersynapses', synapses: 'hypersynapses', neurons: 'neurons' };

/** Where in a tensor two aliases differ, in words, or undefined when they are identical. */
function difference(a: PlainTensor, b: PlainTensor): string | undefined {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return `shape ${formatShape(b.shape)} against ${formatShape(a.shape)}`;
  const i = a.data.findIndex((x, k) => !Object.is(x, b.data[k]));
  return i < 0 ? undefined : `entry ${i}: ${b.data[i]} against ${a.data[i]}`;
}

/**
 * The state dict by canonical name (`hypersynapses.s1.W`), each tensor once. Problems are returned,
 * not thrown, each at `stateDict.<key>`: a key outside hamux-torch's layout (with `prefix` stripped
 * first) and aliases of one tensor whose values differ.
 */
export function canonicalStateDict(stateDict: StateDict, prefix = ''): {
  /** Each tensor once, by canonical name. */
  tensors: Map<string, Canonical>;
  /** Every problem found, each at `stateDict.<key>`. */
  errors: HamuxError[];
} {
  const tensors = new Map<string, Canonical>();
  const errors: HamuxError[] = [];
  for (const [key, tensor] of Object.entries(stateDict)) {
    const at = ['stateDict', key];
    if (!key.startsWith(prefix)) {
      errors.push(new HamuxError(at, `does not start with the mapping's prefix "${prefix}"`, 'unknown_name'));
      continue;
    }
    const parts = key.slice(prefix.length).replace(/^_ham\./, '').split('.');
    const group = parts.length >= 3 ? GROUPS[parts[0]!] : undefined;
    if (group === undefined) {
      errors.push(new HamuxError(at, `unexpected tensor of shape ${formatShape(tensor.shape)}: hamux-torch's keys are hypersynapses.<synapse>.<tensor> (or its aliases synapses.…, _ham.…) and neurons.<neuron>.<tensor>`, 'unknown_name'));
      continue;
    }
    const [owner, ...param] = parts.slice(1) as [string, ...string[]];
    const name = `${group}.${owner}.${param.join('.')}`;
    const seen = tensors.get(name);
    if (seen === undefined) {
      tensors.set(name, { group, owner, param: param.join('.'), tensor, keys: [key] });
      continue;
    }
    const differs = difference(seen.tensor, tensor);
    if (differs !== undefined) {
      errors.push(new HamuxError(at, `conflicts with "${seen.keys[0]}", another name of ${name}: they differ (${differs}), so which one the model uses is unclear`, 'invalid_config'));
      continue;
    }
    tensors.set(name, { ...seen, keys: [...seen.keys, key] });
  }
  return { tensors, errors };
}
