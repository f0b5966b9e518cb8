import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { customSamlTemplate } from '../../src/applications/catalog.ts';
import { generateSelfSigned } from '../../src/saml/keys.ts';
import { authnRequestXml, postValue, redirectQuery } from '../support/authn-request.ts';
import {
  browser,
  csrfFrom,
  postBindingFrom,
  responseXml,
  signIn,
} from '../support/browser-agent.ts';
import {
  databricksAcs,
  seedDatabricks,
  startInstance,
  testPassword,
  type TestInstance,
} from '../support/instance.ts';

let sesame: TestInstance;
const ssoPath = '/saml2/databricks';

beforeEach(async () => {
  sesame = await startInstance();
  await seedDatabricks(sesame.services);
});
afterEach(() => sesame.close());

function databricksRequest(options: Parameters<typeof authnRequestXml>[0] = {}) {
  return authnRequestXml({ issuer: databricksAcs, acsUrl: databricksAcs, ...options });
}

async function events(type: string) {
  return sesame.services.db
    .selectFrom('events')
    .selectAll()
    .where('type', '=', type)
    .orderBy('id')
    .execute();
}

async function submitLogin(agent: ReturnType<typeof browser>, username = 'alice') {
  const page = await agent.get('/login').expect(200);
  return agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), username, password: testPassword });
}

