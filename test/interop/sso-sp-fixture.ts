import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import type supertest from 'supertest';
import { expect } from 'vitest';
import {
  customSamlTemplate,
  databricksTemplate,
  type SsoTemplate,
} from '../../src/applications/catalog.ts';
import { generateSelfSigned } from '../../src/saml/keys.ts';
import type { Services } from '../../src/services.ts';
import { csrfFrom, postBindingFrom } from '../support/browser-agent.ts';
import { startInstance, testPassword, type TestInstance } from '../support/instance.ts';
import { verifyWithXmlsec, type SignatureTarget } from '../support/peers.ts';
import { validateAgainstSamlSchema } from '../support/xsd.ts';

/**
 * A Sesame instance for the SSO interop tests, with one application per service provider set-up,
 * one user granted all of them, and SP key pairs made for this run only.
 */

export const baseUrl = 'http://localhost:8080';
export const username = 'carol';

/** What Sesame must assert for `username`: the email lower-cased, names as entered. */
export const expectedSubject = {
  nameId: 'carol.ng@example.com',
  firstName: 'Zoë',
  lastName: `O'Brien & <Ops>`,
};

export interface KeyPair {
  keyPem: string;
  certificatePem: string;
}

export interface SpApplication {
  slug: string;
  entityId: string;
  acsUrl: string;
  template: SsoTemplate;
  /**
   * Which SP certificate Sesame stores, with signed requests required: the one the SP signs
   * with, or an unrelated one.
   */
  storedCertificate?: 'sp' | 'other';
  defaultRelayState?: string;
}

function spApplication(
  slug: string,
  template: SsoTemplate,
  extra: Partial<SpApplication> = {},
): SpApplication {
  const entityId = `https://${slug}.sp.test/saml/metadata`;
  return { slug, entityId, acsUrl: `https://${slug}.sp.test/saml/acs`, template, ...extra };
}

const databricksAcs = 'https://dbc-interop.cloud.databricks.com/saml/consume';

export const applications = {
  nodeSaml: spApplication('node-saml', customSamlTemplate, {
    defaultRelayState: 'https://node-saml.sp.test/home?tab=all&lang=fr',
  }),
  // Sesame signs only the Response for Databricks, whose entity ID is its ACS URL.
  nodeSamlDatabricks: spApplication('node-saml-databricks', databricksTemplate, {
    entityId: databricksAcs,
    acsUrl: databricksAcs,
  }),
  nodeSamlSigned: spApplication('node-saml-signed', customSamlTemplate, {
    storedCertificate: 'sp',
  }),
  nodeSamlOtherCertificate: spApplication('node-saml-other-cert', customSamlTemplate, {
    storedCertificate: 'other',
  }),
  // An ACS URL with a query, which pysaml2 must escape in the request and Sesame match exactly.
  pysaml2: spApplication('pysaml2', customSamlTemplate, {
    acsUrl: 'https://pysaml2.sp.test/saml2/acs/?idp=sesame&v=2',
  }),
  pysaml2Signed: spApplication('pysaml2-signed', customSamlTemplate, { storedCertificate: 'sp' }),
} satisfies Record<string, SpApplication>;

export interface SsoFixture {
  sesame: TestInstance;
  idpCertificatePem: string;
  /** The key pair the SPs sign AuthnRequests with. */
  spKeys: KeyPair;
}

/** Starts Sesame with the user, group and applications above, bound together. */
export async function startSsoFixture(): Promise<SsoFixture> {
  const sesame = await startInstance({ SESAME_BASE_URL: baseUrl });
  const spKeys = newKeyPair('sp.test');
  const otherKeys = newKeyPair('other.test');

  const by = { actor: 'test' };
  const { directory } = sesame.services;
  await directory.createUser(
    {
      username,
      email: 'Carol.Ng@Example.com',
      firstName: expectedSubject.firstName,
      lastName: expectedSubject.lastName,
      password: testPassword,
    },
    by,
  );
  const group = await directory.createGroup('interop', by);
  await directory.addMember('interop', username, by);

  const certificates = { sp: spKeys, other: otherKeys };
  for (const application of Object.values(applications)) {
    const stored = application.storedCertificate;
    await createApplication(sesame.services, application, stored && certificates[stored]);
    await sesame.services.applications.bind(application.slug, group.id, group.name, by);
  }

  return { sesame, idpCertificatePem: sesame.services.signingKey.certificatePem, spKeys };
}

function newKeyPair(commonName: string): KeyPair {
  const { keyPem, certificatePem } = generateSelfSigned({
    bits: 2048,
    validityDays: 2,
    commonName,
  });
  return { keyPem, certificatePem };
}

