// Nothing lost, nothing unbounded: outputs never overwrite inputs (by name, symlink or hard link),
// are written together or not at all, never land inside kernel filesystems, and inputs are read
// only from regular files up to a size limit. Unit tests of `Files`, then the built CLI end to end.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Files, READ_LIMITS, withFiles } from '../src/files.js';

const pkg = resolve(import.meta.dirname, '..');
const root = resolve(pkg, '../..');
const distCli = join(pkg, 'dist/cli.js');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hamux-files-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dir = (name: string) => {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
};

describe('Files: reading', () => {
  it('reads a regular file whole and refuses devices, folders and missing files, naming them', () => {
    const d = dir('read');
    writeFileSync(join(d, 'a.json'), '{"x":1}');
    symlinkSync('/dev/zero', join(d, 'zero.json'));
    const f = new Files();
    expect(new TextDecoder().decode(f.read(join(d, 'a.json'), 'config'))).toBe('{"x":1}');
    expect(() => f.read(join(d, 'zero.json'), 'config')).toThrow(/cannot read config ".*zero.json": not a regular file/);
    expect(() => f.read(d, 'weights')).toThrow(/cannot read weights ".*": not a regular file \(a directory\)/);
    expect(() => f.read(join(d, 'nope'), 'states')).toThrow(/cannot read states ".*nope": no such file/);
  });

  it('refuses a file larger than its kind allows, with both sizes', () => {
    const d = dir('big');
    writeFileSync(join(d, 'huge.json'), Buffer.alloc(READ_LIMITS.config + 1));
    expect(() => new Files().read(join(d, 'huge.json'), 'config')).toThrow(/64\.0 MiB, more than the 64\.0 MiB a config file may have/);
  });
});

