/** What a report states about where it was measured, so that two runs can be compared. */
import { execFileSync } from 'node:child_process';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { BackendReport } from '@hamux-ts/backends';
import { tf } from '@hamux-ts/core';
import cliPackage from '../../package.json' with { type: 'json' };

export interface Environment {
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number; readonly os: string };
  readonly node: string;
  readonly tfjs: string;
  readonly hamux: string;
  /** `git describe`-style commit of the working directory, when it is a git checkout. */
  readonly commit?: string;
  readonly backend: { readonly name: string; readonly kernels?: BackendReport['kernels']; readonly adapter?: BackendReport['adapter'] };
  /** 1-, 5- and 15-minute load averages when the run started (the machine may be shared). */
  readonly loadAverage: readonly number[];
}

/** The commit checked out in the current directory (with `-dirty` when files differ), if any. */
function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=10'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

export const loadAverage = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

export function environment(backend: BackendReport): Environment {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const commit = gitCommit();
  return {
    machine: { cpu, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${release()} ${arch()}` },
    node: process.version,
    tfjs: tf.version_core,
    hamux: cliPackage.version,
    ...(commit ? { commit } : {}),
    backend: { name: backend.chosen, ...(backend.kernels ? { kernels: backend.kernels } : {}), ...(backend.adapter ? { adapter: backend.adapter } : {}) },
    loadAverage: loadAverage(),
  };
}

/** One line: machine, Node, tfjs, hamux, backend and its matrix product. */
export function environmentLine(e: Environment): string {
  const gemm = e.backend.kernels ? ` (matrix products: ${e.backend.kernels.gemm})` : '';
  return `${e.machine.cpu}, ${e.machine.cores} cores, ${e.machine.memoryGiB} GiB, ${e.machine.os}; Node ${e.node}; tfjs ${e.tfjs}; hamux ${e.hamux}${e.commit ? ` (${e.commit})` : ''}; backend ${e.backend.name}${gemm}`;
}
