import { describe, expect, it } from 'vitest';
import { urn } from './constants.ts';
import { setUp } from './harness.ts';
import { countRequests, findRequests, type RequestRecord } from './requests.ts';

async function withTraffic() {
  const api = setUp();
  const { body: user } = await api.post('/Users', { schemas: [urn.user], userName: 'a@x.test' });
  await api.post('/Users', { schemas: [urn.user], userName: 'a@x.test' });
  await api.get(`/Users?filter=${encodeURIComponent('userName eq "a@x.test"')}`);
  await api.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'active', value: false }]);
  await api.post('/Groups', { schemas: [urn.group], displayName: 'eng' });
  return { api, user };
}

describe('Databricks SCIM emulator: request log', () => {
  it('counts requests by method and resource', async () => {
    const { api } = await withTraffic();
    const { requests } = api.scim;

    expect(countRequests(requests, { method: 'POST', resource: 'Users' })).toBe(2);
    expect(countRequests(requests, { method: 'post' })).toBe(3);
    expect(countRequests(requests, { resource: 'Groups' })).toBe(1);
    expect(countRequests(requests, { resource: 'ServicePrincipals' })).toBe(0);
    expect(countRequests(requests, {})).toBe(5);
  });

  it('selects by id, status and path pattern', async () => {
    const { api, user } = await withTraffic();
    const { requests } = api.scim;

    expect(findRequests(requests, { id: user.id })).toEqual([
      expect.objectContaining({ method: 'PATCH', status: 200 }),
    ]);
    expect(countRequests(requests, { method: 'POST', status: 409 })).toBe(1);
    expect(countRequests(requests, { path: /\?filter=/ })).toBe(1);
    expect(countRequests(requests, { path: /\?filter=/g })).toBe(1);
  });

  it('tells a list from a read of one resource', () => {
    const record = (path: string): RequestRecord => ({
      method: 'GET',
      path,
      body: {},
      status: 200,
    });
    const requests = [
      record('/api/2.0/preview/scim/v2/Users?startIndex=1'),
      record('/api/2.0/preview/scim/v2/Users/100001'),
      record('/api/2.0/preview/scim/v2/Me'),
    ];

    expect(findRequests(requests, { resource: 'Users' })).toHaveLength(2);
    expect(findRequests(requests, { resource: 'Users', id: '100001' })).toEqual([requests[1]]);
    expect(findRequests(requests, { resource: 'Me' })).toEqual([requests[2]]);
  });

  it('clears the log in place', async () => {
    const { api } = await withTraffic();
    const log = api.scim.requests;
    api.scim.clearRequests();

    expect(log).toHaveLength(0);
    await api.get('/Groups');
    expect(log).toEqual([expect.objectContaining({ method: 'GET', status: 200 })]);
  });

  it('passes each record to onRequest', async () => {
    const seen: RequestRecord[] = [];
    const api = setUp({ onRequest: (record) => seen.push(record) });
    await api.get('/Users');

    expect(seen).toEqual(api.scim.requests);
    expect(seen).toHaveLength(1);
  });
});
