// hamux-ts on WebGPU (Dawn's native backend: Vulkan on Linux) against PyTorch CUDA eager and JAX,
// on one GPU, in one command, without network:
//
//   npm run bench:gpu -w @hamux-ts/benchmarks [-- --small] [--paths=generic] [--json=out.json]
//
// Models: the public benchmark's relaxation cases (a), (b), (c) (public/cases.ts) and a full-size
// Energy Transformer step (196 tokens × 768, 12 heads × 64, 3,072 memories, batch 32); `--small`
// runs every model at a tiny size (a smoke test: Dawn on llvmpipe, PyTorch on the CPU).
//
// Layout: this process builds every graph (seeded) and writes its parameters and start states into
// a temporary folder (public/inputs.ts), then runs one side after the other, each in its own
// process, so that they never share the GPU: PyTorch (torch_gpu.py: the GEMM peak, then each model
// with public/torch_steps.py's closed-form steps; it writes the energies the others are compared
// with), JAX where `import jax` succeeds (jax_gpu.py), and hamux-ts once per `--paths` entry (this
// file with --worker=PATH: `useBackend('webgpu')` and `descend` only).
//
// Every side times the same thing: HAMUX's fixed loop from the same start states, `short` and
// `long` steps (default 10 and 110) with the energies read back every `checkEvery` (10) steps and at
// the end, which synchronises the device; `reps` (5) pairs after a warm-up run. ms per step =
// (median time of the long runs − median time of the short runs) / (long − short): the fixed costs
// of a call (copies, the first evaluation, the last readback) cancel.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HamuxError, tf, type States, type Tensor } from '@hamux-ts/core';
import { takeWebgpuErrors, useBackend, type BackendRuntime, type GpuAdapterReport } from '@hamux-ts/backends';
import { descend, type DescendOptions } from '@hamux-ts/dynamics';
import { RELAX, denseMemory, energyTransformer, hierarchy, type AnyHam, type RelaxCase } from '../public/cases.js';
import { paramsOf, putRelax, readArray, readTensor, type InputsManifest, type RelaxSettings } from '../public/inputs.js';
import { machineLine, median } from '../machine.js';

// ================================================================ what is measured

/** The step each Python side computes for a model (torch_steps.py, jax_steps.py), by graph kind. */
type Kind = 'denseMemory' | 'hierarchy' | 'energyTransformer';

interface GpuModel extends RelaxSettings {
  readonly id: string;
  readonly kind: Kind;
  readonly title: string;
  readonly build: RelaxCase['build'];
}

const relaxCase = (id: RelaxCase['id']): RelaxCase => RELAX.find((c) => c.id === id)!;

/** The full-size Energy Transformer: ImageNet's 14×14 patches of ViT-Base width. */
const ET_FULL = { tokens: 196, width: 768, heads: 12, headDim: 64, memories: 3072 } as const;

/** The models at full size (the public cases as they are, and the full-size ET) or, with `small`, tiny ones of the same kinds. */
function models(small: boolean): GpuModel[] {
  const [a, b, c] = [relaxCase('a'), relaxCase('b'), relaxCase('c')];
  if (!small) {
    return [
      { ...a, kind: 'denseMemory' },
      { ...b, kind: 'hierarchy' },
      { ...c, kind: 'energyTransformer' },
      {
        ...c, id: 'et', kind: 'energyTransformer', batch: 32,
        title: '(et) Energy Transformer step, full size: 196 tokens × 768, 12 heads × 64, 3,072 memories, batch 32',
        build: (params) => energyTransformer(ET_FULL, params),
      },
    ];
  }
  return [
    { ...a, kind: 'denseMemory', batch: 4, title: '(a) dense memory, small: 32 → 48, batch 4', build: (p) => denseMemory({ features: 32, memories: 48 }, p) },
    { ...b, kind: 'hierarchy', batch: 4, title: '(b) hierarchy, small: 32 → 16 → 8, batch 4', build: (p) => hierarchy({ pixels: 32, features: 16, memories: 8 }, p) },
    {
      ...c, kind: 'energyTransformer', batch: 2, title: '(c) ET block, small: 8 tokens × 16, 2 heads × 8, 16 memories, batch 2',
      build: (p) => energyTransformer({ tokens: 8, width: 16, heads: 2, headDim: 8, memories: 16 }, p),
    },
    {
      ...c, id: 'et', kind: 'energyTransformer', batch: 2, title: '(et) ET step, small: 12 tokens × 24, 3 heads × 8, 32 memories, batch 2',
      build: (p) => energyTransformer({ tokens: 12, width: 24, heads: 3, headDim: 8, memories: 32 }, p),
    },
  ];
}

