import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../../src/applications/catalog.ts';
import { activate, by, settle } from '../../provisioning/harness.ts';
import { csrfFrom } from '../../support/browser-agent.ts';
import { startPortalSetup, tabPath, type PortalSetup } from './identity-management-setup.ts';
import { fieldError, signInAdmin, withFields } from './support.ts';

let setup: PortalSetup;

beforeEach(async () => {
  setup = await startPortalSetup();
  await activate(setup);
});
afterEach(() => setup.close());

const importPath = `${tabPath}/import`;

/** Adds Databricks users `dbx1@example.com`… and returns their remote IDs in order. */
function addRemoteUsers(count: number): string[] {
  const ids = [];
  for (let index = 1; index <= count; index += 1) {
    const user = setup.scim.scim.state.addUser({
      userName: `dbx${index}@example.com`,
      name: { givenName: 'Remote', familyName: `User${index}` },
      displayName: `Remote User${index}`,
    });
    ids.push(user.id);
  }
  return ids;
}

/** Lists the remote IDs of the ticked check boxes of the import page. */
function checked(html: string): string[] {
  return [...html.matchAll(/name="remoteIds" value="([^"]+)"[^>]*checked/g)].map(
    (match) => match[1]!,
  );
}

async function waitForImport(id: string) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const run = await setup.sesame.services.provisioning.getImport(id);
    if (run?.state === 'finished') return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Import ${id} did not finish within 10 seconds`);
}

describe('manual import', () => {
  it('lists Databricks users as New or Imported', async () => {
    addRemoteUsers(3);
    const { agent } = await signInAdmin(setup.sesame.app);
    expect((await agent.get(tabPath)).text).toContain(`href="${importPath}">Manual import</a>`);

    const page = (await agent.get(importPath).expect(200)).text;
    expect(page).toContain('Imported users have no password.');
    expect(page).toContain('only once the user is in a group bound to Databricks');
    expect(page).toMatch(
      /<td>dbx1@example.com<\/td>\s*<td>dbx1@example.com<\/td>\s*<td>Remote User1<\/td>\s*<td>active<\/td>\s*<td><span class="status status-active">New<\/span>/,
    );
    expect(page).toMatch(/<td>alice@example.com<\/td>[\s\S]*?>Imported<\/span>/);
    expect(page.match(/name="remoteIds"/g)).toHaveLength(3);
    expect(checked(page)).toEqual([]);

    const newOnly = (await agent.get(`${importPath}?newOnly=1`).expect(200)).text;
    expect(newOnly).not.toContain('alice@example.com');
    expect(newOnly).toContain('3 new users in Databricks');
    expect(newOnly).toContain('Show all users');
  });

  it('selects every new user of the page with one link', async () => {
    const ids = addRemoteUsers(4);
    const { agent } = await signInAdmin(setup.sesame.app);
    const page = (await agent.get(`${importPath}?select=all`).expect(200)).text;
    expect(checked(page).sort()).toEqual([...ids].sort());
    expect(page).toContain(`href="${importPath}">Clear the selection</a>`);
  });

  it('imports five users and shows the results at once', async () => {
    const ids = addRemoteUsers(5);
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    const answer = await withFields(agent.post(importPath), {
      _csrf: await csrf(importPath),
      remoteIds: ids,
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toMatch(new RegExp(`^${tabPath}/imports/[0-9a-f-]{36}$`));

    const results = (await agent.get(answer.headers.location!).expect(200)).text;
    expect(results).toContain('Finished');
    expect(results).toMatch(/<th scope="row">Created<\/th><td>5<\/td>/);
    expect(results).toMatch(/<th scope="row">Total<\/th><td>5<\/td>/);
    expect(results.match(/<td>created without a password<\/td>/g)).toHaveLength(5);
    expect(results).toContain('Imported users have no password');
    expect(results).not.toContain('http-equiv="refresh"');

    const user = await setup.sesame.services.directory.requireUser('dbx3@example.com');
    expect(user).toMatchObject({ first_name: 'Remote', last_name: 'User3', password_hash: null });
    // Shown at once, so it leaves no notice to dismiss.
    expect(await setup.sesame.services.provisioning.listUnacknowledgedImports()).toEqual([]);

    const again = await withFields(agent.post(importPath), {
      _csrf: await csrf(importPath),
      remoteIds: ids[0]!,
    });
    const skipped = (await agent.get(again.headers.location!)).text;
    expect(skipped).toMatch(/<th scope="row">Skipped<\/th><td>1<\/td>/);
    expect(skipped).toContain('<td>already in Sesame</td>');
  });

  it('runs 150 users in the background and leaves a notice', async () => {
    addRemoteUsers(150);
    const { agent } = await signInAdmin(setup.sesame.app);
    const list = (await agent.get(`${importPath}?newOnly=1&select=all`).expect(200)).text;
    const ids = checked(list);
    expect(ids).toHaveLength(150);

    // With the workers stopped, the import stays running until they start again.
    await setup.sesame.services.provisioning.stop();
    const answer = await withFields(agent.post(importPath), {
      _csrf: csrfFrom(list),
      newOnly: '1',
      remoteIds: ids,
    });
    expect(answer.status).toBe(303);
    const runPath = answer.headers.location!;
    const progress = (await agent.get(runPath).expect(200)).text;
    expect(progress).toContain('Running: 0 of 150 handled.');
    expect(progress).toContain('<meta http-equiv="refresh" content="3">');
    expect(progress).toContain(`<a href="${runPath}">Reload now</a>`);

    await setup.sesame.services.provisioning.start();
    const run = await waitForImport(runPath.split('/').at(-1)!);
    expect(run).toMatchObject({ created: 150, skipped: 0, failed: 0, total: 150 });

    const users = (await agent.get('/admin/users').expect(200)).text;
    const notice =
      'Import of 150 Databricks users into databricks finished: 150 created, 0 skipped, 0 failed.';
    expect(users).toContain(notice);
    expect(users).toContain(`action="${runPath}/dismiss"`);
    expect((await agent.get('/admin/groups')).text).toContain(notice);

    const dismissed = await agent
      .post(`${runPath}/dismiss`)
      .type('form')
      .send({ _csrf: csrfFrom(users), returnTo: '/admin/users' });
    expect(dismissed.status).toBe(303);
    expect(dismissed.headers.location).toBe('/admin/users');
    expect((await agent.get('/admin/users')).text).not.toContain(notice);
    expect(await setup.sesame.services.provisioning.listUnacknowledgedImports()).toEqual([]);
  });

  it('returns to the import after a dismiss from another site', async () => {
    addRemoteUsers(101);
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    const list = (await agent.get(`${importPath}?select=all`)).text;
    const answer = await withFields(agent.post(importPath), {
      _csrf: csrfFrom(list),
      remoteIds: checked(list),
    });
    const runPath = answer.headers.location!;
    await waitForImport(runPath.split('/').at(-1)!);
    const dismissed = await agent
      .post(`${runPath}/dismiss`)
      .type('form')
      .send({ _csrf: await csrf(), returnTo: '//evil.example/admin/' });
    expect(dismissed.headers.location).toBe(runPath);
  });

  it('checks the selection', async () => {
    const ids = addRemoteUsers(2);
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    const cases: Array<[string, string[], string]> = [
      ['none', [], 'Select at least one user to import.'],
      [
        'too many',
        Array.from({ length: 1001 }, (_, index) => String(index)),
        'Select at most 1000 users per import; 1001 were selected.',
      ],
      [
        'too long',
        ['9'.repeat(129)],
        'A selected user ID is invalid; reload the list and select the users again.',
      ],
      ['unknown', ['424242'], 'The SP has no user with ID "424242"; reload the list'],
    ];
    for (const [name, remoteIds, message] of cases) {
      const answer = await withFields(agent.post(importPath), {
        _csrf: await csrf(importPath),
        remoteIds,
      });
      expect(answer.status, name).toBe(400);
      expect(fieldError(answer.text, 'remoteIds'), name).toBe(message);
      expect(answer.text, name).toContain('Nothing was imported');
    }
    const withUnknown = await withFields(agent.post(importPath), {
      _csrf: await csrf(importPath),
      remoteIds: [ids[0]!, '424242'],
    });
    expect(checked(withUnknown.text)).toEqual([ids[0]]);
    expect(await setup.sesame.services.directory.findUser('dbx1@example.com')).toBeUndefined();
  });

  it('rejects a form over its field limit with 413', async () => {
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    const answer = await withFields(agent.post(importPath), {
      _csrf: await csrf(importPath),
      remoteIds: Array.from({ length: 1200 }, (_, index) => String(index)),
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('select at most 1000 users per import');
  });

  it('returns 404 for an unknown import', async () => {
    const ids = addRemoteUsers(1);
    const { services } = setup.sesame;
    await services.applications.create(
      {
        slug: 'other',
        template: 'databricks',
        displayLabel: 'Other',
        spEntityId: 'https://other.example/saml',
        acsUrls: ['https://other.example/saml/consume'],
        sso: databricksTemplate,
      },
      by,
    );
    const run = await services.provisioning.importUsers('databricks', ids, by);
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    await agent.get(`${tabPath}/imports/not-an-import`).expect(404);
    await agent.get(`/admin/applications/other/identity-management/imports/${run.id}`).expect(404);
    await agent
      .post(`/admin/applications/other/identity-management/imports/${run.id}/dismiss`)
      .type('form')
      .send({ _csrf: await csrf() })
      .expect(404);
  });

  it('needs an active integration', async () => {
    await settle(setup);
    await setup.sesame.services.provisioning.deactivate('databricks', { actor: 'test' });
    const { agent } = await signInAdmin(setup.sesame.app);
    const page = await agent.get(importPath);
    expect(page.status).toBe(409);
    expect(page.text).toContain(
      'Activate the Identity Management integration before importing users',
    );
  });
});
