import { fork } from 'node:child_process';
import { median, percentile } from './measure.ts';

/** A load run of one POST request, repeated by concurrent keep-alive clients. */
export interface HttpLoadOptions {
  /** Target URL, which must be a loopback address. The client rejects any other host. */
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  /** Requests sent before timing starts, so the server's JIT and caches settle. */
  warmupRequests: number;
  /** Requests timed, unless the time cap stops the run first. */
  requests: number;
  timeCapMs: number;
  /** Text that every response body must contain. A response without it, or with a status other than 200, fails the run. */
  expectedBodyText: string;
}

/** Message from the client process to this one over IPC. */
export type HttpLoadMessage =
  { kind: 'done'; latenciesMs: number[]; elapsedMs: number } | { kind: 'failed'; message: string };

export interface HttpLoadResult {
  concurrency: number;
  requests: number;
  opsPerSecond: number;
  /** Wall time per completed request at that throughput: 1 / throughput, in microseconds. */
  meanMicros: number;
  meanLatencyMs: number;
  medianLatencyMs: number;
  p99LatencyMs: number;
  stoppedByTimeCap: boolean;
}

/**
 * Runs the load client in a child process, so that on a machine with few cores the client's own
 * work does not run on the server's event loop and inflate the server's figures.
 */
export function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  // fork() passes on this process's execArgv, which carries tsx's loader to the child.
  const child = fork(new URL('./http-load-client.ts', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    child.once('message', (message: HttpLoadMessage) => {
      settled = true;
      if (message.kind === 'failed') reject(new Error(`HTTP load failed: ${message.message}`));
      else resolve(summarize(options, message));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!settled)
        reject(
          new Error(`HTTP load client exited (code ${code}, signal ${signal}) without a result`),
        );
    });
    child.send(options);
  });
}

function summarize(
  options: HttpLoadOptions,
  message: { latenciesMs: number[]; elapsedMs: number },
): HttpLoadResult {
  const sorted = [...message.latenciesMs].sort((a, b) => a - b);
  const requests = sorted.length;
  const opsPerSecond = (requests * 1000) / message.elapsedMs;

  return {
    concurrency: options.concurrency,
    requests,
    opsPerSecond,
    meanMicros: 1e6 / opsPerSecond,
    meanLatencyMs: sorted.reduce((sum, value) => sum + value, 0) / requests,
    medianLatencyMs: median(sorted),
    p99LatencyMs: percentile(sorted, 99),
    stoppedByTimeCap: requests < options.requests,
  };
}
