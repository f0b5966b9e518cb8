import { DOMParser, type Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeNameFormats, nameIdFormats, statusCodes } from '../../../src/saml/constants.ts';
import { generateSelfSigned, parseSigningKey, type SigningKey } from '../../../src/saml/keys.ts';
import type { LoginResponseInput } from '../../../src/saml/response/builder.ts';
import { createCanonicalResponseBuilder } from '../../../src/saml/response/canonical-builder.ts';

const dsig = 'http://www.w3.org/2000/09/xmldsig#';
const assertionNs = 'urn:oasis:names:tc:SAML:2.0:assertion';
let key: SigningKey;

beforeAll(() => {
  // A test-only IdP key, generated per run and never stored.
  const generated = generateSelfSigned({ bits: 2048, validityDays: 1, commonName: 'idp.test' });
  key = parseSigningKey(generated.keyPem, generated.certificatePem);
});

function input(overrides: Partial<LoginResponseInput> = {}): LoginResponseInput {
  return {
    issuer: 'https://idp.test/saml2/app',
    destination: 'https://sp.test/acs',
    audience: 'https://sp.test/sp',
    nameId: 'ALICE&co@example.com',
    nameIdFormat: nameIdFormats.emailAddress,
    sessionIndex: '_session',
    authnInstant: new Date('2026-06-01T11:59:00Z'),
    now: new Date('2026-06-01T12:00:00Z'),
    clockSkewSeconds: 60,
    ttlSeconds: 300,
    attributes: [
      {
        name: 'lastName',
        nameFormat: attributeNameFormats.basic,
        values: ['<O\'Brien> "&" \r\n\tx'],
      },
      { name: 'empty', nameFormat: attributeNameFormats.basic, values: [] },
    ],
    signResponse: true,
    signAssertion: true,
    ...overrides,
  };
}

/** Canonicalizes `element` with xml-crypto, leaving out its own ds:Signature child. */
function canonical(element: Element): string {
  const copy = element.cloneNode(true) as Element;
  for (let node = copy.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === dsig) {
      copy.removeChild(node);
      break;
    }
  }
  return new ExclusiveCanonicalization().process(copy as never, {}).toString();
}

function verify(xml: string, signature: Element): boolean {
  const verifier = new SignedXml({
    publicCert: key.certificatePem,
    getCertFromKeyInfo: () => null,
  });
  verifier.loadSignature(signature as unknown as Node);
  return verifier.checkSignature(xml);
}

describe('canonical response builder', () => {
  it('writes the Response in its own exclusive canonical form', () => {
    const xml = createCanonicalResponseBuilder(key).buildLoginResponse(
      input({ signResponse: false, signAssertion: false }),
    );
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect(canonical(root)).toBe(xml);
  });

  it('signs the Response and the Assertion so that xml-crypto verifies both', () => {
    const xml = createCanonicalResponseBuilder(key).buildLoginResponse(input());
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    const signatures = root.getElementsByTagNameNS(dsig, 'Signature');
    expect(signatures).toHaveLength(2);
    for (let i = 0; i < signatures.length; i++) expect(verify(xml, signatures[i]!)).toBe(true);
  });

  it('escapes text and attribute values as canonical XML does', () => {
    const xml = createCanonicalResponseBuilder(key).buildLoginResponse(input());
    expect(xml).toContain('>ALICE&amp;co@example.com</saml:NameID>');
    expect(xml).toContain('>&lt;O\'Brien&gt; "&amp;" &#xD;\n\tx</saml:AttributeValue>');
    expect(xml).not.toContain('Name="empty"');
  });

  it('writes no InResponseTo when none is given', () => {
    const xml = createCanonicalResponseBuilder(key).buildLoginResponse(input());
    expect(xml).not.toContain('InResponseTo');
  });

  it('writes no InResponseTo when it is empty', () => {
    const xml = createCanonicalResponseBuilder(key).buildLoginResponse(input({ inResponseTo: '' }));
    expect(xml).not.toContain('InResponseTo');
  });

  it('sets the validity window from the clock skew and lifetime', () => {
    const xml = createCanonicalResponseBuilder(key).buildLoginResponse(input());
    expect(xml).toContain(
      'NotBefore="2026-06-01T11:59:00.000Z" NotOnOrAfter="2026-06-01T12:05:00.000Z"',
    );
  });

  it('uses a fresh 160-bit ID for each Response and Assertion', () => {
    const builder = createCanonicalResponseBuilder(key);
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      for (const match of builder.buildLoginResponse(input()).matchAll(/ ID="(_[0-9a-f]{40})"/g))
        ids.add(match[1]!);
    }
    expect(ids.size).toBe(100);
  });

  it('detects a NameID changed after signing', () => {
    const xml = createCanonicalResponseBuilder(key)
      .buildLoginResponse(input({ signAssertion: false }))
      .replace('ALICE&amp;co@example.com', 'mallory@example.com');
    const signature = new DOMParser()
      .parseFromString(xml, 'text/xml')
      .getElementsByTagNameNS(dsig, 'Signature')[0]!;
    let valid: boolean;
    try {
      valid = verify(xml, signature);
    } catch {
      valid = false;
    }
    expect(valid).toBe(false);
  });

  it('rejects a value with a character XML forbids', () => {
    const builder = createCanonicalResponseBuilder(key);
    expect(() => builder.buildLoginResponse(input({ nameId: 'a\u0001b' }))).toThrow(
      'A value in the SAML Response contains a character that XML forbids',
    );
  });

  it('builds a signed status Response with both status levels', () => {
    const xml = createCanonicalResponseBuilder(key).buildStatusResponse({
      issuer: 'https://idp.test/saml2/app',
      destination: 'https://sp.test/acs',
      inResponseTo: '_req',
      status: { top: statusCodes.responder, second: statusCodes.noPassive },
      message: 'no session',
      now: new Date(),
    });
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect(root.getElementsByTagNameNS(assertionNs, 'Assertion')).toHaveLength(0);
    expect(xml).toContain(
      `<samlp:StatusCode Value="${statusCodes.responder}"><samlp:StatusCode Value="${statusCodes.noPassive}"></samlp:StatusCode></samlp:StatusCode>`,
    );
    expect(verify(xml, root.getElementsByTagNameNS(dsig, 'Signature')[0]!)).toBe(true);
  });
});
