import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalog, customSamlTemplate } from '../../src/applications/catalog.ts';
import { eventsOf, png, snapshot, startApi, type ApiInstance } from './support.ts';

let api: ApiInstance;

beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

const databricksSso = catalog.find((entry) => entry.template === 'databricks')!.sso!;
const workspaceAcs = 'https://dbc-1a2b3c4d-5e6f.cloud.databricks.com/saml/consume';

/** Returns the catalog's Databricks SSO settings with the workspace subdomain filled in. */
function workspaceSso() {
  return {
    spEntityId: workspaceAcs,
    acsUrls: [workspaceAcs],
    loginUrl: 'https://dbc-1a2b3c4d-5e6f.cloud.databricks.com/',
    nameIdFormat: databricksSso.nameIdFormat,
    nameIdSource: databricksSso.nameIdSource,
    signResponse: databricksSso.signResponse,
    signAssertion: databricksSso.signAssertion,
    attributes: databricksSso.attributes,
  };
}

async function createDatabricks() {
  return api
    .call('POST', '/applications')
    .send({ template: 'databricks', slug: 'databricks', displayLabel: 'Databricks' })
    .expect(201);
}

describe('Databricks through the API', () => {
  it('authorizes a member of a bound group', async () => {
    const created = await createDatabricks();
    expect(created.body.sso.acsUrls).toEqual(databricksSso.acsUrls);
    expect(created.body.sso.spEntityId).toContain('YOUR_SUBDOMAIN');

    const configured = await api
      .call('PUT', '/applications/databricks/sso')
      .send(workspaceSso())
      .expect(200);
    expect(configured.body.sso).toMatchObject({
      spEntityId: workspaceAcs,
      acsUrls: [workspaceAcs],
    });

    const group = await api.call('POST', '/groups').send({ name: 'data-team' }).expect(201);
    await api.call('PUT', `/applications/databricks/groups/${group.body.id}`).expect(204);
    const alice = await api
      .call('POST', '/users')
      .send({ username: 'alice', email: 'alice@example.com', password: 'a long password' })
      .expect(201);

    const { applications } = api.services;
    expect(await applications.isAuthorized(alice.body.id, created.body.id)).toBe(false);
    await api.call('PUT', `/groups/${group.body.id}/members/${alice.body.id}`).expect(204);
    expect(await applications.isAuthorized(alice.body.id, created.body.id)).toBe(true);

    // Filtering by the administrator finds the changes made with their API key.
    const events = await api.call('GET', '/events?user=root').expect(200);
    const viaKey = events.body.events.filter(
      (event: { actor: string }) => event.actor === 'root (API key)',
    );
    expect(viaKey.map((event: { type: string }) => event.type)).toEqual([
      'group_member_add',
      'user_create',
      'application_group_bind',
      'group_create',
      'application_update',
      'application_create',
    ]);
  });

  it('shows what the SP administrator needs', async () => {
    await createDatabricks();
    const answer = await api.call('GET', '/applications/databricks').expect(200);
    const endpoint = 'http://localhost:8080/saml2/databricks';
    expect(answer.body.idp).toEqual({
      entityId: endpoint,
      ssoUrl: endpoint,
      metadataUrl: `${endpoint}/metadata`,
      certificateUrl: 'http://localhost:8080/certificate.pem',
      certificateNotAfter: api.services.signingKey.notAfter.toISOString(),
    });
    expect(answer.body.sso.attributes).toEqual(databricksSso.attributes);
  });

  it('rejects SSO settings that keep the placeholder', async () => {
    await createDatabricks();
    const before = await snapshot(api.services);
    const answer = await api
      .call('PUT', '/applications/databricks/sso')
      .send({ ...workspaceSso(), acsUrls: databricksSso.acsUrls });
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe('acsUrls.0');
    expect(answer.body.error.message).toMatch(/acsUrls.0 still contains YOUR_SUBDOMAIN/);
    expect(await snapshot(api.services)).toEqual(before);
  });
});

