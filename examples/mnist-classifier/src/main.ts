// A classifier trained through its dynamics on MNIST: the digit is clamped on the input layer, the
// label layer relaxes freely, and a cross-entropy on its activation is backpropagated through the
// unrolled descent. Trained on 8,000 digits, tested on the 2,000 held out, next to a feed-forward
// network of the same size trained the same way.
// Run: npm run start -w @hamux-ts/example-mnist-classifier [-- --full]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, split } from '@hamux-ts/data';
import { linePlot } from '@hamux-ts/plot';
import { formatEpoch, progressBar } from '@hamux-ts/train';
import { saveModel } from '../../shared/model.js';
import { exampleOptions, startBackend } from '../../shared/options.js';
import { trainFeedForward, trainHam, type Sizes } from './classifier.js';

const options = exampleOptions(new URL('..', import.meta.url));
const runtime = await startBackend(options.backend);
const sizes: Sizes = { hidden: 256, steps: 8, epochs: options.full ? 20 : 10, batchSize: 64, learningRate: 2e-3, seed: 1 };
const { train, test } = split(loadMnist(), { test: 2000, seed: 0 });
console.log(`train ${train.count}, test ${test.count}; hidden ${sizes.hidden}, ${sizes.steps} unrolled steps, ${sizes.epochs} epochs, batch ${sizes.batchSize}, Adam ${sizes.learningRate}`);

console.log('classifier HAM, trained through the dynamics:');
const ham = await trainHam(train, test, sizes, runtime, progressBar(process.stderr));
const hamAcc = ham.reports.map((r) => r.validation?.accuracy ?? Number.NaN);
// The trained model for other programs (the playground): config + parameters.
saveModel(options.outDir, ham.trainer.ham, {
  params: ham.trainer.params,
  scheduler: { mode: 'fixed', dt: 0.1, maxSteps: sizes.steps },
  clamp: { input: true },
  metadata: { example: 'mnist-classifier', testAccuracy: hamAcc.at(-1)!.toFixed(4) },
});
ham.trainer.dispose();
console.log('feed-forward network of the same size:');
const ff = await trainFeedForward(train, test, sizes, (r) => process.stderr.write(`${formatEpoch(r, sizes.epochs)}\n`));
const ffAcc = ff.reports.map((r) => r.validation?.accuracy ?? Number.NaN);

const seconds = (rs: { seconds: number }[]) => rs.reduce((t, r) => t + r.seconds, 0);
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
console.log(`test accuracy: HAM ${pct(hamAcc.at(-1)!)} (${ham.numParams} parameters, ${seconds(ham.reports).toFixed(0)} s), ` +
  `feed-forward ${pct(ffAcc.at(-1)!)} (${ff.numParams} parameters, ${seconds(ff.reports).toFixed(0)} s)`);
const epochs = hamAcc.map((_, i) => i + 1);
const svg = linePlot(
  [
    { name: 'classifier HAM (through the dynamics)', x: epochs, y: hamAcc.map((a) => 100 * a) },
    { name: 'feed-forward, same size', x: epochs, y: ffAcc.map((a) => 100 * a) },
  ],
  { title: 'MNIST: accuracy on 2,000 held-out digits', xLabel: 'epoch', yLabel: 'test accuracy (%)' },
);
writeFileSync(join(options.outDir, 'accuracy.svg'), svg);
console.log(`wrote ${join(options.outDir, 'accuracy.svg')}`);
