import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browser, csrfFrom, signIn } from '../../support/browser-agent.ts';
import { startInstance, testPassword, type TestInstance } from '../../support/instance.ts';
import { by, seedAdminPortal, signInAdmin, snapshot, withFields } from './support.ts';

let sesame: TestInstance;
let seed: Awaited<ReturnType<typeof seedAdminPortal>>;
let keyId: string;
let scimTokenId: string;

beforeEach(async () => {
  sesame = await startInstance();
  seed = await seedAdminPortal(sesame.services);
  const { key } = await sesame.services.apiKeys.create(seed.root.id, 'ci', by);
  keyId = key.id;
  scimTokenId = (await sesame.services.scimTokens.create('ci', by)).id;
});
afterEach(() => sesame.close());

/** Every page of the portal, with the seeded IDs filled in. */
function pages(): string[] {
  const user = seed.alice.id;
  const group = seed.group.id;
  return [
    '/admin',
    '/admin/certificate.pem',
    '/admin/applications',
    '/admin/applications?q=data',
    '/admin/applications/delete?slug=databricks',
    '/admin/applications/new',
    '/admin/applications/new/databricks',
    '/admin/applications/new/saml',
    '/admin/applications/new/bookmark',
    '/admin/applications/databricks',
    '/admin/applications/databricks/created',
    '/admin/applications/databricks/general',
    '/admin/applications/databricks/sso',
    '/admin/applications/databricks/metadata.xml',
    '/admin/applications/databricks/groups',
    '/admin/applications/databricks/identity-management',
    '/admin/users',
    '/admin/users/new',
    `/admin/users/${user}`,
    `/admin/users/${user}/delete`,
    '/admin/groups',
    `/admin/groups/${group}`,
    `/admin/groups/${group}/delete`,
    '/admin/insights',
    '/admin/insights/export.json',
    '/admin/api-keys',
    '/admin/scim-tokens',
  ];
}

interface FormCase {
  path: string;
  /** Sent as multipart/form-data when true, as a URL-encoded form otherwise. */
  multipart: boolean;
  fields: Record<string, string | string[]>;
  /** Status of a valid submission: 303 to the next page, unless the form renders its result. */
  okStatus?: number;
}

/**
 * Every form of the portal, filled in with values that succeed with a valid token when posted
 * in this order; the deletions come last.
 */
function forms(): FormCase[] {
  const user = seed.alice.id;
  const group = seed.group.id;
  return [
    {
      path: '/admin/applications/new/bookmark',
      multipart: true,
      fields: { displayLabel: 'Wiki', bookmarkUrl: 'https://wiki.example/', showInPortal: '1' },
    },
    {
      path: '/admin/applications/databricks/general',
      multipart: true,
      fields: { displayLabel: 'Renamed', showInPortal: '1' },
    },
    {
      path: '/admin/applications/databricks/sso',
      multipart: true,
      fields: {
        spEntityId: 'https://other.example/sp',
        acsUrls: 'https://other.example/acs',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        nameIdSource: 'email',
        signResponse: '1',
      },
    },
    { path: '/admin/applications/databricks/sso/metadata', multipart: true, fields: {} },
    { path: '/admin/applications/databricks/groups', multipart: true, fields: {} },
    { path: '/admin/applications/databricks/deactivate', multipart: false, fields: {} },
    { path: '/admin/applications/databricks/activate', multipart: false, fields: {} },
    {
      path: '/admin/users/new',
      multipart: false,
      fields: { username: 'carol', email: 'carol@example.com' },
    },
    {
      path: `/admin/users/${user}`,
      multipart: false,
      fields: { username: 'alice', email: 'alice@example.com', firstName: 'Alicia' },
    },
    {
      path: `/admin/users/${user}/password`,
      multipart: false,
      fields: { password: 'another long password', passwordConfirmation: 'another long password' },
    },
    { path: `/admin/users/${user}/suspend`, multipart: false, fields: {} },
    { path: `/admin/users/${user}/activate`, multipart: false, fields: {} },
    { path: `/admin/users/${user}/admin`, multipart: false, fields: { isAdmin: '1' } },
    { path: '/admin/groups', multipart: false, fields: { name: 'analysts' } },
    { path: `/admin/groups/${group}/rename`, multipart: false, fields: { name: 'renamed' } },
    { path: `/admin/groups/${group}/members`, multipart: false, fields: { username: 'root' } },
    {
      path: `/admin/groups/${group}/members/remove`,
      multipart: false,
      fields: { username: 'alice' },
    },
    { path: `/admin/groups/${group}/applications`, multipart: true, fields: {} },
    { path: `/admin/groups/${group}/delete`, multipart: false, fields: {} },
    { path: '/admin/api-keys', multipart: false, fields: { name: 'another' }, okStatus: 200 },
    { path: `/admin/api-keys/${keyId}/revoke`, multipart: false, fields: {} },
    { path: '/admin/scim-tokens', multipart: false, fields: { name: 'another' }, okStatus: 200 },
    { path: `/admin/scim-tokens/${scimTokenId}/revoke`, multipart: false, fields: {} },
    { path: `/admin/users/${user}/delete`, multipart: false, fields: {} },
    {
      path: '/admin/applications/delete',
      multipart: true,
      fields: { slug: 'databricks', count: '1' },
    },
  ];
}

