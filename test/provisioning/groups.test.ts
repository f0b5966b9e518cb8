import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRequests } from '../support/databricks-scim/requests.ts';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';
import {
  activate,
  by,
  createDatabricksApplication,
  eventsOf,
  remoteGroups,
  remoteUsers,
  seedBoundGroup,
  settle,
  startSetup,
  type Setup,
} from './harness.ts';

describe('provisioning groups', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await startSetup();
    await createDatabricksApplication(setup);
  });
  afterEach(async () => {
    await setup.close();
  });

  it('takes over a Databricks group with the same name and adds only the missing members', async () => {
    const existing = setup.scim.scim.state.addGroup({ displayName: 'Engineers' });
    await seedBoundGroup(setup, 2);
    await activate(setup);

    expect(countRequests(setup.scim.scim.requests, { method: 'POST', resource: 'Groups' })).toBe(0);
    expect(snapshotState(setup.scim.scim.state).groups.Engineers).toMatchObject({
      id: existing.id,
      members: ['eng1@example.com', 'eng2@example.com'],
    });
    const [takeover] = await eventsOf(setup, 'group_update_provision');
    expect(takeover).toBeDefined();
  });

  it('creates a bound group once it has a member, and pushes renames and membership changes', async () => {
    const { directory, applications } = setup.sesame.services;
    await seedBoundGroup(setup, 2);
    const admins = await directory.createGroup('Admins', by);
    await applications.bind('databricks', admins.id, admins.name, by);
    await activate(setup);
    expect(Object.keys(remoteGroups(setup))).toEqual(['Engineers']);

    await directory.addMember('Admins', 'eng1', by);
    await directory.renameGroup(admins.id, 'Platform Admins', by);
    await directory.removeMember('Engineers', 'eng2', by);
    await settle(setup);

    expect(remoteGroups(setup)).toEqual({
      Engineers: ['eng1@example.com'],
      'Platform Admins': ['eng1@example.com'],
    });
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true, 'eng2@example.com': false });
  });

  it('leaves an unbound group as it is and deactivates only members without another bound group', async () => {
    const { directory, applications } = setup.sesame.services;
    const { group } = await seedBoundGroup(setup, 2);
    const admins = await directory.createGroup('Admins', by);
    await directory.addMember('Admins', 'eng1', by);
    await applications.bind('databricks', admins.id, admins.name, by);
    await activate(setup);

    await applications.unbind('databricks', group.id, by);
    await directory.renameGroup(group.id, 'Engineers Renamed', by);
    await settle(setup);

    expect(remoteGroups(setup)).toEqual({
      Admins: ['eng1@example.com'],
      Engineers: ['eng1@example.com', 'eng2@example.com'],
    });
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true, 'eng2@example.com': false });
  });

  it('deletes a managed group deleted in Sesame and deactivates members left without access', async () => {
    const { directory, applications } = setup.sesame.services;
    const { group } = await seedBoundGroup(setup, 2);
    const admins = await directory.createGroup('Admins', by);
    await directory.addMember('Admins', 'eng2', by);
    await applications.bind('databricks', admins.id, admins.name, by);
    await activate(setup);

    await directory.deleteGroup(group.id, by);
    await settle(setup);

    expect(remoteGroups(setup)).toEqual({ Admins: ['eng2@example.com'] });
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': false, 'eng2@example.com': true });
    expect(await eventsOf(setup, 'group_delete_provision')).toHaveLength(1);
  });

  it('stops sending groups when group management is off, and catches up when it is on again', async () => {
    const { directory, provisioning } = setup.sesame.services;
    const { group } = await seedBoundGroup(setup, 2);
    await activate(setup, 'databricks', { groupManagement: false });
    expect(remoteGroups(setup)).toEqual({});
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true, 'eng2@example.com': true });

    await provisioning.updateSettings('databricks', { groupManagement: true }, by);
    await settle(setup);
    expect(remoteGroups(setup)).toEqual({ Engineers: ['eng1@example.com', 'eng2@example.com'] });

    await provisioning.updateSettings('databricks', { groupManagement: false }, by);
    await directory.renameGroup(group.id, 'Renamed', by);
    await directory.removeMember('Renamed', 'eng2', by);
    await settle(setup);
    // Groups and memberships stay as they were; users are still managed.
    expect(remoteGroups(setup)).toEqual({ Engineers: ['eng1@example.com', 'eng2@example.com'] });
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true, 'eng2@example.com': false });
  });
});
