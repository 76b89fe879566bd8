// Hierarchical against dense: the same denoising task on MNIST for a two-layer dense HAM (pixels —
// memories) and a three-layer hierarchical HAM (pixels — features — memories) of about the same
// number of parameters, both trained through their dynamics the same way (same digits, noise,
// epochs, Adam, unrolled steps), then evaluated on held-out digits at several noise levels twice:
// after the T unrolled steps they were trained on, and by energy descent with the scheduler run
// until every sample converges (steps, wall time, and a check that no energy ever rose). Both see
// the noisy digit through a learnt data-fidelity term (γ/2)‖v − y‖² (a tie to a clamped copy);
// at convergence γ is set for each noise level σ as a MAP estimate's 1/σ² would be, (σ_train/σ)²·γ.
// Run: npm run start -w @hamux-ts/example-hierarchical-vs-dense [-- --full] [-- --backend wasm]
//      [-- --fixed-point implicit|equilibrium]: both models learn where their dynamics come to rest instead.
//      [-- --epochs N]: train for N epochs instead of the size's own; [-- --standard]: MNIST's standard split;
//      [-- --init DIR]: start from the models an earlier run saved in DIR/dense and DIR/hierarchical.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeImageGrid } from '@hamux-ts/data';
import { linePlot } from '@hamux-ts/plot';
import { formatEpoch } from '@hamux-ts/train';
import { loadModel, saveModel } from '../../shared/model.js';
import { digitsLabel, mnistDigits } from '../../shared/digits.js';
import { exampleOptions, startBackend } from '../../shared/options.js';
import {
  FIXED_POINT_DT, NOISE_LEVELS, afterTrainedSteps, atNoiseLevel, denoise, exampleDigits, fidelityOf, denseHam, exampleSizes, hierarchicalHam, markdownTable,
  meanSquaredError, noisyCopy, PIXELS, shiftBy, trainDenoiser,
  type Denoised, type Denoiser, type Readout, type Sizes, type Trained,
} from './denoise.js';

const options = exampleOptions(new URL('..', import.meta.url), { learns: ['--fixed-point', '--epochs', '--standard', '--init'] });
const runtime = await startBackend(options.backend);
const fixedPoint = options.fixedPoint;
const sizes: Sizes = { ...exampleSizes(options.full), ...(options.epochs ? { epochs: options.epochs } : {}), ...(fixedPoint ? { fixedPoint } : {}) };
const noiseLevels: readonly number[] = NOISE_LEVELS;
const maxSteps = 500;
// Both models see centred digits (the training set's mean image subtracted); errors are unchanged by the shift.
const { train, test, mean, trainX, clean } = exampleDigits(options.full, mnistDigits(options.standard));
console.log(
  `${digitsLabel(options.standard)}: train ${train.count} digits, evaluate on ${test.count} held-out; noise σ = ${sizes.trainStd} while training; ` +
    `${fixedPoint ? `at the fixed point (${fixedPoint}, relaxed in steps of dt ${FIXED_POINT_DT})` : `${sizes.steps} unrolled steps (dt ${sizes.dt})`}, ${sizes.epochs} epochs, batch ${sizes.batchSize}, Adam ${sizes.learningRate}` +
    (options.init ? `; starting from the models in ${options.init}` : ''),
);

// With --init DIR, each model starts from the one an earlier run saved in DIR/dense, DIR/hierarchical.
const initial = (name: string, preset: Denoiser): Denoiser => {
  if (!options.init) return preset;
  const loaded = loadModel(join(options.init, name), preset);
  preset.dispose();
  return loaded;
};
const models: { name: string; layers: string; ham: Denoiser }[] = [
  { name: 'dense', layers: `784 — ${sizes.denseMemories}`, ham: initial('dense', denseHam(sizes)) },
  { name: 'hierarchical', layers: `784 — ${sizes.features} — ${sizes.hierarchicalMemories}`, ham: initial('hierarchical', hierarchicalHam(sizes)) },
];
const trained: Trained[] = [];
for (const m of models) {
  console.log(`${m.name} HAM (${m.layers}, ${m.ham.numParams} parameters), trained ${fixedPoint ? 'at the fixed point' : 'through the dynamics'}:`);
  trained.push(await trainDenoiser(m.ham, trainX, sizes, runtime, clean, {
    onEpochEnd: (r) => void process.stderr.write(`${formatEpoch(r, sizes.epochs)}\n`),
  }));
  console.log(`  learnt fidelity γ = ${fidelityOf(trained.at(-1)!.trainer.params).toFixed(3)}`);
}

// The same noisy copies of the held-out digits for both models, at every noise level.
const noisyByLevel = noiseLevels.map((_, i) => noisyCopy(clean, i));
const stepped: Readout[][] = models.map(() => []);
const converged: Denoised[][] = models.map(() => []);
for (const [l, noisy] of noisyByLevel.entries()) {
  for (const [i, m] of models.entries()) {
    // after T steps: the dynamics as trained; at convergence: a MAP estimate, its fidelity set for σ
    stepped[i]!.push(afterTrainedSteps(m.ham, trained[i]!.trainer.params, noisy, clean, sizes));
    const { params, release } = atNoiseLevel(trained[i]!.trainer.params, sizes.trainStd, noiseLevels[l]!);
    converged[i]!.push(await denoise(m.ham, params, noisy, clean, runtime, maxSteps));
    release();
  }
  process.stderr.write(`evaluated σ = ${noiseLevels[l]}\n`);
}

