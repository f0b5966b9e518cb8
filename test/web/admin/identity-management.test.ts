import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../../provisioning/harness.ts';
import { snapshotState } from '../../support/databricks-scim/snapshot.ts';
import { signIn } from '../../support/browser-agent.ts';
import { testPassword } from '../../support/instance.ts';
import {
  accountBaseUrl,
  closedPort,
  configureFields,
  scimToken,
  startHtmlServer,
  startPortalSetup,
  startSelfSignedServer,
  tabPath,
  type LoopbackServer,
  type PortalSetup,
} from './identity-management-setup.ts';
import { fieldError, signInAdmin, withFields } from './support.ts';

let setup: PortalSetup;
const servers: LoopbackServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await setup.close();
});

/** Reads the visible text of the p.error at the top of a page. */
function formError(html: string): string | undefined {
  return /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
}

async function eventsContaining(text: string) {
  const rows = await setup.sesame.services.db.selectFrom('events').selectAll().execute();
  return rows.filter((row) => JSON.stringify(row).includes(text));
}

async function activateInPortal(overrides: Record<string, string> = {}) {
  const { agent, csrf } = await signInAdmin(setup.sesame.app);
  const answer = await withFields(agent.post(tabPath), {
    _csrf: await csrf(tabPath),
    ...configureFields(setup, overrides),
  });
  return { agent, csrf, answer };
}

