import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attributeNameFormats, nameIdFormats } from '../../../src/saml/constants.ts';
import { signIn } from '../../support/browser-agent.ts';
import { startInstance, testPassword, type TestInstance } from '../../support/instance.ts';
import { fieldError, png, seedAdminPortal, signInAdmin, withFields } from './support.ts';

let sesame: TestInstance;
let seed: Awaited<ReturnType<typeof seedAdminPortal>>;

beforeEach(async () => {
  sesame = await startInstance();
  seed = await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

const workspaceAcs = 'https://dbc-1a2b3c4d-5e6f.cloud.databricks.com/saml/consume';

function ssoForm(overrides: Record<string, string | string[]> = {}) {
  return {
    spEntityId: workspaceAcs,
    acsUrls: workspaceAcs,
    loginUrl: 'https://dbc-1a2b3c4d-5e6f.cloud.databricks.com/',
    nameIdFormat: nameIdFormats.emailAddress,
    nameIdSource: 'email',
    signResponse: '1',
    attrName: ['email', 'firstName', 'lastName', ''],
    attrFormat: Array(4).fill(attributeNameFormats.basic),
    attrSource: ['email', 'firstName', 'lastName', 'email'],
    attrConstant: ['', '', '', ''],
    ...overrides,
  };
}

async function launch(username: string, slug: string) {
  const { agent, csrf } = await signIn(sesame.app, username, testPassword);
  return agent.post(`/saml2/${slug}/launch`).type('form').send({ _csrf: csrf });
}

async function events(type: string) {
  return sesame.services.db
    .selectFrom('events')
    .selectAll()
    .where('type', '=', type)
    .orderBy('id')
    .execute();
}

describe('SSO Applications', () => {
  it('lists and searches applications', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const all = await agent.get('/admin/applications');
    expect(all.text).toContain('href="/admin/applications/databricks">Databricks</a>');
    expect(all.text).toContain('+ Add New Application');
    expect((await agent.get('/admin/applications?q=DATA')).text).toContain('Databricks');
    expect((await agent.get('/admin/applications?q=zzz')).text).toContain(
      'No application matches this search.',
    );
  });

  it('filters the catalog on the server', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const catalog = (await agent.get('/admin/applications/new')).text;
    expect(catalog).toContain('Databricks');
    expect(catalog).toContain('Custom SAML 2.0 application');
    expect(catalog).toContain('Bookmark');

    const filtered = (await agent.get('/admin/applications/new?q=book')).text;
    expect(filtered).toContain('href="/admin/applications/new/bookmark"');
    expect(filtered).not.toContain('href="/admin/applications/new/databricks"');
  });

  it('adds Databricks and brings it to a member', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const form = await agent.get('/admin/applications/new/databricks');
    expect(form.text).toContain('http://localhost:8080/saml2/');

    const created = await withFields(agent.post('/admin/applications/new/databricks'), {
      _csrf: await csrf(),
      displayLabel: 'Lakehouse',
      showInPortal: '1',
      slug: '',
    });
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe('/admin/applications/lakehouse/created');
    const next = await agent.get('/admin/applications/lakehouse/created');
    expect(next.text).toContain('Configure Application');
    expect(next.text).toContain('>Close</a>');

    // The catalog's placeholder URLs are stored, and the SSO tab rejects them until replaced.
    const stored = await sesame.services.applications.require('lakehouse');
    expect(stored.spEntityId).toContain('YOUR_SUBDOMAIN');
    const ssoPage = await agent.get('/admin/applications/lakehouse/sso');
    expect(ssoPage.text).toContain('YOUR_SUBDOMAIN');
    const unchanged = await withFields(agent.post('/admin/applications/lakehouse/sso'), {
      _csrf: await csrf(),
      ...ssoForm({ spEntityId: stored.spEntityId, acsUrls: stored.acsUrls[0]!.url }),
    });
    expect(unchanged.status).toBe(400);
    expect(fieldError(unchanged.text, 'spEntityId')).toContain('YOUR_SUBDOMAIN');

    const saved = await withFields(agent.post('/admin/applications/lakehouse/sso'), {
      _csrf: await csrf(),
      ...ssoForm(),
    });
    expect(saved.status).toBe(303);
    const configured = await sesame.services.applications.require('lakehouse');
    expect(configured.acsUrls.map((endpoint) => endpoint.url)).toEqual([workspaceAcs]);
    expect(configured.loginUrl).toBe('https://dbc-1a2b3c4d-5e6f.cloud.databricks.com/');

    const bound = await withFields(agent.post('/admin/applications/lakehouse/groups'), {
      _csrf: await csrf(),
      groupIds: seed.group.id,
    });
    expect(bound.status).toBe(303);

    const member = await signIn(sesame.app, 'alice', testPassword);
    expect((await member.agent.get('/console')).text).toContain('data-app="lakehouse"');
    const login = await member.agent
      .post('/saml2/lakehouse/launch')
      .type('form')
      .send({ _csrf: member.csrf });
    expect(login.status).toBe(200);
    expect(login.text).toContain(`action="${workspaceAcs}"`);

    const create = (await events('application_create')).at(-1);
    expect(create?.application_slug).toBe('lakehouse');
    expect(create?.actor).toBe('root');
    expect(create?.source_ip).toBeTruthy();
    expect((await events('application_group_bind')).at(-1)?.actor).toBe('root');
  });

  it('refuses a launch while deactivated', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const page = await agent.get('/admin/applications/databricks/general');
    expect(page.text).toContain('Deactivate SSO');

    const off = await agent
      .post('/admin/applications/databricks/deactivate')
      .type('form')
      .send({ _csrf: await csrf(), tab: 'sso' });
    expect(off.headers.location).toBe('/admin/applications/databricks/sso');
    expect((await agent.get('/admin/applications/databricks/sso')).text).toContain('>Activate<');
    const refused = await launch('alice', 'databricks');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('application_inactive');

    await agent
      .post('/admin/applications/databricks/activate')
      .type('form')
      .send({ _csrf: await csrf() });
    expect((await launch('alice', 'databricks')).status).toBe(200);
  });

  it('deletes applications only with the right count', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    await withFields(agent.post('/admin/applications/new/bookmark'), {
      _csrf: await csrf(),
      displayLabel: 'Wiki',
      bookmarkUrl: 'https://wiki.example/',
    }).expect(303);

    const confirm = await agent.get('/admin/applications/delete?slug=databricks&slug=wiki');
    expect(confirm.text).toContain('Type the number of applications being deleted');
    expect(confirm.text).toContain('Delete Applications');

    const token = await csrf();
    const wrong = await withFields(agent.post('/admin/applications/delete'), {
      _csrf: token,
      slug: ['databricks', 'wiki'],
      count: '1',
    });
    expect(wrong.status).toBe(400);
    expect(await sesame.services.applications.list()).toHaveLength(2);

    const deleted = await withFields(agent.post('/admin/applications/delete'), {
      _csrf: token,
      slug: ['databricks', 'wiki'],
      count: '2',
    });
    expect(deleted.headers.location).toBe('/admin/applications');
    expect(await sesame.services.applications.list()).toEqual([]);
    const list = await agent.get('/admin/applications');
    expect(list.text).toContain('Deleted 2 applications: Databricks, Wiki.');
    expect((await events('application_delete')).map((event) => event.actor)).toEqual([
      'root',
      'root',
    ]);
  });

  it('makes the slug from the label', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    for (const expected of ['team-wiki-cafe', 'team-wiki-cafe-2']) {
      const created = await withFields(agent.post('/admin/applications/new/bookmark'), {
        _csrf: await csrf(),
        displayLabel: 'Team Wiki: Café',
        bookmarkUrl: 'https://wiki.example/',
      });
      expect(created.headers.location).toBe(`/admin/applications/${expected}/created`);
    }
    const bookmark = await agent.get('/admin/applications/team-wiki-cafe/general');
    expect(bookmark.text).toContain('Deactivate Bookmark');
    expect(bookmark.text).not.toContain('/team-wiki-cafe/sso"');
    expect((await agent.get('/admin/applications/team-wiki-cafe/sso')).status).toBe(404);
  });

  it('creates a custom SAML application with an image', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const created = await withFields(agent.post('/admin/applications/new/saml'), {
      _csrf: await csrf(),
      displayLabel: 'Wiki',
      description: 'The team wiki',
      slug: 'wiki',
      spEntityId: 'https://wiki.example/saml',
      acsUrls: 'https://wiki.example/saml/acs\nhttps://wiki.example/saml/acs2',
    }).attach('image', png(64, 64), { filename: 'wiki.png', contentType: 'image/png' });
    expect(created.status).toBe(303);

    const wiki = await sesame.services.applications.require('wiki');
    expect(wiki.acsUrls.map((endpoint) => endpoint.url)).toEqual([
      'https://wiki.example/saml/acs',
      'https://wiki.example/saml/acs2',
    ]);
    expect(wiki.showInPortal).toBe(false);
    expect(wiki.hasImage).toBe(true);
    const image = await agent.get('/admin/applications/wiki/image');
    expect(image.headers['content-type']).toBe('image/png');
  });

  it('saves general settings and removes the image', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    await sesame.services.applications.setImage('databricks', png(32, 32), { actor: 'test' });
    const saved = await withFields(agent.post('/admin/applications/databricks/general'), {
      _csrf: await csrf(),
      displayLabel: 'Lakehouse',
      description: 'Analytics',
      removeImage: '1',
    });
    expect(saved.headers.location).toBe('/admin/applications/databricks/general');

    const application = await sesame.services.applications.require('databricks');
    expect(application.displayLabel).toBe('Lakehouse');
    expect(application.description).toBe('Analytics');
    expect(application.showInPortal).toBe(false);
    expect(application.hasImage).toBe(false);
    const page = await agent.get('/admin/applications/databricks/general');
    expect(page.text).toContain('General settings saved.');
    expect(page.text).toContain('To change it, delete the application and create it again.');
  });

  it('adds and removes attribute rows', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const saved = await withFields(agent.post('/admin/applications/databricks/sso'), {
      _csrf: await csrf(),
      ...ssoForm({
        attrName: ['email', 'firstName', 'lastName', 'groups', 'tier', ''],
        attrFormat: Array(6).fill(attributeNameFormats.basic),
        attrSource: ['email', 'firstName', 'lastName', 'groups', 'constant', 'email'],
        attrConstant: ['', '', '', '', 'gold', ''],
        attrRemove: ['1', '2'],
      }),
    });
    expect(saved.status).toBe(303);

    const { attributes } = await sesame.services.applications.require('databricks');
    expect(attributes).toEqual([
      { name: 'email', nameFormat: attributeNameFormats.basic, source: { property: 'email' } },
      { name: 'groups', nameFormat: attributeNameFormats.basic, source: { groups: true } },
      { name: 'tier', nameFormat: attributeNameFormats.basic, source: { constant: 'gold' } },
    ]);
  });

  it('fills the SSO form from SP metadata without saving', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const certificate = sesame.services.signingKey.certificateBase64;
    const metadata = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sp.example/metadata">
  <md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example/artifact" index="0"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs/2" index="2"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs/1" index="1" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
    const before = await sesame.services.applications.require('databricks');

    const filled = await withFields(agent.post('/admin/applications/databricks/sso/metadata'), {
      _csrf: await csrf(),
    }).attach('metadata', Buffer.from(metadata), { filename: 'sp.xml', contentType: 'text/xml' });
    expect(filled.status).toBe(200);
    expect(filled.text).toContain('value="https://sp.example/metadata"');
    expect(filled.text).toContain('https://sp.example/acs/1\nhttps://sp.example/acs/2</textarea>');
    expect(filled.text).not.toContain('https://sp.example/artifact');
    expect(filled.text).toContain('-----BEGIN CERTIFICATE-----');
    expect(filled.text).toMatch(/name="requireSignedRequests" value="1" checked/);
    expect(await sesame.services.applications.require('databricks')).toEqual(before);

    const saved = await withFields(agent.post('/admin/applications/databricks/sso'), {
      _csrf: await csrf(),
      ...ssoForm({
        spEntityId: 'https://sp.example/metadata',
        acsUrls: 'https://sp.example/acs/1\nhttps://sp.example/acs/2',
        spCertificate: sesame.services.signingKey.certificatePem,
        requireSignedRequests: '1',
      }),
    });
    expect(saved.status).toBe(303);
    const after = await sesame.services.applications.require('databricks');
    expect(after.requireSignedRequests).toBe(true);
    expect(after.spCertificate).toContain('BEGIN CERTIFICATE');
  });

  it('shows the IdP values and records downloads', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get('/admin/applications/databricks/sso');
    expect(page.text).toContain('value="http://localhost:8080/saml2/databricks"');
    expect(page.text).toContain('IDP Certificate Valid');
    expect(page.text).toContain(sesame.services.signingKey.notAfter.toISOString().slice(0, 10));

    const certificate = await agent.get('/admin/certificate.pem');
    expect(certificate.headers['content-disposition']).toBe(
      'attachment; filename="certificate.pem"',
    );
    expect(certificate.text).toBe(sesame.services.signingKey.certificatePem);
    const metadata = await agent.get('/admin/applications/databricks/metadata.xml');
    expect(metadata.headers['content-type']).toContain('application/samlmetadata+xml');
    expect(metadata.text).toContain('entityID="http://localhost:8080/saml2/databricks"');

    const downloads = await events('certificate_download');
    expect(downloads.map((event) => [event.actor, event.application_slug])).toEqual([
      ['root', null],
      ['root', 'databricks'],
    ]);
  });

  it('answers 413 to an upload over the limit', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const answer = await withFields(agent.post('/admin/applications/databricks/general'), {
      _csrf: await csrf(),
      displayLabel: 'Too big',
    }).attach('image', Buffer.alloc(1024 * 1024 + 1), {
      filename: 'big.png',
      contentType: 'image/png',
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('payload_too_large');
    expect((await sesame.services.applications.require('databricks')).displayLabel).toBe(
      'Databricks',
    );
  });

  it('offers to configure Identity Management', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get('/admin/applications/databricks/identity-management');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2>Configure</h2>');
    expect(page.text).toContain('<label for="token">Token Key</label>');
    expect(page.text).not.toContain('SCIM provisioning is not available');
  });
});
