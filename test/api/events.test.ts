import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { eventsOf, startApi, type ApiInstance } from './support.ts';

let api: ApiInstance;

beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

interface EventJson {
  id: number;
  time: string;
  type: string;
  outcome: string;
  actor: string | null;
}

async function listEvents(query: string) {
  const answer = await api.call('GET', `/events${query}`).expect(200);
  return answer.body as { total: number; page: number; pageSize: number; events: EventJson[] };
}

async function recordFailure() {
  await api.services.insights.record({
    type: 'user_login_attempt',
    outcome: 'failure',
    actor: 'mallory',
    username: 'mallory',
    errorCode: 'invalid_credentials',
  });
}

describe('events API', () => {
  it('lists events newest first with paging', async () => {
    for (const name of ['a', 'b', 'c']) {
      await api.call('POST', '/groups').send({ name }).expect(201);
    }
    // root's user_create and api_key_create, then three group_create.
    const first = await listEvents('?pageSize=2');
    expect(first.total).toBe(5);
    expect(first.page).toBe(1);
    expect(first.pageSize).toBe(2);
    expect(first.events.map((event) => event.type)).toEqual(['group_create', 'group_create']);

    const last = await listEvents('?pageSize=2&page=3');
    expect(last.events.map((event) => event.type)).toEqual(['user_create']);
    expect(last.page).toBe(3);

    const defaults = await listEvents('');
    expect(defaults.pageSize).toBe(50);
    expect(defaults.events).toHaveLength(5);
  });

  it('filters by type, outcome, user and application', async () => {
    await api.call('POST', '/groups').send({ name: 'engineers' }).expect(201);
    await api
      .call('POST', '/applications')
      .send({ template: 'databricks', slug: 'databricks', displayLabel: 'Databricks' })
      .expect(201);
    await recordFailure();

    const groups = await listEvents('?type=group_create');
    expect(groups.total).toBe(1);
    expect(groups.events[0]?.actor).toBe('root (API key)');

    const failures = await listEvents('?outcome=failure');
    expect(failures.events.map((event) => event.actor)).toEqual(['mallory']);
    const mallory = await listEvents('?user=MALLORY');
    expect(mallory.total).toBe(1);
    const databricks = await listEvents('?application=databricks');
    expect(databricks.events.map((event) => event.type)).toEqual(['application_create']);
  });

  it('filters by time with offsets converted to UTC', async () => {
    await recordFailure();
    const [event] = (await listEvents('?outcome=failure')).events;
    const time = new Date(event!.time);
    // The same instant written in UTC+02:00.
    const local = new Date(time.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');

    expect((await listEvents(`?outcome=failure&from=${encodeURIComponent(local)}`)).total).toBe(1);
    expect((await listEvents(`?outcome=failure&to=${encodeURIComponent(local)}`)).total).toBe(0);
    const later = new Date(time.getTime() + 1000).toISOString();
    expect((await listEvents(`?outcome=failure&from=${later}`)).total).toBe(0);
    expect((await listEvents(`?outcome=failure&to=${later}`)).total).toBe(1);
  });

  it('offers no way to write or delete events', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const answer = await api.call(method, '/events');
      expect(answer.status).toBe(404);
    }
    await api.call('DELETE', '/events/1').expect(404);
  });
});

describe('certificate API', () => {
  it('returns the IdP certificate and records the download', async () => {
    const answer = await api.call('GET', '/certificate').expect(200);
    const { signingKey } = api.services;
    expect(answer.body).toEqual({
      pem: signingKey.certificatePem,
      notAfter: signingKey.notAfter.toISOString(),
      fingerprintSha256: signingKey.fingerprintSha256,
    });
    expect(new X509Certificate(answer.body.pem).fingerprint256).toBe(signingKey.fingerprintSha256);
    expect(answer.text).not.toMatch(/PRIVATE KEY/);

    const [event] = await eventsOf(api.services, 'certificate_download');
    expect(event?.actor).toBe('root (API key)');
    expect(JSON.parse(event!.details)).toEqual({
      file: 'certificate.pem',
      notAfter: signingKey.notAfter.toISOString(),
    });
  });
});