describe('Identity Management tab, not configured', () => {
  beforeEach(async () => {
    setup = await startPortalSetup();
  });

  it('shows the Configure form', async () => {
    const { agent } = await signInAdmin(setup.sesame.app);
    const page = (await agent.get(tabPath).expect(200)).text;
    expect(page).toContain(
      'placeholder="https://accounts.cloud.databricks.com/api/2.0/accounts/{account_id}/scim/v2"',
    );
    expect(page).toMatch(/<input type="password" id="token" name="token" autocomplete="off"/);
    expect(page).toContain(
      'Enable management of User Groups and Group Membership in this application',
    );
    expect(page).toContain('<option value="auto" selected>Auto (from the Base URL)</option>');
    expect(page).toContain('<option value="deactivate">Deactivate only</option>');
    expect(page).toContain('>Activate</button>');
    expect(page).not.toContain('SCIM provisioning is not available');
  });

  it('activates against the emulator and provisions alice', async () => {
    const { agent, answer } = await activateInPortal();
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(tabPath);
    await settle(setup);

    expect(Object.keys(snapshotState(setup.scim.scim.state).users)).toEqual(['alice@example.com']);
    const page = (await agent.get(tabPath).expect(200)).text;
    expect(page).toContain('Identity Management activated for Databricks.');
    expect(page).toContain('<span class="status status-active">active</span>');
    expect(page).toContain(`<code>${setup.scim.baseUrl}</code>`);
    expect(page).toMatch(/<th scope="row">Users provisioned<\/th><td>1<\/td>/);
    expect(page).toMatch(/<th scope="row">Level<\/th><td>account/);
    expect(page).not.toContain(scimToken);
    expect(await eventsContaining(scimToken)).toEqual([]);
    const integration = await setup.sesame.services.provisioning.get('databricks');
    expect(integration).toMatchObject({
      active: true,
      groupManagement: true,
      deprovision: 'delete',
    });
  });

  it('shows each reason of a failed check and saves nothing', async () => {
    const html = await startHtmlServer();
    const tls = await startSelfSignedServer();
    servers.push(html, tls);
    const port = await closedPort();
    const cases: Array<{
      name: string;
      fields: Record<string, string>;
      reason: (text: string) => void;
    }> = [
      {
        name: 'unreachable',
        fields: { baseUrl: accountBaseUrl(`http://127.0.0.1:${port}`) },
        reason: (text: string) =>
          expect(text).toBe(
            `Unreachable: Cannot reach the SCIM server (ECONNREFUSED) at 127.0.0.1:${port}`,
          ),
      },
      {
        name: 'wrong token',
        fields: { token: 'dapi-not-the-token' },
        reason: (text: string) =>
          expect(text).toBe(
            'HTTP 401: the SCIM API rejected the Token Key; check that it is current and copied whole',
          ),
      },
      {
        name: 'wrong account',
        fields: { baseUrl: accountBaseUrl(setup.scim.url, 'another-account') },
        reason: (text: string) =>
          expect(text).toBe(
            `Not a SCIM API: ${accountBaseUrl(setup.scim.url, 'another-account')}/Users answered 404; check the Base URL and the account ID in it`,
          ),
      },
      {
        name: 'HTML site',
        fields: { baseUrl: accountBaseUrl(html.origin) },
        reason: (text: string) =>
          expect(text).toBe(
            'Not a SCIM API: The server answered 200 with text/html; charset=utf-8, not JSON',
          ),
      },
      {
        name: 'self-signed TLS',
        fields: { baseUrl: accountBaseUrl(tls.origin) },
        reason: (text: string) =>
          expect(text).toBe(
            'TLS: TLS connection failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
          ),
      },
    ];

    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    for (const { name, fields, reason } of cases) {
      const token = fields.token ?? scimToken;
      const answer = await withFields(agent.post(tabPath), {
        _csrf: await csrf(tabPath),
        ...configureFields(setup, fields),
      });
      expect(answer.status, name).toBe(400);
      reason(fieldError(answer.text, 'check') ?? '');
      expect(formError(answer.text), name).toBe(
        'Not activated, and nothing was saved: the check of the SCIM API failed.',
      );
      expect(answer.text, name).toContain(`value="${fields.baseUrl ?? setup.scim.baseUrl}"`);
      expect(answer.text, name).not.toContain(token);
      expect(await eventsContaining(token), name).toEqual([]);
    }
    expect(await setup.sesame.services.provisioning.get('databricks')).toBeUndefined();
  });

  it('marks invalid fields next to them', async () => {
    const { agent, csrf } = await signInAdmin(setup.sesame.app);
    const answer = await withFields(agent.post(tabPath), {
      _csrf: await csrf(tabPath),
      ...configureFields(setup, { baseUrl: ' ', target: 'galaxy', deprovision: 'shred' }),
    });
    expect(answer.status).toBe(400);
    expect(fieldError(answer.text, 'baseUrl')).toBe('Base URL is required.');
    expect(fieldError(answer.text, 'target')).toBe(
      'Target level must be Auto, Account or Workspace.',
    );
    expect(fieldError(answer.text, 'deprovision')).toBe(
      'Users deleted in Sesame must be set to Delete in Databricks or Deactivate only.',
    );
    expect(answer.text).not.toContain(scimToken);

    const insecure = await withFields(agent.post(tabPath), {
      _csrf: await csrf(tabPath),
      ...configureFields(setup, { baseUrl: 'http://scim.example.com/scim/v2' }),
    });
    expect(insecure.status).toBe(400);
    expect(fieldError(insecure.text, 'baseUrl')).toBe('Base URL must use https');

    const noToken = await withFields(agent.post(tabPath), {
      _csrf: await csrf(tabPath),
      ...configureFields(setup, { token: '' }),
    });
    expect(noToken.status).toBe(400);
    expect(fieldError(noToken.text, 'token')).toBe('Token Key is required');
    expect(await setup.sesame.services.provisioning.get('databricks')).toBeUndefined();
    expect(setup.scim.scim.requests).toEqual([]);
  });

  it('rejects every IdM form without a CSRF token', async () => {
    const { agent } = await signInAdmin(setup.sesame.app);
    const group = setup.seed.group.id;
    const posts = [
      ['', configureFields(setup)],
      ['/settings', { target: 'auto', deprovision: 'deactivate' }],
      ['/sync', {}],
      ['/preview', {}],
      ['/deactivate', { confirm: '1' }],
      [`/entitlements/${group}`, { entitlements: 'workspace-access' }],
      ['/import', { remoteIds: '100000' }],
      ['/imports/x/dismiss', {}],
    ] as const;
    for (const [path, fields] of posts) {
      const answer = await withFields(agent.post(tabPath + path), { ...fields });
      expect(answer.status, path).toBe(403);
      expect(answer.text, path).toContain('csrf_invalid');
    }
    expect(await setup.sesame.services.provisioning.get('databricks')).toBeUndefined();
    expect(setup.scim.scim.requests).toEqual([]);
  });

  it('keeps the new routes from non-administrators and visitors', async () => {
    const pages = [
      '',
      '/deactivate',
      '/import',
      '/import?newOnly=1',
      '/imports/00000000-0000-0000-0000-000000000000',
    ];
    const posts = [
      '',
      '/settings',
      '/sync',
      '/preview',
      '/deactivate',
      `/entitlements/${setup.seed.group.id}`,
      '/import',
      '/imports/x/dismiss',
    ];
    const member = await signIn(setup.sesame.app, 'alice', testPassword);
    for (const path of pages) {
      const page = await member.agent.get(tabPath + path);
      expect(page.status, path).toBe(403);
      expect(page.text, path).toContain('forbidden');
      const visitor = await request(setup.sesame.app).get(tabPath + path);
      expect(visitor.status, path).toBe(303);
      expect(visitor.headers.location, path).toBe('/login');
    }
    for (const path of posts) {
      const fields = { _csrf: member.csrf, ...configureFields(setup), confirm: '1' };
      const answer = await withFields(member.agent.post(tabPath + path), fields);
      expect(answer.status, path).toBe(403);
      expect(answer.text, path).toContain('forbidden');
      const visitor = await withFields(request(setup.sesame.app).post(tabPath + path), fields);
      expect(visitor.status, path).toBe(303);
      expect(visitor.headers.location, path).toBe('/login');
    }
    expect(await setup.sesame.services.provisioning.get('databricks')).toBeUndefined();
  });
});