const f4 = (v: number) => v.toFixed(4);
const noisyError = noisyByLevel.map((n) => meanSquaredError(n, clean));
console.log('\n' + markdownTable(
  ['model', 'layers', 'parameters', 'training time (s)', 'training loss, epoch 1 → last', `held-out loss (σ ${sizes.trainStd}, ${sizes.steps} steps)`, 'samples whose energy rose'],
  models.map((m, i) => {
    const r = trained[i]!.reports;
    return [
      m.name, m.layers, String(m.ham.numParams), trained[i]!.seconds.toFixed(1), `${f4(r[0]!.loss)} → ${f4(r.at(-1)!.loss)}`,
      f4(r.at(-1)!.validation!.loss), `${converged[i]!.reduce((n, d) => n + d.energyRises, 0)} / ${test.count * noiseLevels.length}`,
    ];
  }),
));
console.log(`\nReconstruction error (MSE per pixel, ${test.count} held-out digits): after ${sizes.steps} steps of the dynamics as trained, and at convergence (scheduler, at most ${maxSteps} steps; fidelity γ·(${sizes.trainStd}/σ)²):\n`);
const steps = (d: Denoised) => `${d.meanSteps.toFixed(0)} / ${d.maxSteps}${d.converged < test.count ? ` (${d.converged} conv.)` : ''}`;
console.log(markdownTable(
  ['noise σ', 'noisy input', `dense, ${sizes.steps} steps`, `hierarchical, ${sizes.steps} steps`, 'dense, converged', 'hierarchical, converged',
    'dense steps (mean / max)', 'hierarchical steps (mean / max)', 'dense descent (s)', 'hierarchical descent (s)'],
  noiseLevels.map((std, l) => {
    const [ds, hs, dc, hc] = [stepped[0]![l]!, stepped[1]![l]!, converged[0]![l]!, converged[1]![l]!];
    return [String(std), f4(noisyError[l]!), f4(ds.mse), f4(hs.mse), f4(dc.mse), f4(hc.mse), steps(dc), steps(hc), dc.seconds.toFixed(1), hc.seconds.toFixed(1)];
  }),
));

// Pictures: the first held-out digit of each class at two noise levels (converged), and error against noise.
const shown = Array.from({ length: 10 }, (_, digit) => test.labels.indexOf(digit)).filter((i) => i >= 0);
const pick = (centred: Float32Array) => {
  const out = new Float32Array(shown.length * PIXELS);
  shown.forEach((i, k) => out.set(centred.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS));
  return shiftBy(out, mean, 1);
};
const pictured = [noiseLevels.indexOf(sizes.trainStd), noiseLevels.length - 1];
const rows = pictured.flatMap((l) => [pick(noisyByLevel[l]!), pick(converged[0]![l]!.images), pick(converged[1]![l]!.images), pick(clean)]);
const png = join(options.outDir, 'denoised.png');
const rowLabels = pictured.flatMap((l) => [`noisy (sd ${noiseLevels[l]})`, 'dense', 'hierarchical', 'original']);
writeImageGrid(png, rows, { shape: [28, 28], scale: 2, columns: 10, rowLabels });
console.log(`\nwrote ${png} (σ = ${pictured.map((l) => noiseLevels[l]).join(', then σ = ')}; rows noisy / dense / hierarchical (converged) / original)`);
const svg = linePlot(
  [
    { name: 'noisy input', x: noiseLevels, y: noisyError, dashed: true },
    ...models.flatMap((m, i) => [
      { name: `${m.name} (${m.layers}), converged`, x: noiseLevels, y: converged[i]!.map((d) => d.mse) },
      { name: `${m.name}, after ${sizes.steps} steps`, x: noiseLevels, y: stepped[i]!.map((d) => d.mse), dashed: true },
    ]),
  ],
  { title: `Denoising ${test.count} held-out MNIST digits`, xLabel: 'noise σ', yLabel: 'reconstruction error (MSE per pixel)', logY: true },
);
const svgPath = join(options.outDir, 'error-vs-noise.svg');
writeFileSync(svgPath, svg);
console.log(`wrote ${svgPath}`);
// The trained models for other programs (the playground, `hamux run`): out/dense/, out/hierarchical/.
for (const [i, m] of models.entries()) {
  const dir = join(options.outDir, m.name);
  mkdirSync(dir, { recursive: true });
  saveModel(dir, m.ham, {
    params: trained[i]!.trainer.params,
    metadata: { example: 'hierarchical-vs-dense', model: m.name, trainStd: String(sizes.trainStd), training: fixedPoint ? `fixed point (${fixedPoint})` : `${sizes.steps} unrolled steps` },
  });
}
console.log(`wrote ${join(options.outDir, '{dense,hierarchical}', 'model.json')} and model.safetensors`);
for (const [i, m] of models.entries()) {
  trained[i]!.trainer.dispose();
  m.ham.dispose();
}
