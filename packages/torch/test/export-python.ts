// Runs Python with PyTorch for the export tests: Debian's /usr/bin/python3 (python3-torch), else the
// python3 on PATH. Without PyTorch the tests fail, saying what to install: they are never skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const interpreter = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' };

/** What a Python run printed; throws, with its output, unless it exited 0. */
export function runPython(args: readonly string[], cwd: string, timeout = 120_000): string {
  const r = spawnSync(interpreter, args, { cwd, env, encoding: 'utf8', timeout });
  if (r.error) throw new Error(`${interpreter} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${interpreter} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The PyTorch version, or an error saying to install python3-torch (scripts/ensure-system-deps.mjs installs it). */
export function requireTorch(): string {
  const r = spawnSync(interpreter, ['-c', 'import torch; print(torch.__version__)'], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) {
    throw new Error(
      `the PyTorch export tests need Python with PyTorch, and ${interpreter} has none (${r.error?.message ?? r.stderr.trim().split('\n').pop()}): ` +
        'install Debian\'s python3-torch (sudo apt-get install python3-torch, or node scripts/ensure-system-deps.mjs)',
    );
  }
  return r.stdout.trim();
}
