import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  actor,
  createGroup,
  createUser,
  enterpriseUrn,
  events,
  fixture,
  patchUrn,
  startScim,
  type ScimTest,
} from './support.ts';

let scim: ScimTest;
beforeEach(async () => {
  scim = await startScim();
});
afterEach(() => scim.close());

function patch(...operations: unknown[]) {
  return { schemas: [patchUrn], Operations: operations };
}

async function memberNames(groupId: string) {
  const members = await scim.sesame.services.directory.listMembers(groupId);
  return members.map((member) => member.username);
}

describe('PATCH /Users/:id from Entra ID', () => {
  it('applies capitalised ops, filtered paths and a manager id', async () => {
    const boss = await createUser(scim, 'boss');
    const user = await createUser(scim, 'ann', { name: { givenName: 'Ann', familyName: 'Lee' } });

    const response = await scim
      .call('patch', `/Users/${user.id}`, fixture('entra-patch-user', { managerId: boss.id }))
      .expect(200);
    expect(response.headers.etag).toBe(response.body.meta.version);
    expect(response.body.emails).toEqual([
      { value: 'updated.email@contoso.example', type: 'work', primary: true },
    ]);
    expect(response.body.name.familyName).toBe('Updated');
    expect(response.body[enterpriseUrn]).toEqual({
      department: 'Finance',
      manager: { value: boss.id, $ref: `http://localhost:8080/scim/v2/Users/${boss.id}` },
    });
    expect(response.body).not.toHaveProperty('title');

    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.email).toBe('updated.email@contoso.example');
    expect(row.last_name).toBe('Updated');
    expect(row.manager_id).toBe(boss.id);
    expect(row.department).toBe('Finance');
  });

  it('disables a user with the string "False"', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call('patch', `/Users/${user.id}`, fixture('entra-disable-user'))
      .expect(200);
    expect(response.body.active).toBe(false);
    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.status).toBe('suspended');
    const last = (await events(scim)).at(-1);
    expect(last).toEqual({
      type: 'user_update',
      actor,
      details: { changed: ['status'], status: 'suspended' },
    });
  });

  it('ends the sessions of a suspended user', async () => {
    const user = await createUser(scim, 'ann');
    const { db } = scim.sesame.services;
    await db
      .insertInto('sessions')
      .values({ sid: 's1', user_id: user.id, data: '{}', expires_at: Date.now() + 60_000 })
      .execute();
    await scim.call('patch', `/Users/${user.id}`, fixture('entra-disable-user')).expect(200);
    const sessions = await db.selectFrom('sessions').select('sid').execute();
    expect(sessions).toEqual([]);
  });

  it('removes the manager and the externalId', async () => {
    const boss = await createUser(scim, 'boss');
    const user = await createUser(scim, 'ann', {
      externalId: 'e-1',
      [enterpriseUrn]: { manager: { value: boss.id } },
    });
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch(
          { op: 'Remove', path: `${enterpriseUrn}:manager` },
          { op: 'remove', path: 'externalId' },
        ),
      )
      .expect(200);
    expect(response.body).not.toHaveProperty(enterpriseUrn);
    expect(response.body).not.toHaveProperty('externalId');
    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.manager_id).toBeNull();
    expect(row.external_id).toBeNull();
  });
});

