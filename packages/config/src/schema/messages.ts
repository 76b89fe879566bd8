import type { HamuxErrorCode } from '@hamux-ts/core';
import type { z } from 'zod';

/**
 * How validation problems read: `layers.hidden.lagrangian.beta: expected a positive number, got -1`.
 * Every schema says what it expects in words (`expect`); the path is the JSON path of the value.
 */

/** A value as it appears in a message: short JSON, or its kind when long. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint' || typeof value === 'symbol') return `a ${typeof value}`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json !== undefined && json.length <= 40) return json;
  if (typeof value === 'string') return `${JSON.stringify(value.slice(0, 30))}…`;
  return Array.isArray(value) ? `an array of ${value.length} items` : 'an object';
}

/** A zod error customiser: `expected <what>, got <value>` (or `missing: expected <what>`). */
export function expect(what: string) {
  return (issue: { readonly input?: unknown }): string =>
    issue.input === undefined ? `missing: expected ${what}` : `expected ${what}, got ${show(issue.input)}`;
}

const articles: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  tuple: 'an array',
};

/** `a number > 0`, `at least 2 items`: the wording of a bound. */
function bound(issue: { origin: string; inclusive?: boolean }, side: 'min' | 'max', limit: unknown): string {
  const n = String(limit);
  if (issue.origin === 'array' || issue.origin === 'set') return `${side === 'min' ? 'at least' : 'at most'} ${n} items`;
  if (issue.origin === 'string') return `${side === 'min' ? 'at least' : 'at most'} ${n} characters`;
  const op = side === 'min' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `a number ${op} ${n}`;
}

/** The wording of issues a schema does not word itself (a user's schema of options, say). */
export const fallbackMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return expect(articles[issue.expected] ?? issue.expected)(issue);
    case 'too_small':
      return expect(bound(issue, 'min', issue.minimum))(issue);
    case 'too_big':
      return expect(bound(issue, 'max', issue.maximum))(issue);
    case 'invalid_value':
      return expect(`one of ${issue.values.map((v) => show(v)).join(', ')}`)(issue);
    default:
      return issue.input === undefined ? 'missing' : `invalid value ${show(issue.input)}`;
  }
};

/** zod's path as keys and indices (a symbol key, which JSON cannot hold, as its text). */
export function issuePath(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((k) => (typeof k === 'symbol' ? String(k) : k));
}

/** A tag (`kind`, `type`) that names no known kind is an unknown name; any other issue, an invalid config. */
export function issueCode(issue: z.core.$ZodIssue): HamuxErrorCode {
  const unknownTag = issue.code === 'invalid_union' && 'discriminator' in issue && !issue.message.startsWith('missing');
  return unknownTag ? 'unknown_name' : 'invalid_config';
}
