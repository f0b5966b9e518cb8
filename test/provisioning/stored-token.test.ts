import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  activate,
  by,
  createDatabricksApplication,
  remoteUsers,
  scimToken,
  seedBoundGroup,
  settle,
  startSetup,
  type Setup,
} from './harness.ts';

/** Replaces an application's stored Token Key with a value that does not decrypt. */
async function corruptStoredToken(setup: Setup, slug: string) {
  const { db } = setup.sesame.services;
  const application = await db
    .selectFrom('applications')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  await db
    .updateTable('idm_integrations')
    .set({ token_encrypted: 'v1.AAAA.BBBB.CCCC' })
    .where('application_id', '=', application.id)
    .execute();
}

describe('a stored Token Key that no longer decrypts', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await startSetup();
    await createDatabricksApplication(setup);
  });
  afterEach(async () => {
    await setup.close();
  });

  it('is replaced by a new Token Key', async () => {
    const { provisioning } = setup.sesame.services;
    await activate(setup);
    await provisioning.deactivate('databricks', by);
    await corruptStoredToken(setup, 'databricks');

    await expect(
      provisioning.activate('databricks', { baseUrl: setup.scim.baseUrl }, by),
    ).rejects.toThrow(/Token Key is required: the stored one cannot be decrypted/);
    const integration = await provisioning.activate(
      'databricks',
      { baseUrl: setup.scim.baseUrl, token: scimToken },
      by,
    );
    expect(integration.active).toBe(true);
  });

  it('keeps other integrations starting', async () => {
    const { provisioning } = setup.sesame.services;
    await createDatabricksApplication(setup, 'broken');
    await activate(setup, 'broken');
    await provisioning.stop();
    await corruptStoredToken(setup, 'broken');
    await seedBoundGroup(setup, 1);
    await provisioning.activate(
      'databricks',
      { baseUrl: setup.scim.baseUrl, token: scimToken },
      by,
    );

    await provisioning.start();
    await settle(setup);
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true });
    const broken = await provisioning.get('broken');
    expect(broken?.lastError).toMatch(/^Provisioning could not start: The stored Token Key/);
  });
});