const size = (t: Tensor, axis: number) => t.shape[axis < 0 ? t.shape.length + axis : axis]!;

/**
 * Matrix-product FLOPs of one step of the plain closed-form loop, counted once here from the shapes
 * of the built graph: 2·M·N·K per product of an [M, K] by a [K, N] matrix, for the products one
 * evaluation of E and of every free layer's ∂E/∂x̂ needs, the energy reusing the products of the
 * signals (as public/torch_steps.py computes them). Elementwise work, softmax and layernorm are not
 * counted. The same count divides every implementation's time, so "% of peak" compares like with like
 * (hamux-ts's generic path executes more products: it evaluates E and ∂E/∂x̂ separately).
 * - dense memory, ξ [K, D], batch B: x ξᵀ and softmax · ξ: 4·B·K·D;
 * - hierarchy, W₁ [P, F], W₂ [F, M]: v W₁ (the clamped pixels' product, remade every step as the plain
 *   loop does), a_f W₂ and a_m W₂ᵀ: 2·B·(P·F + 2·F·M);
 * - Energy Transformer, tokens [N, D], H heads of width Y, K memories: the key and query projections
 *   and their two transposes back, 4 × 2·B·N·D·H·Y; the scores Q Kᵀ, A K and Aᵀ Q, 3 × 2·B·H·N²·Y;
 *   the memory x̂ ξᵀ and relu(·) ξ, 2 × 2·B·N·D·K.
 */
function gemmFlopsPerStep(kind: Kind, ham: AnyHam, batch: number): number {
  const p = ham.params.synapses;
  switch (kind) {
    case 'denseMemory': {
      const xi = p['mem']!['xi']!;
      return 4 * batch * size(xi, 0) * size(xi, 1);
    }
    case 'hierarchy': {
      const [w1, w2] = [p['encode']!['W']!, p['recall']!['W']!];
      return 2 * batch * (size(w1, 0) * size(w1, 1) + 2 * size(w2, 0) * size(w2, 1));
    }
    case 'energyTransformer': {
      const [n, d] = ham.layers['t']!.shape as [number, number];
      const wk = p['att']!['Wk']!;
      const [h, y] = [size(wk, 0), size(wk, 1)];
      const k = size(p['mem']!['xi']!, 0);
      return 8 * batch * n * d * h * y + 6 * batch * h * n * n * y + 4 * batch * n * d * k;
    }
  }
}

/**
 * The hamux-ts paths: each starts its runtime and says what `descend` gets besides the step
 * settings. A path is one line here. `fused` is what `descend` runs by default on the webgpu
 * runtime: the fused WGSL step (a few programs a step, the check on the device too); `generic` is
 * tfjs-backend-webgpu's ops (`fastPath: false`: the closed forms of `HAM.energyAndDEdxhat`, one GPU
 * dispatch per tfjs op).
 */
interface HamuxPath {
  readonly label: string;
  readonly start: () => Promise<BackendRuntime>;
  readonly options: Partial<DescendOptions<string>>;
}
const PATHS: Readonly<Record<string, HamuxPath>> = {
  fused: { label: 'hamux-ts fused (WGSL step)', start: () => useBackend('webgpu'), options: {} },
  generic: { label: 'hamux-ts generic (tfjs ops)', start: () => useBackend('webgpu'), options: { fastPath: false } },
};

// ================================================================ arguments

const FLAGS = ['small', 'allow-software'] as const;
const OPTIONS = ['paths', 'models', 'steps', 'reps', 'check-every', 'python', 'json', 'worker', 'dir'] as const;

