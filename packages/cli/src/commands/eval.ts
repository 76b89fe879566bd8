import { encodeSafetensors, type SafeTensor } from '@hamux-ts/config';
import type { HAM, States, Tensor } from '@hamux-ts/core';
import { maxMemory, maxMemoryOption, parse, required } from '../args.js';
import type { Command } from '../command.js';
import { withFiles } from '../files.js';
import { allowNonFiniteOption, evalResults, nonFiniteResults, refuseNonFinite } from '../finite.js';
import { buildHam, checkStatesMemory, disposeAll, readConfig, readStates, weightsOption } from '../io.js';

/**
 * The outputs of `eval`, by their stable names: `activation.<layer>`, `energy.layer.<layer>`,
 * `energy.synapse.<synapse>`, `energy.total` (each energy `[B]`) and `dEdxhat.<layer>`.
 */
export function evaluate(ham: HAM<string, string>, states: States<string>): Record<string, SafeTensor> {
  const out: [string, SafeTensor][] = [];
  const put = (name: string, t: Tensor) => out.push([name, { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as ArrayLike<number>) }]);
  const act = ham.activations(states);
  const tree = ham.energyTree(states);
  const grads = ham.dEdxhat(states);
  try {
    for (const l of ham.layerNames) put(`activation.${l}`, act[l]!);
    for (const l of ham.layerNames) put(`energy.layer.${l}`, tree.layers[l]!);
    for (const s of ham.synapseNames) put(`energy.synapse.${s}`, tree.synapses[s]!);
    put('energy.total', tree.total);
    for (const l of ham.layerNames) put(`dEdxhat.${l}`, grads[l]!);
  } finally {
    disposeAll([...Object.values(act), ...Object.values(tree.layers), ...Object.values(tree.synapses), tree.total, ...Object.values(grads)]);
  }
  return Object.fromEntries(out);
}

/** The JSON form of the outputs: `{ name: { shape, data } }`. */
export function toJson(tensors: Readonly<Record<string, SafeTensor>>): string {
  const obj = Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, { shape: t.shape, data: Array.from(t.data) }]));
  return `${JSON.stringify(obj)}\n`;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'activations, energy tree and ∂E/∂x̂ of given states',
  help: `Usage: hamux eval CONFIG --states S.safetensors [--weights W.safetensors [--override-fixed]] --out O [--json]

Evaluates the graph on the states in S (one tensor per layer, named by the layer, [B, ...shape])
and writes, as safetensors (or JSON with --json, { name: { shape, data } }):
  activation.<layer>         x̂ = ∇L(x), [B, ...shape]
  energy.layer.<layer>       the layer's energy, [B]
  energy.synapse.<synapse>   the synapse's energy, [B]
  energy.total               the total energy, [B]
  dEdxhat.<layer>            ∂E/∂x̂, [B, ...shape]

Options:
  --states FILE    states to evaluate (required)
  --weights FILE   parameters saved by saveParams (default: the config's seeded initialisation);
                   fixed parameters (a β not marked learnable) may be left out, and must match the config
  --override-fixed let the weights' values of fixed parameters replace the config's
  --out FILE       where to write the outputs (required)
  --json           write JSON instead of safetensors
  --max-memory SIZE  most memory the graph may need, parameters and states in float32
                   (default 2GiB; 512MiB, 8GiB, 1e10 or none)
  --allow-non-finite  write the outputs even when an energy, activation or ∂E/∂x̂ is NaN or ±∞
                   (without it: exit 1 naming the layer or synapse, nothing written)`,
  run(args, io) {
    const { values, positionals } = parse('eval', args, { states: { type: 'string' }, weights: { type: 'string' }, 'override-fixed': { type: 'boolean' }, out: { type: 'string' }, json: { type: 'boolean' }, ...maxMemoryOption, ...allowNonFiniteOption }, ['CONFIG']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const statesPath = required('eval', values, 'states');
    const outPath = required('eval', values, 'out');
    const weights = weightsOption('eval', values);
    const limit = { maxBytes: maxMemory('eval', values) };
    return withFiles((files) => {
      const ham = buildHam(files, readConfig(files, positionals[0]!), weights, limit);
      try {
        const states = readStates(files, ham, statesPath);
        let outputs: Record<string, SafeTensor>;
        try {
          checkStatesMemory(ham, ham.checkStates(states), limit);
          outputs = evaluate(ham, states);
        } finally {
          disposeAll(Object.values(states));
        }
        const { results, total } = evalResults(outputs, ham);
        refuseNonFinite(nonFiniteResults(results, total), values['allow-non-finite'] === true, io);
        files.write(outPath, values['json'] ? toJson(outputs) : encodeSafetensors(outputs));
      } finally {
        ham.dispose();
      }
    });
  },
};
