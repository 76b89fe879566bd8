/**
 * The playground's controller: it owns the current model, input picture, relaxation and training
 * session, wires the page's controls to them, and draws every reading (layer pictures, energy
 * curve, status, readout). Tensors live only in the model, the relaxation and the trainer, each
 * disposed when replaced.
 */
import type { BackendReport, BackendRuntime } from '@hamux-ts/browser';
import { HamuxError, tf, type Params, type Tensor } from '@hamux-ts/core';
import { findBetas, withBetas, type Beta } from '../lib/betas.js';
import { blankImage, flipNoise, gaussianNoise, hideRect, inputImage, randomMask, unmask, type InputImage } from '../lib/corrupt.js';
import { digit, firstPerClass, type Digits } from '../lib/digits.js';
import { graphSvg, layoutGraph } from '../lib/graph-layout.js';
import { decode } from '../lib/image.js';
import { PAGE_PRESETS, setupFromConfig, type ModelSetup, type PretrainedEntry } from '../lib/models.js';
import { pattern } from '../lib/readout.js';
import { describeState, startFrom } from '../lib/start.js';
import { Relaxation, type Reading, type StepMode } from '../lib/relax.js';
import type { Corruption, PlaygroundApi, PlaygroundState, RunStatus } from './api.js';
import { buildControls } from './controls.js';
import { byId, el, errorText, slider, yieldToBrowser } from './dom.js';
import { InputEditor } from './editor.js';
import { Gallery, type PictureSource } from './gallery.js';
import { energySvg, type Curve } from './plots.js';
import { TrainingPanel } from './training-panel.js';
import { LayerViews } from './views.js';

/** Digits per class that the page's own memories store. */
const STORED_PER_CLASS = 10;

export class App {
  /** `useBackend`'s runtime: every relaxation and training of the page runs on it. */
  readonly runtime: BackendRuntime;
  /** How the backend was chosen (`runtime.report`). */
  readonly backend: BackendReport;
  readonly digits: Digits;
  readonly pretrained: readonly PretrainedEntry[];
  setup: ModelSetup | undefined;
  #relax: Relaxation<string> | undefined;
  #loop: Promise<void> = Promise.resolve();
  #running = false;
  #status: RunStatus = 'idle';
  #error: string | undefined;
  #curves: Curve[] = [];
  #last: Reading | undefined;
  #original: InputImage;
  #picked: { source: PictureSource | 'drawn'; index: number } = { source: 'digits', index: 0 };
  readonly #editor: InputEditor;
  readonly #views: LayerViews;
  readonly #gallery: Gallery;
  #dt = 0.1;
  #mode: StepMode = 'adaptive';
  #stepsPerUpdate = 2;
  #maxSteps = 400;
  #tau: Record<string, number> = {};
  #betas: Beta[] = [];
  /** The parameters with β overridden (the override tensors are ours), or undefined. */
  #params: { tree: Params; owned: Tensor[] } | undefined;
  readonly #training: TrainingPanel;
  /** Counts resets, so that tests can wait for the page to have taken an input. */
  #version = 0;
  /** Models added at run time (dropped files, the one trained here), by id. */
  readonly #extra = new Map<string, () => Promise<ModelSetup>>();
  /** Changes of model, input and state run one after another, in the order asked. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(runtime: BackendRuntime, digits: Digits, pretrained: readonly PretrainedEntry[]) {
    this.runtime = runtime;
    this.backend = runtime.report;
    this.digits = digits;
    this.pretrained = pretrained;
    this.#original = inputImage(digit(digits, 0));
    this.#editor = new InputEditor(byId<HTMLCanvasElement>('input-canvas'), this.#original, (image) => {
      this.#picked = { source: 'drawn', index: -1 };
      this.#later(() => this.#setInput(image, false));
    });
    this.#views = new LayerViews(byId('layers'));
    this.#training = new TrainingPanel(digits, runtime);
    this.#gallery = new Gallery(byId<HTMLSelectElement>('gallery-source'), byId('gallery'), digits, (source, index) => this.#later(() => this.#pick(source, index)));
    this.#wire();
    this.#fillModelSelect();
  }

  // ------------------------------------------------------------------ models

  /** Every model the page offers, in the order of its menu. */
  modelList(): { id: string; title: string }[] {
    return [
      ...this.pretrained.map((p) => ({ id: `pretrained:${p.name}`, title: `${p.title} — pretrained` })),
      ...PAGE_PRESETS.map((p) => ({ id: p.id, title: p.title })),
      ...[...this.#extra.keys()].map((id) => ({ id, title: id.startsWith('file:') ? `file: ${id.slice(5)}` : 'trained in this page' })),
    ];
  }

  #fillModelSelect(): void {
    const select = byId<HTMLSelectElement>('model-select');
    const current = select.value;
    select.replaceChildren(...this.modelList().map((m) => el('option', { value: m.id, text: m.title })));
    if (current) select.value = current;
  }