function parseArgs(argv: readonly string[]) {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  argv.forEach((a, i) => {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m && m[2] === undefined && (FLAGS as readonly string[]).includes(m[1]!)) flags.add(m[1]!);
    else if (m && m[2] !== undefined && (OPTIONS as readonly string[]).includes(m[1]!)) values[m[1]!] = m[2];
    else throw new HamuxError(['argv', i], `unknown argument ${JSON.stringify(a)} (flags: ${FLAGS.map((f) => `--${f}`).join(', ')}; options: ${OPTIONS.slice(0, -2).map((o) => `--${o}=…`).join(', ')})`, 'usage');
  });
  const positive = (name: string, text: string) => {
    const v = Number(text);
    if (!(Number.isInteger(v) && v > 0)) throw new HamuxError([`--${name}`], `expected a positive integer, got ${JSON.stringify(text)}`, 'usage');
    return v;
  };
  const list = (name: string, fallback: string, known: readonly string[]) => {
    const ids = (values[name] ?? fallback).split(',');
    ids.forEach((id, i) => {
      if (!known.includes(id)) throw new HamuxError([`--${name}`, i], `unknown ${JSON.stringify(id)} (known: ${known.join(', ')})`, 'unknown_name');
    });
    return ids;
  };
  const small = flags.has('small');
  const checkEvery = positive('check-every', values['check-every'] ?? '10');
  const steps = (values['steps'] ?? (small ? '10,30' : '10,110')).split(',').map((s) => positive('steps', s));
  if (steps.length !== 2 || steps[0]! >= steps[1]! || steps.some((s) => s % checkEvery !== 0)) {
    throw new HamuxError(['--steps'], `expected SHORT,LONG with SHORT < LONG, both multiples of --check-every (${checkEvery}), got ${steps.join(',')}`, 'usage');
  }
  return {
    small,
    allowSoftware: flags.has('allow-software') || small,
    paths: list('paths', Object.keys(PATHS).join(','), Object.keys(PATHS)),
    models: list('models', 'a,b,c,et', models(small).map((m) => m.id)),
    steps: steps as [number, number],
    reps: positive('reps', values['reps'] ?? '5'),
    checkEvery,
    python: values['python'],
    json: values['json'],
    worker: values['worker'],
    dir: values['dir'],
  };
}

// ================================================================ the folder

interface Manifest extends InputsManifest {
  small: boolean;
  allowSoftware: boolean;
  steps: [number, number];
  checkEvery: number;
  reps: number;
  /** The GEMM whose speed is the peak: n × n by n × n, the best of `reps`. */
  peak: { n: number; reps: number };
  models: { id: string; kind: Kind }[];
}

/** Wall times (ms) of the short and long runs; `agree`: max |energy − PyTorch's| / max |PyTorch's| after `short` steps. */
interface Times { short: number[]; long: number[]; agree?: number; evaluator?: string }

/** Lines of the protocol between this process and its children start with this (tfjs also prints to stdout). */
const TAG = '@@ ';

/** Runs a child to its end; its stderr goes to ours; returns its last tagged line, parsed. */
function runChild<T>(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let last: string | undefined;
    let tail = '';
    createInterface({ input: proc.stdout }).on('line', (line) => { if (line.startsWith(TAG)) last = line.slice(TAG.length); });
    proc.stderr.on('data', (d: Buffer) => { process.stderr.write(d); tail = (tail + d.toString()).slice(-4000); });
    proc.on('error', (e) => reject(new HamuxError([name], `could not start ${command}: ${e.message}`, 'unsupported')));
    proc.on('close', (code, signal) => {
      if (code === 0 && last !== undefined) resolve(JSON.parse(last) as T);
      else reject(new HamuxError([name], `${command} ${args.join(' ')} ended with ${code ?? signal} without a result:\n${tail.trim()}`, 'unsupported'));
    });
  });
}

/** `python -c code` → its stdout, or why not. */
function probe(python: string, code: string): { ok: true; out: string } | { ok: false; why: string } {
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.status === 0) return { ok: true, out: r.stdout.trim() };
  const why = r.error?.message ?? r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`;
  return { ok: false, why };
}

/** The Pythons to try: the one named, else `python3` on PATH, then Debian's (whose python3-torch the repository's tests use). */
const pythons = (named: string | undefined) => (named ? [named] : [...new Set(['python3', '/usr/bin/python3'])]);

/** The first Python whose torch sees CUDA, else the first with torch. */
function findTorch(named: string | undefined): { python: string; cuda: boolean } {
  const tried: string[] = [];
  let fallback: string | undefined;
  for (const python of pythons(named)) {
    const r = probe(python, 'import torch; print(torch.cuda.is_available())');
    if (!r.ok) { tried.push(`${python}: ${r.why}`); continue; }
    if (r.out.endsWith('True')) return { python, cuda: true };
    fallback ??= python;
  }
  if (fallback) return { python: fallback, cuda: false };
  throw new HamuxError(['--python'], `no Python with PyTorch (${tried.join('; ')}); pass --python=PATH`, 'unsupported');
}

/** The first Python where `import jax` succeeds, or why none. */
function findJax(named: string | undefined): { python: string } | { skipped: string } {
  const tried: string[] = [];
  for (const python of pythons(named)) {
    const r = probe(python, 'import jax');
    if (r.ok) return { python };
    tried.push(`${python}: ${r.why}`);
  }
  return { skipped: `\`import jax\` failed (${tried.join('; ')})` };
}

