/**
 * What the drawing of a hypergraph needs, as plain data: layers (name, Lagrangian, shape, τ,
 * clamped) and hypersynapses (name, kind, the layers they connect). Taken from a built HAM or from
 * a validated config, so a dropped file can be drawn before anything is built.
 */
import type { Config } from '@hamux-ts/config';
import type { HAM } from '@hamux-ts/core';

export interface LayerNode {
  readonly name: string;
  /** The Lagrangian's kind, with its scalar options: `softmax β=4`. */
  readonly lagrangian: string;
  readonly shape: readonly number[];
  readonly tau: number;
  readonly clamped: boolean;
}

export interface SynapseEdge {
  readonly name: string;
  readonly kind: string;
  /** The layers it joins, in connection order (one for a unary synapse). */
  readonly connects: readonly string[];
}

export interface GraphSpec {
  readonly layers: readonly LayerNode[];
  readonly synapses: readonly SynapseEdge[];
}

/** Numeric options worth printing next to a kind (β, n, γ), in a short form. */
function describeKind(kind: string, options: Readonly<Record<string, unknown>>): string {
  const shown: string[] = [];
  const names: Record<string, string> = { beta: 'β', n: 'n', gamma: 'γ' };
  for (const [key, label] of Object.entries(names)) {
    const v = options[key];
    const value = typeof v === 'number' ? v : typeof v === 'object' && v !== null && typeof (v as { value?: unknown }).value === 'number' ? (v as { value: number }).value : undefined;
    if (value !== undefined) shown.push(`${label}=${Number(value.toPrecision(3))}`);
  }
  return shown.length > 0 ? `${kind} ${shown.join(' ')}` : kind;
}

export function specFromHam(ham: HAM<string, string>, clamped: readonly string[] = []): GraphSpec {
  return {
    layers: ham.layerNames.map((name) => {
      const l = ham.layers[name]!;
      return { name, lagrangian: describeKind(l.lagrangian.kind, l.lagrangian.options), shape: [...l.shape], tau: l.tau, clamped: clamped.includes(name) };
    }),
    synapses: ham.synapseNames.map((name) => {
      const s = ham.synapses[name]!;
      return { name, kind: s.synapse.kind, connects: [...s.connects] };
    }),
  };
}

/** From a config that `parseConfig` has validated (presets expanded). */
export function specFromConfig(config: Config): GraphSpec {
  return {
    layers: Object.entries(config.layers).map(([name, l]) => {
      const { kind, ...options } = l.lagrangian as { kind: string } & Record<string, unknown>;
      return { name, lagrangian: describeKind(kind, options), shape: [...l.shape], tau: l.tau, clamped: l.clamp === true };
    }),
    synapses: Object.entries(config.synapses).map(([name, s]) => ({ name, kind: (s as { kind: string }).kind, connects: [...(s as { connects: readonly string[] }).connects] })),
  };
}
