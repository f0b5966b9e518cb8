import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestLimitDetail, urn } from './constants.ts';
import { accountId, errorOf, setUp, token } from './harness.ts';

const newUser = { schemas: [urn.user], userName: 'alice@example.test' };

describe('Databricks SCIM emulator: paths, tokens and content types', () => {
  it.each([
    `/api/2.0/accounts/${accountId}/scim/v2/Users`,
    `/api/2.1/accounts/${accountId}/scim/v2/Users`,
    '/api/2.0/account/scim/v2/Users',
  ])('serves account-level users at %s', async (path) => {
    const { scim } = setUp();
    const res = await request(scim.app).get(path).set('Authorization', `Bearer ${token}`);

    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual([urn.listResponse]);
  });

  it('serves workspace-level users under /api/2.0/preview/scim/v2 only', async () => {
    const { scim } = setUp({ level: 'workspace' });
    const auth = { Authorization: `Bearer ${token}` };

    expect((await request(scim.app).get('/api/2.0/preview/scim/v2/Users').set(auth)).status).toBe(
      200,
    );
    const account = await request(scim.app)
      .get(`/api/2.0/accounts/${accountId}/scim/v2/Users`)
      .set(auth);
    expect(account.status).toBe(404);
    const viaWorkspaceHost = await request(scim.app)
      .get('/api/2.0/account/scim/v2/Users')
      .set(auth);
    expect(viaWorkspaceHost.status).toBe(404);
  });

  it('serves account data without the account ID', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);
    const res = await request(api.scim.app)
      .get(`/api/2.0/account/scim/v2/Users/${created.id}`)
      .set('Authorization', `Bearer ${token}`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
  });

  it.each([
    ['no Authorization header', undefined],
    ['an unknown token', 'Bearer wrong'],
    ['a non-bearer scheme', `Basic ${token}`],
  ])('answers %s with a 401 SCIM error', async (_case, authorization) => {
    const { scim, base } = setUp();
    const call = request(scim.app).get(`${base}/Users`);
    const res = await (authorization ? call.set('Authorization', authorization) : call);

    expect(res.status).toBe(401);
    expect(res.body).toEqual(errorOf(401, 'Invalid or missing bearer token.'));
  });

  it('answers an unknown account ID with 404', async () => {
    const { scim } = setUp();
    const res = await request(scim.app)
      .get('/api/2.0/accounts/not-this-account/scim/v2/Users')
      .set('Authorization', `Bearer ${token}`);

    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorOf(404, 'Account not-this-account not found.'));
  });

  it.each(['application/json', 'application/scim+json; charset=utf-8'])(
    'reads a body sent as %s',
    async (contentType) => {
      const { scim, base } = setUp();
      const res = await request(scim.app)
        .post(`${base}/Users`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', contentType)
        .send(JSON.stringify(newUser));

      expect(res.status).toBe(201);
    },
  );

  it('answers malformed JSON with 400 invalidSyntax', async () => {
    const { scim, base } = setUp();
    const res = await request(scim.app)
      .post(`${base}/Users`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send('{"schemas":');

    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidSyntax');
  });

  it('logs every request with method, path, body and status', async () => {
    const api = setUp();
    await api.post('/Users', newUser);
    await api.get('/Users/1');

    expect(api.scim.requests).toEqual([
      { method: 'POST', path: `${api.base}/Users`, body: newUser, status: 201 },
      { method: 'GET', path: `${api.base}/Users/1`, body: undefined, status: 404 },
    ]);
  });
});

describe('Databricks SCIM emulator: rate limits and faults', () => {
  it('answers the 26th request within a second with 429 and no Retry-After', async () => {
    const api = setUp();
    api.scim.setClock(() => 5_000);
    const statuses = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await api.get('/Users')).status);

    expect(statuses.every((status) => status === 200)).toBe(true);
    const limited = await api.get('/Users');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(errorOf(429, 'Too many requests.'));
    expect(limited.headers['retry-after']).toBeUndefined();
  });

  it('refills the bucket as the clock moves and sends Retry-After when configured', async () => {
    const api = setUp({ ratePerSecond: 2, retryAfterSeconds: 1 });
    let now = 5_000;
    api.scim.setClock(() => now);
    await api.get('/Users');
    await api.get('/Users');

    const limited = await api.get('/Users');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    now += 500;
    expect((await api.get('/Users')).status).toBe(200);
  });

  it('applies a lower per-method limit', async () => {
    const api = setUp({ perMethodRates: { PATCH: 1 } });
    api.scim.setClock(() => 5_000);
    const { body: user } = await api.post('/Users', newUser);
    const patch = [{ op: 'replace', path: 'displayName', value: 'A' }];

    expect((await api.patch(`/Users/${user.id}`, patch)).status).toBe(200);
    expect((await api.patch(`/Users/${user.id}`, patch)).status).toBe(429);
    expect((await api.get(`/Users/${user.id}`)).status).toBe(200);
  });

  it('fails every Nth request with 500 REQUEST_LIMIT_EXCEEDED', async () => {
    const api = setUp({ faults: { requestLimitExceededEvery: 3 } });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await api.get('/Users')).status);

    expect(statuses).toEqual([200, 200, 500]);
    const res = await api.get('/Users');
    expect(res.status).toBe(200);
    expect(api.scim.requests[2]?.status).toBe(500);
  });

  it('sends the REQUEST_LIMIT_EXCEEDED body exactly', async () => {
    const api = setUp({ faults: { requestLimitExceededEvery: 1 } });
    const res = await api.get('/Users');

    expect(res.body).toEqual(errorOf(500, requestLimitDetail));
    expect(res.body.detail).toBe(
      'REQUEST_LIMIT_EXCEEDED: Workspace 1234 exceeded the concurrent limit of 4 requests.',
    );
  });

  it('fails every Nth request with 500 and detail "null"', async () => {
    const api = setUp({ faults: { nullDetailEvery: 2 } });
    await api.get('/Users');
    const res = await api.get('/Users');

    expect(res.status).toBe(500);
    expect(res.body).toEqual(errorOf(500, 'null'));
  });
});
