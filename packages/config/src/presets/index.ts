import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import type { ConfigOf } from '../schema/from-ham.js';
import { fallbackMessages, issueCode, issuePath } from '../schema/messages.js';
import { parseConfig } from '../schema/validate.js';
import { classifierPreset } from './classifier.js';
import { convHierarchicalPreset } from './conv-hierarchical.js';
import { energyTransformerPreset } from './energy-transformer.js';
import { denseAssociativeMemoryPreset, hiddenMemoryPreset, modernHopfieldPreset } from './memories.js';
import type { PresetDefinition } from './preset.js';

/**
 * Ready architectures. Each preset is a function of typed options that returns a validated config
 * (plain data, every default filled in), so it builds with `buildFromConfig`, can be saved as JSON,
 * or edited like any other config before building:
 *
 * ```ts
 * const ham = buildFromConfig(presets.denseAssociativeMemory({ features: 784, memories: 100, degree: 3 }));
 * ```
 *
 * A config file says the same with `{ "preset": "denseAssociativeMemory", "options": { … } }`.
 * Invalid options throw one `HamuxErrors` naming each at `options.<key>`.
 */

function presetFunction<N extends string, I, O, L extends string, S extends string>(
  preset: PresetDefinition<N, I, O, L, S>,
): (options: I) => ConfigOf<L, S> {
  return (options) => {
    const parsed = preset.options.safeParse(options, { error: fallbackMessages });
    if (!parsed.success) {
      // Options of a call, not a file: a bad one is an invalid argument (an unknown tag stays an unknown name).
      throw new HamuxErrors(
        parsed.error.issues.map((i) => {
          const code = issueCode(i);
          return new HamuxError(['options', ...issuePath(i.path)], i.message, code === 'invalid_config' ? 'invalid_argument' : code);
        }),
      );
    }
    return parseConfig(preset.expand(parsed.data)) as ConfigOf<L, S>;
  };
}

/**
 * Dense Associative Memory (Krotov & Hopfield 2016; Demircigil et al. 2017). Layer `visible` [D]
 * (tanh with β = `gain`); synapse `memory`: `polynomialMemory` (`F(z) = zⁿ/n`, `degree` n, default 3)
 * or, with `separation: 'exponential'`, `exponentialMemory` (`F(z) = e^{βz}/β`). ξ [K, D].
 * Parameters: K·D (+1 for β, +1 for the gain).
 */
export const denseAssociativeMemory = presetFunction(denseAssociativeMemoryPreset);

/**
 * Modern Hopfield memory: `E = ½‖x‖² − (1/β) log Σ_μ exp(β ξ_μ·x)`. Layer `visible` [D] (identity);
 * synapse `memory` (`modernHopfield`, ξ [K, D], β). Parameters: K·D + 1.
 */
export const modernHopfield = presetFunction(modernHopfieldPreset);

/**
 * Feature layer plus memory layer (Krotov & Hopfield 2020): `visible` [D] (identity) and `hidden`
 * [K] (softmax with β, or relu; τ 0.1) joined by the dense synapse `memory` (W [D, K], column μ
 * the pattern ξ_μ). Parameters: D·K (+1 for a softmax β).
 */
export const hiddenMemory = presetFunction(hiddenMemoryPreset);

/**
 * Classifier: `input` [I] (identity, clamped) —`encode`— `hidden` [H] (relu, τ 0.5) —`classify`—
 * `label` [C] (softmax β, τ 0.1); synapses `denseBias` (or `dense` with `bias: false`).
 * Parameters: I·H + H + H·C + C + 1 (the β).
 */
export const classifier = presetFunction(classifierPreset);

/**
 * Convolutional hierarchical HAM: `image` [H, W, C] (identity, clamped) —`conv`— `features`
 * [H₁, W₁, F] (relu) —`pool`— `pooled` [H₂, W₂, F] (tanh) —`recall`— `memories` [K] (softmax).
 * Parameters: k·k·C·F + H₂·W₂·F·K + 2 (tanh β, softmax β).
 */
export const convHierarchical = presetFunction(convHierarchicalPreset);

/**
 * Energy Transformer on image patches: `patches` [N, P] (identity) —`embed` (per-token dense,
 * W [P, D])— `tokens` [N, D] (layer norm, γ δ learnable), with `position` (bias [N, D]),
 * `attention` (energy attention, H heads of width Y) and `hopfield` (ReLU² memory per token,
 * ξ [K, D]). N = (H/p)(W/p), P = p·p·C. Parameters: P·D + N·D + 2·H·Y·D + 1 + K·D + 1 + D.
 * Inpainting: clamp the visible patches with a mask, relax, read the masked patches.
 */
export const energyTransformer = presetFunction(energyTransformerPreset);

export { presetNames, type PresetName, type PresetConfig } from './catalog.js';
export type { CommonOptions, ParamInput, PerLayer } from './preset.js';
export type { DenseAssociativeMemoryOptions, ModernHopfieldOptions, HiddenMemoryOptions } from './memories.js';
export type { ClassifierOptions } from './classifier.js';
export type { ConvHierarchicalOptions } from './conv-hierarchical.js';
export type { EnergyTransformerOptions } from './energy-transformer.js';
