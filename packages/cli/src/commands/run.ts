import { join } from 'node:path';
import { descendOptionsFromConfig, saveStates } from '@hamux-ts/config';
import { didYouMean, type States, type Tensor } from '@hamux-ts/core';
import { descend, type Progress } from '@hamux-ts/dynamics';
import { integer, maxMemory, maxMemoryOption, parse, required } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { withFiles } from '../files.js';
import { allowNonFiniteOption, nonFiniteResults, refuseNonFinite, stateResults } from '../finite.js';
import { buildHam, checkStatesMemory, disposeAll, readConfig, readStates, weightsOption } from '../io.js';
import { stopReasons } from '../stop-reasons.js';
import { energySvg } from '../svg.js';
import { useBackend, type BackendChoice } from '@hamux-ts/backends';

const BACKENDS: readonly BackendChoice[] = ['auto', 'cpu', 'wasm', 'webgpu'];

export const run: Command = {
  name: 'run',
  summary: 'relax states with the config\'s scheduler (descend)',
  help: `Usage: hamux run CONFIG [--input S.safetensors] [--batch N] [--seed K] [--weights W [--override-fixed]] --out DIR [--backend auto|cpu|wasm|webgpu]

Runs the dynamics (descend) with the config's scheduler settings and clamped layers, from the
states in --input or from seeded random states, and writes:
  DIR/states.safetensors   the final states, one tensor per layer
  DIR/report.json          per sample: converged, reason, steps, energy, gradNorm, energies (per step)
  DIR/energy.svg           energy against step for each sample
and prints how many samples converged and why each stopped (by gradient or energy tolerance; at
maxSteps, by step underflow).

Options:
  --input FILE     initial states (default: random states, see --batch and --seed)
  --batch N        samples of random initial states (default 1)
  --seed K         seed of random initial states (default 0)
  --weights FILE   parameters saved by saveParams (default: the config's seeded initialisation);
                   fixed parameters (a β not marked learnable) may be left out, and must match the config
  --override-fixed let the weights' values of fixed parameters replace the config's
  --out DIR        output folder (required)
  --backend NAME   auto (WebGPU, else wasm, else cpu), cpu, wasm or webgpu (default auto)
  --max-memory SIZE  most memory the graph may need, parameters and states in float32
                   (default 2GiB; 512MiB, 8GiB, 1e10 or none)
  --allow-non-finite  write the results even when a final state or energy is NaN or ±∞
                   (without it: exit 1 naming the layer or synapse, nothing written)`,
  async run(args, io) {
    const { values, positionals } = parse('run', args, {
      input: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, weights: { type: 'string' }, 'override-fixed': { type: 'boolean' },
      out: { type: 'string' }, backend: { type: 'string' }, ...maxMemoryOption, ...allowNonFiniteOption,
    }, ['CONFIG']);
    if (values['help']) return io.stdout(`${this.help}\n`);
    const outDir = required('run', values, 'out');
    const batch = integer('run', values, 'batch', 1, 1);
    const seed = integer('run', values, 'seed', 0);
    const backend = (typeof values['backend'] === 'string' ? values['backend'] : 'auto') as BackendChoice;
    if (!BACKENDS.includes(backend)) throw new UsageError(['run'], `unknown backend "${backend}"${didYouMean(backend, BACKENDS)} (expected one of: ${BACKENDS.join(', ')})`);
    const input = values['input'];
    if (typeof input === 'string' && values['batch'] !== undefined) throw new UsageError(['run'], '--batch applies to random states only; the batch of --input is its own');
    const limit = { maxBytes: maxMemory('run', values), ...(typeof input === 'string' ? {} : { batch }) };
    const allowNonFinite = values['allow-non-finite'] === true;
    const runtime = await useBackend(backend);
    const chosen = runtime.backend;

    // Every output is written at the end, together: a run that fails leaves --out as it was.
    return withFiles(async (files) => {
    const config = readConfig(files, positionals[0]!);
    const ham = buildHam(files, config, weightsOption('run', values), limit);
    try {
      const init: States<string> = typeof input === 'string' ? readStates(files, ham, input) : ham.randomStates(batch, seed);
      const onProgress = io.stderrIsTTY
        ? (p: Progress) => {
            const e = Array.from(p.energies);
            io.stderr(`\rstep ${p.step}  energy ${Math.min(...e).toPrecision(6)}…${Math.max(...e).toPrecision(6)}  |∂E/∂x̂| ${Math.max(...Array.from(p.gradNorms)).toExponential(2)}   `);
          }
        : undefined;
      let result;
      try {
        if (typeof input === 'string') checkStatesMemory(ham, ham.checkStates(init), limit);
        // A result that is not finite from the start is named by its part, not left to read as a divergence at step 0.
        if (!allowNonFinite) {
          const { results, total } = await stateResults(ham, init);
          refuseNonFinite(nonFiniteResults(results, total), false, io, 'at the initial states');
        }
        // The asynchronous driver: webgpu under Node has no synchronous readback.
        result = await descend(ham, init, { ...descendOptionsFromConfig(config), runtime, ...(onProgress ? { onProgress } : {}) });
      } finally {
        disposeAll(Object.values(init));
        if (io.stderrIsTTY) io.stderr('\n');
      }
      try {
        const { results, total } = await stateResults(ham, result.states);
        refuseNonFinite(nonFiniteResults(results, total), allowNonFinite, io, `after ${result.steps} steps`);
        // Read the states back asynchronously first: tfjs keeps what it read on the host, so the
        // synchronous reads of saveStates then need no GPU readback (which webgpu lacks under Node).
        await Promise.all(Object.values<Tensor>(result.states).map((t) => t.data()));
        files.write(join(outDir, 'states.safetensors'), saveStates(result.states));
      } finally {
        disposeAll(Object.values(result.states));
      }
      const report = {
        converged: result.converged,
        steps: result.steps,
        samples: result.report.map((r, sample) => ({ sample, converged: r.converged, reason: r.reason, steps: r.steps, energy: r.energy, gradNorm: r.gradNorm, energies: Array.from(result.energies[sample] ?? []) })),
      };
      files.write(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      files.write(join(outDir, 'energy.svg'), energySvg(result.energies));
      const done = result.report.filter((r) => r.converged).length;
      return () => io.stdout(
        `${done}/${result.report.length} samples converged in ${result.steps} steps on ${chosen} (${stopReasons(result.report)})\n` +
          `wrote ${outDir}/states.safetensors, report.json, energy.svg\n`,
      );
    } finally {
      ham.dispose();
    }
    }).then((say) => say());
  },
};
