import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import request, { type Response as HttpResponse } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import {
  attributeNameFormats,
  bindings,
  envelopedSignature,
  exclusiveC14n,
  nameIdFormats,
  ns,
  rsaSha256,
  sha256Digest,
} from '../../src/saml/constants.ts';
import { generateSelfSigned, parseSigningKey } from '../../src/saml/keys.ts';
import type { LoginResponseInput, ResponseBuilder } from '../../src/saml/response/builder.ts';
import { createCanonicalResponseBuilder } from '../../src/saml/response/canonical-builder.ts';
import { createDatabricksSp, type DatabricksSpOptions } from './databricks-sp.ts';
import { verifyWithXmlsec } from './peers.ts';

const idpEntityId = 'https://sesame.test/saml/metadata';
const idpSsoUrl = 'https://sesame.test/saml2/databricks';
const acsUrl = 'https://workspace.databricks.test/saml/consume';
const email = 'alice@example.test';

let builder: ResponseBuilder;
let keyPem: string;
let certificatePem: string;

beforeAll(() => {
  const generated = generateSelfSigned({ bits: 2048, validityDays: 2, commonName: 'sesame.test' });
  keyPem = generated.keyPem;
  certificatePem = generated.certificatePem;
  builder = createCanonicalResponseBuilder(parseSigningKey(keyPem, certificatePem));
});

function spOptions(overrides: Partial<DatabricksSpOptions> = {}): DatabricksSpOptions {
  return { idpCertPem: certificatePem, idpEntityId, idpSsoUrl, acsUrl, ...overrides };
}

/** Builds a Response as Sesame sends it to Databricks: Response signed, Assertion not. */
function buildResponse(overrides: Partial<LoginResponseInput> = {}): string {
  const now = new Date();
  return builder.buildLoginResponse({
    issuer: idpEntityId,
    destination: acsUrl,
    audience: acsUrl,
    nameId: email,
    nameIdFormat: nameIdFormats.emailAddress,
    sessionIndex: '_session-3c9a',
    authnInstant: now,
    now,
    clockSkewSeconds: 60,
    ttlSeconds: 300,
    attributes: [{ name: 'email', nameFormat: attributeNameFormats.basic, values: [email] }],
    signResponse: true,
    signAssertion: false,
    ...overrides,
  });
}

