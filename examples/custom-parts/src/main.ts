// Your own parts in twenty lines (src/parts.ts): a softplus Lagrangian and a three-body trilinear
// hyperedge, defined by their energies alone, built into a graph, descended and trained.
// Run: npm run start -w @hamux-ts/example-custom-parts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot } from '@hamux-ts/plot';
import { exampleOptions, startBackend } from '../../shared/options.js';
import { answers, sumModFour, trainSumModFour } from './parts.js';

const options = exampleOptions(new URL('..', import.meta.url));
const runtime = await startBackend(options.backend);
const ham = sumModFour(0);
console.log(`layers a, b, answer joined by one trilinear hyperedge (${ham.numParams} parameters); task: answer = (a + b) mod 4`);
console.log(`before training: ${(await answers(ham, runtime)).correct}/16 answers right`);

const losses: number[] = [];
const { trainer, reports } = await trainSumModFour(ham, 150, runtime, (r) => losses.push(r.loss));
const after = await answers(ham, runtime, trainer.params);
console.log(`after ${reports.length} epochs (loss ${losses[0]!.toFixed(4)} → ${losses.at(-1)!.toFixed(4)}): ${after.correct}/16 answers right`);
const rises = after.energies.filter((e) => e.some((v, i) => i > 0 && v > e[i - 1]!)).length;
console.log(`the scheduler's energy fell at every step for ${16 - rises}/16 samples`);
trainer.dispose();
ham.dispose();

const epochs = losses.map((_, i) => i + 1);
writeFileSync(join(options.outDir, 'loss.svg'), linePlot([{ name: 'training loss', x: epochs, y: losses }], { title: 'Training a user-defined hyperedge through the dynamics', xLabel: 'epoch', yLabel: 'mean squared error', logY: true }));
console.log(`wrote ${join(options.outDir, 'loss.svg')}`);
