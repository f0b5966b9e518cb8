import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customSamlTemplate } from '../../src/applications/catalog.ts';
import { postBindingFrom, responseXml, signIn } from '../support/browser-agent.ts';
import {
  databricksAcs,
  seedDatabricks,
  startInstance,
  testPassword,
  type TestInstance,
} from '../support/instance.ts';

let sesame: TestInstance;

beforeEach(async () => {
  sesame = await startInstance();
  await seedDatabricks(sesame.services);
});
afterEach(() => sesame.close());

function verifiesWithIdpCertificate(xml: string): boolean {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const signature = document.documentElement!.getElementsByTagNameNS(
    'http://www.w3.org/2000/09/xmldsig#',
    'Signature',
  )[0];
  const verifier = new SignedXml({
    publicCert: sesame.services.signingKey.certificatePem,
    getCertFromKeyInfo: () => null,
  });
  verifier.loadSignature(signature as unknown as Node);
  return verifier.checkSignature(xml);
}

describe('IdP-initiated SSO from the console', () => {
  it('shows a tile only for bound applications', async () => {
    const alice = await signIn(sesame.app, 'alice', testPassword);
    expect((await alice.agent.get('/console')).text).toContain('data-app="databricks"');

    const bob = await signIn(sesame.app, 'bob', testPassword);
    const page = (await bob.agent.get('/console')).text;
    expect(page).not.toContain('data-app="databricks"');
    expect(page).toContain('No applications are assigned to you yet');
  });

  it('posts a signed Response without InResponseTo to the ACS', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent
      .post('/saml2/databricks/launch')
      .type('form')
      .send({ _csrf: csrf })
      .expect(200);

    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-security-policy']).toContain(
      'form-action https://dbc-test.cloud.databricks.com',
    );
    expect(postBindingFrom(answer.text).action).toBe(databricksAcs);

    const xml = responseXml(answer.text);
    expect(xml).not.toContain('InResponseTo');
    expect(xml).toContain(`<saml:Audience>${databricksAcs}</saml:Audience>`);
    expect(xml).toContain(`Destination="${databricksAcs}"`);
    expect(xml).toContain(`Recipient="${databricksAcs}"`);
    expect(xml).toContain(
      'Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.com<',
    );
    expect(xml).toMatch(/<saml:Attribute Name="firstName"[^>]*><saml:AttributeValue>Alice</);
    expect(xml).toMatch(/SessionIndex="_[0-9a-f]{40}"/);
    expect(verifiesWithIdpCertificate(xml)).toBe(true);
  });

  it('sends the default RelayState', async () => {
    await sesame.services.db
      .updateTable('applications')
      .set({ default_relay_state: 'https://dbc-test.cloud.databricks.com/?o=1' })
      .execute();
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent
      .post('/saml2/databricks/launch')
      .type('form')
      .send({ _csrf: csrf })
      .expect(200);
    expect(postBindingFrom(answer.text).relayState).toBe(
      'https://dbc-test.cloud.databricks.com/?o=1',
    );
  });

  it('rejects a launch without the CSRF token', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent.post('/saml2/databricks/launch').type('form').send({});
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('csrf_invalid');
    expect(answer.text).not.toContain('SAMLResponse');
  });

  it('refuses a user outside the bound groups', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'bob', testPassword);
    const answer = await agent.post('/saml2/databricks/launch').type('form').send({ _csrf: csrf });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('not assigned');
    expect(answer.text).not.toContain('SAMLResponse');
  });

  it('refuses a launch once the user leaves the group', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    await sesame.services.directory.removeMember('engineers', 'alice', { actor: 'test' });
    const answer = await agent.post('/saml2/databricks/launch').type('form').send({ _csrf: csrf });
    expect(answer.status).toBe(403);
  });

  it('refuses a launch of a deactivated application', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    await sesame.services.applications.setActive('databricks', false, { actor: 'test' });
    const answer = await agent.post('/saml2/databricks/launch').type('form').send({ _csrf: csrf });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('is deactivated');
    expect((await agent.get('/console')).text).not.toContain('data-app="databricks"');
  });

  it('ends the sessions of a suspended user', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    await sesame.services.directory.setStatus('alice', 'suspended', { actor: 'test' });
    const answer = await agent.post('/saml2/databricks/launch').type('form').send({ _csrf: csrf });
    expect(answer.status).toBe(403);
    expect((await agent.get('/console')).headers.location).toBe('/login');
  });
});

describe('IdP endpoints', () => {
  it('serves certificate.pem as a download', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent.get('/certificate.pem').expect(200);
    expect(answer.headers['content-disposition']).toBe('attachment; filename="certificate.pem"');
    expect(answer.text).toBe(sesame.services.signingKey.certificatePem);
  });

  it('serves metadata with the entity ID, SSO URL and certificate', async () => {
    const answer = await (
      await signIn(sesame.app, 'alice', testPassword)
    ).agent
      .get('/saml2/databricks/metadata')
      .expect(200);
    expect(answer.headers['content-type']).toContain('application/samlmetadata+xml');
    expect(answer.text).toContain('entityID="http://localhost:8080/saml2/databricks"');
    expect(answer.text).toContain(
      'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://localhost:8080/saml2/databricks"',
    );
    expect(answer.text).toContain(sesame.services.signingKey.certificateBase64);
    expect(answer.text).toContain('WantAuthnRequestsSigned="false"');
  });

  it('advertises signed requests for an application that requires them', async () => {
    await sesame.services.applications.create(
      {
        slug: 'signed',
        template: 'saml',
        spEntityId: 'https://sp.example',
        acsUrls: ['https://sp.example/acs'],
        spCertificate: sesame.services.signingKey.certificatePem,
        requireSignedRequests: true,
        sso: customSamlTemplate,
      },
      { actor: 'test' },
    );
    const answer = await request(sesame.app).get('/saml2/signed/metadata').expect(200);
    expect(answer.text).toContain('WantAuthnRequestsSigned="true"');
  });
});
