import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  activate,
  by,
  createDatabricksApplication,
  eventsOf,
  startSetup,
  type Setup,
} from './harness.ts';

describe('manual import of Databricks users', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await startSetup();
    await createDatabricksApplication(setup);
  });
  afterEach(async () => {
    await setup.close();
  });

  function addRemoteUsers(count: number) {
    for (let index = 1; index <= count; index += 1) {
      setup.scim.scim.state.addUser({
        userName: `imported${index}@example.com`,
        name: { givenName: 'Imported', familyName: `User${index}` },
        displayName: `Imported User${index}`,
      });
    }
  }

  it('lists Databricks users as New or Imported, and filters new ones', async () => {
    addRemoteUsers(2);
    await setup.sesame.services.directory.createUser(
      { username: 'imported1@example.com', email: 'imported1@example.com' },
      by,
    );
    await activate(setup);
    const { provisioning } = setup.sesame.services;

    const all = await provisioning.listImportCandidates('databricks');
    expect(all.map((candidate) => [candidate.userName, candidate.status])).toEqual([
      ['imported1@example.com', 'Imported'],
      ['imported2@example.com', 'New'],
    ]);
    const fresh = await provisioning.listImportCandidates('databricks', { newOnly: true });
    expect(fresh.map((candidate) => candidate.userName)).toEqual(['imported2@example.com']);
  });

  it('imports 5 users at once, without passwords and without managing them', async () => {
    addRemoteUsers(5);
    await activate(setup);
    const { provisioning, directory } = setup.sesame.services;
    const candidates = await provisioning.listImportCandidates('databricks');

    const run = await provisioning.importUsers(
      'databricks',
      candidates.map((candidate) => candidate.remoteId),
      by,
    );
    expect(run).toMatchObject({ state: 'finished', total: 5, created: 5, skipped: 0, failed: 0 });
    const user = await directory.findUser('imported3@example.com');
    expect(user).toMatchObject({
      email: 'imported3@example.com',
      first_name: 'Imported',
      last_name: 'User3',
      password_hash: null,
    });
    // Without a password no sign-in succeeds until an administrator sets one.
    const attempt = await directory.authenticate('imported3@example.com', 'anything at all');
    expect(attempt.reason).toBe('invalid_credentials');
    // Not in a bound group, so not managed: nothing was written to Databricks.
    expect(setup.scim.scim.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    expect(await provisioning.listUnacknowledgedImports()).toEqual([]);
  });

  it('imports 150 users in the background and reports when it finishes', async () => {
    addRemoteUsers(150);
    await activate(setup);
    const { provisioning } = setup.sesame.services;
    const candidates = await provisioning.listImportCandidates('databricks');

    const run = await provisioning.importUsers(
      'databricks',
      candidates.map((candidate) => candidate.remoteId),
      by,
    );
    expect(run.total).toBe(150);
    let current = run;
    for (let waited = 0; current.state !== 'finished' && waited < 10_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = (await provisioning.getImport(run.id))!;
    }
    expect(current).toMatchObject({ state: 'finished', created: 150, failed: 0 });
    expect(await setup.sesame.services.directory.countUsers()).toBe(150);
    const [notice] = await provisioning.listUnacknowledgedImports();
    expect(notice?.id).toBe(run.id);
    const [event] = await eventsOf(setup, 'idm_import_complete');
    expect(event).toMatchObject({ outcome: 'success', details: { total: 150, created: 150 } });

    await provisioning.acknowledgeImport(run.id);
    expect(await provisioning.listUnacknowledgedImports()).toEqual([]);
  });

  it('imports a user deactivated in Databricks as suspended', async () => {
    setup.scim.scim.state.addUser({ userName: 'gone@example.com', active: false });
    await activate(setup);
    const { provisioning, directory } = setup.sesame.services;
    const [candidate] = await provisioning.listImportCandidates('databricks');
    expect(candidate).toMatchObject({ userName: 'gone@example.com', active: false });

    const run = await provisioning.importUsers('databricks', [candidate!.remoteId], by);
    expect(run.results).toEqual([
      {
        userName: 'gone@example.com',
        outcome: 'created',
        message: 'created suspended, as in the SP',
      },
    ]);
    expect((await directory.findUser('gone@example.com'))?.status).toBe('suspended');
  });

  it('skips users already in Sesame and rejects unknown IDs', async () => {
    addRemoteUsers(2);
    await activate(setup);
    const { provisioning } = setup.sesame.services;
    const candidates = await provisioning.listImportCandidates('databricks');
    await provisioning.importUsers('databricks', [candidates[0]!.remoteId], by);

    const again = await provisioning.importUsers(
      'databricks',
      candidates.map((candidate) => candidate.remoteId),
      by,
    );
    expect(again).toMatchObject({ created: 1, skipped: 1 });
    await expect(provisioning.importUsers('databricks', ['no-such-id'], by)).rejects.toThrow(
      /no user with ID "no-such-id"/,
    );
    await expect(provisioning.importUsers('databricks', [], by)).rejects.toThrow(/at least one/);
  });
});
