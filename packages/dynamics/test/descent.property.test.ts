import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tf } from '@hamux-ts/core';
import { descendSync, type DescendResult } from '@hamux-ts/dynamics';
import { buildGraph, graphArb, LAGRANGIANS, SYNAPSES, type GraphChoice } from './random-graphs.js';
import { bitwiseEqual, disposeStates, energyOf, hostStates, sampleOf, statesFrom } from './support.js';

const GRAD_TOL = 1e-3; // descendSync's default tolerance on |∂E/∂x̂|
const MAX_STEPS = 300; // kept small for run time; 'maxSteps' is an accepted ending

/** Everything checked for one random graph; throws (with the graph's description) on a violation. */
function checkRun(choice: GraphChoice, seen: { lagrangians: Set<string>; synapses: Set<string>; reasons: Map<string, number> }): void {
  const { ham, desc, lagrangians, synapses } = buildGraph(choice);
  const std = 10 ** choice.logStd;
  const init = ham.randomStates(choice.batch, choice.stateSeed, std);
  let result: DescendResult<string> | undefined;
  const where = `graph ${desc}; batch ${choice.batch}, state std ${std.toPrecision(3)}, multirate ${choice.multirate}`;
  try {
    const E0 = energyOf(ham, init);
    expect(E0.every(Number.isFinite), `initial energies finite (${where})`).toBe(true);
    try {
      result = descendSync(ham, init, {
        multirate: choice.multirate,
        maxSteps: MAX_STEPS,
        ...(choice.record ? { recordStatesEvery: 1 } : {}),
      });
    } catch (e) {
      throw new Error(`descendSync threw on ${where}: ${String(e)}`);
    }
    const r = result;
    expect(r.report.length).toBe(choice.batch);
    expect(r.steps).toBe(Math.max(...r.report.map((s) => s.steps)));
    expect(r.converged).toBe(r.report.every((s) => s.converged));

    // The energies the scheduler recorded: from the initial energy, never rising.
    const finalDEdxhat = ham.dEdxhat(r.states);
    const finalGrad = hostStates(finalDEdxhat);
    disposeStates(finalDEdxhat);
    for (let b = 0; b < choice.batch; b++) {
      const rep = r.report[b]!;
      const e = r.energies[b]!;
      expect(e.length, `energies of sample ${b} (${where})`).toBe(rep.steps + 1);
      expect(e[0], `first energy of sample ${b} is the initial energy (${where})`).toBe(E0[b]);
      for (let t = 1; t < e.length; t++) {
        if (!(e[t]! <= e[t - 1]!)) throw new Error(`energy of sample ${b} rose from ${e[t - 1]} to ${e[t]} at step ${t} (${where})`);
      }
      expect(rep.energy).toBe(e[e.length - 1]);
      expect(['gradient', 'energy', 'maxSteps', 'stepUnderflow'], `reason of sample ${b} (${where})`).toContain(rep.reason);
      expect(rep.converged).toBe(rep.reason === 'gradient' || rep.reason === 'energy');
      if (rep.reason === 'gradient') expect(rep.gradNorm, `gradNorm of sample ${b} (${where})`).toBeLessThanOrEqual(GRAD_TOL);
      else expect(rep.gradNorm, `gradNorm of sample ${b} (${where})`).toBeGreaterThan(GRAD_TOL);
      if (rep.reason === 'maxSteps') expect(rep.steps).toBe(MAX_STEPS);
      expect(rep.acceptedSteps).toBeLessThanOrEqual(rep.steps);
      // The reported gradient norm is that of the final state (a stopped sample does not move).
      const g = Math.max(...ham.layerNames.map((n) => Math.max(...sampleOf(finalGrad[n]!, choice.batch, b).map(Math.abs))));
      expect(rep.gradNorm, `reported gradNorm of sample ${b} vs ∂E/∂x̂ of its final state (${where})`).toBeCloseTo(g, 5);
      seen.reasons.set(rep.reason, (seen.reasons.get(rep.reason) ?? 0) + 1);
    }

    // Independently of the recorded energies: recompute E on every recorded state.
    if (choice.record) {
      expect(r.recorded.map((x) => x.step)).toEqual(Array.from({ length: r.steps + 1 }, (_, t) => t));
      let previous: Float32Array | undefined;
      for (const { step, states } of r.recorded) {
        const rebuilt = statesFrom(ham, states, choice.batch);
        const E = energyOf(ham, rebuilt);
        disposeStates(rebuilt);
        for (let b = 0; b < choice.batch; b++) {
          if (step > r.report[b]!.steps) continue;
          expect(E[b], `recomputed energy of sample ${b} at step ${step} (${where})`).toBe(r.energies[b]![step]);
          if (previous && !(E[b]! <= previous[b]!)) {
            throw new Error(`recomputed energy of sample ${b} rose from ${previous[b]} to ${E[b]} at step ${step} (${where})`);
          }
        }
        previous = E;
      }
      const last = r.recorded[r.recorded.length - 1]!.states;
      const final = hostStates(r.states);
      for (const n of ham.layerNames) expect(bitwiseEqual(last[n]!, final[n]!), `last recorded state of ${n} is the final state`).toBe(true);
    }
    for (const l of lagrangians) seen.lagrangians.add(l);
    for (const s of synapses) seen.synapses.add(s);
  } finally {
    disposeStates(init, result?.states);
    ham.dispose();
  }
}

describe('adaptive descent on random graphs (property)', () => {
  it('never raises any sample’s energy and ends converged or with a reason', { timeout: 300_000 }, () => {
    const seen = { lagrangians: new Set<string>(), synapses: new Set<string>(), reasons: new Map<string, number>() };
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(graphArb, (choice) => { checkRun(choice, seen); }),
      { seed: 20240611, numRuns: 60, endOnFailure: true },
    );
    expect(tf.memory().numTensors, 'tensors leaked over the property runs').toBe(before);
    // Not vacuous: every Lagrangian and synapse kind was exercised, and most samples converged.
    expect([...seen.lagrangians].sort()).toEqual([...LAGRANGIANS].sort());
    expect([...seen.synapses].sort()).toEqual([...SYNAPSES].sort());
    const total = [...seen.reasons.values()].reduce((a, b) => a + b, 0);
    const converged = (seen.reasons.get('gradient') ?? 0) + (seen.reasons.get('energy') ?? 0);
    expect(converged / total, `share of converged samples (${JSON.stringify([...seen.reasons])})`).toBeGreaterThan(0.5);
  });
});
