/**
 * Reading a suite file: JSON, `--full` overrides merged in, the zod schema checked, and every
 * variant's config read (a path relative to the suite file, or inline) and validated, so that every
 * problem is reported at once with where it is: `suite.json: variants[2].config.layers.h.tau: …`.
 */
import { Files } from '../files.js';
import { dirname, resolve } from 'node:path';
import { parseConfig, parseJson, type Config } from '@hamux-ts/config';
import { HamuxError, HamuxErrors } from '@hamux-ts/core';
import { formatPath, messages, suiteSchema, type Suite, type Variant } from './suite-schema.js';

/** A variant with its config read and validated (capacity configs still hold `"$N"`/`"$K"`). */
export interface LoadedVariant extends Variant {
  /** The config as written (file contents or inline), before the scheduler patch and templating. */
  readonly source: unknown;
  /** Where the config came from: the file path as written in the suite, or `inline`. */
  readonly origin: string;
}

export interface LoadedSuite {
  readonly file: string;
  readonly suite: Suite;
  readonly full: boolean;
  readonly variants: readonly LoadedVariant[];
}

type Json = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `base` with `patch` merged in: objects key by key, everything else (arrays included) replaced. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = Object.hasOwn(base, k) ? deepMerge(base[k], v) : v;
  return out;
}

/** Every string `"$NAME"` in `value` replaced by `numbers[NAME]` (capacity configs: `$N`, `$K`). */
export function substitute(value: unknown, numbers: Readonly<Record<string, number>>): unknown {
  if (typeof value === 'string' && value.startsWith('$') && Object.hasOwn(numbers, value.slice(1))) return numbers[value.slice(1)];
  if (Array.isArray(value)) return value.map((v) => substitute(v, numbers));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, numbers)]));
  return value;
}

/** The numbers a capacity config's `"$N"`, `"$K"` stand for while the suite is checked. */
export function templateNumbers(suite: Suite, k?: number): Record<string, number> {
  return suite.task.kind === 'capacity' ? { N: suite.task.features, K: k ?? suite.task.load } : {};
}

/**
 * The config a variant runs: its source (templated) with the variant's scheduler settings merged
 * over the config's own, validated. Errors carry paths inside the config.
 */
export function variantConfig(variant: LoadedVariant, numbers: Readonly<Record<string, number>>): Config {
  const parsed = parseConfig(substitute(variant.source, numbers));
  if (!variant.scheduler) return parsed;
  const scheduler = { ...(parsed.scheduler ?? {}), ...variant.scheduler };
  // The merged settings are checked on their own (an empty graph is a valid config).
  const checked = parseConfig({ layers: {}, synapses: {}, seed: 0, scheduler });
  return { ...parsed, scheduler: checked.scheduler };
}

function readJson(path: string, what: string, kind: 'suite' | 'config'): unknown {
  let text: string;
  try {
    text = new TextDecoder().decode(new Files().read(path, kind));
  } catch (e) {
    throw new HamuxError(what, (e as Error).message, e instanceof HamuxError ? e.code : 'io');
  }
  try {
    return parseJson(text);
  } catch (e) {
    if (!(e instanceof HamuxError)) throw e;
    // `"path" is not valid JSON: line 3, …`; a duplicate key at its place in the file.
    const inFile = (x: HamuxError) => new HamuxError(what, `"${path}"${x.message.startsWith('not valid') ? ' is ' : ': '}${x.message}`, x.code);
    throw e instanceof HamuxErrors ? new HamuxErrors(e.errors.map(inFile)) : inFile(e);
  }
}

/** Prefixes each problem of `e` with `prefix` (a config's problems, placed inside the suite). */
function placed(e: unknown, prefix: string): HamuxError[] {
  if (e instanceof HamuxErrors) return e.errors.flatMap((x) => placed(x, prefix));
  if (e instanceof HamuxError) return [new HamuxError(e.where ? `${prefix}.${e.where}` : prefix, e.detail, e.code)];
  return [new HamuxError(prefix, e instanceof Error ? e.message : String(e), 'invalid_config')];
}

/**
 * Checks a suite given as data (`file` names it in messages and anchors relative config paths) and
 * reads its variants' configs. Throws one `HamuxErrors` with every problem, each path prefixed by
 * the file: `suites/x.json: variants[1].config.synapses.s.connects[1]: unknown layer "b" …`.
 */
export function checkSuite(data: unknown, file: string, options: { readonly full?: boolean } = {}): LoadedSuite {
  const full = options.full ?? false;
  const at = (path: string) => (path ? `${file}: ${path}` : file);
  let input = data;
  if (full && isObject(data) && isObject(data['full'])) {
    const f = data['full'];
    input = { ...data, task: deepMerge(data['task'], f['task']), protocol: deepMerge(data['protocol'] ?? {}, f['protocol'] ?? {}) };
  }
  const parsed = suiteSchema.safeParse(input, { error: messages });
  if (!parsed.success) {
    const suffix = input !== data ? ' (with the "full" values merged in)' : '';
    throw new HamuxErrors(parsed.error.issues.map((i) => new HamuxError(at(formatPath(i.path)), `${i.message}${suffix}`, 'invalid_config')));
  }
  const suite = parsed.data;
  // Without --full, the "full" block is still checked, so that a mistake in it shows before a long run.
  if (!full && suite.full) checkSuite(data, file, { full: true });
  const errors: HamuxError[] = [];
  const variants: LoadedVariant[] = [];
  const numbers = templateNumbers(suite);
  suite.variants.forEach((v, i) => {
    const path = `variants[${i}].config`;
    let source: unknown = v.config;
    let origin = 'inline';
    if (typeof v.config === 'string') {
      origin = v.config;
      try {
        source = readJson(resolve(dirname(file), v.config), at(path), 'config');
      } catch (e) {
        errors.push(e instanceof HamuxError ? e : new HamuxError(at(path), String(e), 'io'));
        return;
      }
    }
    const loaded: LoadedVariant = { ...v, source, origin };
    try {
      parseConfig(substitute(source, numbers));
    } catch (e) {
      errors.push(...placed(e, at(origin === 'inline' ? path : `${path} ("${origin}")`)));
      return;
    }
    try {
      variantConfig(loaded, numbers);
    } catch (e) {
      // Only the merged scheduler can fail here: its problems are at the variant's "scheduler".
      errors.push(...placed(e, at(`variants[${i}]`)));
      return;
    }
    variants.push(loaded);
  });
  if (errors.length > 0) throw new HamuxErrors(errors);
  return { file, suite, full, variants };
}

/** Reads and checks a suite file (see `checkSuite`). */
export function loadSuite(file: string, options: { readonly full?: boolean } = {}): LoadedSuite {
  return checkSuite(readJson(file, file, 'suite'), file, options);
}
