import { closeSync, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync, rmdirSync, statSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { InputError } from './errors.js';

/** The largest file of each kind a command reads: a guard against devices, FIFOs and runaway files. */
export const READ_LIMITS = {
  config: 64 * 2 ** 20,
  suite: 64 * 2 ** 20,
  report: 256 * 2 ** 20,
  states: 2 ** 31 - 1,
  weights: 2 ** 31 - 1,
} as const;
export type InputKind = keyof typeof READ_LIMITS;

// Kernel filesystems no output belongs in (statfs magic numbers): proc, sysfs, cgroup (v1, v2),
// debugfs, securityfs, tracefs, devpts. Node's recursive mkdir loops forever under /proc.
const SPECIAL_FS = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x73636673, 0x74726163, 0x1cd1]);

const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 3 : 1)} MiB`;
const why = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
};

/** A file's identity, so that a hard link or a symlink to an input is recognised as that input. */
const identity = (st: { dev: number; ino: number }) => `${st.dev}:${st.ino}`;

/**
 * The files one command reads and writes. Inputs are read whole, only from regular files and up to
 * a size limit. Outputs are staged: nothing is written until `commit`, which writes each to a
 * temporary name beside its destination and renames them all into place, so a command that fails
 * leaves its output folder as it was, and no output may be one of the command's inputs.
 */
export class Files {
  readonly #inputs = new Map<string, string>();
  readonly #outputs = new Map<string, Uint8Array | string>();

  /** A regular file's bytes (at most `READ_LIMITS[kind]`), or an `InputError` naming the file and why. */
  read(path: string, kind: InputKind): Uint8Array {
    const limit = READ_LIMITS[kind];
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError([], `cannot read ${kind} "${path}": ${why(e)}`, 'io');
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new InputError([], `cannot read ${kind} "${path}": not a regular file (a ${st.isDirectory() ? 'directory' : 'device, FIFO or socket'})`, 'io');
      if (st.size > limit) throw new InputError([], `cannot read ${kind} "${path}": ${mib(st.size)}, more than the ${mib(limit)} a ${kind} file may have`, 'io');
      this.#inputs.set(identity(st), path);
      const bytes = new Uint8Array(st.size);
      for (let at = 0; at < bytes.length; ) {
        const n = readSync(fd, bytes, at, bytes.length - at, at);
        if (n === 0) throw new InputError([], `cannot read ${kind} "${path}": it shrank while being read`, 'io');
        at += n;
      }
      return bytes;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError([], `cannot read ${kind} "${path}": ${why(e)}`, 'io');
    } finally {
      closeSync(fd);
    }
  }

  /** Stages an output (written by `commit`); refuses a destination that is an input or not a regular file. */
  write(path: string, data: Uint8Array | string): void {
    const target = resolve(path);
    if (existsSync(target)) {
      const st = statSync(target);
      const input = this.#inputs.get(identity(st));
      if (input !== undefined) throw new InputError([], `refusing to write "${path}": it is the input "${input}" of this command`, 'io');
      if (!st.isFile()) throw new InputError([], `refusing to write "${path}": it exists and is not a regular file`, 'io');
    }
    if (this.#outputs.has(target)) throw new InputError([], `refusing to write "${path}" twice in one command`, 'io');
    this.#outputs.set(target, data);
  }

  /**
   * Writes every staged output: folders made one level at a time (never inside a kernel
   * filesystem), each file written to a temporary name and then renamed into place. On any failure
   * the temporary files and the folders it made are removed and an `InputError` says why.
   */
  commit(): void {
    const made: string[] = [];
    const temps: string[] = [];
    try {
      for (const target of this.#outputs.keys()) makeFolder(dirname(target), made);
      for (const [target, data] of this.#outputs) {
        const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
        writeFileSync(temp, data, { flag: 'wx' });
        temps.push(temp);
      }
      // Renames cannot run out of space: once every temporary file is written, put them in place.
      [...this.#outputs.keys()].forEach((target, i) => renameSync(temps[i]!, target));
      temps.length = 0;
    } catch (e) {
      for (const t of temps) try { unlinkSync(t); } catch { /* already gone */ }
      for (const d of made.reverse()) try { rmdirSync(d); } catch { /* not empty or gone */ }
      throw e instanceof InputError ? e : new InputError([], `cannot write the outputs: ${(e as Error).message}`, 'io');
    } finally {
      this.#outputs.clear();
    }
  }
}

/** Makes `dir` and its missing parents one level at a time, recording what it made; refuses kernel filesystems. */
function makeFolder(dir: string, made: string[]): void {
  const missing: string[] = [];
  let existing = dir;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const up = dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  const real = realpathSync(existing);
  if (!lstatSync(real).isDirectory()) throw new InputError([], `cannot write into "${dir}": "${existing}" is not a folder`, 'io');
  if (real === '/dev' || real.startsWith(`/dev${sep}`) || SPECIAL_FS.has(Number(statfsSync(real).type))) {
    throw new InputError([], `refusing to write into "${dir}": it is inside a kernel filesystem (${real})`, 'io');
  }
  for (const d of missing) {
    mkdirSync(d);
    made.push(d);
  }
}

/** Runs `body` with a fresh `Files`; commits the outputs if it returns, writes nothing if it throws. */
export async function withFiles<T>(body: (files: Files) => T | Promise<T>): Promise<T> {
  const files = new Files();
  const result = await body(files);
  files.commit();
  return result;
}
