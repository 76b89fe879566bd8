// How a command's arguments are read: every mistake is a usage error in our words (never Node's
// parseArgs text), with the nearest known option for a near miss.
import { describe, expect, it } from 'vitest';
import { HamuxError } from '@hamux-ts/core';
import { integer, parse } from '../src/args.js';
import { UsageError } from '../src/errors.js';

const options = { states: { type: 'string' }, weights: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, batch: { type: 'string' } } as const;

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as HamuxError).code).toBe('usage');
    return (e as HamuxError).message;
  }
  throw new Error('expected a throw');
}

describe('parse', () => {
  const run = (...args: string[]) => parse('eval', args, options, ['CONFIG']);

  it('reads options, flags, inline values and positionals', () => {
    expect(run('c.json', '--out', 'o', '--json', '--states=s', '--batch', '-1')).toEqual({
      values: { out: 'o', json: true, states: 's', batch: '-1' },
      positionals: ['c.json'],
    });
    expect(run('--', '--odd.json').positionals).toEqual(['--odd.json']);
    expect(run('-h').values['help']).toBe(true);
    expect(run('--help', 'a', 'b').values['help']).toBe(true); // help wins over other mistakes in positionals
  });

  it('an unknown option, with the nearest known one', () => {
    expect(usage(() => run('c.json', '--wieghts', 'w'))).toBe('eval: unknown option --wieghts (did you mean --weights?) (see hamux eval --help)');
    expect(usage(() => run('c.json', '--jsn'))).toBe('eval: unknown option --jsn (did you mean --json?) (see hamux eval --help)');
    expect(usage(() => run('c.json', '--Out', 'o'))).toBe('eval: unknown option --Out (did you mean --out?) (see hamux eval --help)');
    expect(usage(() => run('c.json', '--bogus'))).toBe('eval: unknown option --bogus (see hamux eval --help)');
    expect(usage(() => run('c.json', '-x'))).toBe('eval: unknown option -x (see hamux eval --help)');
  });

  it('values missing, unwanted or given twice', () => {
    expect(usage(() => run('c.json', '--out'))).toBe('eval: option --out needs a value (see hamux eval --help)');
    expect(usage(() => run('c.json', '--out', '--json'))).toBe('eval: option --out needs a value (got the option "--json"; write --out=--json if that is the value) (see hamux eval --help)');
    expect(usage(() => run('c.json', '--json=yes'))).toBe('eval: option --json takes no value, got "yes" (see hamux eval --help)');
    expect(usage(() => run('c.json', '--out', 'a', '--out=b'))).toBe('eval: option --out is given twice (see hamux eval --help)');
    expect(run('c.json', '--out=--json').values['out']).toBe('--json');
  });

  it('positionals missing or extra', () => {
    expect(usage(() => run())).toBe('eval: missing argument CONFIG (see hamux eval --help)');
    expect(usage(() => run('a', 'b'))).toBe('eval: unexpected argument "b" (see hamux eval --help)');
  });

  it('a batch of 0, negative or not an integer names the option', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '', '1e400']) {
      const { values } = parse('run', ['c.json', `--batch=${bad}`], options, ['CONFIG']);
      expect(usage(() => integer('run', values, 'batch', 1, 1))).toBe(`run: --batch must be an integer ≥ 1, got "${bad}"`);
    }
  });
});
