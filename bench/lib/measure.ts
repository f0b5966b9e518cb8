/** One operation to time, such as signing a Response. */
export interface Operation {
  name: string;
  /** Performs the operation once. A returned promise is awaited before the next call. */
  run: () => unknown;
}

export interface MeasureOptions {
  /** Time each operation runs untimed before the first round, so the JIT and caches settle. */
  warmupMs: number;
  rounds: number;
  /** Time each operation runs in each round. */
  roundMs: number;
}

export interface Throughput {
  name: string;
  /** Operations timed, over all rounds. */
  operations: number;
  /** Median of the rounds' rates, which a burst of load from other processes moves least. */
  opsPerSecond: number;
  /** Mean time per operation at the median rate: 1 / opsPerSecond, in microseconds. */
  meanMicros: number;
  /** Spread of the rounds' rates, (max - min) / median, in percent. */
  spreadPercent: number;
}

/**
 * Measures the throughput of each operation in rounds that take turns, so a change in CPU speed
 * or background load during the run shifts every operation alike, not only the one that ran last.
 */
export async function measureInterleaved(
  operations: readonly Operation[],
  options: MeasureOptions,
): Promise<Throughput[]> {
  for (const operation of operations) await runFor(operation.run, options.warmupMs);

  const rounds = operations.map(() => [] as Array<{ count: number; elapsedMs: number }>);
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, operation] of operations.entries()) {
      rounds[index]!.push(await runFor(operation.run, options.roundMs));
    }
  }

  return operations.map((operation, index) => summarize(operation.name, rounds[index]!));
}

async function runFor(run: () => unknown, durationMs: number) {
  const start = performance.now();
  let now = start;
  let count = 0;

  do {
    const result = run();
    // Awaiting only real promises keeps a microtask hop out of the timing of synchronous work.
    if (result instanceof Promise) await result;
    count++;
    now = performance.now();
  } while (now - start < durationMs);

  return { count, elapsedMs: now - start };
}

function summarize(name: string, rounds: Array<{ count: number; elapsedMs: number }>): Throughput {
  const rates = rounds.map((round) => (round.count * 1000) / round.elapsedMs).sort((a, b) => a - b);
  const opsPerSecond = median(rates);

  return {
    name,
    operations: rounds.reduce((sum, round) => sum + round.count, 0),
    opsPerSecond,
    meanMicros: 1e6 / opsPerSecond,
    spreadPercent: ((rates.at(-1)! - rates[0]!) / opsPerSecond) * 100,
  };
}

/** Returns the median of values sorted in ascending order. */
export function median(sortedValues: readonly number[]): number {
  if (sortedValues.length === 0) throw new Error('median needs at least one value');
  const middle = sortedValues.length / 2;
  return Number.isInteger(middle)
    ? (sortedValues[middle - 1]! + sortedValues[middle]!) / 2
    : sortedValues[Math.floor(middle)]!;
}

/** Returns the nearest-rank percentile `p` (0 to 100) of values sorted in ascending order. */
export function percentile(sortedValues: readonly number[], p: number): number {
  if (sortedValues.length === 0) throw new Error('percentile needs at least one value');
  const rank = Math.ceil((p / 100) * sortedValues.length);
  return sortedValues[Math.min(Math.max(rank, 1), sortedValues.length) - 1]!;
}
