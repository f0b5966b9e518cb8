import v8 from 'node:v8';
import vm from 'node:vm';

/** The process's memory at one moment, in MiB. */
export interface MemorySnapshot {
  label: string;
  rssMiB: number;
  /** V8 heap in use right after a full garbage collection, so only live objects count. */
  heapUsedMiB: number;
}

const mebibyte = 2 ** 20;

/**
 * Returns V8's `gc` function without `--expose-gc` on the command line: the flag set at run time
 * takes effect in contexts created afterwards, such as this new one.
 */
function loadGarbageCollector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

let collectGarbage: (() => void) | undefined;

/** Runs a full garbage collection, then reads the resident set size and the heap in use. */
export function snapshotMemory(label: string): MemorySnapshot {
  collectGarbage ??= loadGarbageCollector();
  collectGarbage();
  const usage = process.memoryUsage();
  return { label, rssMiB: usage.rss / mebibyte, heapUsedMiB: usage.heapUsed / mebibyte };
}

/** Peak resident set size of the process so far, in MiB. */
export function peakRssMiB(): number {
  // maxRSS is in kibibytes.
  return process.resourceUsage().maxRSS / 1024;
}
