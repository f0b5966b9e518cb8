import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** The machine and source tree behind a set of figures. */
export interface Machine {
  cpuModel: string;
  /** Cores this process may run on (`os.availableParallelism()`). */
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /**
   * Short commit hash, marked when the code that runs (src/, views/, bench/, the lock file) had
   * uncommitted changes; absent outside a git checkout.
   */
  commit?: string;
}

export function describeMachine(repositoryRoot: string): Machine {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: commitOf(repositoryRoot),
  };
}

export function formatMachine(machine: Machine): string {
  return [
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory`,
    `Node ${machine.node}`,
    machine.os,
  ].join('; ');
}

// /proc/cpuinfo names the model on Linux x86; other systems fall back to what Node reports.
function cpuModel(): string {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    const model = line?.split(':')[1]?.trim();
    if (model) return model;
  } catch {
    // Not Linux, or /proc is not mounted.
  }
  return os.cpus()[0]?.model.trim() || 'unknown CPU';
}

const measuredPaths = ['src', 'views', 'bench', 'package-lock.json'];

function commitOf(repositoryRoot: string): string | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repositoryRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const hash = git('rev-parse', '--short', 'HEAD');
    const changes = git('status', '--porcelain', '--', ...measuredPaths);
    return changes === '' ? hash : `${hash} with uncommitted changes`;
  } catch {
    return undefined;
  }
}
