// `npm run models -w @hamux-ts/playground`: runs the learning examples with `--out` into a
// temporary folder and copies what they save (model.json, a hamux config; model.safetensors, its
// parameters) into public/models/<name>/, then writes public/models/index.json, the list the page
// reads. The examples train at their default (small) sizes; pass `--backend NAME` to choose theirs,
// `--only NAME` to redo one model.
//
//   node scripts/models.mjs [--only mnist-completion] [--backend wasm]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const root = resolve(packageDir, '../..');
const modelsDir = join(packageDir, 'public/models');
/** Files larger than this are refused: the page is meant to load in seconds. */
const MAX_BYTES = 2_000_000;

/** The models the page ships, each from one example; `kind` tells the page how to drive it. */
export const MODELS = [
  {
    name: 'mnist-completion',
    workspace: '@hamux-ts/example-mnist-completion',
    kind: 'pixel-memory',
    title: 'MNIST pattern completion (modern Hopfield, 200 stored digits)',
    description: 'A modern Hopfield memory whose patterns are 200 MNIST digits as ±1 images (20 per class): corrupt one and watch it come back.',
  },
  {
    name: 'mnist-classifier',
    workspace: '@hamux-ts/example-mnist-classifier',
    kind: 'classifier',
    title: 'MNIST classifier trained through the dynamics',
    description: 'Input clamped, the label layer relaxes; trained by backpropagating a cross-entropy through 8 unrolled steps.',
  },
  {
    name: 'et-inpainting',
    workspace: '@hamux-ts/example-et-inpainting',
    kind: 'patch-inpainting',
    title: 'Energy Transformer inpainting (4×4 patches)',
    description: 'Visible patches clamped, hidden patches and tokens relax; trained to fill in half of each digit.',
  },
];

function argValue(flag) {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Reads the safetensors header's `__metadata__` (strings), without decoding any tensor. */
function safetensorsMetadata(file) {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  return header.__metadata__ ?? {};
}

function main() {
  const only = argValue('--only');
  const backend = argValue('--backend');
  const chosen = MODELS.filter((m) => only === undefined || m.name === only);
  if (chosen.length === 0) throw new Error(`--only: no model named ${only} (models: ${MODELS.map((m) => m.name).join(', ')})`);

  // The examples run from TypeScript sources against the built packages.
  execFileSync('npx', ['turbo', 'run', 'build', ...chosen.map((m) => `--filter=${m.workspace}...`)], { cwd: root, stdio: 'inherit' });

  const work = mkdtempSync(join(tmpdir(), 'hamux-models-'));
  try {
    for (const m of chosen) {
      const out = join(work, m.name);
      const args = ['run', 'start', '-w', m.workspace, '--', '--out', out, ...(backend ? ['--backend', backend] : [])];
      process.stdout.write(`\n== ${m.name}: npm ${args.join(' ')}\n`);
      const t0 = performance.now();
      execFileSync('npm', args, { cwd: root, stdio: 'inherit' });
      const seconds = (performance.now() - t0) / 1000;
      const dest = join(modelsDir, m.name);
      mkdirSync(dest, { recursive: true });
      for (const file of ['model.json', 'model.safetensors']) {
        const from = join(out, file);
        if (!existsSync(from)) throw new Error(`${m.workspace} did not write ${file} into --out ${out}: does it call saveModel?`);
        const bytes = statSync(from).size;
        if (bytes > MAX_BYTES) throw new Error(`${m.name}/${file} is ${bytes} bytes, over the ${MAX_BYTES} the page allows`);
        copyFileSync(from, join(dest, file));
      }
      process.stdout.write(`== ${m.name}: copied into ${dest} (${seconds.toFixed(0)} s)\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  // The index lists every model present, whether made now or before.
  const index = MODELS.filter((m) => existsSync(join(modelsDir, m.name, 'model.safetensors'))).map((m) => {
    const dir = join(modelsDir, m.name);
    return {
      name: m.name,
      kind: m.kind,
      title: m.title,
      description: m.description,
      example: m.workspace,
      config: `models/${m.name}/model.json`,
      weights: `models/${m.name}/model.safetensors`,
      bytes: statSync(join(dir, 'model.json')).size + statSync(join(dir, 'model.safetensors')).size,
      metadata: safetensorsMetadata(join(dir, 'model.safetensors')),
    };
  });
  writeFileSync(join(modelsDir, 'index.json'), `${JSON.stringify({ models: index }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${join(modelsDir, 'index.json')}: ${index.map((m) => `${m.name} (${m.bytes} bytes)`).join(', ')}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
