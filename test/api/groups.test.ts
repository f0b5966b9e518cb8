import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, startApi, type ApiInstance } from './support.ts';

let api: ApiInstance;
let aliceId: string;

beforeEach(async () => {
  api = await startApi();
  const alice = await api
    .call('POST', '/users')
    .send({ username: 'alice', email: 'alice@example.com' })
    .expect(201);
  aliceId = alice.body.id;
});
afterEach(() => api.close());

async function createGroup(name: string): Promise<string> {
  const answer = await api.call('POST', '/groups').send({ name }).expect(201);
  return answer.body.id;
}

describe('groups API', () => {
  it('creates, reads and lists groups', async () => {
    const answer = await api.call('POST', '/groups').send({ name: 'engineers' });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: expect.any(String), name: 'engineers' });
    expect(answer.headers.location).toBe(`/api/v1/groups/${answer.body.id}`);
    await createGroup('analysts');

    await api.call('GET', `/groups/${answer.body.id}`).expect(200, answer.body);
    const list = await api.call('GET', '/groups').expect(200);
    expect(list.body.groups.map((group: { name: string }) => group.name)).toEqual([
      'analysts',
      'engineers',
    ]);
    const [event] = await eventsOf(api.services, 'group_create');
    expect(event?.actor).toBe('root (API key)');
  });

  it('rejects a name in use without regard to case', async () => {
    await createGroup('engineers');
    const answer = await api.call('POST', '/groups').send({ name: 'Engineers' });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({
      code: 'conflict',
      message: 'Group "engineers" already exists',
    });
  });

  it('renames a group', async () => {
    const id = await createGroup('engineers');
    const answer = await api.call('PATCH', `/groups/${id}`).send({ name: 'platform' }).expect(200);
    expect(answer.body).toEqual({ id, name: 'platform' });
    const [event] = await eventsOf(api.services, 'group_update');
    expect(JSON.parse(event!.details)).toEqual({ groupId: id, from: 'engineers', to: 'platform' });
  });

  it('deletes a group with its memberships', async () => {
    const id = await createGroup('engineers');
    await api.call('PUT', `/groups/${id}/members/${aliceId}`).expect(204);
    await api.call('DELETE', `/groups/${id}`).expect(204);
    await api.call('GET', `/groups/${id}`).expect(404);
    await api.call('GET', `/users/${aliceId}/groups`).expect(200, { groups: [] });
  });

  it('adds a member once however often it is put', async () => {
    const id = await createGroup('engineers');
    await api.call('PUT', `/groups/${id}/members/${aliceId}`).expect(204);
    await api.call('PUT', `/groups/${id}/members/${aliceId}`).expect(204);

    const members = await api.call('GET', `/groups/${id}/members`).expect(200);
    expect(members.body.members.map((user: { username: string }) => user.username)).toEqual([
      'alice',
    ]);
    expect(members.text).not.toMatch(/password_hash|passwordHash/);
    const events = await eventsOf(api.services, 'group_member_add');
    expect(events).toHaveLength(1);
    expect(events[0]?.actor).toBe('root (API key)');
  });

  it('removes a member and rejects a non-member', async () => {
    const id = await createGroup('engineers');
    await api.call('PUT', `/groups/${id}/members/${aliceId}`).expect(204);
    await api.call('DELETE', `/groups/${id}/members/${aliceId}`).expect(204);
    await api.call('GET', `/groups/${id}/members`).expect(200, { members: [] });

    const again = await api.call('DELETE', `/groups/${id}/members/${aliceId}`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe('User "alice" is not a member of "engineers"');
  });

  it('rejects a membership of an unknown user or group', async () => {
    const id = await createGroup('engineers');
    const user = await api.call('PUT', `/groups/${id}/members/nobody`);
    expect(user.status).toBe(404);
    expect(user.body.error.message).toBe('User nobody not found');
    const group = await api.call('PUT', `/groups/nothing/members/${aliceId}`);
    expect(group.status).toBe(404);
    expect(group.body.error.message).toBe('Group nothing not found');
  });

  it('lists the applications bound to a group', async () => {
    const id = await createGroup('engineers');
    await api
      .call('POST', '/applications')
      .send({
        template: 'bookmark',
        slug: 'wiki',
        displayLabel: 'Wiki',
        bookmarkUrl: 'https://wiki.example/',
      })
      .expect(201);
    await api.call('PUT', `/applications/wiki/groups/${id}`).expect(204);
    const answer = await api.call('GET', `/groups/${id}/applications`).expect(200);
    expect(answer.body.applications.map((app: { slug: string }) => app.slug)).toEqual(['wiki']);
    expect(answer.body.applications[0].sso).toBeUndefined();
  });
});