describe('Identity Management tab, active', () => {
  beforeEach(async () => {
    setup = await startPortalSetup();
  });

  it('refuses another Token Key while active', async () => {
    const { agent, csrf } = await activateInPortal();
    await settle(setup);
    const before = await setup.sesame.services.provisioning.get('databricks');
    const answer = await withFields(agent.post(tabPath), {
      _csrf: await csrf(tabPath),
      ...configureFields(setup, { token: 'dapi-renewed-token' }),
    });
    expect(answer.status).toBe(409);
    expect(formError(answer.text)).toBe(
      'The integration is active: to change the Token Key or Base URL, deactivate the integration, renew the token in Databricks, and activate it again',
    );
    expect(answer.text).not.toContain('dapi-renewed-token');
    expect(await setup.sesame.services.provisioning.get('databricks')).toEqual(before);
  });

  it('saves the settings', async () => {
    const { agent, csrf } = await activateInPortal();
    const page = (await agent.get(tabPath)).text;
    expect(page).toContain(`action="${tabPath}/settings"`);
    expect(page).not.toContain('id="baseUrl"');

    const saved = await withFields(agent.post(`${tabPath}/settings`), {
      _csrf: await csrf(tabPath),
      target: 'auto',
      deprovision: 'deactivate',
    });
    expect(saved.status).toBe(303);
    expect(await setup.sesame.services.provisioning.get('databricks')).toMatchObject({
      groupManagement: false,
      deprovision: 'deactivate',
      active: true,
    });
    expect((await agent.get(tabPath)).text).toContain('Identity Management settings saved.');

    const invalid = await withFields(agent.post(`${tabPath}/settings`), {
      _csrf: await csrf(tabPath),
      target: 'moon',
      deprovision: 'delete',
    });
    expect(invalid.status).toBe(400);
    expect(fieldError(invalid.text, 'target')).toBe(
      'Target level must be Auto, Account or Workspace.',
    );
    expect((await setup.sesame.services.provisioning.get('databricks'))!.deprovision).toBe(
      'deactivate',
    );
  });

  it('previews and syncs after a change in Databricks', async () => {
    const { agent, csrf } = await activateInPortal();
    await settle(setup);

    const unchanged = await withFields(agent.post(`${tabPath}/preview`), {
      _csrf: await csrf(tabPath),
    });
    expect(unchanged.status).toBe(200);
    expect(unchanged.text).toContain('No changes');

    const state = setup.scim.scim.state;
    state.deleteUser(state.findUserByName('alice@example.com')!.id);
    const changed = await withFields(agent.post(`${tabPath}/preview`), {
      _csrf: await csrf(tabPath),
    });
    expect(changed.text).not.toContain('No changes');
    expect(changed.text).toMatch(
      /<tr><td><code>POST<\/code><\/td><td><code>\/Users<\/code><\/td><td>alice@example.com<\/td>/,
    );
    expect(state.findUserByName('alice@example.com')).toBeUndefined();

    const sync = await withFields(agent.post(`${tabPath}/sync`), { _csrf: await csrf(tabPath) });
    expect(sync.status).toBe(303);
    await settle(setup);
    expect(state.findUserByName('alice@example.com')).toBeDefined();
    expect((await agent.get(tabPath)).text).toContain('Sync started');
  });

  it('deactivates only with the confirmation', async () => {
    const { agent, csrf } = await activateInPortal();
    const page = (await agent.get(tabPath)).text;
    expect(page).toContain(`href="${tabPath}/deactivate">Deactivate IdM connection</a>`);

    const confirmation = (await agent.get(`${tabPath}/deactivate`).expect(200)).text;
    expect(confirmation).toContain('name="confirm"');
    const unconfirmed = await withFields(agent.post(`${tabPath}/deactivate`), {
      _csrf: await csrf(tabPath),
    });
    expect(unconfirmed.status).toBe(400);
    expect(fieldError(unconfirmed.text, 'confirm')).toBe(
      'Tick the box to confirm that provisioning stops.',
    );
    expect((await setup.sesame.services.provisioning.get('databricks'))!.active).toBe(true);

    const confirmed = await withFields(agent.post(`${tabPath}/deactivate`), {
      _csrf: await csrf(tabPath),
      confirm: '1',
    });
    expect(confirmed.status).toBe(303);
    expect((await setup.sesame.services.provisioning.get('databricks'))!.active).toBe(false);

    const configure = (await agent.get(tabPath)).text;
    expect(configure).toContain('Identity Management deactivated for Databricks.');
    expect(configure).toContain(`value="${setup.scim.baseUrl}"`);
    expect(configure).toContain('Leave it empty to use the stored Token Key again');
    expect(configure).not.toContain(scimToken);

    const reactivated = await withFields(agent.post(tabPath), {
      _csrf: await csrf(tabPath),
      ...configureFields(setup, { token: '' }),
    });
    expect(reactivated.status).toBe(303);
    expect((await setup.sesame.services.provisioning.get('databricks'))!.active).toBe(true);
  });

  it('says entitlements are workspace-level at account level', async () => {
    const { agent } = await activateInPortal();
    const page = (await agent.get(tabPath)).text;
    expect(page).toContain('Entitlements are managed at workspace level only');
    expect(page).not.toContain('name="entitlements"');
  });

  it('shows the reason provisioning stopped', async () => {
    const { agent } = await activateInPortal();
    await settle(setup);
    await setup.sesame.services.db
      .updateTable('idm_integrations')
      .set({ last_error: 'The SCIM server rejected the Token Key (HTTP 401)' })
      .execute();
    const page = (await agent.get(tabPath)).text;
    expect(page).toContain(
      '<p class="warning" role="alert">Provisioning stopped: The SCIM server rejected the Token Key (HTTP 401)</p>',
    );
  });
});

