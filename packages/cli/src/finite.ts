import { describeNonFinite, findNonFinite, nonFiniteValue, type SafeTensor } from '@hamux-ts/config';
import { HamuxError, HamuxErrors, type ErrorPath, type HAM, type States, type Tensor } from '@hamux-ts/core';
import type { Io } from './command.js';

/**
 * Results that are not numbers are not results: `eval` and `run` stop with exit code 1 when an
 * energy, activation or state is NaN or ±∞ (an energy past float32's range included), naming the
 * layer or synapse that produced it, and write nothing, unless `--allow-non-finite` is given (then
 * each problem is a warning and the outputs are written).
 */

/** `--allow-non-finite`, for the commands whose results are checked. */
export const allowNonFiniteOption = { 'allow-non-finite': { type: 'boolean' } } as const;

/** One result of a part: what it is (`energy`, `activation x̂`), at which layer or synapse. */
export interface PartResult {
  readonly path: ErrorPath;
  readonly what: string;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Where a per-sample value (`[B]`) or an entry of a `[B, …]` tensor is not finite, in words. */
function where(result: PartResult): string | undefined {
  const found = findNonFinite(result.data, result.shape);
  if (!found) return undefined;
  if (result.shape.length !== 1) return `${result.what} ${describeNonFinite(found)}`;
  const more = found.count > 1 ? ` (the first of ${found.count} samples)` : '';
  return `${result.what} is ${nonFiniteValue(found.value)} for sample ${found.index[0]}${more}`;
}

/**
 * One `not_finite` error per layer or synapse with a result that is not finite, its first such
 * result in the order given (activations before energies: a layer whose x̂ is NaN is where the NaN
 * starts). The total energy is named only when every term is finite and their sum is not.
 */
export function nonFiniteResults(results: readonly PartResult[], total?: PartResult): HamuxError[] {
  const seen = new Set<string>();
  const errors: HamuxError[] = [];
  for (const r of results) {
    const key = JSON.stringify(r.path);
    if (seen.has(key)) continue;
    const problem = where(r);
    if (problem === undefined) continue;
    seen.add(key);
    errors.push(new HamuxError(r.path, problem, 'not_finite'));
  }
  const sum = errors.length === 0 && total ? where(total) : undefined;
  if (sum !== undefined) errors.push(new HamuxError(total!.path, `${sum}: every term is finite, but their sum is past float32's range`, 'not_finite'));
  return errors;
}

/** `eval`'s outputs (`activation.<layer>`, `energy.layer.<layer>`, …) as the results of their parts. */
export function evalResults(outputs: Readonly<Record<string, SafeTensor>>, ham: HAM<string, string>): { results: PartResult[]; total: PartResult } {
  const at = (name: string, path: ErrorPath, what: string): PartResult => ({ path, what, shape: outputs[name]!.shape, data: outputs[name]!.data });
  const results = [
    ...ham.layerNames.map((l) => at(`activation.${l}`, ['layers', l], 'activation x̂')),
    ...ham.layerNames.map((l) => at(`energy.layer.${l}`, ['layers', l], 'energy')),
    ...ham.synapseNames.map((s) => at(`energy.synapse.${s}`, ['synapses', s], 'energy')),
    ...ham.layerNames.map((l) => at(`dEdxhat.${l}`, ['layers', l], '∂E/∂x̂')),
  ];
  return { results, total: at('energy.total', ['energy', 'total'], 'the total energy') };
}

/**
 * The results of `states` part by part, read asynchronously (webgpu under Node has no synchronous
 * readback): each layer's state and activation, each layer's and synapse's energy, and the total.
 */
export async function stateResults(ham: HAM<string, string>, states: States<string>): Promise<{ results: PartResult[]; total: PartResult }> {
  const act = ham.activations(states);
  const tree = ham.energyTree(states);
  const owned: Tensor[] = [...Object.values(act), ...Object.values<Tensor>(tree.layers), ...Object.values<Tensor>(tree.synapses), tree.total];
  try {
    const read = async (t: Tensor, path: ErrorPath, what: string): Promise<PartResult> => ({ path, what, shape: [...t.shape], data: (await t.data()) as ArrayLike<number> });
    const results = await Promise.all([
      ...ham.layerNames.map((l) => read(states[l]!, ['layers', l], 'state')),
      ...ham.layerNames.map((l) => read(act[l]!, ['layers', l], 'activation x̂')),
      ...ham.layerNames.map((l) => read(tree.layers[l]!, ['layers', l], 'energy')),
      ...ham.synapseNames.map((s) => read(tree.synapses[s]!, ['synapses', s], 'energy')),
    ]);
    return { results, total: await read(tree.total, ['energy', 'total'], 'the total energy') };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * Stops with every problem and a last line saying nothing was written; with `allowed`, warns about
 * each on stderr instead and goes on.
 */
export function refuseNonFinite(problems: readonly HamuxError[], allowed: boolean, io: Io, when = ''): void {
  if (problems.length === 0) return;
  const placed = when ? problems.map((p) => new HamuxError(p.path, `${p.detail} ${when}`, p.code)) : problems;
  if (allowed) {
    for (const p of placed) io.stderr(`hamux: warning: ${p.message}\n`);
    return;
  }
  const advice = new HamuxError([], 'nothing written: the results are not finite (--allow-non-finite writes them anyway)', 'not_finite');
  throw new HamuxErrors([...placed, advice]);
}
