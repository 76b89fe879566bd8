import { parse } from '../args.js';
import type { Command } from '../command.js';
import { Files } from '../files.js';
import { buildHam, readConfig } from '../io.js';

export const validate: Command = {
  name: 'validate',
  summary: 'check a config and build it',
  help: `Usage: hamux validate CONFIG

Parses and builds CONFIG (a JSON config). Prints "ok: N layers, M synapses, P parameters",
or every problem found, one per line with its JSON path, and exits with code 1.`,
  run(args, io) {
    const { values, positionals } = parse('validate', args, {}, ['CONFIG']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const files = new Files(); // reads only
    const ham = buildHam(files, readConfig(files, positionals[0]!));
    try {
      for (const w of ham.warnings) io.stderr(`hamux: warning: ${w}\n`);
      io.stdout(`ok: ${ham.layerNames.length} layers, ${ham.synapseNames.length} synapses, ${ham.numParams} parameters\n`);
    } finally {
      ham.dispose();
    }
  },
};