function post(agent: ReturnType<typeof browser>, form: FormCase, csrf?: string) {
  const fields = csrf === undefined ? form.fields : { _csrf: csrf, ...form.fields };
  const pending = agent.post(form.path);
  return form.multipart ? withFields(pending, fields) : pending.type('form').send(fields);
}

describe('admin access', () => {
  it('serves every page to an administrator', async () => {
    const { agent } = await signInAdmin(sesame.app);
    for (const path of pages()) {
      const page = await agent.get(path);
      expect(page.status, path).toBeLessThan(400);
      expect(page.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('gives a non-administrator 403 on every page', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    for (const path of pages()) {
      const page = await agent.get(path);
      expect(page.status, path).toBe(403);
      expect(page.text, path).toContain('forbidden');
      expect(page.text, path).toContain('href="/console"');
    }
  });

  it('sends an anonymous visitor to sign in', async () => {
    for (const path of pages()) {
      const page = await request(sesame.app).get(path);
      expect(page.status, path).toBe(303);
      expect(page.headers.location, path).toBe('/login');
    }
  });

  it('returns to the admin page after sign-in', async () => {
    const agent = browser(sesame.app);
    await agent.get('/admin/users?q=ali').expect(303);
    const login = await agent.get('/login');
    const signedIn = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), username: 'root', password: testPassword });
    expect(signedIn.headers.location).toBe('/admin/users?q=ali');
  });

  it('rejects every form without a CSRF token', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const before = await snapshot(sesame.services);
    for (const form of forms()) {
      const answer = await post(agent, form);
      expect(answer.status, form.path).toBe(403);
      expect(answer.text, form.path).toContain('csrf_invalid');
    }
    expect(await snapshot(sesame.services)).toEqual(before);
  });

  it('rejects every form with another session’s token', async () => {
    const other = await signInAdmin(sesame.app);
    const foreignToken = await other.csrf();
    const { agent } = await signInAdmin(sesame.app);
    const before = await snapshot(sesame.services);
    for (const form of forms()) {
      const answer = await post(agent, form, foreignToken);
      expect(answer.status, form.path).toBe(403);
      expect(answer.text, form.path).toContain('csrf_invalid');
    }
    expect(await snapshot(sesame.services)).toEqual(before);
  });

  it('rejects every form from a non-administrator', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    const before = await snapshot(sesame.services);
    for (const form of forms()) {
      const answer = await post(agent, form, csrf);
      expect(answer.status, form.path).toBe(403);
      expect(answer.text, form.path).toContain('forbidden');
    }
    expect(await snapshot(sesame.services)).toEqual(before);
  });

  it('sends an anonymous form post to sign in', async () => {
    const before = await snapshot(sesame.services);
    for (const form of forms()) {
      const answer = await post(browser(sesame.app), form, 'x');
      expect(answer.status, form.path).toBe(303);
      expect(answer.headers.location, form.path).toBe('/login');
    }
    expect(await snapshot(sesame.services)).toEqual(before);
  });

  it('accepts every form with a valid token', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const token = await csrf();
    for (const form of forms()) {
      // The metadata form needs a file; its own tests post one.
      if (form.path.endsWith('/sso/metadata')) continue;
      const answer = await post(agent, form, token);
      expect(answer.status, form.path).toBe(form.okStatus ?? 303);
    }
  });
});
