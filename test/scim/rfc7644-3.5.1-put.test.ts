import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  actor,
  createGroup,
  createUser,
  enterpriseUrn,
  events,
  fixture,
  groupUrn,
  startScim,
  userBody,
  type ScimTest,
} from './support.ts';

let scim: ScimTest;
beforeEach(async () => {
  scim = await startScim();
});
afterEach(() => scim.close());

describe('PUT /Users/:id', () => {
  it('replaces a user from an Okta request', async () => {
    const created = await scim.call('post', '/Users', fixture('okta-create-user')).expect(201);
    const id = created.body.id as string;

    const response = await scim
      .call('put', `/Users/${id}`, fixture('okta-replace-user', { userId: id }))
      .expect(200);
    expect(response.headers.etag).toBe(response.body.meta.version);
    expect(response.body.name).toEqual({
      givenName: 'Isabella',
      familyName: 'Ortiz-Lopez',
      formatted: 'Isabella Ortiz-Lopez',
    });
    expect(response.body.emails[0].value).toBe('isabella.ortiz-lopez@example.com');

    const row = await scim.sesame.services.directory.requireUserById(id);
    expect(row.last_name).toBe('Ortiz-Lopez');
    expect(row.display_name).toBe('Isabella Ortiz-Lopez');
    expect(row.email).toBe('isabella.ortiz-lopez@example.com');
    // The password was not in the PUT body, so it stays.
    const verdict = await scim.sesame.services.directory.authenticate(
      'isabella.ortiz@example.com',
      't1meMa$heen-long-enough',
    );
    expect(verdict.user?.id).toBe(id);

    const updates = (await events(scim)).filter((event) => event.type === 'user_update');
    expect(updates).toEqual([
      { type: 'user_update', actor, details: { changed: ['email', 'lastName', 'displayName'] } },
    ]);
  });

  it('clears attributes the body leaves out', async () => {
    const user = await createUser(scim, 'ann', {
      displayName: 'Ann',
      externalId: 'x-1',
      name: { givenName: 'Ann', familyName: 'Lee' },
      [enterpriseUrn]: { department: 'Sales' },
    });
    const response = await scim.call('put', `/Users/${user.id}`, userBody('ann')).expect(200);
    expect(response.body).not.toHaveProperty('displayName');
    expect(response.body).not.toHaveProperty('externalId');
    expect(response.body).not.toHaveProperty('name');
    expect(response.body).not.toHaveProperty(enterpriseUrn);

    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.external_id).toBeNull();
    expect(row.department).toBe('');
    expect(row.first_name).toBe('');
  });

  it('keeps the status when active is left out', async () => {
    const user = await createUser(scim, 'ann', { active: false });
    await scim.call('put', `/Users/${user.id}`, userBody('ann')).expect(200);
    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.status).toBe('suspended');

    await scim.call('put', `/Users/${user.id}`, userBody('ann', { active: true })).expect(200);
    expect((await scim.sesame.services.directory.requireUserById(user.id)).status).toBe('active');
  });

  it('records nothing for an unchanged user', async () => {
    const user = await createUser(scim, 'ann');
    const before = await events(scim);
    const response = await scim.call('put', `/Users/${user.id}`, userBody('ann')).expect(200);
    expect(await events(scim)).toEqual(before);
    expect(response.body.meta.version).toBe(user.meta.version);
  });

  it('rejects another id in the body', async () => {
    const user = await createUser(scim, 'ann');
    const response = await scim
      .call('put', `/Users/${user.id}`, userBody('ann', { id: 'another-id', displayName: 'X' }))
      .expect(400);
    expect(response.body.scimType).toBe('mutability');
    expect(response.body.detail).toBe(
      `id is read-only: the body's id "another-id" is not ${user.id}`,
    );
    const row = await scim.sesame.services.directory.requireUserById(user.id);
    expect(row.display_name).toBe('');
  });

  it('rejects a userName taken in another case', async () => {
    await createUser(scim, 'ann');
    const bob = await createUser(scim, 'bob');
    const response = await scim
      .call('put', `/Users/${bob.id}`, userBody('ANN', { emails: [{ value: 'bob@example.com' }] }))
      .expect(409);
    expect(response.body.scimType).toBe('uniqueness');
    expect((await scim.sesame.services.directory.requireUserById(bob.id)).username).toBe('bob');
  });

  it('answers 404 for an unknown user', async () => {
    const response = await scim.call('put', '/Users/no-such-id', userBody('ann')).expect(404);
    expect(response.body).toMatchObject({ status: '404', detail: 'User no-such-id not found' });
  });

  it('rejects setting an administrator password', async () => {
    const { directory } = scim.sesame.services;
    const admin = await directory.createUser(
      { username: 'root', email: 'root@example.com', isAdmin: true },
      { actor: 'test' },
    );
    const response = await scim
      .call('put', `/Users/${admin.id}`, userBody('root', { password: 'a long new password' }))
      .expect(403);
    expect(response.body.detail).toBe(
      'The password of administrator "root" cannot be changed through SCIM; use the admin portal',
    );
    expect((await directory.requireUserById(admin.id)).password_hash).toBeNull();
  });
});

describe('PUT /Groups/:id', () => {
  it('replaces name, externalId and members', async () => {
    const ann = await createUser(scim, 'ann');
    const bob = await createUser(scim, 'bob');
    const group = await createGroup(scim, 'Sales', [ann.id]);

    const response = await scim
      .call('put', `/Groups/${group.id}`, {
        schemas: [groupUrn],
        displayName: 'Sales EMEA',
        externalId: 'g-7',
        members: [{ value: bob.id }],
      })
      .expect(200);
    expect(response.body.displayName).toBe('Sales EMEA');
    expect(response.body.externalId).toBe('g-7');
    expect(response.body.members.map((member: { value: string }) => member.value)).toEqual([
      bob.id,
    ]);

    const members = await scim.sesame.services.directory.listMembers(group.id);
    expect(members.map((member) => member.username)).toEqual(['bob']);
    const types = (await events(scim)).map((event) => event.type);
    expect(types.slice(-3)).toEqual(['group_update', 'group_member_add', 'group_member_remove']);
  });

  it('removes every member when members is left out', async () => {
    const ann = await createUser(scim, 'ann');
    const group = await createGroup(scim, 'Sales', [ann.id]);
    await scim
      .call('put', `/Groups/${group.id}`, { schemas: [groupUrn], displayName: 'Sales' })
      .expect(200);
    expect(await scim.sesame.services.directory.listMembers(group.id)).toEqual([]);
  });

  it('rolls back every change when one member is unknown', async () => {
    const ann = await createUser(scim, 'ann');
    const group = await createGroup(scim, 'Sales', [ann.id]);
    const response = await scim
      .call('put', `/Groups/${group.id}`, {
        schemas: [groupUrn],
        displayName: 'Renamed',
        members: [{ value: 'no-such-user' }],
      })
      .expect(400);
    expect(response.body.scimType).toBe('invalidValue');
    const stored = await scim.sesame.services.directory.requireGroupById(group.id);
    expect(stored.name).toBe('Sales');
    expect(await scim.sesame.services.directory.listMembers(group.id)).toHaveLength(1);
  });
});
