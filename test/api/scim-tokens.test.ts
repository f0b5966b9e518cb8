import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { by, eventsOf, send, startApi, type ApiInstance } from './support.ts';

let api: ApiInstance;

beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

describe('SCIM tokens API', () => {
  it('returns a new token once', async () => {
    const created = await api.call('POST', '/scim-tokens').send({ name: 'Workday' }).expect(201);
    expect(Object.keys(created.body).sort()).toEqual(['id', 'name', 'token']);
    expect(created.body.name).toBe('Workday');
    expect(created.body.token).toMatch(/^sesame_scim_[A-Za-z0-9_-]{43}$/);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(await api.services.scimTokens.authenticate(created.body.token)).toEqual({
      id: created.body.id,
      name: 'Workday',
    });

    const list = await api.call('GET', '/scim-tokens').expect(200);
    expect(list.text).not.toContain(created.body.token);
    expect(list.text).not.toContain('sesame_scim_');
    expect(list.body.scimTokens).toHaveLength(1);
    expect(list.body.scimTokens[0]).toMatchObject({
      id: created.body.id,
      name: 'Workday',
      createdBy: 'root (API key)',
      revokedAt: null,
    });
    expect(Object.keys(list.body.scimTokens[0]).sort()).toEqual([
      'createdAt',
      'createdBy',
      'id',
      'lastUsedAt',
      'name',
      'revokedAt',
    ]);
  });

  it('records the API key holder', async () => {
    const created = await api.call('POST', '/scim-tokens').send({ name: 'Workday' }).expect(201);
    const [event] = await eventsOf(api.services, 'scim_token_create');
    expect(event?.actor).toBe('root (API key)');
    expect(event?.details).not.toContain(created.body.token);
  });

  it('rejects an invalid name', async () => {
    const answer = await api.call('POST', '/scim-tokens').send({ name: ' ' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('input_invalid');
    expect(answer.body.error.message).toBe(
      'Invalid input: name must be 1-100 characters without control characters',
    );
    expect(await api.services.scimTokens.list()).toEqual([]);
  });

  it('rejects a body without a name', async () => {
    const answer = await api.call('POST', '/scim-tokens').send({ label: 'Workday' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('input_invalid');
    expect(await api.services.scimTokens.list()).toEqual([]);
  });

  it('revokes a token', async () => {
    const created = await api.services.scimTokens.create('Workday', by);
    await api.call('DELETE', `/scim-tokens/${created.id}`).expect(204);
    expect(await api.services.scimTokens.authenticate(created.token)).toBeUndefined();
    const [event] = await eventsOf(api.services, 'scim_token_revoke');
    expect(event?.actor).toBe('root (API key)');

    const again = await api.call('DELETE', `/scim-tokens/${created.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe(`Active SCIM token ${created.id} not found`);
  });

  it('requires an API key', async () => {
    await send(api.sesame, 'GET', '/scim-tokens').expect(401);
    await send(api.sesame, 'POST', '/scim-tokens').send({ name: 'Workday' }).expect(401);
    expect(await api.services.scimTokens.list()).toEqual([]);
  });

  it('rejects a SCIM token as an API key', async () => {
    const created = await api.services.scimTokens.create('Workday', by);
    await send(api.sesame, 'GET', '/scim-tokens')
      .set('Authorization', `Bearer ${created.token}`)
      .expect(401);
  });
});
