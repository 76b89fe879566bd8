import { basename, join } from 'node:path';
import { encodeSafetensors, parseJson } from '@hamux-ts/config';
import { HamuxError, HamuxErrors, formatPath } from '@hamux-ts/core';
import { importTorch } from '@hamux-ts/torch';
import { parse, required } from '../args.js';
import type { Command } from '../command.js';
import { InputError, UsageError } from '../errors.js';
import { withFiles, type Files } from '../files.js';

const FORMATS = ['torch'];

/** The mapping file parsed as JSON (validated by `importTorch`); its problems name the file. */
function readMapping(files: Files, path: string): unknown {
  let bytes: Uint8Array;
  try {
    bytes = files.read(path, 'config');
  } catch (e) {
    if (e instanceof InputError) throw new InputError([], e.message.replace(/^cannot read config/, 'cannot read mapping').replace(/a config file may have$/, 'a mapping may have'), e.code);
    throw e;
  }
  try {
    return parseJson(new TextDecoder().decode(bytes));
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    const inFile = (x: HamuxError) => new InputError([path], x.message, x.code);
    throw e instanceof HamuxErrors ? new HamuxErrors(e.errors.map(inFile)) : inFile(e);
  }
}

/** `importTorch`'s problems said to be in their file: `mapping "map.json": neurons.v.beta: …`, `state dict "m.safetensors": hypersynapses.W.W: …`. */
function placed(mappingPath: string, stateDictPath: string, f: () => ReturnType<typeof importTorch>): ReturnType<typeof importTorch> {
  const files: Readonly<Record<string, string>> = { mapping: `mapping "${mappingPath}"`, stateDict: `state dict "${stateDictPath}"` };
  const place = (x: HamuxError): HamuxError => {
    const head = x.path[0];
    if (typeof head !== 'string' || !Object.hasOwn(files, head)) return x;
    const at = x.path.slice(1);
    return new InputError([], `${files[head]}: ${at.length > 0 ? `${formatPath(at)}: ` : ''}${x.detail}`, x.code);
  };
  try {
    return f();
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    throw e instanceof HamuxErrors ? new HamuxErrors(e.errors.map(place)) : place(e);
  }
}

export const importCommand: Command = {
  name: 'import',
  summary: 'turn a hamux-torch model into a config and weights',
  help: `Usage: hamux import torch STATE_DICT.safetensors --mapping MAP.json --out DIR

Reads a hamux-torch model's state dict (safetensors; aliases such as _ham.* and synapses.* are
folded together) and a mapping that says what each neuron and hypersynapse is in hamux-ts, with the
constants the Python code keeps in functools.partial (see packages/torch/README.md). Writes
DIR/config.json and DIR/weights.safetensors, for hamux run CONFIG --weights WEIGHTS; notes (a tied
synapse made several) go to stderr. Nothing is written when anything is wrong: every problem is
printed with the mapping path or state-dict key it concerns, and the exit code is 1.

Options:
  --mapping FILE   the mapping (JSON; required)
  --out DIR        output folder (required)`,
  async run(args, io) {
    const { values, positionals } = parse('import', args, { mapping: { type: 'string' }, out: { type: 'string' } }, ['FORMAT', 'STATE_DICT']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const [format, stateDictPath] = positionals as [string, string];
    if (!FORMATS.includes(format)) throw new UsageError(['import'], `unknown format "${format}" (expected one of: ${FORMATS.join(', ')})`);
    const mappingPath = required('import', values, 'mapping');
    const outDir = required('import', values, 'out');
    const { config, notes } = await withFiles((files) => {
      const bytes = files.read(stateDictPath, 'weights');
      const mapping = readMapping(files, mappingPath);
      const result = placed(mappingPath, stateDictPath, () => importTorch(bytes, mapping));
      files.write(join(outDir, 'config.json'), `${JSON.stringify(result.config, null, 2)}\n`);
      files.write(join(outDir, 'weights.safetensors'), encodeSafetensors(result.params, { source: 'hamux-torch', stateDict: basename(stateDictPath) }));
      return result;
    });
    for (const note of notes) io.stderr(`hamux: note: ${note}\n`);
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    io.stdout(`imported ${count(Object.keys(config.layers).length, 'layer')} and ${count(Object.keys(config.synapses).length, 'synapse')}; wrote ${outDir}/config.json, weights.safetensors\n`);
  },
};
