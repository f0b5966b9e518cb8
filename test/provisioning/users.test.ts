import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRequests, findRequests } from '../support/databricks-scim/requests.ts';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';
import {
  activate,
  by,
  createDatabricksApplication,
  createUsers,
  eventsOf,
  remoteGroups,
  remoteUsers,
  seedBoundGroup,
  settle,
  startSetup,
  type Setup,
} from './harness.ts';

describe('provisioning users', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await startSetup();
    await createDatabricksApplication(setup);
  });
  afterEach(async () => {
    await setup.close();
  });

  it('creates a user who joins a bound group after activation, after looking it up', async () => {
    await seedBoundGroup(setup, 1);
    await activate(setup);
    await createUsers(setup, 'late', 1);
    setup.scim.scim.requests.length = 0;

    await setup.sesame.services.directory.addMember('Engineers', 'late1', by);
    await settle(setup);

    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true, 'late1@example.com': true });
    const requests = setup.scim.scim.requests.map((request) => `${request.method} ${request.path}`);
    expect(requests[0]).toMatch(
      /^GET .*\/Users\?filter=userName%20eq%20%22late1%40example\.com%22$/,
    );
    expect(requests[1]).toMatch(/^POST .*\/Users$/);
    const lookups = await eventsOf(setup, 'user_lookup_provision');
    expect(lookups[0]).toMatchObject({
      username: 'late1',
      details: { userName: 'late1@example.com', found: false },
    });
  });

  it('adopts a Databricks user with the same userName instead of creating one', async () => {
    setup.scim.scim.state.addUser({ userName: 'eng1@example.com', displayName: 'Old Name' });
    await createUsers(setup, 'eng', 1);
    await activate(setup);
    const { directory, applications } = setup.sesame.services;
    const group = await directory.createGroup('Engineers', by);
    await directory.addMember('Engineers', 'eng1', by);
    await applications.bind('databricks', group.id, group.name, by);
    await settle(setup);

    expect(countRequests(setup.scim.scim.requests, { method: 'POST', resource: 'Users' })).toBe(0);
    const user = snapshotState(setup.scim.scim.state).users['eng1@example.com'];
    expect(user).toMatchObject({ displayName: 'First Last1', name: { familyName: 'Last1' } });
    const lookups = await eventsOf(setup, 'user_lookup_provision');
    expect(lookups[0]!.details).toMatchObject({ found: true });
  });

  it('pushes name changes, and warns that Databricks keeps an old email', async () => {
    const { users } = await seedBoundGroup(setup, 1);
    await activate(setup);
    setup.scim.scim.requests.length = 0;

    await setup.sesame.services.directory.updateUser(
      users[0]!.id,
      { lastName: 'Changed', email: 'renamed@example.com' },
      by,
    );
    await settle(setup);

    const patches = findRequests(setup.scim.scim.requests, { method: 'PATCH', resource: 'Users' });
    expect(patches).toHaveLength(1);
    const remote = snapshotState(setup.scim.scim.state).users;
    expect(Object.keys(remote)).toEqual(['eng1@example.com']);
    expect(remote['eng1@example.com']).toMatchObject({
      displayName: 'First Changed',
      name: { familyName: 'Changed' },
    });
    const [update] = await eventsOf(setup, 'user_update_provision');
    expect(String(update!.details.warning)).toMatch(/keeps the old userName and emails/);
  });

  it('deactivates a user who is suspended or leaves the bound group, and reactivates them', async () => {
    await seedBoundGroup(setup, 2);
    await activate(setup);
    const { directory } = setup.sesame.services;

    await directory.setStatus('eng1', 'suspended', by);
    await directory.removeMember('Engineers', 'eng2', by);
    await settle(setup);
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': false, 'eng2@example.com': false });
    expect(await eventsOf(setup, 'user_deprovision')).toHaveLength(2);
    expect(countRequests(setup.scim.scim.requests, { method: 'DELETE' })).toBe(0);

    await directory.setStatus('eng1', 'active', by);
    await directory.addMember('Engineers', 'eng2', by);
    await settle(setup);
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true, 'eng2@example.com': true });
    expect(countRequests(setup.scim.scim.requests, { method: 'POST', resource: 'Users' })).toBe(2);
  });

  it('deletes a user deleted in Sesame, or only deactivates them when the application says so', async () => {
    const { users } = await seedBoundGroup(setup, 2);
    await activate(setup);
    const { directory, provisioning } = setup.sesame.services;

    await directory.deleteUser(users[0]!.id, by);
    await settle(setup);
    expect(remoteUsers(setup)).toEqual({ 'eng2@example.com': true });
    expect(await eventsOf(setup, 'user_delete_provision')).toHaveLength(1);

    await provisioning.updateSettings('databricks', { deprovision: 'deactivate' }, by);
    await directory.deleteUser(users[1]!.id, by);
    await settle(setup);
    expect(remoteUsers(setup)).toEqual({ 'eng2@example.com': false });
  });

  it('creates a user again when Databricks lost it', async () => {
    const { users } = await seedBoundGroup(setup, 1);
    await activate(setup);
    const remote = setup.scim.scim.state.findUserByName('eng1@example.com')!;
    setup.scim.scim.state.deleteUser(remote.id);

    await setup.sesame.services.directory.updateUser(users[0]!.id, { firstName: 'Again' }, by);
    await settle(setup);

    const user = snapshotState(setup.scim.scim.state).users['eng1@example.com'];
    expect(user).toMatchObject({ active: true, name: { givenName: 'Again' } });
    expect(user!.id).not.toBe(remote.id);
  });
});

describe('a user created in Databricks between the listing and the create', () => {
  it('adopts the existing user on 409 instead of failing', async () => {
    let scimState: Setup['scim']['scim']['state'] | undefined;
    const setup = await startSetup({
      scim: {
        // Right after Sync now's listing of groups, someone creates the user in Databricks.
        onRequest: (request) => {
          if (request.method === 'GET' && /\/Groups\?startIndex=1/.test(request.path))
            scimState?.addUser({ userName: 'eng1@example.com', displayName: 'Made Elsewhere' });
        },
      },
    });
    try {
      scimState = setup.scim.scim.state;
      await createDatabricksApplication(setup);
      await seedBoundGroup(setup, 1);
      await activate(setup);

      const posts = findRequests(setup.scim.scim.requests, { method: 'POST', resource: 'Users' });
      expect(posts.map((post) => post.status)).toEqual([409]);
      expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true });
      expect(snapshotState(setup.scim.scim.state).users['eng1@example.com']).toMatchObject({
        displayName: 'First Last1',
      });
      expect(remoteGroups(setup)).toEqual({ Engineers: ['eng1@example.com'] });
    } finally {
      await setup.close();
    }
  });
});