// ================================================================ worker: hamux-ts on WebGPU

async function worker(pathId: string, dir: string): Promise<void> {
  const path = PATHS[pathId];
  if (!path) throw new HamuxError(['--worker'], `unknown path ${pathId}`, 'unknown_name');
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const runtime = await path.start();
  const adapter = runtime.report.adapter;
  if (adapter?.software && !m.allowSoftware) {
    throw new HamuxError(['backend'], `WebGPU runs on a software adapter (${adapter.description || adapter.device}, Dawn backend ${adapter.dawnBackend}), not a GPU: ` +
      'Dawn found no hardware adapter (on Linux it needs Vulkan: libvulkan1 and the NVIDIA driver\'s Vulkan ICD, nvidia_icd.json); --allow-software measures it anyway', 'unsupported');
  }
  const [short, long] = m.steps;
  const out: Record<string, Times> = {};
  for (const model of models(m.small).filter((x) => m.models.some((y) => y.id === x.id))) {
    const ham = model.build(paramsOf(dir, m, model.id));
    const init = Object.fromEntries(ham.layerNames.map((n) => [n, readTensor(dir, m, `${model.id}.state.${n}`)])) as States<string>;
    const options: DescendOptions<string> = {
      mode: 'fixed',
      dt: model.dt,
      checkEvery: m.checkEvery,
      tolerance: { grad: 0, energy: 0, state: 0 }, // never stop early: every sample takes maxSteps steps
      neuronEnergy: model.neuronEnergy,
      clamp: Object.fromEntries(model.clamp.map((n) => [n, true as const])),
      runtime,
      ...path.options,
    };
    /** One descent of `n` steps, timed; `descend` reads the energies back at the end, which waits for the GPU. */
    const run = async (n: number) => {
      const t0 = performance.now();
      const r = await descend(ham, init, { ...options, maxSteps: n });
      const ms = performance.now() - t0;
      tf.dispose(Object.values<Tensor>(r.states));
      const stopped = r.report.map((s) => s.reason).filter((s) => s !== 'maxSteps');
      if (r.steps !== n || stopped.length > 0) throw new HamuxError(['models', model.id], `stopped after ${r.steps} of ${n} steps (${stopped.join(', ')})`, 'diverged');
      return { ms, r };
    };
    const first = await run(short); // also the warm-up: compiles the shaders
    const torchE = readArray(dir, `ref.${model.id}.E`);
    let worst = 0, scale = 0;
    first.r.energies.forEach((e, b) => {
      worst = Math.max(worst, Math.abs(e[short]! - torchE[b]!));
      scale = Math.max(scale, Math.abs(torchE[b]!));
    });
    const times: Times = { short: [], long: [], agree: worst / (scale || 1), evaluator: first.r.evaluator };
    for (let i = 0; i < m.reps; i++) {
      times.short.push((await run(short)).ms);
      times.long.push((await run(long)).ms);
    }
    const errors = takeWebgpuErrors();
    if (errors.length > 0) throw new HamuxError(['models', model.id], `WebGPU reported errors: ${errors.join('; ')}`, 'unsupported');
    ham.dispose();
    tf.dispose(Object.values<Tensor>(init));
    out[model.id] = times;
    process.stderr.write(`  ${path.label} ${model.id} done\n`);
  }
  process.stdout.write(`${TAG}${JSON.stringify({ machine: machineLine(), adapter, models: out })}\n`);
}

// ================================================================ parent

