import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRequests } from '../support/databricks-scim/requests.ts';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';
import {
  activate,
  by,
  createDatabricksApplication,
  seedBoundGroup,
  settle,
  startSetup,
  type Setup,
} from './harness.ts';

describe('entitlements at a workspace-level target', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await startSetup({ scim: { level: 'workspace' } });
    await createDatabricksApplication(setup);
  });
  afterEach(async () => {
    await setup.close();
  });

  it('reads the level from a /preview/scim/v2 Base URL', async () => {
    const integration = await activate(setup);
    expect(setup.scim.baseUrl).toMatch(/\/api\/2\.0\/preview\/scim\/v2$/);
    expect(integration.level).toBe('workspace');
  });

  it("sends a bound group's entitlements on the Databricks group", async () => {
    const { provisioning } = setup.sesame.services;
    const { group } = await seedBoundGroup(setup, 2);
    await activate(setup);

    await provisioning.setEntitlements(
      'databricks',
      group.id,
      ['databricks-sql-access', 'workspace-access'],
      by,
    );
    await settle(setup);
    const state = snapshotState(setup.scim.scim.state);
    expect(state.groups.Engineers!.entitlements).toEqual([
      'databricks-sql-access',
      'workspace-access',
    ]);
    expect(state.users['eng1@example.com']!.entitlements).toEqual([]);

    await provisioning.setEntitlements('databricks', group.id, ['workspace-access'], by);
    await settle(setup);
    expect(snapshotState(setup.scim.scim.state).groups.Engineers!.entitlements).toEqual([
      'workspace-access',
    ]);
  });

  it('sends entitlements on each member when group management is off', async () => {
    const { provisioning } = setup.sesame.services;
    const { group } = await seedBoundGroup(setup, 2);
    await activate(setup, 'databricks', { groupManagement: false });

    await provisioning.setEntitlements('databricks', group.id, ['allow-cluster-create'], by);
    await settle(setup);
    const state = snapshotState(setup.scim.scim.state);
    expect(state.groups).toEqual({});
    expect(state.users['eng1@example.com']!.entitlements).toEqual(['allow-cluster-create']);
    expect(state.users['eng2@example.com']!.entitlements).toEqual(['allow-cluster-create']);
    // One PATCH per member, and nothing else written.
    const writes = setup.scim.scim.requests.filter((request) => request.method !== 'GET');
    expect(findRequests(writes, { method: 'PATCH', resource: 'Users' })).toHaveLength(2);
  });

  it('rejects an entitlement Databricks does not know', async () => {
    const { group } = await seedBoundGroup(setup, 1);
    await activate(setup);
    await expect(
      setup.sesame.services.provisioning.setEntitlements('databricks', group.id, ['root'], by),
    ).rejects.toThrow(/Unknown entitlement "root"/);
  });
});

describe('entitlements at an account-level target', () => {
  it('are refused, because Databricks rejects them there', async () => {
    const setup = await startSetup();
    try {
      await createDatabricksApplication(setup);
      const { group } = await seedBoundGroup(setup, 1);
      await activate(setup);
      await expect(
        setup.sesame.services.provisioning.setEntitlements(
          'databricks',
          group.id,
          ['workspace-access'],
          by,
        ),
      ).rejects.toThrow(/workspace-level targets only/);
      const writes = setup.scim.scim.requests.filter((request) => request.method === 'PATCH');
      expect(writes).toEqual([]);
    } finally {
      await setup.close();
    }
  });
});
