// Errors as data in the CLI: usage errors (exit 2) and input errors (exit 1) are HamuxErrors with a
// code, printed exactly as before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrownBy } from '@hamux-ts/test-support';
import { HamuxError } from '@hamux-ts/core';
import { parse } from '../src/args.js';
import { EXIT_INPUT, EXIT_USAGE, InputError, UsageError, errorLines, exitCodeOf } from '../src/errors.js';
import { Files } from '../src/files.js';
import { readConfig } from '../src/io.js';

const tmp = mkdtempSync(join(tmpdir(), 'hamux-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const thrown = (f: () => unknown): HamuxError => thrownBy(f, HamuxError);

describe('CLI errors', () => {
  it('a usage error is code "usage" at its command, and still exits 2', () => {
    const e = thrown(() => parse('run', ['a.json', 'b.json'], {}, ['CONFIG']));
    expect(e).toBeInstanceOf(UsageError);
    expect([e.name, e.code, e.path]).toEqual(['UsageError', 'usage', ['run']]);
    expect(e.message).toBe('run: unexpected argument "b.json" (see hamux run --help)');
    expect(exitCodeOf(e)).toBe(EXIT_USAGE);
  });

  it('a file that cannot be read is code "io"; one that is not JSON, "invalid_file" at the file', () => {
    const missing = join(tmp, 'missing.json');
    const e = thrown(() => new Files().read(missing, 'config'));
    expect(e).toBeInstanceOf(InputError);
    expect([e.name, e.code, e.path]).toEqual(['InputError', 'io', []]);
    expect(e.message).toMatch(/^cannot read config ".*missing\.json": /);
    expect(exitCodeOf(e)).toBe(EXIT_INPUT);

    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{ "layers": ');
    const j = thrown(() => readConfig(new Files(), broken));
    expect([j.code, j.path]).toEqual(['invalid_file', [broken]]);
    expect(j.message.startsWith(`${broken}: not valid JSON: `)).toBe(true);
    expect(errorLines(j)).toEqual([j.message]);
    expect(exitCodeOf(new HamuxError(['x'], 'y', 'shape_mismatch'))).toBe(EXIT_INPUT);
  });
});
