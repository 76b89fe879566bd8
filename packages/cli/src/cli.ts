#!/usr/bin/env node
// The `hamux` command. Exit codes: 0 ok, 1 invalid input/config/file, 2 usage error.
import { didYouMean, tf } from '@hamux-ts/core';
import type { Command, Io } from './command.js';
import { bench } from './commands/bench.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { inspect } from './commands/inspect.js';
import { run } from './commands/run.js';
import { schema } from './commands/schema.js';
import { validate } from './commands/validate.js';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE, errorLines, exitCodeOf } from './errors.js';

const commands: readonly Command[] = [validate, inspect, evalCommand, run, schema, bench, importCommand, exportCommand];

const usage = `Usage: hamux <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

Run "hamux <command> --help" for a command's options.`;

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(`${usage}\n`);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${usage}\n`);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const names = commands.map((c) => c.name);
    io.stderr(`hamux: unknown command "${name}"${didYouMean(name, names)} (commands: ${names.join(', ')})\n`);
    return EXIT_USAGE;
  }
  try {
    await command.run(rest, io);
    return EXIT_OK;
  } catch (e) {
    for (const line of errorLines(e)) io.stderr(`hamux: ${line}\n`);
    return exitCodeOf(e);
  }
}

tf.env().set('PROD', true); // no advice to install tfjs-node on stdout
// A reader that went away (`hamux inspect … | head`) ends the command quietly, as for any Unix
// tool; a full disk (`hamux schema > /dev/full`) is an error that says so, not a stack trace.
for (const [stream, name] of [[process.stdout, 'standard output'], [process.stderr, 'standard error']] as const) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    if (stream !== process.stderr) process.stderr.write(`hamux: cannot write to ${name}: ${e.code === 'ENOSPC' ? 'no space left on the device' : e.message}\n`);
    process.exit(EXIT_INPUT);
  });
}
const io: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  stderrIsTTY: process.stderr.isTTY === true,
};
process.exitCode = await main(process.argv.slice(2), io);
