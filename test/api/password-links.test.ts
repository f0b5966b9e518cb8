import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPasswordLinks } from '../../src/directory/password-links.ts';
import type { User } from '../../src/directory/service.ts';
import { by, eventsOf, send, startApi, type ApiInstance } from './support.ts';

let api: ApiInstance;
let alice: User;

beforeEach(async () => {
  api = await startApi();
  alice = await api.services.directory.createUser(
    { username: 'alice', email: 'alice@example.com' },
    by,
  );
});
afterEach(() => api.close());

const linkRows = () => api.services.db.selectFrom('password_links').selectAll().execute();

describe('password link API', () => {
  it('creates a link and returns it once', async () => {
    const before = Date.now();
    const answer = await api.call('POST', `/users/${alice.id}/password-link`);
    const after = Date.now();

    expect(answer.status).toBe(201);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(Object.keys(answer.body).sort()).toEqual(['expiresAt', 'url']);
    expect(answer.body.url).toMatch(
      /^http:\/\/localhost:8080\/set-password\/sesame_pl_[A-Za-z0-9_-]{43}$/,
    );
    // The expiry is in whole seconds, 24 hours after the moment of creation.
    expect(Date.parse(answer.body.expiresAt)).toBeGreaterThan(before - 1000 + 86_400_000);
    expect(Date.parse(answer.body.expiresAt)).toBeLessThanOrEqual(after + 86_400_000);

    const token = String(answer.body.url).split('/').at(-1)!;
    const { db, insights } = api.services;
    const links = createPasswordLinks(db, insights, { ttlSeconds: 86_400 });
    expect(await links.inspect(token)).toEqual({ userId: alice.id, username: 'alice' });
  });

  it('records the API key holder as the actor', async () => {
    await api.call('POST', `/users/${alice.id}/password-link`).expect(201);
    const [event] = await eventsOf(api.services, 'user_update');
    expect(event?.actor).toBe('root (API key)');
    expect(event?.user_id).toBe(alice.id);
    expect(JSON.parse(event?.details ?? '')).toEqual({ passwordLink: 'created' });
  });

  it('accepts an empty JSON body', async () => {
    await api.call('POST', `/users/${alice.id}/password-link`).send({}).expect(201);
  });

  it('rejects a body with fields', async () => {
    const answer = await api
      .call('POST', `/users/${alice.id}/password-link`)
      .send({ ttlSeconds: 60 });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('input_invalid');
    expect(await linkRows()).toHaveLength(0);
  });

  it('returns 404 for an unknown user', async () => {
    const answer = await api.call('POST', '/users/no-such-id/password-link');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      error: { code: 'not_found', message: 'User no-such-id not found' },
    });
    expect(await linkRows()).toHaveLength(0);
  });

  it('returns 409 for a suspended user', async () => {
    await api.services.directory.setStatusById(alice.id, 'suspended', by);
    const answer = await api.call('POST', `/users/${alice.id}/password-link`);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('conflict');
    expect(await linkRows()).toHaveLength(0);
  });

  it("rejects a demoted administrator's key", async () => {
    const { directory, apiKeys } = api.services;
    const former = await directory.createUser(
      { username: 'former', email: 'former@example.com', isAdmin: true },
      by,
    );
    const { token } = await apiKeys.create(former.id, 'former', by);
    await directory.setAdmin(former.id, false, by);

    const answer = await send(api.sesame, 'POST', `/users/${alice.id}/password-link`).set(
      'Authorization',
      `Bearer ${token}`,
    );
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthorized');
    expect(await linkRows()).toHaveLength(0);
  });
});
