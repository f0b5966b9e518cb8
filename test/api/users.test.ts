import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, startApi, type ApiInstance } from './support.ts';

let api: ApiInstance;

beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

const userFields = [
  'id',
  'username',
  'email',
  'firstName',
  'lastName',
  'displayName',
  'status',
  'isAdmin',
  'hasPassword',
  'createdAt',
  'updatedAt',
];

async function createAlice(extra: Record<string, unknown> = {}) {
  const answer = await api.call('POST', '/users').send({
    username: 'alice',
    email: 'Alice@Example.com',
    firstName: 'Alice',
    lastName: 'Liddell',
    ...extra,
  });
  expect(answer.status).toBe(201);
  return answer;
}

describe('users API', () => {
  it('creates a user and returns it', async () => {
    const answer = await createAlice({ password: 'a long password', isAdmin: false });
    expect(Object.keys(answer.body).sort()).toEqual([...userFields].sort());
    expect(answer.body).toMatchObject({
      username: 'alice',
      email: 'Alice@Example.com',
      firstName: 'Alice',
      status: 'active',
      isAdmin: false,
      hasPassword: true,
    });
    expect(answer.headers.location).toBe(`/api/v1/users/${answer.body.id}`);
    expect(answer.text).not.toMatch(/argon2|password_hash|passwordHash/);

    const event = (await eventsOf(api.services, 'user_create')).at(-1);
    expect(event?.username).toBe('alice');
    expect(event?.actor).toBe('root (API key)');
    expect(event?.source_ip).toMatch(/127\.0\.0\.1/);
  });

  it('creates a user without a password', async () => {
    const answer = await createAlice();
    expect(answer.body.hasPassword).toBe(false);
  });

  it('rejects a username or email in use', async () => {
    await createAlice();
    const answer = await api
      .call('POST', '/users')
      .send({ username: 'ALICE', email: 'other@example.com' });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('conflict');
    expect(answer.body.error.message).toMatch(/username "alice" already exists/);
  });

  it('lists and searches users', async () => {
    await createAlice();
    await api.call('POST', '/users').send({ username: 'bob', email: 'bob@example.com' });

    const all = await api.call('GET', '/users').expect(200);
    expect(all.body.users.map((user: { username: string }) => user.username)).toEqual([
      'alice',
      'bob',
      'root',
    ]);
    const found = await api.call('GET', '/users?q=LIDD').expect(200);
    expect(found.body.users.map((user: { username: string }) => user.username)).toEqual(['alice']);
    const byEmail = await api.call('GET', '/users?q=bob@').expect(200);
    expect(byEmail.body.users).toHaveLength(1);
  });

  it('reads one user', async () => {
    const created = await createAlice();
    const answer = await api.call('GET', `/users/${created.body.id}`).expect(200);
    expect(answer.body).toEqual(created.body);
  });

  it('changes profile fields and keeps the rest', async () => {
    const created = await createAlice();
    const answer = await api
      .call('PATCH', `/users/${created.body.id}`)
      .send({ displayName: 'Al', email: 'al@example.com' })
      .expect(200);
    expect(answer.body).toMatchObject({
      displayName: 'Al',
      email: 'al@example.com',
      firstName: 'Alice',
      lastName: 'Liddell',
    });
    const [event] = await eventsOf(api.services, 'user_update');
    expect(event?.actor).toBe('root (API key)');
  });

  it('sets a password the user signs in with', async () => {
    const created = await createAlice();
    const answer = await api
      .call('POST', `/users/${created.body.id}/password`)
      .send({ password: 'a brand new password' });
    expect(answer.status).toBe(204);
    const verdict = await api.services.directory.authenticate('alice', 'a brand new password');
    expect(verdict.reason).toBeUndefined();
    expect(verdict.user?.id).toBe(created.body.id);
  });

  it('suspends and activates a user', async () => {
    const created = await createAlice();
    const suspended = await api.call('POST', `/users/${created.body.id}/suspend`).expect(200);
    expect(suspended.body.status).toBe('suspended');
    const active = await api.call('POST', `/users/${created.body.id}/activate`).expect(200);
    expect(active.body.status).toBe('active');
    expect((await eventsOf(api.services, 'user_update')).map((event) => event.details)).toEqual([
      JSON.stringify({ changed: ['status'], status: 'suspended' }),
      JSON.stringify({ changed: ['status'], status: 'active' }),
    ]);
  });

  it('grants and takes administrator rights', async () => {
    const created = await createAlice();
    const promoted = await api
      .call('PUT', `/users/${created.body.id}/admin`)
      .send({ isAdmin: true })
      .expect(200);
    expect(promoted.body.isAdmin).toBe(true);
    const demoted = await api
      .call('PUT', `/users/${created.body.id}/admin`)
      .send({ isAdmin: false })
      .expect(200);
    expect(demoted.body.isAdmin).toBe(false);
  });

  it('keeps the last active administrator', async () => {
    for (const attempt of [
      api.call('PUT', `/users/${api.admin.id}/admin`).send({ isAdmin: false }),
      api.call('POST', `/users/${api.admin.id}/suspend`),
      api.call('DELETE', `/users/${api.admin.id}`),
    ]) {
      const answer = await attempt;
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('conflict');
      expect(answer.body.error.message).toMatch(/"root" is the last active administrator/);
    }
    await api.call('GET', '/users').expect(200);
  });

  it('lists the groups of a user', async () => {
    const created = await createAlice();
    const group = await api.call('POST', '/groups').send({ name: 'engineers' }).expect(201);
    await api.call('PUT', `/groups/${group.body.id}/members/${created.body.id}`).expect(204);
    const answer = await api.call('GET', `/users/${created.body.id}/groups`).expect(200);
    expect(answer.body).toEqual({ groups: [{ id: group.body.id, name: 'engineers' }] });
    await api.call('GET', '/users/nobody/groups').expect(404);
  });

  it('deletes a user', async () => {
    const created = await createAlice();
    await api.call('DELETE', `/users/${created.body.id}`).expect(204);
    await api.call('GET', `/users/${created.body.id}`).expect(404);
    await api.call('DELETE', `/users/${created.body.id}`).expect(404);
    const [event] = await eventsOf(api.services, 'user_delete');
    expect(event?.actor).toBe('root (API key)');
  });
});
