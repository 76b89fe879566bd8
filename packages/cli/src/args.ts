import { parseArgs, type ParseArgsConfig } from 'node:util';
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
