import { z } from 'zod';
import type { ConfigInput } from '../schema/define.js';
import type { HamuxErrorCode } from '@hamux-ts/core';
import { fallbackMessages, issueCode, issuePath } from '../schema/messages.js';
import { strict, tagged } from '../schema/primitives.js';
import { classifierPreset } from './classifier.js';
import { convHierarchicalPreset } from './conv-hierarchical.js';
import { energyTransformerPreset } from './energy-transformer.js';
import { denseAssociativeMemoryPreset, hiddenMemoryPreset, modernHopfieldPreset } from './memories.js';
import type { AnyPreset } from './preset.js';

/**
 * Every preset, and the JSON form that names one: `{ "preset": "classifier", "options": { … } }`.
 * The form is expanded into a full config before validation; only data passes from the file to
 * the preset's pure `expand`.
 */
export const presetDefinitions = [
  denseAssociativeMemoryPreset,
  modernHopfieldPreset,
  hiddenMemoryPreset,
  classifierPreset,
  convHierarchicalPreset,
  energyTransformerPreset,
] as const;

/** The name of a preset (`"classifier"`, `"energyTransformer"`, …). */
export type PresetName = (typeof presetDefinitions)[number]['name'];
/** Every preset name, in catalog order. */
export const presetNames: readonly PresetName[] = presetDefinitions.map((p) => p.name);

/** A config file in preset form, as written. */
export type PresetConfig = {
  [P in (typeof presetDefinitions)[number] as P['name']]: {
    /** Where editors find the JSON Schema. */
    readonly $schema?: string;
    /** The preset's name (`"classifier"`, `"energyTransformer"`, …). */
    readonly preset: P['name'];
    /** The preset's options as written (defaults may be left out). */
    readonly options: z.input<P['options']>;
  };
}[PresetName];

const $schema = z.string().optional().describe('Where editors find this JSON Schema.');

function form(p: AnyPreset) {
  return strict({ $schema, preset: z.literal(p.name), options: p.options }, `a preset config { "preset", "options" }`).describe(p.description);
}

/** The zod schema of the preset form (a union told apart by `preset`). */
export const presetFormSchema = tagged(
  'preset',
  'preset',
  presetDefinitions.map(form) as unknown as [ReturnType<typeof form>, ...ReturnType<typeof form>[]],
);

/** Whether a config is in preset form: an object with its own `preset` key. */
export function isPresetForm(input: unknown): input is Readonly<Record<string, unknown>> {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && Object.hasOwn(input, 'preset');
}

function definition(name: string): AnyPreset {
  return presetDefinitions.find((p) => p.name === name)! as AnyPreset;
}

/** The full config a validated preset form stands for. */
export function expandValidForm(parsed: { preset: string; options: unknown }): ConfigInput<string, string> {
  return definition(parsed.preset).expand(parsed.options);
}

/**
 * Validates a preset form and expands it: the full config, or every problem with its JSON path
 * (`preset`, `options.hidden`, …). (No runtime import of core here: the JSON Schema script loads
 * this module without tfjs.)
 */
export function expandPresetForm(input: unknown): {
  readonly config?: ConfigInput<string, string>;
  readonly problems: readonly { readonly path: readonly (string | number)[]; readonly message: string; readonly code: HamuxErrorCode }[];
} {
  const parsed = presetFormSchema.safeParse(input, { error: fallbackMessages });
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message, code: issueCode(i) })) };
  return { config: expandValidForm(parsed.data as { preset: string; options: unknown }), problems: [] };
}
