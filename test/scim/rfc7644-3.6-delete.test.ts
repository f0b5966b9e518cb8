import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actor, createGroup, createUser, events, startScim, type ScimTest } from './support.ts';

let scim: ScimTest;
beforeEach(async () => {
  scim = await startScim();
});
afterEach(() => scim.close());

describe('DELETE', () => {
  it('deletes a user and their memberships', async () => {
    const ann = await createUser(scim, 'ann');
    const group = await createGroup(scim, 'Sales', [ann.id]);

    const response = await scim.call('delete', `/Users/${ann.id}`).expect(204);
    expect(response.text).toBe('');
    await scim.call('get', `/Users/${ann.id}`).expect(404);
    expect(await scim.sesame.services.directory.getUser(ann.id)).toBeUndefined();
    expect(await scim.sesame.services.directory.listMembers(group.id)).toEqual([]);
    expect((await events(scim)).at(-1)).toEqual({
      type: 'user_delete',
      actor,
      details: { email: 'ann@example.com' },
    });
  });

  it('deletes a group but not its members', async () => {
    const ann = await createUser(scim, 'ann');
    const group = await createGroup(scim, 'Sales', [ann.id]);
    await scim.call('delete', `/Groups/${group.id}`).expect(204);
    await scim.call('get', `/Groups/${group.id}`).expect(404);
    expect(await scim.sesame.services.directory.listGroups()).toEqual([]);
    expect(await scim.sesame.services.directory.getUser(ann.id)).toBeDefined();
    expect((await events(scim)).at(-1)?.type).toBe('group_delete');
  });

  it('answers 404 for an unknown id', async () => {
    const user = await scim.call('delete', '/Users/no-such-id').expect(404);
    expect(user.body.detail).toBe('User no-such-id not found');
    const group = await scim.call('delete', '/Groups/no-such-id').expect(404);
    expect(group.body.detail).toBe('Group no-such-id not found');
  });

  it('keeps administrators, the last one above all', async () => {
    const { directory } = scim.sesame.services;
    const admin = await directory.createUser(
      {
        username: 'root',
        email: 'root@example.com',
        password: 'a long admin password',
        isAdmin: true,
      },
      { actor: 'test' },
    );
    const response = await scim.call('delete', `/Users/${admin.id}`).expect(403);
    expect(response.body.scimType).toBeUndefined();
    expect(response.body.detail).toBe(
      'Administrator "root" cannot be deleted through SCIM; use the admin portal',
    );
    expect(await directory.getUser(admin.id)).toBeDefined();
  });
});