describe('Identity Management tab at workspace level', () => {
  beforeEach(async () => {
    setup = await startPortalSetup({ level: 'workspace' });
  });

  it('saves the entitlements of a bound group', async () => {
    const { agent, csrf } = await activateInPortal();
    await settle(setup);
    const group = setup.seed.group;
    const page = (await agent.get(tabPath)).text;
    expect(page).toContain(`action="${tabPath}/entitlements/${group.id}"`);
    expect(page.match(/name="entitlements"/g)).toHaveLength(4);

    const saved = await withFields(agent.post(`${tabPath}/entitlements/${group.id}`), {
      _csrf: await csrf(tabPath),
      entitlements: ['workspace-access', 'allow-cluster-create'],
    });
    expect(saved.status).toBe(303);
    expect(await setup.sesame.services.provisioning.listEntitlements('databricks')).toEqual({
      [group.id]: ['allow-cluster-create', 'workspace-access'],
    });
    await settle(setup);
    const remote = snapshotState(setup.scim.scim.state).groups.engineers;
    expect(remote?.entitlements).toEqual(['allow-cluster-create', 'workspace-access']);
    const after = (await agent.get(tabPath)).text;
    expect(after).toContain('Entitlements of engineers saved.');
    expect(after).toContain('value="workspace-access" checked');

    const unknown = await withFields(agent.post(`${tabPath}/entitlements/${group.id}`), {
      _csrf: await csrf(tabPath),
      entitlements: 'root-access',
    });
    expect(unknown.status).toBe(400);
    expect(fieldError(unknown.text, `entitlements-${group.id}`)).toBe(
      'Entitlement "root-access" is not one of workspace-access, databricks-sql-access, allow-cluster-create, allow-instance-pool-create.',
    );
  });
});
