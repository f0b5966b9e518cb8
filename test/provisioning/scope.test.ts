import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';
import { countRequests } from '../support/databricks-scim/requests.ts';
import {
  activate,
  by,
  createDatabricksApplication,
  createUsers,
  eventsOf,
  settle,
  startSetup,
  type Setup,
} from './harness.ts';

describe('provisioning users and groups in scope', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await startSetup();
  });
  afterEach(async () => {
    await setup.close();
  });

  it('creates the members of bound groups and their groups on activation', async () => {
    const { directory, applications } = setup.sesame.services;
    await createDatabricksApplication(setup);
    await createUsers(setup, 'eng', 3);
    await createUsers(setup, 'other', 1);
    const engineers = await directory.createGroup('Engineers', by);
    await directory.createGroup('Empty', by);
    for (const name of ['eng1', 'eng2', 'eng3']) await directory.addMember('Engineers', name, by);
    await applications.bind('databricks', engineers.id, engineers.name, by);
    const empty = await directory.requireGroup('Empty');
    await applications.bind('databricks', empty.id, empty.name, by);

    await activate(setup);

    const state = snapshotState(setup.scim.scim.state);
    expect(Object.keys(state.users).sort()).toEqual([
      'eng1@example.com',
      'eng2@example.com',
      'eng3@example.com',
    ]);
    expect(state.users['eng2@example.com']).toMatchObject({
      active: true,
      displayName: 'First Last2',
      name: { givenName: 'First', familyName: 'Last2' },
      emails: ['eng2@example.com'],
    });
    expect(Object.keys(state.groups)).toEqual(['Engineers']);
    expect(state.groups.Engineers!.members).toEqual([
      'eng1@example.com',
      'eng2@example.com',
      'eng3@example.com',
    ]);
    expect((await eventsOf(setup, 'user_create_provision')).length).toBe(3);
    expect((await eventsOf(setup, 'group_create_provision')).length).toBe(1);
  });

  it('sends no writes when Sync now finds nothing changed', async () => {
    const { directory, applications, provisioning } = setup.sesame.services;
    await createDatabricksApplication(setup);
    await createUsers(setup, 'eng', 2);
    const engineers = await directory.createGroup('Engineers', by);
    await directory.addMember('Engineers', 'eng1', by);
    await directory.addMember('Engineers', 'eng2', by);
    await applications.bind('databricks', engineers.id, engineers.name, by);
    await activate(setup);

    setup.scim.scim.requests.length = 0;
    await provisioning.syncNow('databricks', by);
    await settle(setup);
    const writes = setup.scim.scim.requests.filter((request) => request.method !== 'GET');
    expect(writes).toEqual([]);
    expect(countRequests(setup.scim.scim.requests, { method: 'GET' })).toBeGreaterThan(0);
    expect(await provisioning.preview('databricks')).toEqual([]);
  });
});
