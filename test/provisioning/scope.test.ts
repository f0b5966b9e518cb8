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

describe('Sync now after changes made in Databricks directly', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await startSetup();
  });
  afterEach(async () => {
    await setup.close();
  });

  it('previews the corrections without sending them, then sends only those', async () => {
    const { directory, applications, provisioning } = setup.sesame.services;
    await createDatabricksApplication(setup);
    await createUsers(setup, 'eng', 3);
    const engineers = await directory.createGroup('Engineers', by);
    for (const name of ['eng1', 'eng2', 'eng3']) await directory.addMember('Engineers', name, by);
    await applications.bind('databricks', engineers.id, engineers.name, by);
    await activate(setup);

    // An administrator edits Databricks by hand: a name, a deactivation, a lost member.
    const state = setup.scim.scim.state;
    state.findUserByName('eng1@example.com')!.displayName = 'Edited By Hand';
    state.findUserByName('eng2@example.com')!.active = false;
    const group = [...state.groups.values()][0]!;
    const eng3 = state.findUserByName('eng3@example.com')!;
    group.members = group.members.filter((member) => member.value !== eng3.id);
    state.saveGroup(group);
    setup.scim.scim.requests.length = 0;

    const planned = await provisioning.preview('databricks');
    expect(planned.map((call) => `${call.method} ${call.subject}: ${call.summary}`)).toEqual([
      'PATCH eng1@example.com: change displayName',
      'PATCH eng2@example.com: change active',
      'PATCH Engineers: add 1 members',
    ]);
    expect(setup.scim.scim.requests.filter((request) => request.method !== 'GET')).toEqual([]);

    await provisioning.syncNow('databricks', by);
    await settle(setup);
    const writes = setup.scim.scim.requests.filter((request) => request.method !== 'GET');
    expect(writes.map((request) => request.method)).toEqual(['PATCH', 'PATCH', 'PATCH']);
    expect(snapshotState(state).users['eng1@example.com']!.displayName).toBe('First Last1');
    expect(snapshotState(state).groups.Engineers!.members).toHaveLength(3);
    expect(await provisioning.preview('databricks')).toEqual([]);
  });
});
