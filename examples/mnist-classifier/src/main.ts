// A classifier trained through its dynamics on MNIST: the digit is clamped on the input layer, the
// label layer relaxes freely, and a cross-entropy on its activation is backpropagated through the
// unrolled descent. Trained on 8,000 digits, tested on the 2,000 held out, next to a feed-forward
// network of the same size trained the same way.
// Run: npm run start -w @hamux-ts/example-mnist-classifier [-- --full]
// Options: --standard (the 60,000/10,000 split), --fixed-point implicit|equilibrium (learn at the
// fixed point; test accuracy at convergence), --hidden N, --epochs N, --no-yardstick (skip the feed-forward net).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot } from '@hamux-ts/plot';
import { formatEpoch, progressBar } from '@hamux-ts/train';
import { saveModel } from '../../shared/model.js';
import { mnistDigits } from '../../shared/digits.js';
import { exampleOptions, startBackend } from '../../shared/options.js';
import { accuracyAtConvergence, trainFeedForward, trainHam, type Sizes } from './classifier.js';

const options = exampleOptions(new URL('..', import.meta.url), { learns: ['--fixed-point', '--epochs', '--standard'] });
const argv = process.argv.slice(2);
const flag = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const fixedPoint = options.fixedPoint;
const count = (name: string, fallback: number) => {
  const v = flag(name);
  if (v === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(v)) throw new Error(`${name}: expected a positive integer, got ${v}`);
  return Number(v);
};
const runtime = await startBackend(options.backend);
const sizes: Sizes = {
  hidden: count('--hidden', 256), steps: 8, epochs: options.epochs ?? (options.full ? 20 : 10), batchSize: 64, learningRate: 2e-3, seed: 1,
  ...(fixedPoint ? { fixedPoint } : {}),
};
const standard = options.standard;
const { train, test } = mnistDigits(standard);
const how = fixedPoint ? `at the fixed point (${fixedPoint === 'implicit' ? 'implicit differentiation' : 'equilibrium propagation'})` : `${sizes.steps} unrolled steps`;
console.log(`train ${train.count}, test ${test.count}${standard ? ' (the standard split)' : ''}; hidden ${sizes.hidden}, ${how}, ${sizes.epochs} epochs, batch ${sizes.batchSize}, Adam ${sizes.learningRate}`);

console.log(`classifier HAM, trained ${fixedPoint ? 'at the fixed point' : 'through the dynamics'}:`);
const ham = await trainHam(train, test, sizes, runtime, progressBar(process.stderr));
const hamAcc = ham.reports.map((r) => r.validation?.accuracy ?? Number.NaN);
// The trained model for other programs (the playground): config + parameters.
saveModel(options.outDir, ham.trainer.ham, {
  params: ham.trainer.params,
  scheduler: fixedPoint ? { mode: 'fixed', dt: 0.1, maxSteps: 5000, tolerance: { grad: 1e-4, energy: 0, state: 0 } } : { mode: 'fixed', dt: 0.1, maxSteps: sizes.steps },
  clamp: { input: true },
  metadata: { example: 'mnist-classifier', testAccuracy: hamAcc.at(-1)!.toFixed(4), training: fixedPoint ?? 'unrolled' },
});
// The answer a user running the model to its attractor gets, whatever it was trained for.
const atRest = accuracyAtConvergence(ham.trainer.ham, ham.trainer.params, test, runtime);
ham.trainer.dispose();
const seconds = (rs: { seconds: number }[]) => rs.reduce((t, r) => t + r.seconds, 0);
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
// Peak resident memory of this process so far (the HAM's training, before the yardstick runs).
const peakMiB = process.resourceUsage().maxRSS / 1024;
console.log(`HAM: test accuracy ${pct(hamAcc.at(-1)!)} ${fixedPoint ? 'at convergence' : `after ${sizes.steps} steps`} (${ham.numParams} parameters), ${(seconds(ham.reports) / sizes.epochs).toFixed(0)} s per epoch, peak memory ${peakMiB.toFixed(0)} MiB`);
console.log(`HAM run to convergence: test accuracy ${pct(atRest.accuracy)} (${atRest.meanSteps.toFixed(0)} steps on average, ${atRest.converged}/${test.count} converged)`);
const yardstick = !argv.includes('--no-yardstick');
let ffAcc: number[] = [];
if (yardstick) {
  console.log('feed-forward network of the same size:');
  const ff = await trainFeedForward(train, test, sizes, (r) => process.stderr.write(`${formatEpoch(r, sizes.epochs)}\n`));
  ffAcc = ff.reports.map((r) => r.validation?.accuracy ?? Number.NaN);
  console.log(`test accuracy: HAM ${pct(hamAcc.at(-1)!)} (${ham.numParams} parameters, ${seconds(ham.reports).toFixed(0)} s), ` +
    `feed-forward ${pct(ffAcc.at(-1)!)} (${ff.numParams} parameters, ${seconds(ff.reports).toFixed(0)} s)`);
}
const epochs = hamAcc.map((_, i) => i + 1);
const svg = linePlot(
  [
    { name: `classifier HAM (${fixedPoint ? `${fixedPoint}, at the fixed point` : 'through the dynamics'})`, x: epochs, y: hamAcc.map((a) => 100 * a) },
    ...(yardstick ? [{ name: 'feed-forward, same size', x: epochs, y: ffAcc.map((a) => 100 * a) }] : []),
  ],
  { title: `MNIST: accuracy on ${test.count.toLocaleString('en')} ${standard ? 'test' : 'held-out'} digits`, xLabel: 'epoch', yLabel: 'test accuracy (%)' },
);
writeFileSync(join(options.outDir, 'accuracy.svg'), svg);
console.log(`wrote ${join(options.outDir, 'accuracy.svg')}`);