interface TorchInfo { torch: string; python: string; cuda: boolean; device: string; cudaVersion: string | null; tf32: boolean; peak: { n: number; flops: number }; models: Record<string, Times> }
interface JaxInfo { jax: string; backend: string; device: string; matmulPrecision: string; models: Record<string, Times> }
interface HamuxInfo { machine: string; adapter?: GpuAdapterReport; models: Record<string, Times> }

/** One row of the table: a model on one implementation. */
interface Row { model: string; title: string; implementation: string; msPerStep: number; ratio: number; gemmFlops: number; tflops: number; fractionOfPeak: number; agree: number | undefined; note: string }

/** ms per step from the two run lengths: the fixed costs of a call cancel. */
const msPerStep = (t: Times, [short, long]: readonly [number, number]) => (median(t.long) - median(t.short)) / (long - short);

async function parent(args: ReturnType<typeof parseArgs>): Promise<number> {
  const started = new Date();
  const here = fileURLToPath(new URL('.', import.meta.url));
  const log = (s: string) => process.stderr.write(`${s}\n`);

  // ---- the graphs, their parameters and start states, written once for every side
  await useBackend('cpu', { fastKernels: false });
  const chosen = models(args.small).filter((m) => args.models.includes(m.id));
  const dir = mkdtempSync(join(tmpdir(), 'hamux-bench-gpu-'));
  const manifest: Manifest = {
    arrays: {}, relax: {}, small: args.small, allowSoftware: args.allowSoftware, steps: args.steps, checkEvery: args.checkEvery,
    reps: args.reps, peak: args.small ? { n: 256, reps: 3 } : { n: 8192, reps: 10 }, models: chosen.map((m) => ({ id: m.id, kind: m.kind })),
  };
  const flops: Record<string, number> = {};
  for (const model of chosen) {
    const ham = model.build();
    flops[model.id] = gemmFlopsPerStep(model.kind, ham, model.batch);
    putRelax(dir, manifest, model.id, model, ham);
    ham.dispose();
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));

  const failures: string[] = [];
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  try {
    log(`gpu benchmark${args.small ? ' (small)' : ''}: models ${args.models.join(', ')}, steps ${args.steps.join(' and ')}, ${args.reps} reps; inputs in ${dir}`);
    // ---- PyTorch: the peak, the reference energies, its times
    const torchPython = findTorch(args.python);
    if (!torchPython.cuda) log(`  PyTorch sees no CUDA device (${torchPython.python}): it runs on the CPU`);
    const torch = await runChild<TorchInfo>('torch', torchPython.python, [join(here, 'torch_gpu.py'), dir], env);
    torch.python = `${torchPython.python}, Python ${torch.python}`; // which interpreter, for the table
    // ---- JAX where installed
    const jaxPython = findJax(args.python);
    let jax: JaxInfo | undefined;
    let jaxNote: string;
    if ('skipped' in jaxPython) {
      jaxNote = `JAX: skipped, ${jaxPython.skipped}`;
      log(`  ${jaxNote}`);
    } else {
      try {
        jax = await runChild<JaxInfo>('jax', jaxPython.python, [join(here, 'jax_gpu.py'), dir], env);
        jaxNote = `JAX ${jax.jax} on ${jax.backend} (${jax.device}, ${jaxPython.python}): jax_steps.py's closed-form step, one \`jax.jit\` call per step, matmul precision "${jax.matmulPrecision}" (float32, no TF32)`;
      } catch (e) {
        jaxNote = `JAX: failed, ${message(e)}`;
        failures.push(jaxNote);
      }
    }
    // ---- hamux-ts, one process per path
    const hamux: { id: string; info: HamuxInfo }[] = [];
    for (const id of args.paths) {
      try {
        const info = await runChild<HamuxInfo>(`paths.${id}`, process.execPath,
          [...process.execArgv, fileURLToPath(import.meta.url), `--worker=${id}`, `--dir=${dir}`], process.env);
        hamux.push({ id, info });
      } catch (e) {
        failures.push(`${PATHS[id]!.label}: ${message(e)}`);
      }
    }

    // ---- the table
    const peak = torch.peak.flops;
    const torchLabel = `PyTorch ${torch.cuda ? 'CUDA' : 'CPU'} eager`;
    const rows: Row[] = [];
    for (const model of chosen) {
      const f = flops[model.id]!;
      const base = msPerStep(torch.models[model.id]!, args.steps);
      const row = (implementation: string, t: Times, note: string): Row => {
        const ms = msPerStep(t, args.steps);
        const rate = f / (ms * 1e-3);
        return { model: model.id, title: model.title, implementation, msPerStep: ms, ratio: ms / base, gemmFlops: f, tflops: rate / 1e12, fractionOfPeak: rate / peak, agree: t.agree, note };
      };
      rows.push(row(torchLabel, torch.models[model.id]!, 'the reference'));
      if (jax) rows.push(row('JAX jit', jax.models[model.id]!, ''));
      for (const h of hamux) rows.push(row(PATHS[h.id]!.label, h.info.models[model.id]!, `evaluator: ${h.info.models[model.id]!.evaluator}`));
    }
    /** A positive figure to three digits; anything else says what it means (a long run no slower than the short one). */
    const fmt = (x: number) => (!Number.isFinite(x) || x <= 0 ? `${x} (not resolved: raise --steps)` : x >= 100 ? x.toFixed(0) : x >= 0.01 ? x.toPrecision(3) : x.toExponential(2));
    const lines: string[] = [];
    const out = (s: string) => lines.push(s);
    const adapter = hamux[0]?.info.adapter;
    out(`# hamux-ts on WebGPU against ${torchLabel}${jax ? ' and JAX' : ''}${args.small ? ' (small sizes: a smoke test)' : ''}, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    out('');
    out(`- machine: ${hamux[0]?.info.machine ?? machineLine()}`);
    out(`- WebGPU adapter: ${adapter ? `${[adapter.vendor, adapter.architecture, adapter.device].filter(Boolean).join(' ')} (${adapter.description}), Dawn backend ${adapter.dawnBackend}, feature level ${adapter.featureLevel}${adapter.software ? ', **software: not a GPU**' : ''}` : 'none (hamux-ts did not run)'}`);
    out(`- PyTorch ${torch.torch} (${torch.python}) on ${torch.cuda ? `${torch.device}, CUDA ${torch.cudaVersion}` : `the ${torch.device}, as it sees no CUDA device`}: public/torch_steps.py's closed-form steps, eager, float32, TF32 ${torch.tf32 ? 'on' : 'off'}`);
    out(`- ${jaxNote}`);
    out(`- GEMM peak: ${(peak / 1e12).toPrecision(3)} TFLOP/s, the fastest of ${manifest.peak.reps} \`torch.mm\` of two float32 ${torch.peak.n}×${torch.peak.n} matrices on ${torch.device}, TF32 off`);
    out(`- protocol: HAMUX's fixed Euler loop, energies read back every ${args.checkEvery} steps and at the end; runs of ${args.steps[0]} and ${args.steps[1]} steps, ${args.reps} of each after a warm-up; ms / step = (median long − median short) / ${args.steps[1] - args.steps[0]}`);
    out('');
    out(`| model | implementation | ms / step | × ${torchLabel} | GEMM GFLOP / step | GEMM TFLOP/s | % of GEMM peak | energies vs PyTorch | note |`);
    out('|---|---|---:|---:|---:|---:|---:|---:|---|');
    for (const r of rows) {
      out(`| ${r.title} | ${r.implementation} | ${fmt(r.msPerStep)} | ${fmt(r.ratio)} | ${fmt(r.gemmFlops / 1e9)} | ${fmt(r.tflops)} | ${fmt(100 * r.fractionOfPeak)} | ${r.agree === undefined ? '' : r.agree.toExponential(1)} | ${r.note} |`);
    }
    for (const f of failures) out(`\n**did not run**: ${f}`);
    console.log(lines.join('\n'));
    if (args.json) {
      writeFileSync(args.json, JSON.stringify({ date: started.toISOString(), settings: { ...args, worker: undefined, dir: undefined }, machine: hamux[0]?.info.machine ?? machineLine(), adapter, torch: { ...torch, models: undefined }, jax: jax ? { ...jax, models: undefined } : { note: jaxNote }, rows, failures, raw: { torch: torch.models, jax: jax?.models, hamux: Object.fromEntries(hamux.map((h) => [h.id, h.info.models])) } }, null, 1));
      log(`wrote ${args.json}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failures.length > 0 ? 1 : 0;
}

const args = parseArgs(process.argv.slice(2));
if (args.worker) {
  await worker(args.worker, args.dir ?? '');
  process.exit(0); // Dawn's instance would keep the worker alive
} else {
  process.exitCode = await parent(args);
}
