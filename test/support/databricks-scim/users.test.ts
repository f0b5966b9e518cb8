import { describe, expect, it } from 'vitest';
import { accountEntitlementsDetail, unparsableDetail, urn } from './constants.ts';
import { errorOf, setUp, token } from './harness.ts';

const newUser = { schemas: [urn.user], userName: 'Alice@Example.test', displayName: 'Alice A' };

describe('Databricks SCIM emulator: users', () => {
  it('creates a user with a numeric-string id, a lower-cased userName and a work email', async () => {
    const api = setUp();
    const res = await api.post('/Users', newUser);

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      schemas: [urn.user],
      id: expect.stringMatching(/^\d+$/),
      userName: 'alice@example.test',
      emails: [{ type: 'work', value: 'alice@example.test', primary: true }],
      displayName: 'Alice A',
      active: true,
    });
  });

  it('rejects a POST without userName or without the User schema', async () => {
    const api = setUp();
    const noName = await api.post('/Users', { schemas: [urn.user] });
    const noSchema = await api.post('/Users', { userName: 'a@example.test' });

    expect(noName.status).toBe(400);
    expect(noName.body).toEqual(errorOf(400, 'userName is required', 'invalidValue'));
    expect(noSchema.status).toBe(400);
    expect(noSchema.body).toEqual(errorOf(400, `schemas must include ${urn.user}`, 'invalidValue'));
  });

  it('answers a case-insensitive duplicate with the account-level 409 text', async () => {
    const api = setUp();
    await api.post('/Users', newUser);
    const res = await api.post('/Users', { ...newUser, userName: 'ALICE@example.TEST' });

    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      errorOf(
        409,
        'User with email alice@example.test already exists in this account. Note: emails are case insensitive (i.e abc@domain.com and ABC@DOMAIN.COM are considered equivalent)',
      ),
    );
  });

  it('answers a duplicate with the workspace-level 409 text', async () => {
    const api = setUp({ level: 'workspace' });
    await api.post('/Users', newUser);
    const res = await api.post('/Users', newUser);

    expect(res.status).toBe(409);
    expect(res.body).toEqual(errorOf(409, 'User with username alice@example.test already exists.'));
  });

  it('gets a user by id and answers 404 for an unknown id', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);

    const found = await api.get(`/Users/${created.id}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual(created);

    const missing = await api.get('/Users/42');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(errorOf(404, 'User 42 not found.'));
  });

  it('replaces a user on PUT but ignores changes to userName and emails', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', { ...newUser, name: { givenName: 'A' } });
    const res = await api.put(`/Users/${created.id}`, {
      schemas: [urn.user],
      userName: 'mallory@example.test',
      emails: [{ type: 'work', value: 'mallory@example.test', primary: true }],
      displayName: 'Alice B',
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      schemas: [urn.user],
      id: created.id,
      userName: 'alice@example.test',
      emails: [{ type: 'work', value: 'alice@example.test', primary: true }],
      displayName: 'Alice B',
      active: true,
    });
  });

  it.each([
    ['the string "false"', 'replace', 'false'],
    ['boolean false', 'replace', false],
    ['Entra legacy "Replace" with "False"', 'Replace', 'False'],
    ['a [{value:"false"}] list', 'replace', [{ value: 'false' }]],
  ])('deactivates a user on PATCH active with %s', async (_case, op, value) => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);
    const res = await api.patch(`/Users/${created.id}`, [{ op, path: 'active', value }]);

    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect(api.scim.state.users.get(created.id)?.active).toBe(false);
  });

  it('answers a malformed active value with 400 invalidSyntax', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);
    const res = await api.patch(`/Users/${created.id}`, [
      { op: 'replace', path: 'active', value: { active: 'no' } },
    ]);

    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorOf(400, unparsableDetail, 'invalidSyntax'));
  });

  it('requires the PatchOp schema on PATCH', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);
    const res = await api.patchRaw(`/Users/${created.id}`, {
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });

    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorOf(400, `schemas must include ${urn.patchOp}`, 'invalidValue'));
  });

  it('applies path-less PATCH values and ignores userName in them', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);
    const res = await api.patch(`/Users/${created.id}`, [
      { op: 'replace', value: { displayName: 'Alice C', userName: 'x@example.test' } },
    ]);

    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Alice C');
    expect(res.body.userName).toBe('alice@example.test');
  });

  it('deletes a user with 204, after which GET answers 404', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);

    const deleted = await api.delete(`/Users/${created.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await api.get(`/Users/${created.id}`)).status).toBe(404);
  });

  it('rejects entitlements on account users with 400 invalidValue', async () => {
    const api = setUp();
    const res = await api.post('/Users', {
      ...newUser,
      entitlements: [{ value: 'allow-cluster-create' }],
    });

    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorOf(400, accountEntitlementsDetail, 'invalidValue'));
  });

  it('accepts the workspace entitlements and rejects removing one the user lacks', async () => {
    const api = setUp({ level: 'workspace' });
    const entitlements = [{ value: 'workspace-access' }, { value: 'databricks-sql-access' }];
    const { body: created } = await api.post('/Users', { ...newUser, entitlements });
    expect(created.entitlements).toEqual(entitlements);
    expect(created.schemas).toEqual([urn.user, urn.workspaceUser]);

    const res = await api.patch(`/Users/${created.id}`, [
      { op: 'remove', path: 'entitlements', value: [{ value: 'allow-cluster-create' }] },
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errorOf(
        400,
        'No such attribute with the name : entitlements in the current resource',
        'invalidPath',
      ),
    );
  });

  it('drops externalId at account level unless persistExternalId is set', async () => {
    const dropped = await setUp().post('/Users', { ...newUser, externalId: 'entra-1' });
    const kept = await setUp({ persistExternalId: true }).post('/Users', {
      ...newUser,
      externalId: 'entra-1',
    });

    expect(dropped.status).toBe(201);
    expect(dropped.body.externalId).toBeUndefined();
    expect(kept.body.externalId).toBe('entra-1');
  });

  it('replaces name and ignores filtered emails paths', async () => {
    const api = setUp();
    const { body: created } = await api.post('/Users', newUser);
    const res = await api.patch(`/Users/${created.id}`, [
      { op: 'replace', value: { name: { givenName: 'Alice', familyName: 'Ames' } } },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@example.test' },
    ]);

    expect(res.status).toBe(200);
    expect(res.body.name).toEqual({ givenName: 'Alice', familyName: 'Ames' });
    expect(res.body.emails).toEqual(created.emails);
  });
});