describe('SP-initiated SSO, HTTP-Redirect binding', () => {
  it('keeps the request through sign-in and answers it', async () => {
    const agent = browser(sesame.app);
    const xml = databricksRequest({ id: '_request1' });
    const arrival = await agent.get(
      `${ssoPath}?${redirectQuery(xml, { relayState: '/workspace?o=1' })}`,
    );
    expect(arrival.status).toBe(303);
    expect(arrival.headers.location).toBe('/login');

    const cookieBefore = arrival.headers['set-cookie']?.[0]?.split(';')[0];
    const login = await submitLogin(agent);
    expect(login.status).toBe(303);
    expect(login.headers.location).toMatch(/^\/saml2\/databricks\/continue\/[0-9a-f]{32}$/);
    expect(login.headers['set-cookie']?.[0]?.split(';')[0]).not.toBe(cookieBefore);

    const answer = await agent.get(login.headers.location!).expect(200);
    const form = postBindingFrom(answer.text);
    expect(form.action).toBe(databricksAcs);
    expect(form.relayState).toBe('/workspace?o=1');
    const response = responseXml(answer.text);
    expect(response).toContain('InResponseTo="_request1"');
    expect(response).toContain('>alice@example.com</saml:NameID>');
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('answers a signed-in user without asking again', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent
      .get(`${ssoPath}?${redirectQuery(databricksRequest({ id: '_r2' }))}`)
      .expect(200);
    expect(responseXml(answer.text)).toContain('InResponseTo="_r2"');
  });

  it('escapes markup in RelayState', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const relayState = '"><script>alert(1)</script>';
    const answer = await agent
      .get(`${ssoPath}?${redirectQuery(databricksRequest(), { relayState })}`)
      .expect(200);
    expect(answer.text).not.toContain('<script>alert(1)</script>');
    expect(answer.text).toContain('&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(postBindingFrom(answer.text).relayState).toBe(relayState);
  });

  it('rejects a RelayState over 1024 bytes', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent.get(
      `${ssoPath}?${redirectQuery(databricksRequest(), { relayState: 'x'.repeat(1025) })}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('RelayState is over 1024 bytes');
    expect(answer.text).not.toContain('SAMLResponse');
  });

  it('answers IsPassive without a session with NoPassive', async () => {
    const answer = await request(sesame.app)
      .get(`${ssoPath}?${redirectQuery(databricksRequest({ id: '_passive', isPassive: 'true' }))}`)
      .expect(200);
    const response = responseXml(answer.text);
    expect(response).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
    expect(response).toContain('InResponseTo="_passive"');
    expect(response).not.toContain('<saml:Assertion');
  });

  it('makes a signed-in user sign in again for ForceAuthn', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const arrival = await agent.get(
      `${ssoPath}?${redirectQuery(databricksRequest({ forceAuthn: 'true' }))}`,
    );
    expect(arrival.status).toBe(303);
    expect(arrival.headers.location).toBe('/login?reauth=1');
    expect((await agent.get('/login?reauth=1')).text).toContain(
      'The application asks you to sign in again.',
    );

    const continuePath = (await submitLogin(agent)).headers.location!;
    expect(continuePath).toMatch(/\/continue\//);
    const answer = await agent.get(continuePath).expect(200);
    const authnInstant = /AuthnInstant="([^"]+)"/.exec(responseXml(answer.text))![1]!;
    expect(Date.now() - new Date(authnInstant).getTime()).toBeLessThan(10_000);
  });

  it('rejects unassigned user with page and event', async () => {
    const { agent } = await signIn(sesame.app, 'bob', testPassword);
    const answer = await agent.get(`${ssoPath}?${redirectQuery(databricksRequest())}`);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('You are not assigned to &#34;Databricks&#34;');
    expect(answer.text).not.toContain('SAMLResponse');

    const [refusal] = (await events('sso_auth')).filter((event) => event.outcome === 'failure');
    expect(refusal?.username).toBe('bob');
    expect(refusal?.error_code).toBe('not_assigned');
  });

  it('shows an error page for an unregistered ACS and records it', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent.get(
      `${ssoPath}?${redirectQuery(databricksRequest({ acsUrl: 'https://evil.example/acs' }))}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain(
      'AssertionConsumerServiceURL &#34;https://evil.example/acs&#34; is not registered',
    );
    expect(answer.text).not.toContain('SAMLResponse');
    const [event] = await events('sso_auth');
    expect(event?.error_code).toBe('saml_acs_unregistered');
  });

  it('answers an unsupported NameIDPolicy at the ACS', async () => {
    const format = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
    const answer = await request(sesame.app)
      .get(`${ssoPath}?${redirectQuery(databricksRequest({ nameIdFormat: format }))}`)
      .expect(200);
    expect(postBindingFrom(answer.text).action).toBe(databricksAcs);
    expect(responseXml(answer.text)).toContain(
      'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
    );
  });

  it('returns 404 for an unknown application', async () => {
    const answer = await request(sesame.app).get(
      `/saml2/nope?${redirectQuery(databricksRequest())}`,
    );
    expect(answer.status).toBe(404);
    expect(answer.text).toContain('Application &#34;nope&#34; not found');
  });

  it('rejects a SAMLRequest given twice', async () => {
    const query = redirectQuery(databricksRequest());
    const answer = await request(sesame.app).get(`${ssoPath}?${query}&${query}`);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('SAMLRequest must be given once');
  });

  it('rejects a request for a deactivated application', async () => {
    await sesame.services.applications.setActive('databricks', false, { actor: 'test' });
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent.get(`${ssoPath}?${redirectQuery(databricksRequest())}`);
    expect(answer.status).toBe(403);
    expect(answer.text).not.toContain('SAMLResponse');
  });
});

describe('SP-initiated SSO with required request signatures', () => {
  it('rejects a forged SAMLRequest added to a captured signed URL', async () => {
    const spKey = generateSelfSigned({ bits: 2048, validityDays: 1, commonName: 'sp.example' });
    const application = await sesame.services.applications.create(
      {
        slug: 'signed',
        template: 'saml',
        spEntityId: 'https://sp.example',
        acsUrls: ['https://sp.example/acs', 'https://sp.example/other-acs'],
        spCertificate: spKey.certificatePem,
        requireSignedRequests: true,
        sso: customSamlTemplate,
      },
      { actor: 'test' },
    );
    await sesame.services.applications.bind(
      'signed',
      (await sesame.services.directory.requireGroup('engineers')).id,
      'engineers',
      { actor: 'test' },
    );
    const { agent } = await signIn(sesame.app, 'alice', testPassword);

    const signed = redirectQuery(authnRequestXml({ issuer: application.spEntityId }), {
      keyPem: spKey.keyPem,
    });
    expect((await agent.get(`/saml2/signed?${signed}`)).status).toBe(200);

    const forged = redirectQuery(
      authnRequestXml({ issuer: application.spEntityId, acsUrl: 'https://sp.example/other-acs' }),
    ).replace('SAMLRequest=', '%53AMLRequest=');
    const padding = Array.from({ length: 997 }, (_, i) => `p${i}=1`).join('&');
    for (const query of [`${forged}&${signed}`, `${forged}&${padding}&${signed}`]) {
      const answer = await agent.get(`/saml2/signed?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain('SAMLResponse');
    }
  });
});

describe('SP-initiated SSO, HTTP-POST binding', () => {
  it('hops to a same-site GET and answers a signed-in user', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const arrival = await request(sesame.app)
      .post(ssoPath)
      .type('form')
      .send({ SAMLRequest: postValue(databricksRequest({ id: '_post1' })), RelayState: 'rs' })
      .expect(303);
    expect(arrival.headers.location).toMatch(/^\/saml2\/databricks\/resume\?state=[\w-]+$/);

    const answer = await agent.get(arrival.headers.location!).expect(200);
    expect(responseXml(answer.text)).toContain('InResponseTo="_post1"');
    expect(postBindingFrom(answer.text).relayState).toBe('rs');
  });

  it('uses each resume link once', async () => {
    const arrival = await request(sesame.app)
      .post(ssoPath)
      .type('form')
      .send({ SAMLRequest: postValue(databricksRequest()) });
    const agent = browser(sesame.app);
    expect((await agent.get(arrival.headers.location!)).status).toBe(303);
    const second = await agent.get(arrival.headers.location!);
    expect(second.status).toBe(400);
    expect(second.text).toContain('already been used');
  });

  it('rejects a tampered resume link', async () => {
    const arrival = await request(sesame.app)
      .post(ssoPath)
      .type('form')
      .send({ SAMLRequest: postValue(databricksRequest()) });
    const tampered = arrival.headers.location!.replace(
      /state=(.)/,
      (_, first: string) => `state=${first === 'A' ? 'B' : 'A'}`,
    );
    const answer = await request(sesame.app).get(tampered);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('This sign-in link has expired');
  });

  it('rejects a body over the size limit with 413', async () => {
    const answer = await request(sesame.app)
      .post(ssoPath)
      .type('form')
      .send({ SAMLRequest: 'A'.repeat(200_000) });
    expect(answer.status).toBe(413);
  });

  it('rejects a replayed POST request', async () => {
    const body = { SAMLRequest: postValue(databricksRequest({ id: '_once' })) };
    await request(sesame.app).post(ssoPath).type('form').send(body).expect(303);
    const again = await request(sesame.app).post(ssoPath).type('form').send(body);
    expect(again.status).toBe(400);
    expect(again.text).toContain('AuthnRequest ID &#34;_once&#34; has already been used');
  });
});
