import http from 'node:http';
import type { HttpLoadMessage, HttpLoadOptions } from './http-load.ts';

/**
 * The load client, run as a child process by `runHttpLoad`. It receives its options over IPC,
 * sends the warm-up requests and then the timed ones from `concurrency` keep-alive connections,
 * and sends back each timed request's latency. The first failed response stops the run.
 */

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

process.once('message', (options: HttpLoadOptions) => {
  drive(options).then(
    (result) => finish({ kind: 'done', ...result }),
    (error: unknown) =>
      finish({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});

function finish(message: HttpLoadMessage) {
  process.send!(message, () => process.disconnect());
}

async function drive(options: HttpLoadOptions) {
  const host = new URL(options.url).hostname;
  if (!loopbackHosts.has(host)) {
    throw new Error(
      `${options.url} is not a loopback address. The load client sends only to 127.0.0.1, localhost or [::1]`,
    );
  }

  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    await runPhase(agent, options, options.warmupRequests, undefined);
    const latenciesMs: number[] = [];
    const start = performance.now();
    await runPhase(agent, options, options.requests, latenciesMs);
    return { latenciesMs, elapsedMs: performance.now() - start };
  } finally {
    agent.destroy();
  }
}

/** Sends `count` requests from `concurrency` clients in turn, until done or the time cap. */
async function runPhase(
  agent: http.Agent,
  options: HttpLoadOptions,
  count: number,
  latenciesMs?: number[],
) {
  const deadline = performance.now() + options.timeCapMs;
  let sent = 0;
  let failed = false;

  const client = async () => {
    while (!failed && sent < count && performance.now() < deadline) {
      sent++;
      const start = performance.now();
      await sendOnce(agent, options).catch((error: unknown) => {
        failed = true;
        throw error;
      });
      latenciesMs?.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
}

function sendOnce(agent: http.Agent, options: HttpLoadOptions): Promise<void> {
  const body = Buffer.from(options.body);
  const headers = { ...options.headers, 'content-length': String(body.length) };

  return new Promise((resolve, reject) => {
    const request = http.request(options.url, { method: 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode === 200 && text.includes(options.expectedBodyText))
          return resolve();
        reject(new Error(describeFailure(options, response.statusCode, text)));
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

// A failed response carries no assertion, so its page title is safe to show and names the error.
function describeFailure(options: HttpLoadOptions, status: number | undefined, text: string) {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  const detail = title ?? text.slice(0, 200).replace(/\s+/g, ' ');
  const path = new URL(options.url).pathname;
  const expected = `200 and a body containing '${options.expectedBodyText}'`;
  return `POST ${path} returned status ${status}, expected ${expected}. Page: ${detail}`;
}
