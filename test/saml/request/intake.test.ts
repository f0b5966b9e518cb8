import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Application } from '../../../src/applications/service.ts';
import { customSamlTemplate } from '../../../src/applications/catalog.ts';
import { SamlError } from '../../../src/errors.ts';
import { generateSelfSigned } from '../../../src/saml/keys.ts';
import type { ReplayStore } from '../../../src/saml/request/context.ts';
import { takeAuthnRequest, type IncomingRequest } from '../../../src/saml/request/intake.ts';
import { readRedirectQuery } from '../../../src/saml/request/redirect-query.ts';
import {
  authnRequestXml,
  postValue,
  redirectQuery,
  rsaSha1,
  signAuthnRequest,
  type AuthnRequestOptions,
} from '../../support/authn-request.ts';

const now = new Date('2026-06-01T12:00:00.000Z');
const ssoUrl = 'http://localhost:8080/saml2/app';
const acs = 'https://sp.example/acs';
const secondAcs = 'https://sp.example/acs2';

let spKey: { keyPem: string; certificatePem: string };
let otherKey: { keyPem: string; certificatePem: string };

beforeAll(() => {
  // Test-only SP keys, generated per run and never stored.
  spKey = generateSelfSigned({ bits: 2048, validityDays: 1, commonName: 'sp.example' });
  otherKey = generateSelfSigned({ bits: 2048, validityDays: 1, commonName: 'attacker.example' });
});

function application(overrides: Partial<Application> = {}): Application {
  return {
    id: 'app-1',
    slug: 'app',
    template: 'saml',
    displayLabel: 'App',
    description: '',
    showInPortal: true,
    bookmarkUrl: null,
    loginUrl: null,
    hasImage: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    spEntityId: 'https://sp.example',
    acsUrls: [
      { url: acs, index: 0, isDefault: true },
      { url: secondAcs, index: 1, isDefault: false },
    ],
    spCertificate: null,
    requireSignedRequests: false,
    nameIdFormat: customSamlTemplate.nameIdFormat,
    nameIdSource: 'email',
    signResponse: true,
    signAssertion: true,
    attributes: [],
    defaultRelayState: null,
    active: true,
    ...overrides,
  };
}

