import { configJsonSchemaText } from '@hamux-ts/config';
import { parse } from '../args.js';
import type { Command } from '../command.js';

export const schema: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of configs',
  help: `Usage: hamux schema

Prints the JSON Schema (draft 2020-12) of hamux-ts configs, with the built-in kinds.`,
  run(args, io) {
    const { values } = parse('schema', args, {}, []);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const text = configJsonSchemaText();
    io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  },
};
