/** The dynamics controls: dt, step control, steps per update and per run, β of every part, τ of every layer. */
import type { Beta } from '../lib/betas.js';
import type { StepMode } from '../lib/relax.js';
import { el, slider } from './dom.js';

export interface DynamicsSettings {
  readonly dt: number;
  readonly mode: StepMode;
  readonly stepsPerUpdate: number;
  readonly maxSteps: number;
  readonly tau: Readonly<Record<string, number>>;
}

export interface DynamicsHandlers {
  dt(v: number): void;
  mode(m: StepMode): void;
  stepsPerUpdate(n: number): void;
  maxSteps(n: number): void;
  beta(path: string, v: number): void;
  tau(layer: string, v: number): void;
}

/** Fills `root` with one control per setting; each calls its handler as it moves. */
export function buildControls(root: HTMLElement, s: DynamicsSettings, betas: readonly Beta[], on: DynamicsHandlers): void {
  const whole = (v: number) => String(Math.round(v));
  const mode = el('select', { id: 'ctl-mode' }, el('option', { value: 'adaptive', text: 'adaptive: grow dt while E falls' }), el('option', { value: 'fixed', text: 'fixed dt (halved when E would rise)' }));
  mode.value = s.mode;
  mode.addEventListener('change', () => on.mode(mode.value as StepMode));
  const rows: HTMLElement[] = [
    slider({ id: 'ctl-dt', label: 'dt (first step)', min: 1e-3, max: 2, log: true, value: s.dt, onChange: on.dt }).row,
    el('label', { class: 'slider' }, el('span', { text: 'step control' }), mode),
    slider({ id: 'ctl-per-update', label: 'steps per update', min: 1, max: 20, steps: 19, value: s.stepsPerUpdate, format: whole, onChange: (v) => on.stepsPerUpdate(Math.round(v)) }).row,
    slider({ id: 'ctl-max-steps', label: 'steps per run', min: 1, max: 2000, log: true, value: s.maxSteps, format: whole, onChange: (v) => on.maxSteps(Math.round(v)) }).row,
    ...betas.map((b) => slider({
      id: `ctl-beta-${b.owner}-${b.name}`, label: `β of ${b.owner === 'layers' ? 'layer' : 'synapse'} ${b.name}`, min: 1e-3, max: 100, log: true, value: b.value,
      onChange: (v) => on.beta(b.path, v),
    }).row),
    ...Object.entries(s.tau).map(([layer, tau]) => slider({
      id: `ctl-tau-${layer}`, label: `τ of ${layer}`, min: 0.01, max: 10, log: true, value: tau,
      onChange: (v) => on.tau(layer, v),
    }).row),
  ];
  root.replaceChildren(...rows);
}
