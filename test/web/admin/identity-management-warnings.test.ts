import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activate, by, settle } from '../../provisioning/harness.ts';
import { startPortalSetup, type PortalSetup } from './identity-management-setup.ts';
import { signInAdmin, withFields } from './support.ts';

let setup: PortalSetup;

beforeEach(async () => {
  setup = await startPortalSetup();
  await activate(setup);
});
afterEach(() => setup.close());

const keptIdentity =
  'Databricks keeps the old userName and email of this user in databricks, because it ignores changes to them over SCIM.';

const consequences = [
  'the user is removed from the account and from all its workspaces;',
  'their personal access tokens stop working;',
  'jobs they own fail;',
  'their clusters stop;',
  'queries and dashboards that run as them need a new owner.',
];

describe('warnings about provisioned users', () => {
  it('warns that Databricks keeps the old email', async () => {
    const alice = setup.seed.alice;
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    const page = `/admin/users/${alice.id}`;
    const profile = { username: 'alice', firstName: 'Alice', lastName: 'Liddell' };

    await agent
      .post(page)
      .type('form')
      .send({ _csrf: await csrf(), ...profile, email: 'alice@new.example.com' })
      .expect(303);
    const saved = (await agent.get(page)).text;
    expect(saved).toContain(`Profile saved. ${keptIdentity}`);
    expect((await setup.sesame.services.directory.getUser(alice.id))!.email).toBe(
      'alice@new.example.com',
    );

    await agent
      .post(page)
      .type('form')
      .send({ _csrf: await csrf(), ...profile, email: 'ALICE@new.example.com', firstName: 'Al' })
      .expect(303);
    const caseOnly = (await agent.get(page)).text;
    expect(caseOnly).toContain('Profile saved.');
    expect(caseOnly).not.toContain(keptIdentity);
  });

  it('does not warn for a user who is not provisioned', async () => {
    const bob = await setup.sesame.services.directory.createUser(
      { username: 'bob', email: 'bob@example.com' },
      by,
    );
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    await agent
      .post(`/admin/users/${bob.id}`)
      .type('form')
      .send({ _csrf: await csrf(), username: 'robert', email: 'robert@example.com' })
      .expect(303);
    const page = (await agent.get(`/admin/users/${bob.id}`)).text;
    expect(page).toContain('Profile saved.');
    expect(page).not.toContain('Databricks keeps');
  });

  it('lists the consequences in Databricks before deleting', async () => {
    const { agent } = await signInAdmin(setup.sesame.app);
    const page = (await agent.get(`/admin/users/${setup.seed.alice.id}/delete`)).text;
    expect(page).toContain(
      'Sesame also deletes alice in Databricks for <strong>databricks</strong>',
    );
    for (const line of consequences) expect(page).toContain(line);
  });

  it('says the user is only deactivated with Deactivate only', async () => {
    await setup.sesame.services.provisioning.updateSettings(
      'databricks',
      { deprovision: 'deactivate' },
      by,
    );
    const { agent } = await signInAdmin(setup.sesame.app);
    const page = (await agent.get(`/admin/users/${setup.seed.alice.id}/delete`)).text;
    expect(page).toContain(
      'Sesame deactivates alice in Databricks for <strong>databricks</strong>',
    );
    for (const line of consequences) expect(page).not.toContain(line);
  });

  it('shows why an application with an integration is not deleted', async () => {
    await settle(setup);
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    const answer = await withFields(agent.post('/admin/applications/delete'), {
      _csrf: await csrf(),
      slug: 'databricks',
      count: '1',
    });
    expect(answer.status).toBe(409);
    expect(answer.text).toContain('<h1>Delete applications</h1>');
    expect(answer.text).toContain(
      'Application &#34;databricks&#34; has an active Identity Management integration; deactivate it before deleting the application',
    );
    expect(await setup.sesame.services.applications.require('databricks')).toBeDefined();
  });
});
