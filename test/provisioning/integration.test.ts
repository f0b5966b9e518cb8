import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';
import {
  activate,
  by,
  createDatabricksApplication,
  eventsOf,
  remoteGroups,
  remoteUsers,
  scimToken,
  seedBoundGroup,
  settle,
  startSetup,
  type Setup,
} from './harness.ts';

const renewedToken = 'dapi-renewed-provisioning-token';

describe('the Identity Management integration', () => {
  let setup: Setup;
  let accepted: string[];
  beforeEach(async () => {
    accepted = [scimToken, renewedToken];
    setup = await startSetup({ scim: { tokens: accepted } });
    await createDatabricksApplication(setup);
  });
  afterEach(async () => {
    await setup.close();
  });

  it('stores the Token Key encrypted and never records it', async () => {
    await seedBoundGroup(setup, 1);
    await activate(setup);
    const row = await setup.sesame.services.db
      .selectFrom('idm_integrations')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(row.token_encrypted).not.toContain(scimToken);
    expect(Buffer.from(row.token_encrypted.split('.')[3]!, 'base64url').toString()).not.toContain(
      'dapi',
    );
    const events = await setup.sesame.services.db.selectFrom('events').selectAll().execute();
    expect(JSON.stringify(events)).not.toContain(scimToken);
    const integration = await setup.sesame.services.provisioning.get('databricks');
    expect(JSON.stringify(integration)).not.toContain(scimToken);
  });

  it('refuses a new Token Key while active, and records a reauth after reactivation', async () => {
    const { provisioning } = setup.sesame.services;
    await seedBoundGroup(setup, 1);
    await activate(setup);

    await expect(
      provisioning.activate('databricks', { baseUrl: setup.scim.baseUrl, token: renewedToken }, by),
    ).rejects.toThrow(
      /deactivate the integration, renew the token in Databricks, and activate it again/,
    );

    await provisioning.deactivate('databricks', by);
    await provisioning.activate(
      'databricks',
      { baseUrl: setup.scim.baseUrl, token: renewedToken },
      by,
    );
    await settle(setup);
    expect(await eventsOf(setup, 'idm_integration_reauth')).toHaveLength(1);
    expect(await eventsOf(setup, 'idm_integration_delete')).toHaveLength(1);
    expect(await eventsOf(setup, 'idm_integration_activate')).toHaveLength(1);
  });

  it('sends the stored Token Key only to the server it was entered for', async () => {
    const { provisioning } = setup.sesame.services;
    await activate(setup);
    await provisioning.deactivate('databricks', by);
    const elsewhere = setup.scim.baseUrl.replace('127.0.0.1', 'localhost');
    await expect(provisioning.activate('databricks', { baseUrl: elsewhere }, by)).rejects.toThrow(
      /Enter the Token Key again/,
    );
    await provisioning.activate('databricks', { baseUrl: setup.scim.baseUrl }, by);
    expect((await provisioning.get('databricks'))?.active).toBe(true);
  });

  it('gives up on an interactive check after two retries', async () => {
    const { provisioning } = setup.sesame.services;
    setup.scim.scim.faults.set({ unavailable: {} });
    await expect(
      provisioning.activate('databricks', { baseUrl: setup.scim.baseUrl, token: scimToken }, by),
    ).rejects.toThrow(/Busy or failing/);
    // The worker's budget is 8 retries; an administrator waiting on the page gets 2.
    expect(setup.scim.scim.requests).toHaveLength(3);
  });

  it('shows the failure that a waiting job is retried after', async () => {
    const { provisioning, directory } = setup.sesame.services;
    await seedBoundGroup(setup, 1);
    await activate(setup);
    setup.scim.scim.faults.set({ unavailable: {} });

    await directory.updateUser(
      (await directory.requireUser('eng1')).id,
      { lastName: 'During Outage' },
      by,
    );
    let lastError: string | null | undefined;
    for (let waited = 0; !lastError && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      lastError = (await provisioning.get('databricks'))?.lastError;
    }
    expect(lastError).toMatch(/^Retrying a user job \(attempt \d+ of 8\) after: HTTP 503/);

    setup.scim.scim.faults.clear();
    await settle(setup);
    expect((await provisioning.get('databricks'))?.lastError).toBeNull();
  });

  it('stops all provisioning on deactivation and leaves Databricks as it is', async () => {
    const { provisioning, directory } = setup.sesame.services;
    const { group } = await seedBoundGroup(setup, 2);
    await activate(setup);
    await provisioning.deactivate('databricks', by);
    const before = snapshotState(setup.scim.scim.state);
    setup.scim.scim.requests.length = 0;

    await directory.removeMember('Engineers', 'eng1', by);
    await directory.deleteGroup(group.id, by);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(setup.scim.scim.requests).toEqual([]);
    expect(snapshotState(setup.scim.scim.state)).toEqual(before);
    const jobs = await setup.sesame.services.db.selectFrom('idm_jobs').selectAll().execute();
    expect(jobs).toEqual([]);
  });

  it('refuses to delete an application while its integration is active', async () => {
    const { provisioning, applications } = setup.sesame.services;
    await activate(setup);
    await expect(applications.remove(['databricks'], by)).rejects.toThrow(
      /deactivate it before deleting/,
    );
    await provisioning.deactivate('databricks', by);
    await applications.remove(['databricks'], by);
    expect(await applications.get('databricks')).toBeUndefined();
  });

  it.each([
    ['a closed port', 'http://127.0.0.1:9/api/2.0/accounts/x/scim/v2', scimToken, /^Unreachable/],
    ['a wrong token', undefined, 'dapi-wrong', /^HTTP 401/],
    ['a wrong account ID', 'wrong-account', scimToken, /^Not a SCIM API/],
  ])('reports %s and saves nothing', async (_case, baseUrl, token, reason) => {
    const { provisioning } = setup.sesame.services;
    const url =
      baseUrl === 'wrong-account'
        ? setup.scim.baseUrl.replace(/accounts\/[^/]+/, 'accounts/not-this-one')
        : (baseUrl ?? setup.scim.baseUrl);
    await expect(provisioning.activate('databricks', { baseUrl: url, token }, by)).rejects.toThrow(
      reason,
    );
    expect(await provisioning.get('databricks')).toBeUndefined();
    const [failure] = await eventsOf(setup, 'idm_integration_activate');
    expect(failure).toMatchObject({ outcome: 'failure', errorCode: 'scim_check_failed' });
  });

  it('rejects a plain-http Base URL on a non-loopback host before sending anything', async () => {
    await expect(
      setup.sesame.services.provisioning.activate(
        'databricks',
        { baseUrl: 'http://accounts.example.invalid/api/2.0/accounts/x/scim/v2', token: scimToken },
        by,
      ),
    ).rejects.toThrow(/must use https/);
  });

  it('halts on a revoked token and resumes after reactivation with a renewed one', async () => {
    const { provisioning, directory } = setup.sesame.services;
    await seedBoundGroup(setup, 1);
    await activate(setup);
    // The emulator's option array is live: removing the token revokes it, as in Databricks.
    accepted.splice(accepted.indexOf(scimToken), 1);

    await directory.addMember('Engineers', (await createUser(setup, 'late')).username, by);
    await settle(setup);
    const integration = await provisioning.get('databricks');
    expect(integration?.lastError).toMatch(/rejected the Token Key \(HTTP 401\)/);
    expect(integration?.jobsPending).toBeGreaterThan(0);
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true });

    await provisioning.deactivate('databricks', by);
    await provisioning.activate(
      'databricks',
      { baseUrl: setup.scim.baseUrl, token: renewedToken },
      by,
    );
    await settle(setup);
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true, 'late@example.com': true });
    expect((await provisioning.get('databricks'))?.lastError).toBeNull();
    expect(remoteGroups(setup)).toEqual({ Engineers: ['eng1@example.com', 'late@example.com'] });
  });
});

async function createUser(setup: Setup, username: string) {
  return setup.sesame.services.directory.createUser(
    { username, email: `${username}@example.com` },
    by,
  );
}