  /** Replaces the current model (waits for a running relaxation to stop first). */
  async selectModel(id: string): Promise<void> {
    await this.#serial(() => this.#select(id));
  }

  /** Runs `f` after every change asked before it. */
  #serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(f);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** `#serial` for event handlers: a failure is shown on the page. */
  #later(f: () => Promise<unknown>): void {
    this.#serial(f).catch((e: unknown) => this.#setStatus('error', errorText(e)));
  }

  /** Builds and shows a model; false (the model in use kept, the problems shown) when it cannot be built. */
  async #select(id: string): Promise<boolean> {
    const description = byId('model-description');
    byId('model-errors').textContent = '';
    await this.pause();
    const select = byId<HTMLSelectElement>('model-select');
    const previous = this.setup;
    select.value = id;
    description.textContent = 'building…';
    let setup: ModelSetup;
    try {
      setup = await this.#build(id);
    } catch (e) {
      // The model in use stays; the problems are listed.
      byId('model-errors').textContent = errorText(e);
      description.textContent = previous?.description ?? '';
      if (previous) select.value = previous.id;
      return false;
    }
    delete document.body.dataset['model'];
    this.#disposeModel();
    this.setup = setup;
    description.textContent = setup.description;
    byId('graph').innerHTML = graphSvg(layoutGraph(setup.spec));
    this.#dt = setup.scheduler.dt;
    this.#mode = setup.scheduler.mode;
    this.#maxSteps = setup.scheduler.maxSteps;
    this.#tau = Object.fromEntries(setup.ham.layerNames.map((n) => [n, setup.ham.layers[n]!.tau]));
    this.#betas = await findBetas(setup.ham);
    this.#buildControls();
    this.#views.show(setup);
    this.#gallery.setStored(setup.stored);
    if (setup.stored) await this.#pick('stored', 0);
    else if (this.#picked.source === 'stored') await this.#pick('digits', 0);
    else await this.#setInput(this.#editor.image, false);
    document.body.dataset['model'] = id;
    document.body.dataset['kind'] = setup.kind;
    return true;
  }

  async #build(id: string): Promise<ModelSetup> {
    if (id.startsWith('pretrained:')) {
      const entry = this.pretrained.find((p) => `pretrained:${p.name}` === id);
      if (!entry) throw new HamuxError(['model'], `no pretrained model ${id}`, 'unknown_name');
      const [config, weights] = await Promise.all([fetchJson(entry.config), fetchBytes(entry.weights)]);
      return setupFromConfig(config, weights, { id, title: entry.title, description: `${entry.description} (trained by ${entry.example}; ${Object.entries(entry.metadata).map(([k, v]) => `${k} ${v}`).join(', ')})`, kind: entry.kind });
    }
    const preset = PAGE_PRESETS.find((p) => p.id === id);
    if (preset) return preset.build(this.digits, firstPerClass(this.digits, STORED_PER_CLASS));
    const extra = this.#extra.get(id);
    if (extra) return extra();
    throw new HamuxError(['model'], `unknown model ${id}`, 'unknown_name');
  }

  #disposeModel(): void {
    this.#relax?.dispose();
    this.#relax = undefined;
    this.#disposeParams();
    this.setup?.ham.dispose();
    this.setup = undefined;
  }

  /** A dropped config (and optional weights): built and selected, or its problems shown. */
  async openFiles(files: readonly File[]): Promise<void> {
    const errors = byId('model-errors');
    errors.textContent = '';
    const configFile = files.find((f) => f.name.endsWith('.json'));
    const weightsFile = files.find((f) => f.name.endsWith('.safetensors'));
    if (!configFile) {
      errors.textContent = `expected a config file (.json)${weightsFile ? ' with the weights' : ''}, got ${files.map((f) => f.name).join(', ') || 'nothing'}`;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(await configFile.text());
    } catch (e) {
      errors.textContent = `${configFile.name}: not JSON (${errorText(e)})`;
      return;
    }
    const weights = weightsFile ? new Uint8Array(await weightsFile.arrayBuffer()) : undefined;
    const id = `file:${configFile.name}${weightsFile ? ` + ${weightsFile.name}` : ''}`;
    const info = { id, title: configFile.name, description: `From the file ${configFile.name}${weightsFile ? ` with the weights of ${weightsFile.name}` : ' (parameters initialised from its seed)'}.` };
    const earlier = this.#extra.get(id);
    this.#extra.set(id, () => setupFromConfig(json, weights, info));
    this.#fillModelSelect();
    if (!(await this.#serial(() => this.#select(id)))) {
      // Not buildable: the menu goes back to what it was.
      if (earlier) this.#extra.set(id, earlier);
      else this.#extra.delete(id);
      this.#fillModelSelect();
    }
  }

  // ------------------------------------------------------------------ input

  pick(source: PictureSource, index: number): Promise<void> {
    return this.#serial(() => this.#pick(source, index));
  }

  async #pick(source: PictureSource, index: number): Promise<void> {
    const image = source === 'stored' && this.setup?.stored
      ? inputImage(decode(pattern(this.setup.stored, index), 'bipolar'))
      : inputImage(digit(this.digits, index));
    this.#picked = { source, index };
    this.#original = image;
    await this.#setInput(image, true);
  }

  corrupt(kind: Corruption, amount?: number, seed?: number): Promise<void> {
    return this.#serial(() => this.#corrupt(kind, amount, seed));
  }

  async #corrupt(kind: Corruption, amount?: number, seed?: number): Promise<void> {
    const image = this.#editor.image;
    const s = seed ?? Number(byId<HTMLInputElement>('corrupt-seed').value);
    const fraction = amount ?? Number(byId<HTMLInputElement>('corrupt-amount').dataset['value']);
    const block = this.setup?.input?.patch ?? 1;
    const next =
      kind === 'flip' ? flipNoise(image, fraction, s)
      : kind === 'gaussian' ? gaussianNoise(image, fraction, s)
      : kind === 'mask' ? randomMask(image, fraction, s, block)
      : kind === 'bottom' ? hideRect(image, 14, 0, 14, 28)
      : unmask(this.#original);
    await this.#setInput(next, kind === 'restore');
  }

  async #setInput(image: InputImage, asOriginal: boolean): Promise<void> {
    if (asOriginal) this.#original = image;
    this.#editor.image = image;
    byId('input-info').textContent = `${this.#picked.source === 'drawn' ? 'drawn' : `${this.#picked.source} #${this.#picked.index}`}; ${image.hidden.reduce((a, b) => a + b, 0)} pixels unknown`;
    await this.#reset();
  }

  // ------------------------------------------------------------------ relaxation

  /** Back to the start: the states from the picture, the energy curve cleared. */
  reset(): Promise<void> {
    return this.#serial(() => this.#reset());
  }

  async #reset(): Promise<void> {
    await this.pause();
    const setup = this.setup;
    if (!setup) return;
    this.#relax?.dispose();
    this.#relax = undefined;
    const { states, clamp } = startFrom(setup, this.#editor.image);
    try {
      this.#relax = new Relaxation(setup.ham, states, {
        dt: this.#dt,
        mode: this.#mode,
        tau: this.#tau,
        clamp,
        neuronEnergy: setup.scheduler.neuronEnergy,
        maxSteps: this.#maxSteps,
        runtime: this.runtime,
        ...(this.#params ? { params: this.#params.tree } : {}),
      });
    } finally {
      tf.dispose(Object.values(states));
    }
    this.#curves = [];
    this.#last = undefined;
    this.#error = undefined;
    this.#show(await this.#relax.read());
    this.#setStatus('idle');
    byId('run-status').dataset['version'] = String(++this.#version);
  }

  /** Runs until the relaxation stops or `pause()`; resolves when it has stopped. */
  run(): Promise<void> {
    return this.#serial(async () => this.#start()).then(() => this.#loop);
  }

  /** Starts the run loop (not waiting for it). */
  #start(): void {
    const relax = this.#relax;
    if (!relax || this.#running) return;
    this.#running = true;
    relax.configure({ maxSteps: relax.step + this.#maxSteps });
    this.#setStatus('running');
    this.#loop = (async () => {
      try {
        while (this.#running && this.#relax === relax) {
          relax.advance(this.#stepsPerUpdate);
          const reading = await relax.read();
          this.#show(reading);
          if (reading.stopped) {
            this.#setStatus(reading.stopped);
            break;
          }
          await yieldToBrowser();
        }
        if (!this.#running) this.#setStatus('paused');
      } catch (e) {
        this.#setStatus('error', errorText(e));
      } finally {
        this.#running = false;
        this.#updateButtons();
      }
    })();
  }

  async pause(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  step(): Promise<void> {
    return this.#serial(() => this.#step());
  }

  async #step(): Promise<void> {
    await this.pause();
    const relax = this.#relax;
    if (!relax) return;
    try {
      relax.advance(1);
      const reading = await relax.read();
      this.#show(reading);
      this.#setStatus(reading.stopped ?? 'paused');
    } catch (e) {
      this.#setStatus('error', errorText(e));
    }
  }

  #show(reading: Reading): void {
    this.#last = reading;
    const energies = reading.energies[0]!;
    if (reading.restart || this.#curves.length === 0) {
      const label = this.#curves.length === 0 ? 'energy' : `energy after change ${this.#curves.length}`;
      this.#curves.push({ label, start: reading.step - energies.length + 1, values: [...energies] });
    } else {
      this.#curves[this.#curves.length - 1]!.values.push(...energies);
    }
    byId('energy-plot').innerHTML = energySvg(this.#curves);
    this.#views.draw(reading.activations);
    const e = energies[energies.length - 1];
    const status = byId('run-status');
    status.dataset['step'] = String(reading.step);
    byId('run-numbers').textContent =
      `step ${reading.step} · E = ${e === undefined ? '–' : e.toPrecision(7)} · max |∂E/∂x̂| = ${reading.gradNorm[0]!.toExponential(2)} · ` +
      `dt = ${reading.dt[0]!.toPrecision(3)} · ${reading.rejected[0]} steps rejected`;
    byId('readout').textContent = this.setup ? describeState(this.setup, reading.activations, this.#editor.image, this.#original, this.#picked).join('\n') : '';
  }

  #setStatus(status: RunStatus, error?: string): void {
    this.#status = status;
    this.#error = error;
    const node = byId('run-status');
    node.dataset['status'] = status;
    const words: Record<RunStatus, string> = {
      idle: 'ready: press Run or Step',
      running: 'relaxing…',
      paused: 'paused',
      converged: 'converged: max |∂E/∂x̂| below 1e-3',
      stepUnderflow: 'stopped: the step shrank to nothing (float32 cannot resolve a lower energy)',
      maxSteps: 'stopped at the step limit',
      error: `error: ${error ?? ''}`,
    };
    byId('run-state').textContent = words[status];
    this.#updateButtons();
  }

  #updateButtons(): void {
    byId<HTMLButtonElement>('btn-run').textContent = this.#running ? 'Pause' : 'Run';
  }

  // ------------------------------------------------------------------ controls

  #buildControls(): void {
    const settings = { dt: this.#dt, mode: this.#mode, stepsPerUpdate: this.#stepsPerUpdate, maxSteps: this.#maxSteps, tau: this.#tau };
    buildControls(byId('controls'), settings, this.#betas, {
      dt: (v) => { this.#dt = v; this.#relax?.configure({ dt: v }); },
      mode: (m) => { this.#mode = m; this.#relax?.configure({ mode: m }); },
      stepsPerUpdate: (n) => { this.#stepsPerUpdate = n; },
      maxSteps: (n) => { this.#maxSteps = n; },
      beta: (path, v) => this.setBeta(path, v),
      tau: (layer, v) => { this.#tau[layer] = v; this.#relax?.configure({ tau: { [layer]: v } }); },
    });
  }

  /** A new β: the parameters are rebuilt with it and the relaxation goes on under the new energy. */
  setBeta(path: string, value: number): void {
    const setup = this.setup;
    if (!setup || !this.#betas.some((b) => b.path === path)) {
      throw new HamuxError(path, `no such β (there are ${this.#betas.map((x) => x.path).join(', ') || 'none'})`, 'unknown_name');
    }
    const betas = this.#betas.map((b) => (b.path === path ? { ...b, value } : b));
    const next = withBetas(setup.ham.params, betas);
    const previous = this.#params;
    this.#betas = betas;
    this.#params = next;
    this.#relax?.setParams(next.tree);
    if (previous) tf.dispose(previous.owned);
  }

  #disposeParams(): void {
    if (this.#params) tf.dispose(this.#params.owned);
    this.#params = undefined;
  }

  // ------------------------------------------------------------------ training

  /** Adds the classifier trained here to the menu and relaxes with it. */
  async useTrained(): Promise<void> {
    const factory = await this.#training.trained();
    if (!factory) return;
    this.#extra.set('trained', factory);
    this.#fillModelSelect();
    await this.selectModel('trained');
  }

  // ------------------------------------------------------------------ wiring

  #wire(): void {
    byId('model-select').addEventListener('change', (e) => void this.selectModel((e.target as HTMLSelectElement).value));
    byId('btn-run').addEventListener('click', () => (this.#running ? void this.pause() : this.#later(async () => this.#start())));
    byId('btn-step').addEventListener('click', () => this.#later(() => this.#step()));
    byId('btn-reset').addEventListener('click', () => this.#later(() => this.#reset()));
    for (const kind of ['flip', 'gaussian', 'mask', 'bottom', 'restore'] as const) {
      byId(`btn-${kind}`).addEventListener('click', () => this.#later(() => this.#corrupt(kind)));
    }
    const amount = byId('corrupt-amount-row');
    amount.replaceWith(slider({ id: 'corrupt-amount', label: 'amount', min: 0, max: 1, steps: 100, value: 0.2, format: (v) => `${Math.round(100 * v)}%`, onChange: () => undefined }).row);
    byId('btn-pen').addEventListener('click', () => this.#setTool('pen'));
    byId('btn-eraser').addEventListener('click', () => this.#setTool('eraser'));
    byId('btn-clear').addEventListener('click', () => {
      this.#picked = { source: 'drawn', index: -1 };
      this.#later(() => this.#setInput(blankImage(), true));
    });
    const files = byId<HTMLInputElement>('config-file');
    files.addEventListener('change', () => void this.openFiles(Array.from(files.files ?? [])));
    const drop = byId('drop-zone');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      void this.openFiles(Array.from(e.dataTransfer?.files ?? []));
    });
    byId('btn-train').addEventListener('click', () => void this.#training.train(Number(byId<HTMLInputElement>('train-steps').value) || 100));
    byId('btn-train-stop').addEventListener('click', () => void this.#training.stop());
    byId('btn-use-trained').addEventListener('click', () => void this.useTrained());
  }

  #setTool(tool: 'pen' | 'eraser'): void {
    this.#editor.tool = tool;
    byId('btn-pen').classList.toggle('active', tool === 'pen');
    byId('btn-eraser').classList.toggle('active', tool === 'eraser');
  }

  // ------------------------------------------------------------------ test API

  api(): PlaygroundApi {
    const state = (): PlaygroundState => ({
      model: this.setup?.id,
      kind: this.setup?.kind,
      status: this.#status,
      step: this.#last?.step ?? 0,
      curves: this.#curves.map((c) => ({ label: c.label, start: c.start, values: [...c.values] })),
      gradNorm: this.#last?.gradNorm[0],
      rejected: this.#last?.rejected[0],
      hidden: this.#editor.image.hidden.reduce((a, b) => a + b, 0),
      picked: { ...this.#picked },
      tfBackend: tf.getBackend(),
      numTensors: tf.memory().numTensors,
      error: this.#error,
    });
    return {
      backend: this.backend,
      models: () => this.modelList(),
      selectModel: (id) => this.selectModel(id),
      settled: () => this.#serial(async () => undefined),
      pick: (source, index) => this.pick(source, index),
      corrupt: (kind, amount, seed) => this.corrupt(kind, amount, seed),
      run: async () => {
        await this.run();
        return state();
      },
      state,
      picture: () => ({ original: Array.from(this.#original.pixels), hidden: Array.from(this.#editor.image.hidden) }),
      inputActivation: () => {
        const layer = this.setup?.input?.layer;
        const values = layer ? this.#last?.activations[layer] : undefined;
        return values ? Array.from(values) : [];
      },
      stored: (k) => (this.setup?.stored ? Array.from(pattern(this.setup.stored, k)) : []),
      labels: () => {
        const layer = this.setup?.labels;
        const values = layer ? this.#last?.activations[layer] : undefined;
        return values ? Array.from(values) : undefined;
      },
      train: (steps) => this.#training.train(steps),
      training: () => this.#training.summary(),
      graph: () => ({ layers: this.setup?.spec.layers.map((l) => l.name) ?? [], synapses: this.setup?.spec.synapses.map((s) => s.name) ?? [] }),
      setBeta: (path, value) => this.setBeta(path, value),
    };
  }
}

async function fetchJson(path: string): Promise<unknown> {
  const r = await fetch(path);
  if (!r.ok) throw new HamuxError([path], `HTTP ${r.status}`, 'io');
  return r.json();
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(path);
  if (!r.ok) throw new HamuxError([path], `HTTP ${r.status}`, 'io');
  return new Uint8Array(await r.arrayBuffer());
}
