import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_MAX_BYTES } from '@hamux-ts/config';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** `parseArgs` in strict mode, with its complaints turned into usage errors; `--help` is always known. */
export function parse(command: string, args: readonly string[], options: Options, positionals: readonly string[]): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError([command], e instanceof Error ? e.message : String(e));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['help']) return { values, positionals: parsed.positionals };
  if (parsed.positionals.length < positionals.length) {
    throw new UsageError([command], `missing argument ${positionals[parsed.positionals.length]} (see hamux ${command} --help)`);
  }
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError([command], `unexpected argument "${parsed.positionals[positionals.length]}" (see hamux ${command} --help)`);
  }
  return { values, positionals: parsed.positionals };
}

/** A required string option. */
export function required(command: string, values: Parsed['values'], name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError([command], `missing option --${name} (see hamux ${command} --help)`);
  return v;
}

/** An optional non-negative integer option. */
export function integer(command: string, values: Parsed['values'], name: string, fallback: number, min = 0): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError([command], `--${name} must be an integer ≥ ${min}, got "${String(v)}"`);
  }
  return n;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1, k: 2 ** 10, kb: 1e3, kib: 2 ** 10, m: 2 ** 20, mb: 1e6, mib: 2 ** 20, g: 2 ** 30, gb: 1e9, gib: 2 ** 30, t: 2 ** 40, tb: 1e12, tib: 2 ** 40,
};

/** `--max-memory SIZE`, for the commands that build a graph. */
export const maxMemoryOption = { 'max-memory': { type: 'string' } } as const;

/** The `--max-memory` limit in bytes (default `DEFAULT_MAX_BYTES`, 2 GiB). */
export function maxMemory(command: string, values: Parsed['values']): number {
  return bytes(command, values, 'max-memory', DEFAULT_MAX_BYTES);
}

/** An optional size in bytes: `4294967296`, `1e10`, `512MiB`, `8G` (K, M, G, T alone are binary), or `none`. */
export function bytes(command: string, values: Parsed['values'], name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(v) : null;
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (v === 'none') return Infinity;
  if (!m || unit === undefined) throw new UsageError([command], `--${name} must be a size such as 8GiB, 512MiB or 4294967296 (or none), got "${String(v)}"`);
  return Number(m[1]) * unit;
}
