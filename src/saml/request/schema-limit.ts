import { SesameError } from '../../errors.ts';

/**
 * Runs at most `concurrency` tasks at once and queues at most `maxQueued` more; beyond that,
 * new work is rejected at once with `server_busy`. Bounds the memory and CPU that anonymous
 * requests can make schema validation spend.
 */
export function createLimiter(concurrency: number, maxQueued: number) {
  let running = 0;
  const queue: Array<() => void> = [];

  const release = () => {
    running--;
    queue.shift()?.();
  };

  return async function limit<T>(task: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (queue.length >= maxQueued) {
        throw new SesameError(
          'server_busy',
          'Sesame is busy checking other sign-in requests; try again in a moment',
          {
            status: 503,
          },
        );
      }
      await new Promise<void>((resolve) => queue.push(resolve));
    }

    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
