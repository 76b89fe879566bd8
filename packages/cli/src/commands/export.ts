import { join } from 'node:path';
import { descendOptionsFromConfig } from '@hamux-ts/config';
import { didYouMean } from '@hamux-ts/core';
import { exportTorchHam } from '@hamux-ts/torch';
import { maxMemory, maxMemoryOption, parse, required } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { withFiles } from '../files.js';
import { buildHam, readConfig, weightsOption } from '../io.js';

const FORMATS = ['torch'];

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a config and its weights as a PyTorch module',
  help: `Usage: hamux export torch CONFIG [--weights W [--override-fixed]] --out DIR

Writes the graph of CONFIG as a self-contained PyTorch module (only torch and the Python standard
library) and its parameters:
  DIR/model.py              HamuxModel: energy, energy_tree, activations, dEdxhat, update_signals,
                            descend (fixed steps, as descend's mode "fixed"), load_weights and
                            save_weights; load() builds it with the weights beside it
  DIR/weights.safetensors   every parameter under its hamux-ts path (layers.h.beta, synapses.enc.W)
Weights trained in PyTorch (model.save_weights) come back with --weights in the other commands.
Every layer and synapse must be a built-in kind.

Options:
  --weights FILE   parameters saved by saveParams (default: the config's seeded initialisation);
                   fixed parameters (a β not marked learnable) may be left out, and must match the config
  --override-fixed let the weights' values of fixed parameters replace the config's
  --out DIR        output folder (required)
  --max-memory SIZE  most memory the graph may need, parameters in float32
                   (default 2GiB; 512MiB, 8GiB, 1e10 or none)`,
  async run(args, io) {
    const { values, positionals } = parse('export', args, {
      weights: { type: 'string' }, 'override-fixed': { type: 'boolean' }, out: { type: 'string' }, ...maxMemoryOption,
    }, ['FORMAT', 'CONFIG']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const [format, configPath] = positionals as [string, string];
    if (!FORMATS.includes(format)) throw new UsageError(['export'], `unknown format "${format}"${didYouMean(format, FORMATS)} (expected one of: ${FORMATS.join(', ')})`);
    const outDir = required('export', values, 'out');
    const limit = { maxBytes: maxMemory('export', values) };
    // Both files are written at the end, together: an export that fails leaves --out as it was.
    const exported = await withFiles((files) => {
      const config = readConfig(files, configPath);
      const ham = buildHam(files, config, weightsOption('export', values), limit);
      try {
        const result = exportTorchHam(ham, descendOptionsFromConfig(config));
        for (const [name, data] of Object.entries(result.files)) files.write(join(outDir, name), data);
        return result;
      } finally {
        ham.dispose();
      }
    });
    const learnable = exported.params.filter((p) => p.learnable).length;
    io.stdout(
      `exported ${exported.layers.length} layers, ${exported.synapses.length} synapses and ${exported.params.length} parameters (${learnable} learnable) to PyTorch\n` +
        `wrote ${outDir}/model.py, weights.safetensors\n`,
    );
  },
};
