import { integer, maxMemory, maxMemoryOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { Files } from '../files.js';
import { buildHam, readConfig } from '../io.js';

export const validate: Command = {
  name: 'validate',
  summary: 'check a config and build it',
  help: `Usage: hamux validate CONFIG [--batch N] [--max-memory SIZE]

Parses and builds CONFIG (a JSON config). Prints "ok: N layers, M synapses, P parameters",
or every problem found, one per line with its JSON path, and exits with code 1.

Options:
  --batch N          samples of states the memory estimate counts, as run --batch (default 1)
  --max-memory SIZE  most memory the graph may need, parameters and states in float32
                     (default 2GiB; 512MiB, 8GiB, 1e10 or none)`,
  run(args, io) {
    const { values, positionals } = parse('validate', args, { batch: { type: 'string' }, ...maxMemoryOption }, ['CONFIG']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const limit = { maxBytes: maxMemory('validate', values), batch: integer('validate', values, 'batch', 1, 1) };
    const files = new Files(); // reads only
    const ham = buildHam(files, readConfig(files, positionals[0]!), undefined, limit);
    try {
      for (const w of ham.warnings) io.stderr(`hamux: warning: ${w}\n`);
      io.stdout(`ok: ${ham.layerNames.length} layers, ${ham.synapseNames.length} synapses, ${ham.numParams} parameters\n`);
    } finally {
      ham.dispose();
    }
  },
};
