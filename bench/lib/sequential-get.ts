import http from 'node:http';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One response, with the time from sending the request to its last body byte. */
export interface TimedResponse {
  status: number | undefined;
  body: string;
  latencyMs: number;
}

/**
 * Creates a client that sends GET requests one at a time over a single keep-alive connection.
 * The timer stops when the last byte of the body arrives, so a caller's parsing and checks are
 * not part of the latency.
 */
export function createSequentialClient(origin: string, headers: Record<string, string>) {
  const host = new URL(origin).hostname;
  if (!loopbackHosts.has(host)) {
    throw new Error(
      `${origin} is not a loopback address. The client sends only to 127.0.0.1, localhost or [::1]`,
    );
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  const get = (pathAndQuery: string): Promise<TimedResponse> =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      const request = http.get(`${origin}${pathAndQuery}`, { agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const latencyMs = performance.now() - start;
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode, body, latencyMs });
        });
      });
      request.on('error', reject);
    });

  return { get, close: () => agent.destroy() };
}