async function createApplication(
  services: Services,
  application: SpApplication,
  certificate: KeyPair | undefined,
) {
  await services.applications.create(
    {
      slug: application.slug,
      template: 'saml',
      displayLabel: application.slug,
      spEntityId: application.entityId,
      acsUrls: [application.acsUrl],
      spCertificate: certificate?.certificatePem,
      requireSignedRequests: certificate !== undefined,
      defaultRelayState: application.defaultRelayState,
      sso: application.template,
    },
    { actor: 'test' },
  );
}

/** Sesame's SSO URL and IdP entity ID for an application. */
export function ssoUrl(application: SpApplication): string {
  return `${baseUrl}/saml2/${application.slug}`;
}

type Agent = ReturnType<typeof supertest.agent>;

/**
 * Sends an AuthnRequest the way a browser follows an SP's redirect. supertest takes a path, so
 * the URL must point at Sesame's base URL, which proves the SP aimed it at the SSO URL.
 */
export function followRedirect(agent: Agent, url: string) {
  const target = new URL(url);
  expect(target.origin).toBe(baseUrl);
  return agent.get(target.pathname + target.search);
}

/**
 * Posts an AuthnRequest form the way a browser submits it, then follows Sesame's 303 to its own
 * resume URL (the hop that lets the session cookie through). Returns the resume response.
 */
export async function submitForm(agent: Agent, action: string, fields: Record<string, string>) {
  const target = new URL(action);
  expect(target.origin).toBe(baseUrl);
  const arrival = await agent.post(target.pathname).type('form').send(fields);

  expect(arrival.status, arrival.text).toBe(303);
  expect(arrival.headers.location).toMatch(new RegExp(`^${target.pathname}/resume\\?state=`));
  return agent.get(arrival.headers.location!);
}

/** Signs in through the form after Sesame sent the browser to /login; returns the next URL. */
export async function signInAtLogin(agent: Agent): Promise<string> {
  const page = await agent.get('/login').expect(200);
  const login = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), username, password: testPassword })
    .expect(303);
  return login.headers.location!;
}

/** A SAML Response that Sesame's HTTP-POST binding page makes the browser post to the ACS. */
export interface PostedResponse {
  acsUrl: string;
  samlResponse: string;
  relayState?: string;
  xml: string;
}

/** Decodes the HTTP-POST binding page, which must come with status 200. */
export function postedResponseFrom(page: supertest.Response): PostedResponse {
  expect(page.status, page.text).toBe(200);
  const form = postBindingFrom(page.text);
  return {
    acsUrl: form.action,
    samlResponse: form.samlResponse,
    relayState: form.relayState,
    xml: Buffer.from(form.samlResponse, 'base64').toString('utf8'),
  };
}

/** Checks a Response as an SP would before trusting it: the SAML XSD, then xmlsec1. */
export function expectSchemaValidAndSigned(
  xml: string,
  template: SsoTemplate,
  idpCertificatePem: string,
) {
  expect(validateAgainstSamlSchema(xml)).toEqual({ valid: true, errors: [] });

  const targets: SignatureTarget[] = [];
  if (template.signResponse) targets.push('response');
  if (template.signAssertion) targets.push('assertion');
  expect(targets.length).toBeGreaterThan(0);
  for (const target of targets) {
    const check = verifyWithXmlsec(xml, idpCertificatePem, target);
    expect(check.verified, `${target} signature: ${check.detail}`).toBe(true);
  }
}

/** Expects Sesame's error page for a rejected AuthnRequest, with no Response in it. */
export function expectRejectedRequest(page: supertest.Response, code: string, message: string) {
  expect(page.status).toBe(400);
  expect(page.text).toContain(`<code>${code}</code>`);
  expect(page.text).toContain(escapeHtml(message));
  expect(page.text).not.toContain('SAMLResponse');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&#34;').replace(/</g, '&lt;');
}

/** Reads the ID of an AuthnRequest from its XML. */
export function requestIdOf(xml: string): string {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  const id = root?.getAttribute('ID');
  if (!id) throw new Error(`AuthnRequest has no ID: ${xml.slice(0, 200)}`);
  return id;
}

/** Decodes the AuthnRequest carried by an HTTP-Redirect URL. */
export function redirectRequestXml(url: string): string {
  const samlRequest = new URL(url).searchParams.get('SAMLRequest');
  if (!samlRequest) throw new Error(`SAMLRequest is missing from ${url}`);
  return inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
}

/** Decodes the AuthnRequest carried by an HTTP-POST form. */
export function postRequestXml(fields: Record<string, string>): string {
  return Buffer.from(fields.SAMLRequest ?? '', 'base64').toString('utf8');
}

/** Reads the action and hidden fields of the auto-submitting form an SP library writes. */
export function formFrom(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form [^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error('The page has no form with an action');

  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[input[1]!] = decodeEntities(input[2]!);
  }
  return { action: decodeEntities(action), fields };
}

const namedEntities: Record<string, string> = {
  amp: '&',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return namedEntities[name] ?? entity;
  });
}
