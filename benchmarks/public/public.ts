// hamux-ts against PyTorch through public entry points only, in one run with interleaved rounds.
//
//   npm run bench:public -w @hamux-ts/benchmarks [-- --rounds=7 --steps=100 --json=/tmp/public.json]
//
// What a user calls, and nothing else: `useBackend` (@hamux-ts/backends), the graph builder and
// `HAM.randomStates` (@hamux-ts/core), `descendSync` (@hamux-ts/dynamics), the `classifier` preset and
// `buildFromConfig` (@hamux-ts/config), `Trainer.trainBatch` / `Trainer.gradients` (@hamux-ts/train);
// the runtime that `useBackend` returns is passed to every `descendSync` and to the `Trainer`
// (`{ runtime }`), as users do: it is what makes them take the fast path.
// Measured: (1) relaxation, `--steps` fixed Euler steps of three graphs, ms per step; (2) the fixed
// cost of one `descendSync` call (one step) on a tiny graph, ms per call; (3) one training step of
// the 784–256–10 classifier (8 unrolled steps, cross-entropy, Adam, batch 64), ms per step.
//
// Layout: this process builds the graphs (seeded), writes their parameters and start states as raw
// float32 into a temporary folder, and starts one long-lived worker per configuration: PyTorch
// (torch_public.py), and hamux-ts on each backend (this file with --worker=…; "no native" runs with
// HAMUX_KERNELS_NATIVE=0 so that no OpenBLAS addon is loaded). Every worker loads the same numbers,
// warms up, and reports how far its first step (energies, update) and its energies after all steps
// are from PyTorch's. Then each round asks every worker in turn (the order rotates) for one set of
// timings, so all sides see the same spells of load; the table gives medians over rounds.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deriveKey, tf, uniformValues, type States, type Tensor } from '@hamux-ts/core';
import { useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { descendSync, type DescendOptions } from '@hamux-ts/dynamics';
import { Trainer, clampedInput, crossEntropy } from '@hamux-ts/train';
import { RELAX, TRAIN, type AnyHam, type RelaxCase } from './cases.js';
import { paramsOf, putArray, putParams, putRelax, readArray, readTensor, type InputsManifest } from './inputs.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const count = (name: string, fallback: number) => {
  const v = Number(arg(name, String(fallback)));
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${name} must be a positive integer, got ${arg(name, '')}`);
  return v;
};

/** A hamux-ts configuration: a backend, with or without the OpenBLAS addon. */
interface Config { id: string; label: string; backend: 'cpu' | 'wasm'; native: boolean }
const CONFIGS: Record<string, Config> = {
  cpu: { id: 'cpu', label: 'cpu', backend: 'cpu', native: true },
  wasm: { id: 'wasm', label: 'wasm', backend: 'wasm', native: true },
  'wasm-nonative': { id: 'wasm-nonative', label: 'wasm, no native', backend: 'wasm', native: false },
  'cpu-nonative': { id: 'cpu-nonative', label: 'cpu, no native', backend: 'cpu', native: false },
};

/** Lines of the protocol between this process and its workers start with this (tfjs also prints to stdout). */
const TAG = '@@ ';
const emit = (o: unknown) => process.stdout.write(`${TAG}${JSON.stringify(o)}\n`);

interface Manifest extends InputsManifest {
  steps: number;
  checkEvery: number;
  reps: number;
  tinyCalls: number;
  trainReps: number;
  train: {
    batch: number; steps: number; dt: number; learningRate: number;
    layers: Record<string, { tau: number }>;
    adam: { beta1: number; beta2: number; epsilon: number };
  };
}

/** Timings of one round, ms: per relaxation case ms per step, `tiny` ms per call, `train` ms per step. */
type Round = Record<string, number[]>;

// ================================================================ worker: hamux-ts
async function worker(config: Config, dir: string): Promise<void> {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const refShapes = JSON.parse(readFileSync(join(dir, 'ref.json'), 'utf8')) as Record<string, number[]>;
  const tensor = (name: string) => readTensor(dir, m, name);
  const ref = (name: string) => {
    if (!refShapes[name]) throw new Error(`no PyTorch reference ${name}`);
    return readArray(dir, `ref.${name}`);
  };

  const runtime = await useBackend(config.backend);
  /** max |ours − theirs| / max |theirs|. */
  const relDiff = (ours: ArrayLike<number>, theirs: ArrayLike<number>) => {
    if (ours.length !== theirs.length) throw new Error(`length ${ours.length} against PyTorch's ${theirs.length}`);
    let worst = 0, scale = 0;
    for (let i = 0; i < ours.length; i++) {
      worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
      scale = Math.max(scale, Math.abs(theirs[i]!));
    }
    return worst / (scale || 1);
  };

  const relax = RELAX.map((c: RelaxCase) => {
    const ham: AnyHam = c.build(paramsOf(dir, m, c.id));
    const init = Object.fromEntries(ham.layerNames.map((n) => [n, tensor(`${c.id}.state.${n}`)])) as States<string>;
    const options: DescendOptions<string> = {
      mode: 'fixed',
      dt: c.dt,
      maxSteps: c.id === 'tiny' ? 1 : m.steps,
      checkEvery: m.checkEvery,
      // Never stop early: every sample takes exactly maxSteps steps.
      tolerance: { grad: 0, energy: 0, state: 0 },
      neuronEnergy: c.neuronEnergy,
      clamp: Object.fromEntries(c.clamp.map((n) => [n, true as const])),
      runtime,
    };
    const run = (o: DescendOptions<string>) => {
      const r = descendSync(ham, init, o);
      tf.dispose(Object.values<Tensor>(r.states));
      return r;
    };
    // Agreement with PyTorch: the first step (energies before and after, the update), then the energies after all steps.
    const first = descendSync(ham, init, { ...options, maxSteps: 1 });
    const E01 = new Float32Array(2 * c.batch);
    first.energies.forEach((e, b) => { E01[b] = e[0]!; E01[c.batch + b] = e[1]!; });
    let agreeFirst = relDiff(E01, ref(`${c.id}.E01`));
    for (const n of ham.layerNames.filter((l) => !c.clamp.includes(l))) {
      const update = tf.tidy(() => tf.sub(first.states[n]!, init[n]!));
      agreeFirst = Math.max(agreeFirst, relDiff(update.dataSync(), ref(`${c.id}.update.${n}`)));
      update.dispose();
    }
    tf.dispose(Object.values<Tensor>(first.states));
    const whole = run({ ...options, maxSteps: m.steps });
    const agreeLast = relDiff(whole.energies.map((e) => e[m.steps]!), ref(`${c.id}.Elast`));
    const stopped = whole.report.map((r) => r.reason).filter((r) => r !== 'maxSteps');
    if (whole.steps !== m.steps || stopped.length > 0) throw new Error(`case ${c.id}: stopped after ${whole.steps} steps (${stopped.join(', ')})`);
    return { c, run: () => run(options), evaluator: first.evaluator, agreeFirst, agreeLast };
  });

  // Training: the preset classifier with the parent's parameters, trained as the MNIST example does.
  const trainHam = TRAIN.build(paramsOf(dir, m, 'train'));
  const trainer = new Trainer(trainHam, {
    seed: 0,
    steps: TRAIN.steps,
    dt: TRAIN.dt,
    batchSize: TRAIN.batch,
    prepare: clampedInput({ layer: 'input', field: 'x' }),
    loss: crossEntropy({ layer: 'label', field: 'y' }),
    optimizer: { name: 'adam', learningRate: TRAIN.learningRate, beta1: m.train.adam.beta1, beta2: m.train.adam.beta2, epsilon: m.train.adam.epsilon },
    runtime,
  });
  const batch = { x: tensor('train.x'), y: tensor('train.y') };
  const { loss, grads } = trainer.gradients(batch);
  let agreeTrain = relDiff(loss.dataSync(), ref('train.loss'));
  for (const [path, g] of Object.entries(grads)) agreeTrain = Math.max(agreeTrain, relDiff(g.dataSync(), ref(`train.grad.${path}`)));
  tf.dispose([loss, ...Object.values(grads)]);

  const timed = async (f: () => unknown, n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const v = f();
      if (v instanceof Promise) await v; // trainBatch; the descents are synchronous
      ms.push(performance.now() - t0);
    }
    return ms;
  };
  const round = async (warm: boolean): Promise<Round> => {
    const out: Round = {};
    for (const r of relax) {
      if (r.c.id === 'tiny') out['tiny'] = await timed(r.run, warm ? 20 : m.tinyCalls);
      else out[r.c.id] = (await timed(r.run, warm ? 1 : m.reps)).map((t) => t / m.steps);
    }
    out['train'] = await timed(() => trainer.trainBatch(batch), warm ? 2 : m.trainReps);
    return out;
  };
  await round(true);
  // How trainBatch computed its gradient (`trainer.path`, where this version of @hamux-ts/train has it).
  const trainPath = (trainer as unknown as { path?: { kind: string; detail: string } }).path;
  emit({
    ready: true,
    backend: describeBackend(runtime),
    evaluators: Object.fromEntries(relax.map((r) => [r.c.id, r.evaluator])),
    agree: { ...Object.fromEntries(relax.map((r) => [r.c.id, { first: r.agreeFirst, last: r.agreeLast }])), train: { first: agreeTrain } },
    trainable: trainer.trainable,
    trainPath: trainPath ? `${trainPath.kind}${trainPath.detail ? ` (${trainPath.detail})` : ''}` : 'not reported',
    tfjs: tf.version_core,
  });
  for await (const line of createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line) as { cmd: string };
    if (msg.cmd === 'quit') break;
    emit(await round(false));
  }
  trainer.dispose();
  process.exit(0);
}

