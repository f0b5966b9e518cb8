import { describe, expect, it } from 'vitest';
import { unparsableDetail, urn } from './constants.ts';
import { errorOf, setUp } from './harness.ts';

async function withGroupAndUsers(options: Parameters<typeof setUp>[0] = {}) {
  const api = setUp(options);
  const alice = api.scim.state.addUser({ userName: 'alice@example.test' });
  const bob = api.scim.state.addUser({ userName: 'bob@example.test', displayName: 'Bob' });
  const { body: group } = await api.post('/Groups', {
    schemas: [urn.group],
    displayName: 'data-eng',
    members: [{ value: alice.id }],
  });
  return { api, alice, bob, group };
}

const memberIds = (body: { members?: { value: string }[] }) =>
  (body.members ?? []).map((member) => member.value);

describe('Databricks SCIM emulator: groups', () => {
  it('creates a group with members described by display and $ref', async () => {
    const { alice, group } = await withGroupAndUsers();

    expect(group).toEqual({
      schemas: [urn.group],
      id: expect.stringMatching(/^\d+$/),
      displayName: 'data-eng',
      members: [{ value: alice.id, display: 'alice@example.test', $ref: `Users/${alice.id}` }],
      meta: { resourceType: 'Group' },
    });
  });

  it('answers a duplicate displayName with 409', async () => {
    const { api } = await withGroupAndUsers();
    const res = await api.post('/Groups', { schemas: [urn.group], displayName: 'data-eng' });

    expect(res.status).toBe(409);
    expect(res.body).toEqual(errorOf(409, 'Group with name data-eng already exists.'));
  });

  it('adds members through path "members" and through a path-less value', async () => {
    const { api, alice, bob, group } = await withGroupAndUsers();
    const carol = api.scim.state.addUser({ userName: 'carol@example.test' });

    await api.patch(`/Groups/${group.id}`, [
      { op: 'add', path: 'members', value: [{ value: bob.id }] },
    ]);
    const res = await api.patch(`/Groups/${group.id}`, [
      { op: 'add', value: { members: [{ value: carol.id }] } },
    ]);

    expect(res.status).toBe(200);
    expect(memberIds(res.body)).toEqual([alice.id, bob.id, carol.id]);
  });

  it('removes a member through a members[value eq "id"] path', async () => {
    const { api, alice, group } = await withGroupAndUsers();
    const res = await api.patch(`/Groups/${group.id}`, [
      { op: 'remove', path: `members[value eq "${alice.id}"]` },
    ]);

    expect(res.status).toBe(200);
    expect(memberIds(res.body)).toEqual([]);
  });

  it('removes members through Entra legacy "Remove" with a value list', async () => {
    const { api, alice, bob, group } = await withGroupAndUsers();
    await api.patch(`/Groups/${group.id}`, [
      { op: 'add', path: 'members', value: [{ value: bob.id }] },
    ]);
    const res = await api.patch(`/Groups/${group.id}`, [
      { op: 'Remove', path: 'members', value: [{ value: alice.id }] },
    ]);

    expect(memberIds(res.body)).toEqual([bob.id]);
  });

  it('answers a bare string as members value with 400 invalidSyntax', async () => {
    const { api, bob, group } = await withGroupAndUsers();
    const res = await api.patch(`/Groups/${group.id}`, [
      { op: 'add', path: 'members', value: bob.id },
    ]);

    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorOf(400, unparsableDetail, 'invalidSyntax'));
  });

  it('adds and removes workspace group entitlements through PATCH', async () => {
    const { api, group } = await withGroupAndUsers({ level: 'workspace' });
    const added = await api.patch(`/Groups/${group.id}`, [
      { op: 'add', path: 'entitlements', value: [{ value: 'workspace-access' }] },
    ]);
    expect(added.status).toBe(200);
    expect(added.body.entitlements).toEqual([{ value: 'workspace-access' }]);

    const removed = await api.patch(`/Groups/${group.id}`, [
      { op: 'remove', path: 'entitlements', value: [{ value: 'workspace-access' }] },
    ]);
    expect(removed.body.entitlements).toBeUndefined();
    const again = await api.patch(`/Groups/${group.id}`, [
      { op: 'remove', path: 'entitlements', value: [{ value: 'workspace-access' }] },
    ]);
    expect(again.status).toBe(400);
    expect(again.body.scimType).toBe('invalidPath');
  });

  it('renames a group through replace displayName', async () => {
    const { api, group } = await withGroupAndUsers();
    const res = await api.patch(`/Groups/${group.id}`, [
      { op: 'replace', path: 'displayName', value: 'data-platform' },
    ]);

    expect(res.body.displayName).toBe('data-platform');
    expect(api.scim.state.groups.get(group.id)?.displayName).toBe('data-platform');
  });

  it('leaves members out of account-level LIST but keeps them in GET by id', async () => {
    const { api, alice, group } = await withGroupAndUsers();
    const list = await api.get('/Groups');
    const one = await api.get(`/Groups/${group.id}`);

    expect(list.body.Resources).toEqual([
      {
        schemas: [urn.group],
        id: group.id,
        displayName: 'data-eng',
        meta: { resourceType: 'Group' },
      },
    ]);
    expect(memberIds(one.body)).toEqual([alice.id]);
  });

  it('lists members when listGroupsWithoutMembers is false', async () => {
    const { api, alice } = await withGroupAndUsers({ listGroupsWithoutMembers: false });
    const list = await api.get('/Groups');

    expect(memberIds(list.body.Resources[0])).toEqual([alice.id]);
  });

  it('marks workspace groups as WorkspaceGroup and lists their members', async () => {
    const { api, alice } = await withGroupAndUsers({ level: 'workspace' });
    const list = await api.get('/Groups');

    expect(list.body.Resources[0].meta).toEqual({ resourceType: 'WorkspaceGroup' });
    expect(memberIds(list.body.Resources[0])).toEqual([alice.id]);
  });

  it('drops members omitted from a PUT', async () => {
    const { api, group } = await withGroupAndUsers();
    const res = await api.put(`/Groups/${group.id}`, {
      schemas: [urn.group],
      displayName: 'data-eng',
    });

    expect(res.status).toBe(200);
    expect(res.body.members).toBeUndefined();
  });

  it('deletes a group with 204, after which GET answers 404', async () => {
    const { api, group } = await withGroupAndUsers();

    expect((await api.delete(`/Groups/${group.id}`)).status).toBe(204);
    const res = await api.get(`/Groups/${group.id}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorOf(404, `Group ${group.id} not found.`));
  });

  it('removes a deleted user from its groups', async () => {
    const { api, alice, group } = await withGroupAndUsers();
    await api.delete(`/Users/${alice.id}`);

    expect(api.scim.state.groups.get(group.id)?.members).toEqual([]);
  });

  it('shows group reads as they were readLagMs ago', async () => {
    const api = setUp({ readLagMs: 60_000 });
    let now = 1_000_000;
    api.scim.setClock(() => now);
    const { body: group } = await api.post('/Groups', { schemas: [urn.group], displayName: 'a' });

    expect((await api.get(`/Groups/${group.id}`)).status).toBe(404);
    now += 60_000;
    await api.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: 'b' }]);
    expect((await api.get(`/Groups/${group.id}`)).body.displayName).toBe('a');
    now += 60_000;
    expect((await api.get(`/Groups/${group.id}`)).body.displayName).toBe('b');
  });
});
