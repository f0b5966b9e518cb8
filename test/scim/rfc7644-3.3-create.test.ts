import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  actor,
  createUser,
  enterpriseUrn,
  errorUrn,
  events,
  fixture,
  groupUrn,
  scimUrl,
  startScim,
  userBody,
  userUrn,
  type ScimTest,
} from './support.ts';

let scim: ScimTest;
beforeEach(async () => {
  scim = await startScim();
});
afterEach(() => scim.close());

describe('POST /Users', () => {
  it('creates a user from an Entra ID request', async () => {
    const response = await scim.call('post', '/Users', fixture('entra-create-user')).expect(201);
    const id = response.body.id as string;

    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.headers.location).toBe(`${scimUrl}/Users/${id}`);
    expect(response.headers.etag).toBe(response.body.meta.version);
    expect(response.body).toEqual({
      schemas: [userUrn, enterpriseUrn],
      id,
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.example',
      name: { givenName: 'Test', familyName: 'User', formatted: 'Test User' },
      displayName: 'Test User',
      emails: [
        {
          value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@contoso.example',
          type: 'work',
          primary: true,
        },
      ],
      active: true,
      groups: [],
      [enterpriseUrn]: { employeeNumber: '701984', department: 'Tour Operations' },
      meta: {
        resourceType: 'User',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${scimUrl}/Users/${id}`,
        version: expect.stringMatching(/^W\/"[\w-]+"$/),
      },
    });

    const row = await scim.sesame.services.directory.requireUserById(id);
    expect(row.username).toBe('Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.example');
    expect(row.email).toBe('Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@contoso.example');
    expect(row.first_name).toBe('Test');
    expect(row.last_name).toBe('User');
    expect(row.external_id).toBe('0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    expect(row.employee_number).toBe('701984');
    expect(row.department).toBe('Tour Operations');
    expect(row.status).toBe('active');
    expect(row.password_hash).toBeNull();
    expect(row.is_admin).toBe(0);
  });

  it('records the event with the token as actor', async () => {
    const user = await createUser(scim, 'ann');
    expect(await events(scim)).toEqual([
      {
        type: 'user_create',
        actor,
        details: { email: 'ann@example.com', isAdmin: false },
      },
    ]);
    const { events: stored } = await scim.sesame.services.insights.query({ type: 'user_create' });
    expect(stored[0]!.userId).toBe(user.id);
  });

  it('sets an Okta password that signs in and is never returned', async () => {
    const response = await scim.call('post', '/Users', fixture('okta-create-user')).expect(201);
    expect(JSON.stringify(response.body)).not.toContain('t1meMa$heen');
    expect(response.body).not.toHaveProperty('password');

    const verdict = await scim.sesame.services.directory.authenticate(
      'isabella.ortiz@example.com',
      't1meMa$heen-long-enough',
    );
    expect(verdict.user?.id).toBe(response.body.id);
    expect(verdict.reason).toBeUndefined();
  });

  it('rejects a password the policy rejects', async () => {
    const response = await scim
      .call('post', '/Users', userBody('ann', { password: 'short' }))
      .expect(400);
    expect(response.body).toEqual({
      schemas: [errorUrn],
      status: '400',
      scimType: 'invalidValue',
      detail: 'password must be at least 12 characters',
    });
    expect(await scim.sesame.services.directory.findUser('ann')).toBeUndefined();
  });

  it('creates a suspended user for active false', async () => {
    const user = await createUser(scim, 'ann', { active: 'False' });
    expect(user.active).toBe(false);
    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.status).toBe('suspended');
  });

  it('rejects a user without an email', async () => {
    const response = await scim
      .call('post', '/Users', { schemas: [userUrn], userName: 'ann' })
      .expect(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toBe(
      'emails must contain an email address, because it is the SAML NameID',
    );
    expect(await scim.sesame.services.directory.countUsers()).toBe(0);
  });

  it('rejects a userName that differs only in case', async () => {
    await createUser(scim, 'ann');
    const response = await scim
      .call('post', '/Users', userBody('ANN', { emails: [{ value: 'other@example.com' }] }))
      .expect(409);
    expect(response.body.scimType).toBe('uniqueness');
    expect(response.body.status).toBe('409');
    expect(response.body.detail).toMatch(/^A user with username "ann" already exists/);
  });

  it('rejects a userName with invalid characters', async () => {
    const response = await scim.call('post', '/Users', userBody('ann smith')).expect(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toBe(
      'userName must be 1-128 letters, digits or . _ @ + - and start with a letter or digit',
    );
  });

  it('rejects a missing userName', async () => {
    const body = userBody('ann');
    delete (body as Record<string, unknown>).userName;
    const response = await scim.call('post', '/Users', body).expect(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toBe('userName is required and must be a string');
  });

  it('reads attribute names without regard to case', async () => {
    const response = await scim
      .call('post', '/Users', {
        SCHEMAS: [userUrn],
        USERNAME: 'ann',
        Emails: [{ VALUE: 'ann@example.com', Primary: 'true' }],
        NAME: { GIVENNAME: 'Ann' },
        [enterpriseUrn.toLowerCase()]: { DEPARTMENT: 'Sales' },
      })
      .expect(201);
    expect(response.body.userName).toBe('ann');
    expect(response.body.name).toEqual({ givenName: 'Ann', formatted: 'Ann' });
    expect(response.body[enterpriseUrn]).toEqual({ department: 'Sales' });
  });

  it('stores the manager by user id', async () => {
    const boss = await createUser(scim, 'boss');
    const user = await createUser(scim, 'ann', {
      [enterpriseUrn]: { manager: { value: boss.id } },
    });
    expect(user[enterpriseUrn].manager).toEqual({
      value: boss.id,
      $ref: `${scimUrl}/Users/${boss.id}`,
    });

    const unknown = await scim
      .call(
        'post',
        '/Users',
        userBody('bob', { [enterpriseUrn]: { manager: { value: 'nobody' } } }),
      )
      .expect(400);
    expect(unknown.body.scimType).toBe('invalidValue');
    expect(unknown.body.detail).toBe('Invalid input: managerId "nobody" is not the ID of a user');
  });

  it('ignores read-only groups and a client id', async () => {
    const response = await scim
      .call('post', '/Users', userBody('ann', { id: 'chosen-by-client', groups: [{ value: 'x' }] }))
      .expect(201);
    expect(response.body.id).not.toBe('chosen-by-client');
    expect(response.body.groups).toEqual([]);
  });

  it('rejects schemas without the User schema', async () => {
    const response = await scim
      .call('post', '/Users', userBody('ann', { schemas: [groupUrn] }))
      .expect(400);
    expect(response.body.scimType).toBe('invalidSyntax');
    expect(response.body.detail).toBe(`schemas must contain "${userUrn}"`);
  });
});

describe('POST /Groups', () => {
  it('creates a group from an Entra ID request', async () => {
    const response = await scim.call('post', '/Groups', fixture('entra-create-group')).expect(201);
    const id = response.body.id as string;
    expect(response.headers.location).toBe(`${scimUrl}/Groups/${id}`);
    expect(response.body).toEqual({
      schemas: [groupUrn],
      id,
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      members: [],
      meta: {
        resourceType: 'Group',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${scimUrl}/Groups/${id}`,
        version: expect.any(String),
      },
    });
    const group = await scim.sesame.services.directory.requireGroupById(id);
    expect(group.name).toBe('displayName');
  });

  it('adds members with their events', async () => {
    const ann = await createUser(scim, 'ann', { displayName: 'Ann Lee' });
    const bob = await createUser(scim, 'bob');
    const response = await scim
      .call('post', '/Groups', {
        schemas: [groupUrn],
        displayName: 'Engineers',
        members: [{ value: ann.id }, { value: bob.id, type: 'User' }, { value: ann.id }],
      })
      .expect(201);
    expect(response.body.members).toEqual([
      { value: ann.id, $ref: `${scimUrl}/Users/${ann.id}`, display: 'Ann Lee', type: 'User' },
      { value: bob.id, $ref: `${scimUrl}/Users/${bob.id}`, display: 'bob', type: 'User' },
    ]);

    const members = await scim.sesame.services.directory.listMembers(response.body.id);
    expect(members.map((member) => member.username)).toEqual(['ann', 'bob']);
    const added = (await events(scim)).filter((event) => event.type === 'group_member_add');
    expect(added).toHaveLength(2);
    expect(added.every((event) => event.actor === actor)).toBe(true);
  });

  it('rejects a duplicate name in another case', async () => {
    await scim.call('post', '/Groups', { schemas: [groupUrn], displayName: 'Sales' }).expect(201);
    const response = await scim
      .call('post', '/Groups', { schemas: [groupUrn], displayName: 'SALES' })
      .expect(409);
    expect(response.body.scimType).toBe('uniqueness');
    expect(response.body.detail).toBe('Group "Sales" already exists');
  });

  it('rejects members that are not users', async () => {
    const nested = await scim
      .call('post', '/Groups', {
        schemas: [groupUrn],
        displayName: 'Outer',
        members: [{ value: 'some-group', type: 'Group' }],
      })
      .expect(400);
    expect(nested.body.scimType).toBe('invalidValue');
    expect(nested.body.detail).toBe('members must be users, not type "Group"');

    const unknown = await scim
      .call('post', '/Groups', {
        schemas: [groupUrn],
        displayName: 'Outer',
        members: [{ value: 'no-such-user' }],
      })
      .expect(400);
    expect(unknown.body.detail).toBe('members.value "no-such-user" is not the id of a user');
    expect(await scim.sesame.services.directory.listGroups()).toEqual([]);
  });

  it('rejects a group without displayName', async () => {
    const response = await scim.call('post', '/Groups', { schemas: [groupUrn] }).expect(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toBe('displayName is required and must be a string');
  });
});