function describeBackend({ backend, report }: BackendRuntime): string {
  const k = report.kernels;
  if (!k) return backend;
  const gemm = k.gemm === 'native' ? `OpenBLAS (${k.blas?.config.trim()}, ${k.blas?.threads} threads)`
    : k.gemm === 'wasm' ? `WebAssembly SIMD gemm on ${k.wasmThreads ?? 1} thread(s)` : 'JS gemm';
  const why = k.native ? '' : `; native: ${k.reasons.native ?? 'off'}`;
  return `${backend} backend, ${gemm}${why}`;
}

// ================================================================ parent
class Child {
  readonly proc: ChildProcess;
  readonly #lines: string[] = [];
  #waiting: ((line: string) => void) | undefined;
  #stderr = '';
  #exited: string | undefined;

  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.proc = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      if (!line.startsWith(TAG)) return;
      const body = line.slice(TAG.length);
      if (this.#waiting) { const w = this.#waiting; this.#waiting = undefined; w(body); } else this.#lines.push(body);
    });
    this.proc.stderr!.on('data', (d: Buffer) => { this.#stderr = (this.#stderr + d.toString()).slice(-20000); });
    this.proc.on('exit', (code, signal) => {
      this.#exited = `${this.name} exited (${code ?? signal}):\n${this.#stderr}`;
      if (this.#waiting) { const w = this.#waiting; this.#waiting = undefined; w(''); }
    });
  }

  /** The next message (optionally after sending one). */
  async next<T>(send?: unknown): Promise<T> {
    if (send !== undefined) this.proc.stdin!.write(`${JSON.stringify(send)}\n`);
    const line = this.#lines.shift() ?? (this.#exited ? '' : await new Promise<string>((resolve) => { this.#waiting = resolve; }));
    if (line === '') throw new Error(this.#exited ?? `${this.name}: no answer`);
    return JSON.parse(line) as T;
  }

  quit(): void {
    if (this.proc.exitCode === null) this.proc.stdin!.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function parent(): Promise<void> {
  const rounds = count('rounds', 7);
  const steps = count('steps', 100);
  const checkEvery = count('check-every', 10);
  const reps = count('reps', 2);
  const tinyCalls = count('tiny-calls', 200);
  const trainReps = count('train-reps', 5);
  const python = arg('python', '/usr/bin/python3');
  const jsonPath = arg('json', '');
  const configs = arg('configs', 'cpu,wasm,wasm-nonative').split(',').map((id) => {
    const c = CONFIGS[id];
    if (!c) throw new Error(`--configs: unknown configuration ${id} (known: ${Object.keys(CONFIGS).join(', ')})`);
    return c;
  });
  const started = new Date();

  // ---- the graphs, their parameters and start states, written once for every worker
  await useBackend('cpu', { fastKernels: false }); // this process only writes numbers: no addon threads
  const dir = mkdtempSync(join(tmpdir(), 'hamux-bench-public-'));
  const manifest: Manifest = {
    steps, checkEvery, reps, tinyCalls, trainReps, arrays: {}, relax: {},
    train: { batch: TRAIN.batch, steps: TRAIN.steps, dt: TRAIN.dt, learningRate: TRAIN.learningRate, layers: {}, adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
  };
  const put = (name: string, t: Tensor | Float32Array, shape?: number[]) => putArray(dir, manifest, name, t, shape);
  for (const c of RELAX) putRelax(dir, manifest, c.id, c, c.build());
  const trainHam = TRAIN.build();
  putParams(dir, manifest, 'train', trainHam);
  manifest.train.layers = Object.fromEntries(trainHam.layerNames.map((n) => [n, { tau: trainHam.layers[n]!.tau }]));
  const classes = 10;
  put('train.x', uniformValues(deriveKey(TRAIN.dataSeed, 'x'), [TRAIN.batch, 784]), [TRAIN.batch, 784]);
  const y = new Float32Array(TRAIN.batch * classes);
  uniformValues(deriveKey(TRAIN.dataSeed, 'y'), [TRAIN.batch]).forEach((u, b) => { y[b * classes + Math.min(classes - 1, Math.floor(u * classes))] = 1; });
  put('train.y', y, [TRAIN.batch, classes]);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));

  // ---- workers: PyTorch first (it writes the references the others compare against)
  const here = fileURLToPath(new URL('.', import.meta.url));
  const children: Child[] = [];
  const cleanup = () => {
    for (const ch of children) if (ch.proc.exitCode === null) ch.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  try {
    const log = (s: string) => process.stderr.write(`${s}\n`);
    log(`public benchmark: ${rounds} rounds, ${steps} steps, configurations ${configs.map((c) => c.id).join(', ')}; inputs in ${dir}`);
    const torch = new Child('PyTorch', python, [join(here, 'torch_public.py'), dir], { ...process.env, OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' });
    children.push(torch);
    const torchInfo = await torch.next<{ torch: string; python: string; threads: number; blas: string; omp: Record<string, string> }>();
    log(`  PyTorch ${torchInfo.torch} ready`);
    interface Ready { backend: string; evaluators: Record<string, string>; agree: Record<string, { first: number; last?: number }>; trainable: string[]; trainPath: string; tfjs: string }
    const hamux: { config: Config; child: Child; info: Ready }[] = [];
    for (const config of configs) {
      const env: NodeJS.ProcessEnv = { ...process.env };
      if (!config.native) env['HAMUX_KERNELS_NATIVE'] = '0';
      const child = new Child(`hamux-ts ${config.label}`, process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), `--worker=${config.id}`, `--dir=${dir}`], env);
      children.push(child);
      const info = await child.next<Ready>();
      log(`  hamux-ts ${config.label} ready: ${info.backend}`);
      hamux.push({ config, child, info });
    }

    // ---- interleaved rounds
    const sides = [{ id: 'torch', child: torch }, ...hamux.map((h) => ({ id: h.config.id, child: h.child }))];
    const results: Record<string, Round[]> = Object.fromEntries(sides.map((s) => [s.id, []]));
    const loads = [loadavg()[0]!];
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(r + k) % sides.length]!;
        await sleep(250); // let the previous worker's BLAS threads go to sleep
        results[side.id]!.push(await side.child.next<Round>({ cmd: 'round' }));
      }
      loads.push(loadavg()[0]!);
      log(`  round ${r + 1}/${rounds} done (1-minute load ${loads[loads.length - 1]!.toFixed(2)})`);
    }
    for (const ch of children) ch.quit();

    // ---- the table
    const perRound = (id: string, row: string) => results[id]!.map((rd) => median(rd[row]!));
    const stat = (id: string, row: string) => {
      const xs = perRound(id, row);
      return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs };
    };
    const rows = [
      { id: 'a', title: `${RELAX[0]!.title}, ms per step`, kind: 'relax' },
      { id: 'b', title: `${RELAX[1]!.title}, ms per step`, kind: 'relax' },
      { id: 'c', title: `${RELAX[2]!.title}, ms per step`, kind: 'relax' },
      { id: 'tiny', title: `${RELAX[3]!.title}: one descendSync call (1 step), ms per call`, kind: 'tiny' },
      { id: 'train', title: `${TRAIN.title}, ms per step`, kind: 'train' },
    ] as const;
    const target = (kind: string, config: Config, ratio: number, ms: number): string => {
      if (kind === 'relax') {
        const limit = config.native ? 1.2 : 2.5;
        return ratio <= limit ? ' ✓' : ' ✗';
      }
      if (kind === 'tiny') return ms <= 0.3 ? ' ✓' : ' ✗';
      if (kind === 'train' && config.native) return ratio <= 1.5 ? ' ✓' : ' ✗';
      return '';
    };
    const targetText: Record<string, string> = {
      relax: '≤ 1.2× (no native: ≤ 2.5×)',
      tiny: '≤ 0.3 ms',
      train: '≤ 1.5× (cpu, wasm)',
    };
    const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const git = (...a: string[]) => { try { return execFileSync('git', a, { cwd: here, encoding: 'utf8' }).trim(); } catch { return ''; } };
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', '../../packages').split('\n').filter(Boolean).length;
    const lines: string[] = [];
    const out = (s: string) => lines.push(s);
    out(`# hamux-ts (public API) against PyTorch: medians of ${rounds} interleaved rounds, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    out('');
    out(`- machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; 1-minute load average at the start and after each round: ${loads.map((l) => l.toFixed(2)).join(', ')}`);
    if (commit) out(`- hamux-ts at commit ${commit}${dirty ? ` with ${dirty} uncommitted file(s) under packages/ (the built dist/ is what ran)` : ''}`);
    out(`- Node ${process.version}, tfjs ${hamux[0]?.info.tfjs ?? tf.version_core}; PyTorch ${torchInfo.torch} (Python ${torchInfo.python}, ${torchInfo.threads} threads, OMP_NUM_THREADS=${torchInfo.omp['OMP_NUM_THREADS']}, OMP_WAIT_POLICY=${torchInfo.omp['OMP_WAIT_POLICY']}, BLAS ${torchInfo.blas})`);
    for (const h of hamux) out(`- hamux-ts ${h.config.label}: ${h.info.backend}; descendSync evaluator: ${[...new Set(Object.values(h.info.evaluators))].join(', ')}; Trainer gradient path: ${h.info.trainPath}`);
    out(`- relaxation: ${steps} fixed Euler steps per call (mode 'fixed', tolerances 0, checkEvery ${checkEvery}), ${reps} calls a round; tiny: ${tinyCalls} calls a round; training: ${trainReps} steps a round. Each side's figure is the median over rounds of its per-round median.`);
    out('');
    out(`| measurement | PyTorch | ${hamux.map((h) => `hamux-ts ${h.config.label} | ×`).join(' | ')} | target |`);
    out(`|---|---:|${hamux.map(() => '---:|---:').join('|')}|---|`);
    for (const row of rows) {
      const t = stat('torch', row.id).median;
      const cells = hamux.map((h) => {
        const ms = stat(h.config.id, row.id).median;
        return `${fmt(ms)} | ${(ms / t).toFixed(2)}${target(row.kind, h.config, ms / t, ms)}`;
      });
      out(`| ${row.title} | ${fmt(t)} | ${cells.join(' | ')} | ${targetText[row.kind]} |`);
    }
    out('');
    out('✓ / ✗: the target met or not in this run. × = hamux-ts / PyTorch.');
    out('');
    out('Spread and agreement (min–max of the per-round medians; "same round": hamux-ts\'s per-round median over PyTorch\'s in the same round, which cancels slow drifts of load; agreement = max |hamux-ts − PyTorch| / max |PyTorch| over the first step\'s energies and update, resp. the energies after all steps; for training the first loss and gradients):');
    out('');
    out('| measurement | side | median | min–max over rounds | × PyTorch in the same round: median (min–max) | agrees: first step | agrees: after all steps |');
    out('|---|---|---:|---:|---:|---:|---:|');
    const sameRound = (id: string, row: string) => {
      const t = perRound('torch', row);
      const q = perRound(id, row).map((ms, r) => ms / t[r]!);
      return `${median(q).toFixed(2)} (${Math.min(...q).toFixed(2)}–${Math.max(...q).toFixed(2)})`;
    };
    for (const row of rows) {
      const t = stat('torch', row.id);
      out(`| ${row.id} | PyTorch | ${fmt(t.median)} | ${fmt(t.min)}–${fmt(t.max)} | | | |`);
      if (row.id === 'b') {
        const f = stat('torch', 'b_full');
        out(`| b | PyTorch, also computing the clamped layer's signal | ${fmt(f.median)} | ${fmt(f.min)}–${fmt(f.max)} | | | |`);
      }
      const hoisted = HOISTED[row.id];
      if (hoisted) {
        const f = stat('torch', hoisted.id);
        out(`| ${row.id} | PyTorch, ${hoisted.what} | ${fmt(f.median)} | ${fmt(f.min)}–${fmt(f.max)} | | | |`);
      }
      for (const h of hamux) {
        const s = stat(h.config.id, row.id);
        const a = h.info.agree[row.id]!;
        out(`| ${row.id} | hamux-ts ${h.config.label} | ${fmt(s.median)} | ${fmt(s.min)}–${fmt(s.max)} | ${sameRound(h.config.id, row.id)} | ${a.first.toExponential(1)} | ${a.last === undefined ? '' : a.last.toExponential(1)} |`);
      }
    }
    out('');
    out('hamux-ts makes a product of a clamped layer once per descent (it sees that the operand keeps its bits); the PyTorch steps above recompute it at every step, as the plain loop does. Against PyTorch code that hoists those products by hand:');
    out('');
    out(`| measurement | PyTorch, hoisted | ${hamux.map((h) => `hamux-ts ${h.config.label} ×`).join(' | ')} |`);
    out(`|---|---:|${hamux.map(() => '---:').join('|')}|`);
    for (const [id, hoisted] of Object.entries(HOISTED)) {
      const t = stat('torch', hoisted.id).median;
      out(`| ${id}: ${hoisted.what} | ${fmt(t)} | ${hamux.map((h) => (stat(h.config.id, id).median / t).toFixed(2)).join(' | ')} |`);
    }
    console.log(lines.join('\n'));
    if (jsonPath) {
      writeFileSync(jsonPath, JSON.stringify({
        date: started.toISOString(), commit, uncommittedPackageFiles: dirty, machine: { cpu, cores: cpus().length, memGiB: totalmem() / 2 ** 30, loads, node: process.version },
        settings: { rounds, steps, checkEvery, reps, tinyCalls, trainReps },
        torch: torchInfo,
        hamux: Object.fromEntries(hamux.map((h) => [h.config.id, h.info])),
        medians: Object.fromEntries(sides.map((s) => [s.id, Object.fromEntries(Object.keys(results[s.id]![0]!).map((row) => [row, stat(s.id, row)]))])),
        raw: results,
      }, null, 1));
      process.stderr.write(`wrote ${jsonPath}\n`);
    }
  } finally {
    cleanup();
  }
}

/** PyTorch variants that make the clamped input's product once instead of at every step (torch_public.py). */
const HOISTED: Readonly<Record<string, { id: string; what: string }>> = {
  b: { id: 'b_hoisted', what: 'pixels · W₁ made once per descent' },
  train: { id: 'train_hoisted', what: 'x · W₁ + b₁ made once per training step' },
};

const workerId = arg('worker', '');
if (workerId) {
  const config = CONFIGS[workerId];
  if (!config) throw new Error(`unknown worker configuration ${workerId}`);
  await worker(config, arg('dir', ''));
} else {
  await parent();
}
