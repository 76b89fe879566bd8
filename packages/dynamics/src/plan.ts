import { HamuxError, HamuxErrors, type HAM } from '@hamux-ts/core';
import { levelSchedule, rateLevels } from './levels.js';
import type { Settings } from './options.js';
import type { StepPlan } from './stepper.js';

/** Every layer's time constant: the graph's, or the caller's where given (checked by name and value). */
export function tausOf<L extends string, S extends string>(ham: HAM<L, S>, given: { readonly [K in L]?: number } | undefined): { [K in L]: number } {
  const errors: HamuxError[] = [];
  for (const name of Object.keys(given ?? {})) {
    if (!Object.hasOwn(ham.layers, name)) errors.push(new HamuxError(['options', 'tau', name], `unknown layer (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`, 'unknown_name'));
  }
  const out = {} as { [K in L]: number };
  for (const n of ham.layerNames) {
    const t = given?.[n] ?? ham.layers[n].tau;
    if (!(typeof t === 'number' && Number.isFinite(t) && t > 0)) errors.push(new HamuxError(['options', 'tau', n], `expected a positive number, got ${String(t)}`, 'invalid_argument'));
    out[n] = t;
  }
  if (errors.length > 0) throw new HamuxErrors(errors);
  return out;
}

/** The levels, step sizes and caps of a descent, from its settings, time constants and the layers that move. */
export function planFor<L extends string>(
  names: readonly L[],
  tau: { readonly [K in L]: number },
  s: Settings,
  dtMaxGiven: boolean,
  batch: number,
  moving: readonly L[],
): StepPlan<L> {
  const taus = new Map(moving.map((n) => [n, tau[n]] as const));
  // With every layer clamped there is nothing to put on levels (and one empty level stops at once).
  const multirate = moving.length > 0 ? s.multirate : undefined;
  const levels = multirate ? rateLevels(taus, multirate.ratio) : [[...moving]];
  const tauMin = Math.min(...taus.values());
  // The fastest level steps with dt; a slower level with dt scaled by its own smallest τ.
  const levelDt = levels.map((lv) => (s.dt * Math.min(...lv.map((n) => tau[n]))) / tauMin);
  // Explicit Euler on τ dx/dt = −x + I overshoots I once dt/τ > 1 (and diverges past 2). Where
  // activations saturate the energy is flat and cannot reveal that overshoot, so unless the caller
  // set dtMax, adaptive steps keep dt/τ ≤ 1 for every layer (the leak term's exact relaxation).
  const dtMax = !dtMaxGiven && s.neuronEnergy ? Math.min(s.dtMax, tauMin) : s.dtMax;
  const levelCap = levelDt.map((d) => (dtMax * d) / s.dt);
  return {
    names,
    batch,
    mode: s.mode,
    tau,
    moving,
    levels,
    schedule: multirate ? levelSchedule(levels.length, multirate.innerSteps) : [0],
    levelDt,
    levelCap,
    startDt: levelDt.map((d, k) => (s.mode === 'adaptive' ? Math.min(d, levelCap[k]!) : d)),
    grow: s.grow,
    shrink: s.shrink,
    underflowBelow: s.dtMin / s.dt,
  };
}

/**
 * The largest part of its time constant that the slowest free layer can advance in one step of its
 * level: the least, over the layers that move, of `step / τ`, with step the largest its level may
 * take (its cap when adaptive, its dt when fixed). Infinity when nothing moves. relaxation.ts makes
 * the energy test only when this is at least `ENERGY_TEST_STEP`.
 */
export function slowestStep<L extends string>(plan: StepPlan<L>): number {
  let least = Infinity;
  plan.levels.forEach((level, k) => {
    const step = plan.mode === 'adaptive' ? plan.levelCap[k]! : plan.levelDt[k]!;
    for (const n of level) least = Math.min(least, step / plan.tau[n]);
  });
  return least;
}

/**
 * The energy test needs steps of at least this part of every free layer's time constant: the
 * factor of 10 multirate puts between levels by default, within which a float32 energy that stands
 * still is as telling as at a step of one τ.
 */
export const ENERGY_TEST_STEP = 0.1;

/**
 * Whether a descent makes the energy test (`Tolerance.energy`): only with a positive energy
 * tolerance (zero turns it off: in float32 an energy can stand exactly still because steps no
 * longer register, not because the minimum is reached) and steps of at least `ENERGY_TEST_STEP`.
 */
export function energyTestOn<L extends string>(plan: StepPlan<L>, energyTol: number): boolean {
  return energyTol > 0 && slowestStep(plan) >= ENERGY_TEST_STEP * (1 - 1e-9);
}