describe('PATCH /Users/:id from Okta and others', () => {
  it('deactivates with an operation without a path', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call('patch', `/Users/${user.id}`, fixture('okta-deactivate-user'))
      .expect(200);
    expect(response.body.active).toBe(false);
    expect((await scim.sesame.services.directory.requireUserById(user.id)).status).toBe(
      'suspended',
    );
  });

  it('sets a password that signs in', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch({ op: 'replace', value: { password: 'a brand new password' } }),
      )
      .expect(200);
    expect(response.body).not.toHaveProperty('password');
    const verdict = await scim.sesame.services.directory.authenticate(
      'ann',
      'a brand new password',
    );
    expect(verdict.user?.id).toBe(user.id);
  });

  it('takes attribute paths as keys of a value', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch({
          op: 'add',
          value: {
            'name.givenName': 'Ann',
            [`${enterpriseUrn}:department`]: 'Ops',
            Active: 'true',
          },
        }),
      )
      .expect(200);
    expect(response.body.name.givenName).toBe('Ann');
    expect(response.body[enterpriseUrn].department).toBe('Ops');
  });

  it('replaces attributes of the whole enterprise extension', async () => {
    const user = await createUser(scim, 'ann', { [enterpriseUrn]: { department: 'Sales' } });
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch({
          op: 'replace',
          path: enterpriseUrn,
          value: { Department: 'Ops', employeeNumber: '9' },
        }),
      )
      .expect(200);
    expect(response.body[enterpriseUrn]).toEqual({ department: 'Ops', employeeNumber: '9' });
    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.department).toBe('Ops');
    expect(row.employee_number).toBe('9');
  });

  it('takes the enterprise extension as an object without a path', async () => {
    const user = await createUser(scim, 'ann', { [enterpriseUrn]: { department: 'Sales' } });
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch({ op: 'replace', value: { [enterpriseUrn]: { employeeNumber: '9' } } }),
      )
      .expect(200);
    expect(response.body[enterpriseUrn]).toEqual({ department: 'Sales', employeeNumber: '9' });

    const removed = await scim
      .call('patch', `/Users/${user.id}`, patch({ op: 'remove', path: enterpriseUrn }))
      .expect(200);
    expect(removed.body).not.toHaveProperty(enterpriseUrn);
  });

  it('adds a primary email that replaces the stored one', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch({
          op: 'add',
          path: 'emails',
          value: [{ value: 'ann.new@example.com', type: 'work', primary: true }],
        }),
      )
      .expect(200);
    expect(response.body.emails).toEqual([
      { value: 'ann.new@example.com', type: 'work', primary: true },
    ]);
  });

  it('matches paths without regard to case', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch(
          { op: 'replace', path: 'NAME.GIVENNAME', value: 'Ann' },
          { op: 'replace', path: 'Emails[Type eq "work"].Value', value: 'a@example.com' },
        ),
      )
      .expect(200);
    expect(response.body.name.givenName).toBe('Ann');
    expect(response.body.emails[0].value).toBe('a@example.com');
  });
});

describe('PATCH /Groups/:id', () => {
  it('adds and removes members as Entra ID sends them', async () => {
    const ann = await createUser(scim, 'ann');
    const bob = await createUser(scim, 'bob');
    const group = await scim.call('post', '/Groups', fixture('entra-create-group')).expect(201);
    const id = group.body.id as string;

    await scim
      .call(
        'patch',
        `/Groups/${id}`,
        fixture('entra-add-members', { userId: ann.id, otherUserId: bob.id }),
      )
      .expect(200);
    expect(await memberNames(id)).toEqual(['ann', 'bob']);

    const response = await scim
      .call('patch', `/Groups/${id}`, fixture('entra-remove-members', { userId: ann.id }))
      .expect(200);
    expect(response.body.members.map((member: { value: string }) => member.value)).toEqual([
      bob.id,
    ]);
    expect(await memberNames(id)).toEqual(['bob']);

    const changes = (await events(scim)).filter((event) => event.type.startsWith('group_member'));
    expect(changes.map((event) => [event.type, event.actor])).toEqual([
      ['group_member_add', actor],
      ['group_member_add', actor],
      ['group_member_remove', actor],
    ]);
  });

  it('renames a group as Entra ID and Okta send it', async () => {
    const group = await createGroup(scim, 'Sales');
    await scim.call('patch', `/Groups/${group.id}`, fixture('entra-rename-group')).expect(200);
    expect((await scim.sesame.services.directory.requireGroupById(group.id)).name).toBe(
      'Renamed by Entra',
    );

    await scim
      .call('patch', `/Groups/${group.id}`, fixture('okta-rename-group', { groupId: group.id }))
      .expect(200);
    expect((await scim.sesame.services.directory.requireGroupById(group.id)).name).toBe(
      'Renamed by Okta',
    );
  });

  it('applies a filtered remove and an add as Okta sends them', async () => {
    const ann = await createUser(scim, 'ann');
    const bob = await createUser(scim, 'bob');
    const group = await createGroup(scim, 'Sales', [ann.id]);
    await scim
      .call(
        'patch',
        `/Groups/${group.id}`,
        fixture('okta-group-members', { userId: ann.id, otherUserId: bob.id }),
      )
      .expect(200);
    expect(await memberNames(group.id)).toEqual(['bob']);
  });

  it('replaces members with an empty list', async () => {
    const ann = await createUser(scim, 'ann');
    const bob = await createUser(scim, 'bob');
    const group = await createGroup(scim, 'Sales', [ann.id, bob.id]);
    const response = await scim
      .call('patch', `/Groups/${group.id}`, patch({ op: 'replace', path: 'members', value: [] }))
      .expect(200);
    expect(response.body.members).toEqual([]);
    expect(await memberNames(group.id)).toEqual([]);
  });

  it('removes every member without a value', async () => {
    const ann = await createUser(scim, 'ann');
    const group = await createGroup(scim, 'Sales', [ann.id]);
    await scim
      .call('patch', `/Groups/${group.id}`, patch({ op: 'remove', path: 'Members' }))
      .expect(200);
    expect(await memberNames(group.id)).toEqual([]);
  });

  it('ignores removing a member who is not in the group', async () => {
    const ann = await createUser(scim, 'ann');
    const group = await createGroup(scim, 'Sales');
    await scim
      .call(
        'patch',
        `/Groups/${group.id}`,
        patch({ op: 'remove', path: `members[value eq "${ann.id}"]` }),
      )
      .expect(200);
    expect(await memberNames(group.id)).toEqual([]);
  });

  it('rejects a rename to an existing name', async () => {
    await createGroup(scim, 'Sales');
    const group = await createGroup(scim, 'Eng');
    const response = await scim
      .call(
        'patch',
        `/Groups/${group.id}`,
        patch({ op: 'replace', path: 'displayName', value: 'sales' }),
      )
      .expect(409);
    expect(response.body.scimType).toBe('uniqueness');
  });
});

