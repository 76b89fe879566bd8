import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_MAX_BYTES } from '@hamux-ts/config';
import { didYouMean } from '@hamux-ts/core';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/**
 * A command's arguments: `parseArgs` splits them into tokens, and every mistake is a usage error in
 * our words, never parseArgs's: an unknown option (with the nearest known one), an option given
 * twice, a string option without its value, a flag given one; `--help` is always known.
 */
export function parse(command: string, args: readonly string[], options: Options, positionals: readonly string[]): Parsed {
  const known: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  const see = `(see hamux ${command} --help)`;
  const fail = (message: string): never => {
    throw new UsageError([command], `${message} ${see}`);
  };
  const { tokens } = parseArgs({ args: [...args], options: known, allowPositionals: true, strict: false, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  const given: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') given.push(token.value);
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(known, token.name) ? known[token.name]! : undefined;
    if (!spec) {
      const names = Object.keys(known).map((n) => `--${n}`);
      fail(`unknown option ${token.rawName}${didYouMean(`--${token.name}`, names, (n) => n)}`);
    }
    const name = `--${token.name}`;
    if (Object.hasOwn(values, token.name)) fail(`option ${name} is given twice`);
    if (spec!.type === 'boolean') {
      if (token.value !== undefined) fail(`option ${name} takes no value, got "${token.value}"`);
      values[token.name] = true;
    } else {
      // parseArgs takes whatever follows as the value, even another option: `--out --json`.
      const value = token.value;
      if (value === undefined || (!token.inlineValue && /^--?[A-Za-z]/.test(value))) {
        fail(`option ${name} needs a value${value === undefined ? '' : ` (got the option "${value}"; write ${name}=${value} if that is the value)`}`);
      }
      values[token.name] = value;
    }
  }
  if (values['help']) return { values, positionals: given };
  if (given.length < positionals.length) fail(`missing argument ${positionals[given.length]}`);
  if (given.length > positionals.length) fail(`unexpected argument "${given[positionals.length]}"`);
  return { values, positionals: given };
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