function memoryReplayStore(): ReplayStore {
  const seen = new Set<string>();
  return {
    async remember(applicationId, requestId) {
      const key = `${applicationId} ${requestId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
  };
}

function redirectRaw(
  options: AuthnRequestOptions = {},
  query: Parameters<typeof redirectQuery>[1] = {},
): string {
  return redirectQuery(authnRequestXml({ issueInstant: now, ...options }), query);
}

/** Reads a raw query as the HTTP-Redirect route does. */
function fromQuery(rawQuery: string): IncomingRequest {
  const query = readRedirectQuery(rawQuery);
  return {
    binding: 'redirect',
    samlRequest: query.samlRequest!,
    redirectSignature: query.signature,
  };
}

function redirect(
  options: AuthnRequestOptions = {},
  query: Parameters<typeof redirectQuery>[1] = {},
): IncomingRequest {
  return fromQuery(redirectRaw(options, query));
}

function post(xml: string): IncomingRequest {
  return { binding: 'post', samlRequest: postValue(xml) };
}

function take(app: Application, incoming: IncomingRequest, replayStore = memoryReplayStore()) {
  return takeAuthnRequest(app, ssoUrl, incoming, {
    maxBytes: 64 * 1024,
    clockSkewSeconds: 60,
    maxAgeSeconds: 300,
    replayStore,
    now,
  });
}

async function rejection(promise: Promise<unknown>): Promise<SamlError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SamlError);
  return error as SamlError;
}

describe('AuthnRequest intake (SAML Core 3.4, Bindings 3.4 and 3.5)', () => {
  it('accepts an unsigned redirect request and picks the default ACS', async () => {
    const context = await take(application(), redirect({ destination: ssoUrl }));
    expect(context.acs?.url).toBe(acs);
    expect(context.signed).toBe(false);
  });

  it('accepts a registered ACS URL and an ACS index', async () => {
    expect((await take(application(), redirect({ acsUrl: secondAcs }))).acs?.url).toBe(secondAcs);
    expect((await take(application(), redirect({ acsIndex: '1' }))).acs?.url).toBe(secondAcs);
  });

  it('reads ForceAuthn and IsPassive written as 1 or true', async () => {
    const context = await take(application(), redirect({ forceAuthn: '1', isPassive: 'true' }));
    expect(context.request.forceAuthn).toBe(true);
    expect(context.request.isPassive).toBe(true);
  });

  it('verifies a signed redirect request with the stored certificate', async () => {
    const app = application({ spCertificate: spKey.certificatePem, requireSignedRequests: true });
    const context = await take(app, redirect({}, { keyPem: spKey.keyPem, relayState: 'state 1' }));
    expect(context.signed).toBe(true);
  });

  it('verifies a signed POST request with the stored certificate', async () => {
    const app = application({ spCertificate: spKey.certificatePem, requireSignedRequests: true });
    const xml = signAuthnRequest(
      authnRequestXml({ issueInstant: now }),
      spKey.keyPem,
      spKey.certificatePem,
    );
    const context = await take(app, post(xml));
    expect(context.signed).toBe(true);
  });

  it('ignores a signature when no SP certificate is stored', async () => {
    const context = await take(application(), redirect({}, { keyPem: otherKey.keyPem }));
    expect(context.signed).toBe(false);
  });

  it('rejects a reused request ID', async () => {
    const store = memoryReplayStore();
    await take(application(), redirect({ id: '_replayed' }), store);
    const error = await rejection(take(application(), redirect({ id: '_replayed' }), store));
    expect(error.code).toBe('saml_request_replayed');
    expect(error.message).toBe('AuthnRequest ID "_replayed" has already been used');
  });

  const bomb = deflateRawSync(
    Buffer.from(authnRequestXml({ extra: `<!--${'A'.repeat(2_000_000)}-->` })),
  );

  const rejected: Array<{
    name: string;
    app?: Partial<Application>;
    incoming: () => IncomingRequest;
    code: string;
    message: RegExp;
  }> = [
    {
      name: 'unknown issuer',
      incoming: () => redirect({ issuer: 'https://evil.example' }),
      code: 'saml_issuer_mismatch',
      message:
        /Issuer "https:\/\/evil.example" is not the SP entity ID registered for application "app"/,
    },
    {
      name: 'missing issuer',
      incoming: () => redirect({ issuer: null }),
      code: 'saml_issuer_mismatch',
      message: /Issuer is missing/,
    },
    {
      name: 'unregistered ACS URL',
      incoming: () => redirect({ acsUrl: 'https://evil.example/acs' }),
      code: 'saml_acs_unregistered',
      message: /AssertionConsumerServiceURL "https:\/\/evil.example\/acs" is not registered/,
    },
    {
      name: 'ACS URL that only shares a prefix',
      incoming: () => redirect({ acsUrl: `${acs}/../evil` }),
      code: 'saml_acs_unregistered',
      message: /is not registered/,
    },
    {
      name: 'unregistered ACS index',
      incoming: () => redirect({ acsIndex: '7' }),
      code: 'saml_acs_unregistered',
      message: /AssertionConsumerServiceIndex 7 is not registered/,
    },
    {
      name: 'ACS URL and index together',
      incoming: () => redirect({ acsUrl: acs, acsIndex: '0' }),
      code: 'saml_acs_unregistered',
      message: /must not carry both/,
    },
    {
      name: 'artifact protocol binding',
      incoming: () =>
        redirect({ protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact' }),
      code: 'saml_request_invalid',
      message: /ProtocolBinding .* is not supported/,
    },
    {
      name: 'foreign destination',
      incoming: () => redirect({ destination: 'https://other-idp.example/sso' }),
      code: 'saml_request_invalid',
      message: /Destination "https:\/\/other-idp.example\/sso" is not this SSO URL/,
    },
    {
      name: 'expired request',
      incoming: () => redirect({ issueInstant: new Date(now.getTime() - 400_000) }),
      code: 'saml_request_expired',
      message: /is older than 300 seconds/,
    },
    {
      name: 'request from the future',
      incoming: () => redirect({ issueInstant: new Date(now.getTime() + 120_000) }),
      code: 'saml_request_expired',
      message: /is in the future/,
    },
    {
      name: 'IssueInstant without time zone',
      incoming: () => redirect({ issueInstant: '2026-06-01T12:00:00' }),
      code: 'saml_request_invalid',
      message: /IssueInstant must be an xs:dateTime with a time zone/,
    },
    {
      name: 'XXE DOCTYPE',
      incoming: () =>
        redirect({
          prolog: '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
          issuer: '&x;',
        }),
      code: 'saml_request_invalid',
      message: /must not contain a DOCTYPE or entity declaration/,
    },
    {
      name: 'not XML',
      incoming: () => ({ binding: 'post', samlRequest: postValue('<samlp:AuthnRequest') }),
      code: 'saml_request_invalid',
      message: /not well-formed XML/,
    },
    {
      name: 'not base64',
      incoming: () => ({ binding: 'post', samlRequest: 'this is %%% not base64' }),
      code: 'saml_request_invalid',
      message: /not valid base64/,
    },
    {
      name: 'not DEFLATE',
      incoming: () => ({
        binding: 'redirect',
        samlRequest: Buffer.from('plain text').toString('base64'),
      }),
      code: 'saml_request_invalid',
      message: /not valid DEFLATE data/,
    },
    {
      name: 'DEFLATE bomb',
      incoming: () => ({ binding: 'redirect', samlRequest: bomb.toString('base64') }),
      code: 'payload_too_large',
      message: /inflates to more than 65536 bytes/,
    },
    {
      name: 'oversized POST',
      incoming: () => post(authnRequestXml({ extra: `<!--${'A'.repeat(70_000)}-->` })),
      code: 'payload_too_large',
      message: /over 65536 bytes/,
    },
    {
      name: 'wrong root element',
      incoming: () =>
        post('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>'),
      code: 'saml_request_invalid',
      message: /not a samlp:AuthnRequest/,
    },
    {
      name: 'schema violation',
      incoming: () => redirect({ extra: '<samlp:Bogus/>' }),
      code: 'saml_request_invalid',
      message: /does not match the SAML 2.0 schema/,
    },
    {
      name: 'unsupported NameIDPolicy',
      incoming: () =>
        redirect({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' }),
      code: 'saml_nameid_policy_unsupported',
      message: /NameIDPolicy Format ".*transient" is not supported/,
    },
    {
      name: 'unsigned request where signatures are required',
      app: { spCertificate: 'SP', requireSignedRequests: true },
      incoming: () => redirect(),
      code: 'saml_signature_invalid',
      message: /requires signed AuthnRequests, and this one is unsigned/,
    },
    {
      name: 'redirect signature by another key',
      app: { spCertificate: 'SP' },
      incoming: () => redirect({}, { keyPem: otherKey.keyPem }),
      code: 'saml_signature_invalid',
      message: /does not verify with the SP certificate/,
    },
    {
      name: 'redirect signature with SHA-1',
      app: { spCertificate: 'SP' },
      incoming: () => redirect({}, { keyPem: spKey.keyPem, sigAlg: rsaSha1 }),
      code: 'saml_signature_invalid',
      message: /SigAlg ".*rsa-sha1" is not supported/,
    },
    {
      name: 'redirect RelayState changed after signing',
      app: { spCertificate: 'SP' },
      incoming: () =>
        fromQuery(
          redirectRaw({}, { keyPem: spKey.keyPem, relayState: 'a' }).replace(
            'RelayState=a',
            'RelayState=b',
          ),
        ),
      code: 'saml_signature_invalid',
      message: /does not verify/,
    },
    {
      name: 'POST signature by another key with its own KeyInfo',
      app: { spCertificate: 'SP' },
      incoming: () =>
        post(
          signAuthnRequest(
            authnRequestXml({ issueInstant: now }),
            otherKey.keyPem,
            otherKey.certificatePem,
          ),
        ),
      code: 'saml_signature_invalid',
      message: /does not verify/,
    },
    {
      name: 'POST request changed after signing',
      app: { spCertificate: 'SP' },
      incoming: () => {
        const signed = signAuthnRequest(
          authnRequestXml({ issueInstant: now, acsUrl: acs }),
          spKey.keyPem,
          spKey.certificatePem,
        );
        return post(
          signed.replace(
            `AssertionConsumerServiceURL="${acs}"`,
            `AssertionConsumerServiceURL="${secondAcs}"`,
          ),
        );
      },
      code: 'saml_signature_invalid',
      message: /does not verify/,
    },
  ];

  for (const testCase of rejected) {
    it(`rejects ${testCase.name}`, async () => {
      const overrides = { ...testCase.app };
      if (overrides.spCertificate === 'SP') overrides.spCertificate = spKey.certificatePem;
      const error = await rejection(take(application(overrides), testCase.incoming()));
      expect(error.code).toBe(testCase.code);
      expect(error.message).toMatch(testCase.message);
    });
  }

  it('does not use up the ID of a rejected request', async () => {
    const store = memoryReplayStore();
    await rejection(
      take(application(), redirect({ id: '_again', acsUrl: 'https://evil.example/acs' }), store),
    );
    const context = await take(application(), redirect({ id: '_again' }), store);
    expect(context.request.id).toBe('_again');
  });
});

describe('AuthnRequest intake with hostile input', () => {
  it('rejects a malformed percent-encoding in Signature', () => {
    const raw = redirectRaw({}, { keyPem: spKey.keyPem });
    expect(() => fromQuery(raw.replace(/Signature=[^&]*/, 'Signature=%E0%A4%A'))).toThrow(
      'Query parameter Signature is not valid URL encoding',
    );
  });

  it('verifies the signature over the SAMLRequest it acts on', async () => {
    // A captured signed query plus a second, percent-encoded SAMLRequest of the attacker's.
    const signed = redirectRaw({}, { keyPem: spKey.keyPem });
    const forged = redirectRaw({ acsUrl: secondAcs }).replace('SAMLRequest=', '%53AMLRequest=');
    expect(() => fromQuery(`${forged}&${signed}`)).toThrow(
      'Query parameter SAMLRequest must not be percent-encoded',
    );
    expect(() => fromQuery(`${signed}&SAMLRequest=x`)).toThrow(
      'Query parameter SAMLRequest must be given once',
    );
    const padding = Array.from({ length: 20 }, (_, i) => `p${i}=x`).join('&');
    expect(() => fromQuery(`${padding}&${signed}`)).toThrow(
      'The query has more than 16 parameters',
    );
  });

  it('rejects a percent-encoded RelayState added to a signed query', () => {
    const signed = redirectRaw({}, { keyPem: spKey.keyPem });
    expect(() => fromQuery(`${signed}&%52elayState=evil`)).toThrow(
      'Query parameter RelayState must not be percent-encoded',
    );
  });

  it('rejects an unsigned request when signatures are required and no certificate is stored', async () => {
    const error = await rejection(take(application({ requireSignedRequests: true }), redirect()));
    expect(error.code).toBe('saml_signature_invalid');
    expect(error.message).toMatch(/requires signed AuthnRequests but has no SP certificate/);
  });

  for (const sigAlg of ['constructor', '__proto__', 'toString']) {
    it(`rejects SigAlg ${sigAlg} as unsupported`, async () => {
      const app = application({ spCertificate: spKey.certificatePem });
      const raw = redirectRaw({}, { keyPem: spKey.keyPem }).replace(
        /SigAlg=[^&]*/,
        `SigAlg=${sigAlg}`,
      );
      const error = await rejection(take(app, fromQuery(raw)));
      expect(error.code).toBe('saml_signature_invalid');
      expect(error.message).toContain(`SigAlg "${sigAlg}" is not supported`);
    });
  }

  it('rejects a POST signature without a DigestValue as invalid', async () => {
    const app = application({ spCertificate: spKey.certificatePem });
    const signed = signAuthnRequest(
      authnRequestXml({ issueInstant: now }),
      spKey.keyPem,
      spKey.certificatePem,
    );
    const broken = signed.replace(/<ds:DigestValue>[^<]*<\/ds:DigestValue>/, '');
    const error = await rejection(take(app, post(broken)));
    expect(error.code).toMatch(/saml_signature_invalid|saml_request_invalid/);
  });

  it('rejects an ID longer than 256 characters', async () => {
    const error = await rejection(take(application(), redirect({ id: '_' + 'a'.repeat(300) })));
    expect(error.message).toBe('AuthnRequest ID is longer than 256 characters');
  });

  it('quotes at most 120 characters of a long Issuer', async () => {
    const error = await rejection(take(application(), redirect({ issuer: 'x'.repeat(5000) })));
    expect(error.message.length).toBeLessThan(300);
  });

  it('rejects deeply nested XML before any signature check', async () => {
    const app = application({ spCertificate: spKey.certificatePem });
    const depth = 500;
    const nested = '<x:b xmlns:x="urn:x">'.repeat(depth) + '</x:b>'.repeat(depth);
    const extra = `<samlp:Extensions>${nested}</samlp:Extensions>`;
    const error = await rejection(take(app, post(authnRequestXml({ issueInstant: now, extra }))));
    expect(error.code).toBe('saml_request_invalid');
    expect(error.message).toBe('SAMLRequest nests elements deeper than 64 levels');
  });
});
