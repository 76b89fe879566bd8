import { z } from 'zod';
import { strict, integer, nonNegativeNumber, positiveParam, scalarParam, vectorParam } from './primitives.js';
import { expect } from './messages.js';

/**
 * The built-in Lagrangians of `@hamux-ts/core` as data: `{ "kind": "softmax", "beta": 2 }`. Every
 * option has core's default, so a parsed config states everything the layer will use.
 */

function kind<K extends string, S extends z.core.$ZodLooseShape>(name: K, description: string, options: S) {
  return strict({ kind: z.literal(name), ...options }).describe(description);
}

const beta = positiveParam.default(1).describe('Inverse temperature β > 0, default 1.');
const axis = integer.default(-1).describe('The coupled axis of the layer (negative counts from the end), default -1.');
const norm = {
  gamma: scalarParam.default(1).describe('Scale γ, default 1.'),
  delta: vectorParam.default(0).describe('Shift δ: a number, or one value per entry along the axis; default 0.'),
  eps: nonNegativeNumber.default(1e-5).describe('Regulariser ε inside the square root, default 1e-5.'),
  axis,
};

export const builtinLagrangians = [
  kind('identity', 'L = ½ Σ x², activation x.', {}),
  kind('relu', 'L = ½ Σ max(x, 0)², activation max(x, 0).', {}),
  kind('repu', 'L = (1/n) Σ max(x, 0)ⁿ, activation max(x, 0)ⁿ⁻¹.', {
    n: z.number({ error: expect('a number > 1') }).gt(1, { error: expect('a number > 1') }),
  }),
  kind('exp', 'L = (1/β) Σ e^{βx}, activation e^{βx}.', { beta }),
  kind('rexp', 'L = Σ (e^{β max(x,0)}/β − max(x,0)), activation e^{β max(x,0)} − 1.', { beta }),
  kind('tanh', 'L = (1/β) Σ log cosh(βx), activation tanh(βx).', { beta }),
  kind('sigmoid', 'L = (1/β) Σ log(1 + e^{βx}), activation σ(βx).', { beta }),
  kind('softmax', 'L = (1/β) Σ_rows log Σ_axis e^{βx}, activation softmax(βx) along the axis.', { beta, axis }),
  kind('ghostmax', 'L = Σ_rows log(1 + Σ_axis e^{x}), activation softmax with an extra zero logit.', { axis }),
  kind('layernorm', 'L = Σ_rows D γ sqrt(mean((x − x̄)²) + ε) + Σ δ⊙x, activation layer norm.', norm),
  kind('spherical', 'L = Σ_rows γ sqrt(Σ x² + ε) + Σ δ⊙x, activation γ x/‖x‖ + δ.', norm),
] as const;

/** A built-in Lagrangian as a validated config gives it (`{ kind: "softmax", beta: 1, axis: -1 }`). */
export type BuiltinLagrangianConfig = z.output<(typeof builtinLagrangians)[number]>;
export type BuiltinLagrangianInput = z.input<(typeof builtinLagrangians)[number]>;
/** The `kind` of a built-in Lagrangian (`"identity"`, `"relu"`, `"softmax"`, …). */
export type BuiltinLagrangianKind = BuiltinLagrangianConfig['kind'];

/** Every built-in Lagrangian kind a config accepts. */
export const builtinLagrangianKinds: readonly BuiltinLagrangianKind[] = builtinLagrangians.map((s) => s.shape.kind.value);
