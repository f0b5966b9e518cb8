import { afterEach, describe, expect, it, vi } from 'vitest';
import { urn } from './constants.ts';
import type { FaultSettings } from './faults.ts';
import { errorOf, setUp, token } from './harness.ts';
import { startDatabricksScim, type DatabricksScimServer } from './server.ts';

const unavailable = errorOf(503, 'The service is temporarily unavailable.');
const tooMany = errorOf(429, 'Too many requests.');

async function statusesOf(api: ReturnType<typeof setUp>, count: number): Promise<number[]> {
  const statuses = [];
  for (let i = 0; i < count; i += 1) statuses.push((await api.get('/Users')).status);
  return statuses;
}

describe('Databricks SCIM emulator: faults changed at runtime', () => {
  it('returns 503 for N requests, then recovers', async () => {
    const api = setUp();
    expect((await api.get('/Users')).status).toBe(200);
    api.scim.faults.set({ unavailable: { requests: 2 } });

    const first = await api.get('/Users');
    expect(first.status).toBe(503);
    expect(first.body).toEqual(unavailable);
    expect(first.headers['retry-after']).toBeUndefined();
    expect(await statusesOf(api, 2)).toEqual([503, 200]);
  });

  it('sends Retry-After on 503 when configured', async () => {
    const api = setUp({ faults: { unavailable: { requests: 1, retryAfterSeconds: 3 } } });
    const res = await api.get('/Users');

    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
  });

  it.each([
    ['without Retry-After', undefined, undefined],
    ['with Retry-After', 0, '0'],
  ])('returns a 429 storm %s', async (_case, retryAfterSeconds, header) => {
    const api = setUp();
    api.scim.faults.set({ tooManyRequests: { requests: 3, retryAfterSeconds } });
    const res = await api.get('/Users');

    expect(res.status).toBe(429);
    expect(res.body).toEqual(tooMany);
    expect(res.headers['retry-after']).toBe(header);
    expect(await statusesOf(api, 3)).toEqual([429, 429, 200]);
  });

  it('keeps a fault without requests on until it is cleared', async () => {
    const api = setUp();
    api.scim.faults.set({ tooManyRequests: {} });
    expect(await statusesOf(api, 5)).toEqual([429, 429, 429, 429, 429]);

    api.scim.faults.clear();
    expect((await api.get('/Users')).status).toBe(200);
  });

  it('tries 503 before 429, so each storm takes its own requests', async () => {
    const api = setUp();
    api.scim.faults.set({ unavailable: { requests: 2 }, tooManyRequests: { requests: 1 } });

    expect(await statusesOf(api, 4)).toEqual([503, 503, 429, 200]);
  });

  it('reports the requests each fault has left', async () => {
    const api = setUp();
    api.scim.faults.set({ unavailable: { requests: 3, retryAfterSeconds: 1 }, nullDetailEvery: 9 });
    await api.get('/Users');

    expect(api.scim.faults.current()).toEqual({
      unavailable: { requests: 2, retryAfterSeconds: 1 },
      nullDetailEvery: 9,
    });
    await statusesOf(api, 2);
    expect(api.scim.faults.current()).toEqual({ nullDetailEvery: 9 });
  });

  it('restarts the every-Nth count when the settings change', async () => {
    const api = setUp({ faults: { requestLimitExceededEvery: 2 } });
    expect((await api.get('/Users')).status).toBe(200);

    api.scim.faults.set({ requestLimitExceededEvery: 2 });
    expect(await statusesOf(api, 2)).toEqual([200, 500]);
  });

  it('counts only the requests that pass the rate limit', async () => {
    const api = setUp({ ratePerSecond: 1 });
    api.scim.setClock(() => 5_000);
    api.scim.faults.set({ unavailable: { requests: 1 } });

    expect(await statusesOf(api, 2)).toEqual([503, 429]);
    expect(api.scim.faults.current()).toEqual({});
  });

  it.each([
    ['an unknown fault', { hangs: {} }, 'faults.hangs is not a fault'],
    ['zero requests', { hang: { requests: 0 } }, 'faults.hang.requests must be an integer of at'],
    [
      'a negative delay',
      { hang: { answerAfterMs: -1 } },
      'faults.hang.answerAfterMs must be an integer of at least 0; got -1',
    ],
    [
      'a fractional period',
      { nullDetailEvery: 1.5 },
      'faults.nullDetailEvery must be an integer of at least 1; got 1.5',
    ],
  ])('rejects %s and keeps the settings in force', (_case, settings, message) => {
    const api = setUp({ faults: { nullDetailEvery: 3 } });

    expect(() => api.scim.faults.set(settings as FaultSettings)).toThrow(message);
    expect(api.scim.faults.current()).toEqual({ nullDetailEvery: 3 });
  });
});

describe('Databricks SCIM emulator: a server that hangs', () => {
  let server: DatabricksScimServer;
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
  const newUser = JSON.stringify({ schemas: [urn.user], userName: 'alice@example.test' });

  afterEach(async () => {
    await server.close();
  });

  async function start(faults: FaultSettings) {
    server = await startDatabricksScim({ accountId: 'acc-1', tokens: [token], level: 'account' });
    server.scim.faults.set(faults);
  }

  it('sends no response to a hung request', async () => {
    await start({ hang: { requests: 1 } });
    const hung = fetch(`${server.baseUrl}/Users`, { headers, signal: AbortSignal.timeout(200) });

    await expect(hung).rejects.toThrow(/timeout|aborted/i);
    await vi.waitFor(() => expect(server.scim.requests).toHaveLength(1));
    expect(server.scim.requests[0]).toMatchObject({ method: 'GET', status: 0 });
    expect((await fetch(`${server.baseUrl}/Users`, { headers })).status).toBe(200);
  });

  it('responds after answerAfterMs', async () => {
    await start({ hang: { answerAfterMs: 150 } });
    const started = performance.now();
    const res = await fetch(`${server.baseUrl}/Users`, { headers });

    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('carries out a delayed POST after the client gives up', async () => {
    await start({ hang: { requests: 1, answerAfterMs: 300 } });
    const post = () => fetch(`${server.baseUrl}/Users`, { method: 'POST', headers, body: newUser });
    const abandoned = fetch(`${server.baseUrl}/Users`, {
      method: 'POST',
      headers,
      body: newUser,
      signal: AbortSignal.timeout(50),
    });

    await expect(abandoned).rejects.toThrow(/timeout|aborted/i);
    await vi.waitFor(() =>
      expect(server.scim.state.findUserByName('alice@example.test')).toBeDefined(),
    );
    expect((await post()).status).toBe(409);
  });

  it('ends hung requests promptly on close', async () => {
    await start({ hang: { requests: 1 } });
    const hung = fetch(`${server.baseUrl}/Users`, { headers });
    // The fault turns itself off once the server has taken its one request.
    await vi.waitFor(() => expect(server.scim.faults.current()).toEqual({}));

    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(hung).rejects.toThrow();
  });
});
