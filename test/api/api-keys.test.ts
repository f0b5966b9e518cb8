import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, send, startApi, type ApiInstance } from './support.ts';

let api: ApiInstance;

beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

describe('API keys API', () => {
  it('returns a new token once', async () => {
    const created = await api.call('POST', '/api-keys').send({ name: 'deploy' }).expect(201);
    expect(created.body).toMatchObject({
      userId: api.admin.id,
      name: 'deploy',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(created.body.token).toMatch(/^sesame_ak_[A-Za-z0-9_-]{43}$/);
    expect(created.headers.location).toBe(`/api/v1/api-keys/${created.body.id}`);

    const list = await api.call('GET', '/api-keys').expect(200);
    expect(list.body.apiKeys.map((key: { name: string }) => key.name).sort()).toEqual([
      'deploy',
      'test',
    ]);
    expect(list.text).not.toContain(created.body.token);
    expect(list.text).not.toMatch(/sesame_ak_|token/i);
    const one = list.body.apiKeys.find((key: { id: string }) => key.id === created.body.id);
    const { token: _token, ...withoutToken } = created.body;
    expect(one).toEqual(withoutToken);

    const [event] = await eventsOf(api.services, 'api_key_create').then((rows) => rows.slice(-1));
    expect(event?.actor).toBe('root (API key)');
    expect(event?.details).not.toContain(created.body.token);
  });

  it('authenticates with the new token', async () => {
    const created = await api.call('POST', '/api-keys').send({ name: 'deploy' }).expect(201);
    await send(api.sesame, 'GET', '/users')
      .set('Authorization', `Bearer ${created.body.token}`)
      .expect(200);
    const list = await api.call('GET', '/api-keys').expect(200);
    const used = list.body.apiKeys.find((key: { id: string }) => key.id === created.body.id);
    expect(used.lastUsedAt).not.toBeNull();
  });

  it('revokes a key', async () => {
    const created = await api.call('POST', '/api-keys').send({ name: 'deploy' }).expect(201);
    await api.call('DELETE', `/api-keys/${created.body.id}`).expect(204);
    await send(api.sesame, 'GET', '/users')
      .set('Authorization', `Bearer ${created.body.token}`)
      .expect(401);

    const again = await api.call('DELETE', `/api-keys/${created.body.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe(`Active API key ${created.body.id} not found`);
    const [event] = await eventsOf(api.services, 'api_key_revoke');
    expect(event?.actor).toBe('root (API key)');
  });

  it('rejects an invalid name', async () => {
    for (const name of ['', ' ', 'x'.repeat(101), 'tab\there']) {
      const answer = await api.call('POST', '/api-keys').send({ name });
      expect(answer.status, JSON.stringify(name)).toBe(400);
      expect(answer.body.error.field).toBe('name');
    }
    expect((await api.call('GET', '/api-keys')).body.apiKeys).toHaveLength(1);
  });
});
