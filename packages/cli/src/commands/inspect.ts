import { parseConfig } from '@hamux-ts/config';
import { formatShape, type HAM } from '@hamux-ts/core';
import { maxMemory, maxMemoryOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { withFiles } from '../files.js';
import { buildHam, readConfig } from '../io.js';
import { graphSvg } from '../svg.js';
import { formatOptions, table } from '../table.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The text report of `inspect`: layers, synapses, totals and the hypergraph. */
export function describeHam(ham: HAM<string, string>, clamped: ReadonlySet<string>): string {
  const layerRows = ham.layerNames.map((name) => {
    const l = ham.layers[name]!;
    const lag = formatOptions(l.lagrangian.options);
    return [name, formatShape(l.shape), lag ? `${l.lagrangian.kind}(${lag})` : l.lagrangian.kind, String(l.tau), clamped.has(name) ? 'yes' : 'no'];
  });
  const paramsOf = (specs: Readonly<Record<string, { readonly shape: readonly number[] }>>) => {
    const entries = Object.entries(specs);
    return { names: entries.map(([p, s]) => `${p} ${formatShape(s.shape)}`).join(', ') || '-', count: entries.reduce((n, [, s]) => n + size(s.shape), 0) };
  };
  const synapseRows = ham.synapseNames.map((name) => {
    const s = ham.synapses[name]!;
    const p = paramsOf(ham.paramSpecs.synapses[name] ?? {});
    return [name, s.synapse.kind, s.connects.join(', '), p.names, String(p.count)];
  });
  const layerParams = ham.layerNames.reduce((n, name) => n + paramsOf(ham.paramSpecs.layers[name] ?? {}).count, 0);
  const synapseParams = ham.synapseNames.reduce((n, name) => n + paramsOf(ham.paramSpecs.synapses[name] ?? {}).count, 0);
  const neurons = ham.layerNames.reduce((n, name) => n + size(ham.layers[name]!.shape), 0);
  return [
    'Layers',
    table(['name', 'shape', 'lagrangian', 'tau', 'clamp'], layerRows),
    '',
    'Synapses',
    table(['name', 'kind', 'connects', 'parameters', 'count'], synapseRows),
    '',
    `Totals: ${ham.layerNames.length} layers (${neurons} neurons), ${ham.synapseNames.length} synapses, ` +
      `${ham.numParams} parameters (${synapseParams} in synapses, ${layerParams} in layers)`,
    '',
    'Hypergraph',
    ...ham.synapseNames.map((name) => `  ${name}: ${ham.synapses[name]!.connects.join(' — ')}`),
    '',
  ].join('\n');
}

export const inspect: Command = {
  name: 'inspect',
  summary: 'describe a config: layers, synapses, parameters, hypergraph',
  help: `Usage: hamux inspect CONFIG [--svg OUT.svg]

Prints a table of the layers (name, shape, Lagrangian, tau, clamp) and synapses (name, kind,
connected layers, parameters with shapes, parameter counts), the totals, and the hypergraph as
text (each synapse as "name: a — b").

Options:
  --svg OUT.svg      also write a drawing of the hypergraph (layers as circles, synapses as squares)
  --max-memory SIZE  most memory the graph may need, parameters and states in float32
                     (default 2GiB; 512MiB, 8GiB, 1e10 or none)`,
  run(args, io) {
    const { values, positionals } = parse('inspect', args, { svg: { type: 'string' }, ...maxMemoryOption }, ['CONFIG']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const limit = { maxBytes: maxMemory('inspect', values) };
    const svgPath = values['svg'];
    return withFiles((files) => {
      const config = readConfig(files, positionals[0]!);
      const ham = buildHam(files, config, undefined, limit);
      try {
        const parsed = parseConfig(config);
        const clamped = new Set(Object.entries(parsed.layers).filter(([, l]) => l.clamp).map(([n]) => n));
        io.stdout(describeHam(ham, clamped));
        if (typeof svgPath === 'string') {
          const svg = graphSvg(
            ham.layerNames.map((name) => ({ name, shape: ham.layers[name]!.shape, kind: ham.layers[name]!.lagrangian.kind })),
            ham.synapseNames.map((name) => ({ name, kind: ham.synapses[name]!.synapse.kind, connects: ham.synapses[name]!.connects })),
          );
          files.write(svgPath, svg);
        }
      } finally {
        ham.dispose();
      }
    }).then(() => {
      if (typeof svgPath === 'string') io.stdout(`wrote ${svgPath}\n`);
    });
  },
};