describe('PATCH errors', () => {
  it('rejects changes to id and groups', async () => {
    const user = await createUser(scim, 'ann');
    const group = await createGroup(scim, 'Sales');
    const groups = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch({ op: 'add', path: 'groups', value: [{ value: group.id }] }),
      )
      .expect(400);
    expect(groups.body.scimType).toBe('mutability');
    expect(groups.body.detail).toBe('groups is read-only and cannot be changed');

    const id = await scim
      .call('patch', `/Users/${user.id}`, patch({ op: 'replace', value: { id: 'other' } }))
      .expect(400);
    expect(id.body.scimType).toBe('mutability');
    expect(id.body.detail).toBe('id is read-only and cannot be changed');
  });

  it('changes nothing when a later operation fails', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call(
        'patch',
        `/Users/${user.id}`,
        patch(
          { op: 'replace', path: 'displayName', value: 'Changed' },
          { op: 'replace', path: 'userName', value: 'not valid!' },
        ),
      )
      .expect(400);
    expect(response.body.scimType).toBe('invalidValue');
    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.display_name).toBe('');
    expect(row.username).toBe('ann');
  });

  it.each([
    [
      { op: 'move', path: 'displayName', value: 'x' },
      'invalidSyntax',
      'Operations[0].op must be "add", "remove" or "replace"',
    ],
    [{ op: 'remove' }, 'noTarget', 'Operations[0] must have a path for "remove"'],
    [
      { op: 'add', path: 'displayName' },
      'invalidSyntax',
      'Operations[0] must have a value for "add"',
    ],
    [
      { op: 'replace', value: 'x' },
      'invalidSyntax',
      'Operations[0].value must be an object when there is no path',
    ],
    [{ op: 'replace', path: 'emails[type eq]', value: 'x' }, 'invalidPath', undefined],
    [
      { op: 'replace', path: 'emails[nothing eq "x"].value', value: 'x' },
      'invalidPath',
      'Operations[0].path: "emails" has no sub-attribute "nothing"',
    ],
    [
      { op: 'replace', path: 'emails[type eq "work"].nothing', value: 'x' },
      'invalidPath',
      'Operations[0].path: "emails" has no sub-attribute "nothing"',
    ],
    [
      { op: 'replace', path: 'userName[value eq "x"]', value: 'x' },
      'invalidPath',
      'Operations[0].path: "userName" is not multi-valued, so it takes no filter',
    ],
    [
      { op: 'replace', path: 'emails[type eq "home"]', value: { value: 'x' } },
      'noTarget',
      undefined,
    ],
  ])('rejects %j with %s', async (operation, scimType, detail) => {
    const user = await createUser(scim, 'ann');
    const response = await scim.call('patch', `/Users/${user.id}`, patch(operation)).expect(400);
    expect(response.body.scimType).toBe(scimType);
    if (detail) expect(response.body.detail).toBe(detail);
  });

  it('rejects a body that is not a PatchOp', async () => {
    const user = await createUser(scim, 'ann');
    const wrongSchema = await scim
      .call('patch', `/Users/${user.id}`, { schemas: ['urn:x'], Operations: [] })
      .expect(400);
    expect(wrongSchema.body.detail).toBe(
      'schemas must contain "urn:ietf:params:scim:api:messages:2.0:PatchOp"',
    );
    const empty = await scim.call('patch', `/Users/${user.id}`, patch()).expect(400);
    expect(empty.body.detail).toBe('Operations must be a non-empty array of PATCH operations');
  });

  it('ignores attributes Sesame does not store', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call('patch', `/Users/${user.id}`, patch({ op: 'add', path: 'nickName', value: 'Annie' }))
      .expect(200);
    expect(response.body).not.toHaveProperty('nickName');
    expect(response.body.meta.version).toBe(user.meta.version);
  });

  it('answers 404 for an unknown group', async () => {
    const response = await scim
      .call('patch', '/Groups/no-such-id', patch({ op: 'remove', path: 'members' }))
      .expect(404);
    expect(response.body.detail).toBe('Group no-such-id not found');
  });
});