describe('Databricks SCIM emulator: workspace user groups', () => {
  async function withMembership(level: 'account' | 'workspace') {
    const api = setUp({ level });
    const { body: user } = await api.post('/Users', newUser);
    const first = api.scim.state.addGroup({
      displayName: 'data-eng',
      members: [{ value: user.id }],
    });
    const second = api.scim.state.addGroup({
      displayName: 'admins',
      members: [{ value: user.id }],
    });
    api.scim.state.addGroup({ displayName: 'others' });
    return { api, user, first, second };
  }

  it("lists a workspace user's direct groups", async () => {
    const { api, user, first, second } = await withMembership('workspace');
    const res = await api.get(`/Users/${user.id}`);

    expect(res.body.groups).toEqual([
      { value: first.id, display: 'data-eng', $ref: `Groups/${first.id}`, type: 'direct' },
      { value: second.id, display: 'admins', $ref: `Groups/${second.id}`, type: 'direct' },
    ]);
  });

  it('follows membership changes made through the group', async () => {
    const { api, user, first, second } = await withMembership('workspace');
    await api.patch(`/Groups/${first.id}`, [
      { op: 'remove', path: `members[value eq "${user.id}"]` },
    ]);
    const list = await api.get('/Users');

    expect(list.body.Resources[0].groups).toEqual([
      { value: second.id, display: 'admins', $ref: `Groups/${second.id}`, type: 'direct' },
    ]);
  });

  it('leaves groups out for a workspace user in no group', async () => {
    const api = setUp({ level: 'workspace' });
    const { body: user } = await api.post('/Users', newUser);

    expect(user.groups).toBeUndefined();
  });

  it('leaves groups out at account level', async () => {
    const { api, user } = await withMembership('account');
    const res = await api.get(`/Users/${user.id}`);

    expect(res.body.groups).toBeUndefined();
  });

  it('filters users by groups.value', async () => {
    const { api, user, second } = await withMembership('workspace');
    api.scim.state.addUser({ userName: 'bob@example.test' });
    const res = await api.get(
      `/Users?filter=${encodeURIComponent(`groups.value eq "${second.id}"`)}`,
    );

    expect(res.body.Resources.map((found: { id: string }) => found.id)).toEqual([user.id]);
  });

  it('ignores groups on PUT', async () => {
    const { api, user, first, second } = await withMembership('workspace');
    const res = await api.put(`/Users/${user.id}`, {
      schemas: [urn.user],
      displayName: 'Alice A',
      groups: [{ value: first.id }],
    });

    expect(res.status).toBe(200);
    expect(res.body.groups.map((group: { value: string }) => group.value)).toEqual([
      first.id,
      second.id,
    ]);
  });

  it('rejects a groups PATCH at workspace level', async () => {
    const { api, user, first } = await withMembership('workspace');
    const res = await api.patch(`/Users/${user.id}`, [
      { op: 'remove', path: 'groups', value: [{ value: first.id }] },
    ]);

    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errorOf(
        400,
        'groups is read-only. Change group membership through the members of the group.',
        'mutability',
      ),
    );
    expect(api.scim.state.groups.get(first.id)?.members).toEqual([{ value: user.id }]);
  });

  it('rejects a groups PATCH at account level', async () => {
    const { api, user } = await withMembership('account');
    const res = await api.patch(`/Users/${user.id}`, [
      { op: 'add', value: { groups: [{ value: '1' }] } },
    ]);

    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidPath');
  });
});

describe('Databricks SCIM emulator: GET /Me', () => {
  it('returns the user that owns the bearer token', async () => {
    const api = setUp({ level: 'workspace', tokenOwners: { [token]: 'Alice@Example.test' } });
    const { body: created } = await api.post('/Users', newUser);
    const res = await api.get('/Me');

    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
  });

  it('returns 404 for a token without owner', async () => {
    const api = setUp({ level: 'workspace' });
    const res = await api.get('/Me');

    expect(res.status).toBe(404);
    expect(res.body).toEqual(
      errorOf(404, 'The bearer token has no owner. Set one in tokenOwners.'),
    );
  });

  it('returns 404 when the owner is no user', async () => {
    const api = setUp({ level: 'workspace', tokenOwners: { [token]: 'gone@example.test' } });
    const res = await api.get('/Me');

    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorOf(404, 'User gone@example.test not found.'));
  });

  it('is not served at account level', async () => {
    const api = setUp({ tokenOwners: { [token]: 'alice@example.test' } });
    const res = await api.get('/Me');

    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorOf(404, `No route for GET ${api.base}/Me.`));
  });

  it('rejects a tokenOwners token that is not in tokens', () => {
    expect(() =>
      setUp({ level: 'workspace', tokenOwners: { other: 'alice@example.test' } }),
    ).toThrow('tokenOwners has a token that is not in tokens; add it to tokens');
  });
});