describe('Files: writing', () => {
  it('writes nothing until commit, then every file at once, making missing folders', async () => {
    const d = dir('write');
    const out = join(d, 'deep', 'er');
    const f = new Files();
    f.write(join(out, 'a.txt'), 'A');
    f.write(join(out, 'b.bin'), new Uint8Array([1, 2, 3]));
    expect(existsSync(join(d, 'deep'))).toBe(false);
    f.commit();
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('A');
    expect([...readFileSync(join(out, 'b.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(out).sort()).toEqual(['a.txt', 'b.bin']); // no temporary file left behind
  });

  it('a body that throws leaves the folder as it was: old outputs kept, nothing new', async () => {
    const d = dir('fail');
    writeFileSync(join(d, 'report.json'), 'old');
    await expect(withFiles((files) => {
      files.write(join(d, 'report.json'), 'new');
      files.write(join(d, 'states.safetensors'), 'new');
      throw new Error('the dynamics diverged');
    })).rejects.toThrow('diverged');
    expect(readdirSync(d)).toEqual(['report.json']);
    expect(readFileSync(join(d, 'report.json'), 'utf8')).toBe('old');
  });

  it('never overwrites an input: by its name, a symlink to it, or a hard link', () => {
    const d = dir('clobber');
    const input = join(d, 'in.json');
    writeFileSync(input, '{}');
    symlinkSync(input, join(d, 'sym.json'));
    linkSync(input, join(d, 'hard.json'));
    const f = new Files();
    f.read(input, 'config');
    for (const out of [input, join(d, 'sym.json'), join(d, 'hard.json'), join(d, '.', 'in.json')]) {
      expect(() => f.write(out, 'x')).toThrow(/it is the input ".*in.json" of this command/);
    }
    expect(readFileSync(input, 'utf8')).toBe('{}');
  });

  it('refuses kernel filesystems and device nodes as destinations, and cleans up what it made on failure', () => {
    for (const target of ['/proc/hamux-test/out.json', '/sys/hamux-test/x', '/dev/hamux-test/x']) {
      const f = new Files();
      f.write(target, 'x');
      expect(() => f.commit()).toThrow(/refusing to write into ".*": it is inside a kernel filesystem/);
    }
    expect(() => new Files().write('/dev/null', 'x')).toThrow(/exists and is not a regular file/);
    // A folder made for a commit that then fails is removed again.
    const d = dir('cleanup');
    mkdirSync(join(d, 'taken'));
    const f = new Files();
    f.write(join(d, 'new', 'a.txt'), 'a');
    f.write(join(d, 'taken', 'x'), 'x');
    writeFileSync(join(d, 'taken', 'x'), 'keep');
    rmSync(join(d, 'taken'), { recursive: true });
    writeFileSync(join(d, 'taken'), 'a file where a folder is needed');
    expect(() => f.commit()).toThrow();
    expect(existsSync(join(d, 'new'))).toBe(false);
  });
});

describe('the built hamux keeps inputs and outputs apart', () => {
  const hamux = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [distCli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  const config = join(root, 'configs/models/classifier.json');

  it('eval --out onto its config or states, and inspect --svg onto its config, exit 1 and change nothing', () => {
    const d = dir('cli');
    writeFileSync(join(d, 'c.json'), readFileSync(config));
    const before = readFileSync(join(d, 'c.json'));
    let r = hamux(d, 'run', 'c.json', '--batch', '2', '--out', 'first');
    expect(r.status, r.stderr).toBe(0);
    const states = readFileSync(join(d, 'first/states.safetensors'));
    r = hamux(d, 'eval', 'c.json', '--states', 'first/states.safetensors', '--out', 'c.json');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to write "c.json": it is the input "c.json"/);
    r = hamux(d, 'eval', 'c.json', '--states', 'first/states.safetensors', '--out', './first/../first/states.safetensors');
    expect(r.status).toBe(1);
    r = hamux(d, 'inspect', 'c.json', '--svg', 'c.json');
    expect(r.status).toBe(1);
    expect(readFileSync(join(d, 'c.json'))).toEqual(before);
    expect(readFileSync(join(d, 'first/states.safetensors'))).toEqual(states);
  });

  it('a run that fails leaves an existing output folder exactly as it was', () => {
    const d = dir('cli-fail');
    writeFileSync(join(d, 'c.json'), readFileSync(config));
    expect(hamux(d, 'run', 'c.json', '--out', 'out').status).toBe(0);
    const snapshot = () => Object.fromEntries(readdirSync(join(d, 'out')).map((f) => [f, readFileSync(join(d, 'out', f)).toString('base64')]));
    const before = snapshot();
    // States of the wrong shape: the run fails after reading its inputs.
    writeFileSync(join(d, 'bad.safetensors'), readFileSync(join(d, 'out/report.json')));
    const r = hamux(d, 'run', 'c.json', '--input', 'bad.safetensors', '--out', 'out');
    expect(r.status).toBe(1);
    expect(snapshot()).toEqual(before);
  });

  it('reads no device through a symlink, and writes under /proc neither hanging nor writing', () => {
    const d = dir('cli-dev');
    symlinkSync('/dev/zero', join(d, 'zero.safetensors'));
    let r = hamux(d, 'run', config, '--input', 'zero.safetensors', '--out', 'o');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read states "zero.safetensors": not a regular file/);
    r = hamux(d, 'run', config, '--out', '/proc/hamux/out');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/kernel filesystem/);
  });

  it('ends quietly when its reader goes away, and says so when the disk is full', () => {
    const full = spawnSync('sh', ['-c', `"${process.execPath}" "${distCli}" schema > /dev/full`], { encoding: 'utf8' });
    expect(full.status).toBe(1);
    expect(full.stderr).toMatch(/cannot write to standard output: no space left/);
    const pipe = spawnSync('sh', ['-c', `"${process.execPath}" "${distCli}" inspect "${config}" | true`], { encoding: 'utf8' });
    expect(pipe.stderr).toBe(''); // no EPIPE stack trace
  });
});