function postResponse(agent: request.Agent, xml: string, relayState?: string) {
  const form: Record<string, string> = { SAMLResponse: Buffer.from(xml).toString('base64') };
  if (relayState !== undefined) form.RelayState = relayState;
  return agent.post('/saml/consume').type('form').send(form);
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function expectErrorPage(response: HttpResponse, status: number, message: string): void {
  expect(response.status).toBe(status);
  expect(response.text).toContain('<h1>SAML login failed</h1>');
  expect(response.text).toContain(`<p>${escapeHtml(message)}</p>`);
}

/** Follows the SP's redirect to the IdP and decodes the HTTP-Redirect AuthnRequest. */
async function startSpInitiatedSignIn(agent: request.Agent, path: string) {
  const response = await agent.get(path);
  expect(response.status).toBe(302);

  const location = new URL(response.headers.location as string);
  const samlRequest = location.searchParams.get('SAMLRequest') as string;
  const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
  const authnRequest = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
  return { location, xml, authnRequest };
}

/** Replaces the Assertion with an EncryptedAssertion and signs the Response again. */
function withEncryptedAssertion(xml: string): string {
  const encrypted =
    `<saml:EncryptedAssertion xmlns:saml="${ns.assertion}">` +
    `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">` +
    `<xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedData></saml:EncryptedAssertion>`;
  const unsigned = xml.replace(/<saml:Assertion [\s\S]*<\/saml:Assertion>/, encrypted);

  const signer = new SignedXml({
    privateKey: keyPem,
    publicCert: certificatePem,
    signatureAlgorithm: rsaSha256,
    canonicalizationAlgorithm: exclusiveC14n,
  });
  signer.addReference({
    xpath: "/*[local-name()='Response']",
    transforms: [envelopedSignature, exclusiveC14n],
    digestAlgorithm: sha256Digest,
  });
  signer.computeSignature(unsigned, {
    prefix: 'ds',
    location: {
      reference: "/*[local-name()='Response']/*[local-name()='Issuer']",
      action: 'after',
    },
  });
  return signer.getSignedXml();
}

describe('Databricks stand-in SP', { timeout: 20_000 }, () => {
  it('redirects a browser without a session to the IdP', async () => {
    const sp = createDatabricksSp(spOptions());
    const { location, xml, authnRequest } = await startSpInitiatedSignIn(
      request.agent(sp.app),
      '/?o=1234',
    );

    expect(location.origin + location.pathname).toBe(idpSsoUrl);
    expect(location.searchParams.get('RelayState')).toBe('/?o=1234');
    expect(location.searchParams.has('Signature')).toBe(false);
    expect(location.searchParams.has('SigAlg')).toBe(false);
    expect(authnRequest.localName).toBe('AuthnRequest');
    expect(authnRequest.getAttribute('Destination')).toBe(idpSsoUrl);
    expect(authnRequest.getAttribute('AssertionConsumerServiceURL')).toBe(acsUrl);
    expect(authnRequest.getAttribute('ProtocolBinding')).toBe(bindings.post);
    expect(authnRequest.getElementsByTagNameNS(ns.assertion, 'Issuer')[0]?.textContent).toBe(
      acsUrl,
    );
    expect(xml).not.toContain('Signature');
  });

  it('signs in with an IdP-initiated Response', async () => {
    const sp = createDatabricksSp(spOptions());
    const agent = request.agent(sp.app);

    const consumed = await postResponse(agent, buildResponse());
    expect(consumed.status).toBe(303);
    expect(consumed.headers.location).toBe('/');

    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain(`Signed in as ${email}`);
    expect(sp.signIns).toEqual([
      {
        email,
        sessionIndex: '_session-3c9a',
        inResponseTo: undefined,
        relayState: undefined,
        at: expect.any(Date),
      },
    ]);
  });

  it('completes SP-initiated sign-in and returns to RelayState', async () => {
    const sp = createDatabricksSp(spOptions());
    const agent = request.agent(sp.app);
    const { location, authnRequest } = await startSpInitiatedSignIn(agent, '/?o=1234');
    const requestId = authnRequest.getAttribute('ID') as string;
    const relayState = location.searchParams.get('RelayState') as string;

    const consumed = await postResponse(
      agent,
      buildResponse({ inResponseTo: requestId }),
      relayState,
    );
    expect(consumed.status).toBe(303);
    expect(consumed.headers.location).toBe('/?o=1234');

    const home = await agent.get('/');
    expect(home.text).toContain(`Signed in as ${email}`);
    expect(sp.signIns).toMatchObject([{ email, inResponseTo: requestId, relayState: '/?o=1234' }]);
  });

  it('rejects a replayed SP-initiated Response', async () => {
    const sp = createDatabricksSp(spOptions());
    const agent = request.agent(sp.app);
    const { authnRequest } = await startSpInitiatedSignIn(agent, '/');
    const xml = buildResponse({ inResponseTo: authnRequest.getAttribute('ID') as string });

    expect((await postResponse(agent, xml)).status).toBe(303);
    const replayed = await postResponse(request.agent(sp.app), xml);

    expectErrorPage(replayed, 401, 'SAML response validation failed: InResponseTo is not valid');
    expect(sp.signIns).toHaveLength(1);
  });

  it('rejects an InResponseTo it never sent', async () => {
    const sp = createDatabricksSp(spOptions());
    const response = await postResponse(
      request.agent(sp.app),
      buildResponse({ inResponseTo: '_never-sent' }),
    );

    expectErrorPage(response, 401, 'SAML response validation failed: InResponseTo is not valid');
  });

  it('escapes the email on the signed-in page', async () => {
    const sp = createDatabricksSp(spOptions());
    const agent = request.agent(sp.app);
    const hostile = `<b>o'neil</b>&"co"@example.test`;

    await postResponse(agent, buildResponse({ nameId: hostile }));
    const home = await agent.get('/');

    expect(home.text).toContain(
      'Signed in as &lt;b&gt;o&#39;neil&lt;/b&gt;&amp;&quot;co&quot;@example.test',
    );
    expect(home.text).not.toContain('<b>');
  });

  it('rejects a wrong issuer', async () => {
    const sp = createDatabricksSp(spOptions());
    const agent = request.agent(sp.app);
    const issuer = 'https://impostor.test/saml/metadata';

    const response = await postResponse(agent, buildResponse({ issuer }));

    expectErrorPage(response, 401, `Issuer "${issuer}" is not the IdP entity ID "${idpEntityId}"`);
    expect(sp.signIns).toEqual([]);
    expect((await agent.get('/')).status).toBe(302);
  });

  it('rejects a wrong audience', async () => {
    const sp = createDatabricksSp(spOptions());
    const audience = 'https://other-workspace.databricks.test/saml/consume';

    const response = await postResponse(request.agent(sp.app), buildResponse({ audience }));

    expectErrorPage(
      response,
      401,
      `SAML response validation failed: SAML assertion audience mismatch. Expected: ${acsUrl} Received: ${audience}`,
    );
    expect(sp.signIns).toEqual([]);
  });

  it('rejects an unsigned Response', async () => {
    const sp = createDatabricksSp(spOptions());
    const xml = buildResponse({ signResponse: false, signAssertion: false });

    const response = await postResponse(request.agent(sp.app), xml);

    expectErrorPage(response, 401, 'SAML response validation failed: Invalid document signature');
    expect(sp.signIns).toEqual([]);
  });

  it('rejects a Response whose Assertion alone is signed', async () => {
    const sp = createDatabricksSp(spOptions());
    const xml = buildResponse({ signResponse: false, signAssertion: true });

    const response = await postResponse(request.agent(sp.app), xml);

    expectErrorPage(response, 401, 'SAML response validation failed: Invalid document signature');
  });

  it('rejects a Response for another ACS URL', async () => {
    const sp = createDatabricksSp(spOptions());
    const destination = 'https://other-workspace.databricks.test/saml/consume';

    const response = await postResponse(request.agent(sp.app), buildResponse({ destination }));

    expectErrorPage(response, 401, `Destination "${destination}" is not the ACS URL "${acsUrl}"`);
  });

  it('rejects an encrypted assertion', async () => {
    const sp = createDatabricksSp(spOptions());
    const xml = withEncryptedAssertion(buildResponse({ signResponse: false }));
    // The Response signature is valid, so encryption alone causes the rejection.
    expect(verifyWithXmlsec(xml, certificatePem, 'response').verified).toBe(true);

    const response = await postResponse(request.agent(sp.app), xml);

    expectErrorPage(
      response,
      401,
      'The Response contains an EncryptedAssertion; turn off assertion encryption in the IdP',
    );
  });

  it('admits only known users when knownUsers is set', async () => {
    const sp = createDatabricksSp(spOptions({ knownUsers: ['Alice@Example.test'] }));
    const stranger = 'mallory@example.test';

    const known = await postResponse(request.agent(sp.app), buildResponse());
    const unknown = await postResponse(request.agent(sp.app), buildResponse({ nameId: stranger }));

    expect(known.status).toBe(303);
    expectErrorPage(unknown, 403, `User ${stranger} does not exist in this workspace`);
    expect(sp.signIns.map((signIn) => signIn.email)).toEqual([email]);
  });

  it('rejects a missing or non-base64 SAMLResponse', async () => {
    const sp = createDatabricksSp(spOptions());
    const agent = request.agent(sp.app);

    const missing = await agent.post('/saml/consume').type('form').send({ RelayState: '/' });
    const garbage = await agent.post('/saml/consume').type('form').send({ SAMLResponse: '%%%' });

    expectErrorPage(missing, 400, 'SAMLResponse is missing from the POST body');
    expectErrorPage(garbage, 400, 'SAMLResponse is not valid base64');
  });

  it('rejects a SAMLResponse that is not XML', async () => {
    const sp = createDatabricksSp(spOptions());
    const notXml = Buffer.from('<samlp:Response').toString('base64');

    const response = await request
      .agent(sp.app)
      .post('/saml/consume')
      .type('form')
      .send({ SAMLResponse: notXml });

    expect(response.status).toBe(400);
    expect(response.text).toContain('<p>SAMLResponse is not well-formed XML: ');
  });

  it('ignores a RelayState that leaves the site', async () => {
    const sp = createDatabricksSp(spOptions());

    const consumed = await postResponse(
      request.agent(sp.app),
      buildResponse(),
      '//evil.test/phish',
    );

    expect(consumed.status).toBe(303);
    expect(consumed.headers.location).toBe('/');
  });
});