describe('applications API', () => {
  it('creates a Databricks application with SSO settings', async () => {
    const answer = await api
      .call('POST', '/applications')
      .send({
        template: 'databricks',
        slug: 'lakehouse',
        displayLabel: 'Lakehouse',
        description: 'Production workspace',
        sso: workspaceSso(),
      })
      .expect(201);
    expect(answer.headers.location).toBe('/api/v1/applications/lakehouse');
    expect(answer.body).toMatchObject({
      slug: 'lakehouse',
      template: 'databricks',
      description: 'Production workspace',
      active: true,
      hasImage: false,
      sso: workspaceSso(),
    });
    const [event] = await eventsOf(api.services, 'application_create');
    expect(event?.actor).toBe('root (API key)');
  });

  it('creates a custom SAML application only with SSO settings', async () => {
    const without = await api
      .call('POST', '/applications')
      .send({ template: 'saml', slug: 'wiki', displayLabel: 'Wiki' });
    expect(without.status).toBe(400);
    expect(without.body.error.field).toBe('sso');

    const sso = {
      spEntityId: 'https://wiki.example/saml',
      acsUrls: ['https://wiki.example/saml/acs', 'https://wiki.example/saml/acs2'],
      nameIdFormat: customSamlTemplate.nameIdFormat,
      nameIdSource: 'username',
      signResponse: true,
      signAssertion: true,
      defaultRelayState: '/home',
    };
    const answer = await api
      .call('POST', '/applications')
      .send({ template: 'saml', slug: 'wiki', displayLabel: 'Wiki', sso })
      .expect(201);
    expect(answer.body.sso).toMatchObject({ ...sso, attributes: [], requireSignedRequests: false });
  });

  it('creates a bookmark without SSO', async () => {
    const answer = await api
      .call('POST', '/applications')
      .send({
        template: 'bookmark',
        slug: 'handbook',
        displayLabel: 'Handbook',
        bookmarkUrl: 'https://handbook.example/',
      })
      .expect(201);
    expect(answer.body).toMatchObject({ bookmarkUrl: 'https://handbook.example/', sso: null });
    expect(answer.body.idp).toBeNull();

    const missing = await api
      .call('POST', '/applications')
      .send({ template: 'bookmark', slug: 'other', displayLabel: 'Other' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('bookmarkUrl');
    const withSso = await api.call('POST', '/applications').send({
      template: 'bookmark',
      slug: 'other',
      displayLabel: 'Other',
      bookmarkUrl: 'https://other.example/',
      sso: workspaceSso(),
    });
    expect(withSso.status).toBe(400);
    expect(withSso.body.error.field).toBe('sso');
  });

  it('rejects a slug in use', async () => {
    await createDatabricks();
    const answer = await api
      .call('POST', '/applications')
      .send({ template: 'databricks', slug: 'databricks', displayLabel: 'Again' });
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toBe('Application "databricks" already exists');
  });

  it('lists and searches applications', async () => {
    await createDatabricks();
    await api.call('POST', '/applications').send({
      template: 'bookmark',
      slug: 'handbook',
      displayLabel: 'Handbook',
      bookmarkUrl: 'https://handbook.example/',
    });
    const all = await api.call('GET', '/applications').expect(200);
    expect(all.body.applications.map((app: { slug: string }) => app.slug)).toEqual([
      'databricks',
      'handbook',
    ]);
    expect(all.body.applications[0].sso).toBeUndefined();
    const found = await api.call('GET', '/applications?q=HAND').expect(200);
    expect(found.body.applications.map((app: { slug: string }) => app.slug)).toEqual(['handbook']);
  });

  it('changes the given general settings only', async () => {
    await createDatabricks();
    await api
      .call('PATCH', '/applications/databricks')
      .send({ showInPortal: false, description: 'Old' })
      .expect(200);
    const answer = await api
      .call('PATCH', '/applications/databricks')
      .send({ description: 'New' })
      .expect(200);
    expect(answer.body).toMatchObject({
      displayLabel: 'Databricks',
      description: 'New',
      showInPortal: false,
    });

    const bookmarkUrl = await api
      .call('PATCH', '/applications/databricks')
      .send({ bookmarkUrl: 'https://example.com/' });
    expect(bookmarkUrl.status).toBe(400);
    expect(bookmarkUrl.body.error.field).toBe('bookmarkUrl');
  });

  it('deactivates and activates an application', async () => {
    await createDatabricks();
    const off = await api.call('POST', '/applications/databricks/deactivate').expect(200);
    expect(off.body.active).toBe(false);
    const on = await api.call('POST', '/applications/databricks/activate').expect(200);
    expect(on.body.active).toBe(true);
    const updates = await eventsOf(api.services, 'application_update');
    expect(updates.map((event) => JSON.parse(event.details))).toEqual([
      { active: false },
      { active: true },
    ]);
  });

  it('sets and removes the tile image', async () => {
    await createDatabricks();
    await api
      .call('PUT', '/applications/databricks/image')
      .type('image/png')
      .send(png(64, 64))
      .expect(204);
    const answer = await api.call('GET', '/applications/databricks').expect(200);
    expect(answer.body.hasImage).toBe(true);
    expect(answer.text).not.toMatch(/iVBOR|"image"/);
    expect((await api.services.applications.getImage('databricks'))?.type).toBe('image/png');

    await api.call('DELETE', '/applications/databricks/image').expect(204);
    expect((await api.call('GET', '/applications/databricks')).body.hasImage).toBe(false);
  });

  it('rejects an image that is not a PNG or JPEG', async () => {
    await createDatabricks();
    const before = await snapshot(api.services);
    const fake = await api
      .call('PUT', '/applications/databricks/image')
      .type('image/png')
      .send(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'));
    expect(fake.status).toBe(400);
    expect(fake.body.error.message).toBe('image must be a PNG or JPEG file');
    const huge = await api
      .call('PUT', '/applications/databricks/image')
      .type('image/png')
      .send(png(4096, 64));
    expect(huge.status).toBe(400);
    expect(huge.body.error.message).toBe('image must be at most 1024×1024 pixels, not 4096×64');
    expect(await snapshot(api.services)).toEqual(before);
  });

  it('deletes an application', async () => {
    await createDatabricks();
    await api.call('DELETE', '/applications/databricks').expect(204);
    await api.call('GET', '/applications/databricks').expect(404);
    const again = await api.call('DELETE', '/applications/databricks');
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe('Application "databricks" not found');
  });
});

describe('application bindings API', () => {
  async function groups(...names: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const name of names) {
      ids.push((await api.call('POST', '/groups').send({ name }).expect(201)).body.id);
    }
    return ids;
  }

  it('sets the bound groups as a whole', async () => {
    await createDatabricks();
    const [a, b] = await groups('analysts', 'builders');
    const first = await api
      .call('PUT', '/applications/databricks/groups')
      .send({ groupIds: [a, b] })
      .expect(200);
    expect(first.body.groups.map((group: { name: string }) => group.name)).toEqual([
      'analysts',
      'builders',
    ]);
    await api
      .call('PUT', '/applications/databricks/groups')
      .send({ groupIds: [b] })
      .expect(200);
    const list = await api.call('GET', '/applications/databricks/groups').expect(200);
    expect(list.body).toEqual({ groups: [{ id: b, name: 'builders' }] });
    expect((await eventsOf(api.services, 'application_group_unbind')).length).toBe(1);
  });

  it('rejects an unknown group and changes nothing', async () => {
    await createDatabricks();
    const [a] = await groups('analysts');
    const before = await snapshot(api.services);
    const answer = await api
      .call('PUT', '/applications/databricks/groups')
      .send({ groupIds: [a, 'no-such-group'] });
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toBe('Group no-such-group not found');
    expect(await snapshot(api.services)).toEqual(before);
  });

  it('binds one group once and unbinds it', async () => {
    await createDatabricks();
    const [a] = await groups('analysts');
    await api.call('PUT', `/applications/databricks/groups/${a}`).expect(204);
    await api.call('PUT', `/applications/databricks/groups/${a}`).expect(204);
    expect(await eventsOf(api.services, 'application_group_bind')).toHaveLength(1);

    await api.call('DELETE', `/applications/databricks/groups/${a}`).expect(204);
    const again = await api.call('DELETE', `/applications/databricks/groups/${a}`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe(
      'Group "analysts" is not bound to application "databricks"',
    );
    await api.call('PUT', '/applications/databricks/groups/nothing').expect(404);
    await api.call('PUT', `/applications/nothing/groups/${a}`).expect(404);
  });
});
