import { SAML, SamlStatusError, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeNameFormats, nameIdFormats, statusCodes } from '../../src/saml/constants.ts';
import { generateSelfSigned, parseSigningKey } from '../../src/saml/keys.ts';
import type {
  AssertionAttribute,
  LoginResponseInput,
  ResponseBuilder,
} from '../../src/saml/response/builder.ts';
import { createCanonicalResponseBuilder } from '../../src/saml/response/canonical-builder.ts';
import {
  buildIdpMetadataXml,
  consumeWithPysaml2,
  verifyWithXmlsec,
  type Pysaml2SpOptions,
  type SignatureTarget,
} from '../support/peers.ts';
import { validateAgainstSamlSchema } from '../support/xsd.ts';

/**
 * Responses from the canonical builder, checked by independent SAML implementations: the OASIS
 * XSD through xmllint, XML Signature through xmlsec1, and two service providers (node-saml and
 * pysaml2). Then the same peers must reject tampered Responses.
 */

const idpEntityId = 'https://sesame.test/saml/metadata';
const idpSsoUrl = 'https://sesame.test/saml2/app';
const spEntityId = 'https://sp.test/saml/metadata';
// The query's & must be escaped in Destination and Recipient.
const acsUrl = 'https://sp.test/saml/acs?org=42&env=prod';
const requestId = '_request-4f1c2e';

// Every character that XML escapes, characters outside ASCII (one outside the BMP), and the
// white space that canonicalization treats specially (a carriage return must reach the SP as one).
const nameId = `o'brien+"r&d"<ops>@exämple.test`;
const emailClaim = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const groups = ['R&D', 'Ops <EU> > "all"', '開発 🚀', 'tab\tand\nnewline', 'carriage\r\nreturn'];
const attributes: AssertionAttribute[] = [
  { name: 'email', nameFormat: attributeNameFormats.basic, values: [nameId] },
  { name: emailClaim, nameFormat: attributeNameFormats.uri, values: [nameId] },
  {
    name: 'displayName',
    nameFormat: attributeNameFormats.basic,
    values: [`Zoë "Z" O'Brien & <Ops>`],
  },
  {
    name: 'groups',
    nameFormat: attributeNameFormats.basic,
    values: groups,
  },
];

const signingModes = [
  { name: 'Response signed', signResponse: true, signAssertion: false },
  { name: 'Assertion signed', signResponse: false, signAssertion: true },
  { name: 'Response and Assertion signed', signResponse: true, signAssertion: true },
] as const;

type SigningMode = (typeof signingModes)[number];

const solicitations = [
  { name: 'solicited', inResponseTo: requestId },
  { name: 'unsolicited', inResponseTo: undefined },
] as const;

let builder: ResponseBuilder;
let certificatePem: string;
let otherKeyBuilder: ResponseBuilder;
let idpMetadataXml: string;

beforeAll(() => {
  const generated = generateSelfSigned({ bits: 2048, validityDays: 2, commonName: 'sesame.test' });
  const key = parseSigningKey(generated.keyPem, generated.certificatePem);
  builder = createCanonicalResponseBuilder(key);
  certificatePem = key.certificatePem;
  idpMetadataXml = buildIdpMetadataXml({
    entityId: idpEntityId,
    ssoUrl: idpSsoUrl,
    certificatePem,
  });

  const other = generateSelfSigned({ bits: 2048, validityDays: 2, commonName: 'sesame.test' });
  otherKeyBuilder = createCanonicalResponseBuilder(
    parseSigningKey(other.keyPem, other.certificatePem),
  );
});

function loginInput(
  mode: SigningMode,
  overrides: Partial<LoginResponseInput> = {},
): LoginResponseInput {
  const now = new Date();
  return {
    issuer: idpEntityId,
    destination: acsUrl,
    audience: spEntityId,
    nameId,
    nameIdFormat: nameIdFormats.emailAddress,
    sessionIndex: '_session-81d0',
    authnInstant: new Date(now.getTime() - 5_000),
    now,
    clockSkewSeconds: 60,
    ttlSeconds: 300,
    attributes,
    signResponse: mode.signResponse,
    signAssertion: mode.signAssertion,
    ...overrides,
  };
}

function signatureTargets(mode: SigningMode): SignatureTarget[] {
  const targets: SignatureTarget[] = [];
  if (mode.signResponse) targets.push('response');
  if (mode.signAssertion) targets.push('assertion');
  return targets;
}

/** Creates a node-saml SP whose signature requirements match the signing mode. */
async function nodeSamlSp(mode: SigningMode, inResponseTo?: string): Promise<SAML> {
  const saml = new SAML({
    idpCert: certificatePem,
    issuer: spEntityId,
    callbackUrl: acsUrl,
    audience: spEntityId,
    // NOTE: node-saml 5.1 compares idpIssuer only on logout messages, so the tests compare the
    // profile's issuer themselves.
    idpIssuer: idpEntityId,
    wantAuthnResponseSigned: mode.signResponse,
    wantAssertionsSigned: mode.signAssertion,
    validateInResponseTo: inResponseTo ? ValidateInResponseTo.always : ValidateInResponseTo.never,
  });
  // node-saml accepts an InResponseTo only for a request ID in its cache, as if it had sent it.
  if (inResponseTo) await saml.cacheProvider.saveAsync(inResponseTo, new Date().toISOString());
  return saml;
}

function postToNodeSaml(saml: SAML, xml: string) {
  return saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') });
}

function pysaml2Options(mode: SigningMode, inResponseTo?: string): Pysaml2SpOptions {
  return {
    entityId: spEntityId,
    acsUrl,
    idpMetadataXml,
    outstandingRequestIds: inResponseTo ? [inResponseTo] : [],
    allowUnsolicited: !inResponseTo,
    wantResponseSigned: mode.signResponse,
    wantAssertionsSigned: mode.signAssertion,
  };
}

// The NameID as the builder writes it, escaped for text content.
const nameIdOnTheWire = `o'brien+"r&amp;d"&lt;ops&gt;@exämple.test`;
const otherSpEntityId = 'https://other-sp.test/saml/metadata';

/** Replaces exactly one occurrence, so that a tampering step cannot silently change nothing. */
function replaceOnce(xml: string, search: string, replacement: string): string {
  const parts = xml.split(search);
  if (parts.length !== 2) {
    throw new Error(`expected one occurrence of ${search}, found ${parts.length - 1}`);
  }
  return parts.join(replacement);
}

function extractOne(xml: string, pattern: RegExp): string {
  const matches = xml.match(new RegExp(pattern.source, 'g')) ?? [];
  if (matches.length !== 1) {
    throw new Error(`expected one match of ${pattern.source}, found ${matches.length}`);
  }
  return matches[0] as string;
}

const assertionPattern = /<saml:Assertion [\s\S]*<\/saml:Assertion>/;
const signaturePattern = /<ds:Signature [\s\S]*?<\/ds:Signature>/;

function changeNameId(xml: string): string {
  return replaceOnce(xml, `>${nameIdOnTheWire}</saml:NameID>`, '>mallory@evil.test</saml:NameID>');
}

/** Copies the Assertion with a new ID and another subject, keeping or dropping its signature. */
function forgeAssertion(assertion: string, keepSignature: boolean): string {
  const signature = signaturePattern.exec(assertion)?.[0];
  const unsigned = signature && !keepSignature ? assertion.replace(signature, '') : assertion;
  // The first ` ID="` in an Assertion is its own: a Reference carries its ID in `URI="#..."`.
  return changeNameId(unsigned.replace(/ ID="[^"]+"/, ' ID="_injected"'));
}

interface TamperingCase {
  name: string;
  modes: readonly SigningMode[];
  build: (mode: SigningMode) => string;
  /**
   * What node-saml and pysaml2 report when only the Assertion is signed. With a Response
   * signature, both stop at that signature first: "Invalid document signature" and SignatureError.
   */
  assertionSignedErrors: { nodeSaml: string; pysaml2: string };
}

const signatureErrors = { nodeSaml: 'Invalid signature', pysaml2: 'SignatureError' };
const multipleAssertionErrors = {
  nodeSaml: 'Invalid signature: multiple assertions',
  pysaml2: 'InvalidAssertion',
};

const assertionSignedOnly = signingModes.filter((mode) => !mode.signResponse);

/**
 * Responses that a service provider must reject. Each one would pass every check except the
 * signature: the forged subject or audience is one the SP would otherwise accept.
 */
const tamperingCases: TamperingCase[] = [
  {
    name: 'nameid-changed',
    modes: signingModes,
    build: (mode) => changeNameId(builder.buildLoginResponse(loginInput(mode))),
    assertionSignedErrors: signatureErrors,
  },
  {
    name: 'audience-changed',
    modes: signingModes,
    build: (mode) =>
      replaceOnce(
        builder.buildLoginResponse(loginInput(mode, { audience: otherSpEntityId })),
        `<saml:Audience>${otherSpEntityId}</saml:Audience>`,
        `<saml:Audience>${spEntityId}</saml:Audience>`,
      ),
    assertionSignedErrors: signatureErrors,
  },
  {
    // An unsigned Assertion for another user, placed first, where a naive SP reads it.
    name: 'assertion-injected',
    modes: signingModes,
    build: (mode) => {
      const xml = builder.buildLoginResponse(loginInput(mode));
      const assertion = extractOne(xml, assertionPattern);
      return replaceOnce(xml, assertion, forgeAssertion(assertion, false) + assertion);
    },
    assertionSignedErrors: multipleAssertionErrors,
  },
  {
    // The genuine signature moved into the injected Assertion still verifies cryptographically,
    // because its Reference points at the genuine Assertion by ID.
    name: 'signature-moved-to-injected-assertion',
    modes: assertionSignedOnly,
    build: (mode) => {
      const xml = builder.buildLoginResponse(loginInput(mode));
      const assertion = extractOne(xml, assertionPattern);
      const signature = extractOne(assertion, signaturePattern);
      const forged = forgeAssertion(assertion, true);
      return replaceOnce(xml, assertion, forged + assertion.replace(signature, ''));
    },
    assertionSignedErrors: multipleAssertionErrors,
  },
  {
    // The only top-level Assertion is the forged one; the genuine one hides inside its Advice.
    name: 'genuine-assertion-wrapped-in-advice',
    modes: assertionSignedOnly,
    build: (mode) => {
      const xml = builder.buildLoginResponse(loginInput(mode));
      const assertion = extractOne(xml, assertionPattern);
      const signature = extractOne(assertion, signaturePattern);
      const advice = `<saml:Advice>${assertion.replace(signature, '')}</saml:Advice>`;
      const forged = replaceOnce(
        forgeAssertion(assertion, true),
        '</saml:Conditions>',
        '</saml:Conditions>' + advice,
      );
      return replaceOnce(xml, assertion, forged);
    },
    assertionSignedErrors: {
      nodeSaml: "Invalid signature: Referenced node does not refer to it's parent element",
      pysaml2: 'SignatureError',
    },
  },
  {
    name: 'signed-by-another-key',
    modes: signingModes,
    build: (mode) => otherKeyBuilder.buildLoginResponse(loginInput(mode)),
    assertionSignedErrors: signatureErrors,
  },
];

describe('canonical Response with real SAML peers', { timeout: 30_000 }, () => {
  for (const mode of signingModes) {
    for (const solicitation of solicitations) {
      describe(`${mode.name}, ${solicitation.name}`, () => {
        let xml: string;

        beforeAll(() => {
          xml = builder.buildLoginResponse(
            loginInput(mode, { inResponseTo: solicitation.inResponseTo }),
          );
        });

        it('validates against the SAML protocol schema', () => {
          expect(validateAgainstSamlSchema(xml)).toEqual({ valid: true, errors: [] });
        });

        it('carries InResponseTo only when solicited', () => {
          const values = [...xml.matchAll(/ InResponseTo="([^"]*)"/g)].map((match) => match[1]);

          if (solicitation.inResponseTo) {
            // One on the Response, one on SubjectConfirmationData.
            expect(values).toEqual([requestId, requestId]);
          } else {
            expect(xml).not.toContain('InResponseTo');
          }
        });

        it('verifies with xmlsec1', () => {
          for (const target of signatureTargets(mode)) {
            const check = verifyWithXmlsec(xml, certificatePem, target);
            expect(check.verified, `${target} signature: ${check.detail}`).toBe(true);
          }
        });

        it('signs nothing beyond the signing mode', () => {
          const unsigned = (['response', 'assertion'] as const).filter(
            (target) => !signatureTargets(mode).includes(target),
          );
          for (const target of unsigned) {
            expect(verifyWithXmlsec(xml, certificatePem, target).detail).toMatch(
              /^no Signature element/,
            );
          }
        });

        it('is accepted by node-saml with the exact subject', async () => {
          const saml = await nodeSamlSp(mode, solicitation.inResponseTo);
          const { profile } = await postToNodeSaml(saml, xml);

          expect(profile).not.toBeNull();
          const accepted = profile as Profile;
          expect(accepted.issuer).toBe(idpEntityId);
          expect(accepted.nameID).toBe(nameId);
          expect(accepted.nameIDFormat).toBe(nameIdFormats.emailAddress);
          expect(accepted.sessionIndex).toBe('_session-81d0');
          expect(accepted.inResponseTo).toBe(solicitation.inResponseTo);
          expect(accepted.attributes).toEqual({
            email: nameId,
            [emailClaim]: nameId,
            displayName: `Zoë "Z" O'Brien & <Ops>`,
            groups,
          });
        });

        it('is accepted by pysaml2 with the exact subject', () => {
          const result = consumeWithPysaml2(xml, pysaml2Options(mode, solicitation.inResponseTo));

          expect(result).toEqual({
            accepted: true,
            identity: {
              issuer: idpEntityId,
              nameId,
              nameIdFormat: nameIdFormats.emailAddress,
              inResponseTo: solicitation.inResponseTo ?? null,
              attributes: Object.fromEntries(attributes.map((a) => [a.name, a.values])),
            },
          });
        });
      });
    }
  }

  describe('tampered Responses', () => {
    for (const tampering of tamperingCases) {
      for (const mode of tampering.modes) {
        describe(`${tampering.name}, ${mode.name}`, () => {
          let xml: string;

          beforeAll(() => {
            xml = tampering.build(mode);
          });

          it('fails xmlsec1 verification', () => {
            for (const target of signatureTargets(mode)) {
              const check = verifyWithXmlsec(xml, certificatePem, target);
              expect(check.verified, `${target} signature: ${check.detail}`).toBe(false);
            }
          });

          it('is rejected by node-saml', async () => {
            const saml = await nodeSamlSp(mode);
            const expected = mode.signResponse
              ? 'Invalid document signature'
              : tampering.assertionSignedErrors.nodeSaml;

            await expect(postToNodeSaml(saml, xml)).rejects.toMatchObject({ message: expected });
          });

          it('is rejected by pysaml2', () => {
            const result = consumeWithPysaml2(xml, pysaml2Options(mode));
            const expected = mode.signResponse
              ? 'SignatureError'
              : tampering.assertionSignedErrors.pysaml2;

            expect(result.accepted).toBe(false);
            expect(result.accepted ? '' : result.error).toMatch(
              new RegExp(`^pysaml2 rejected the Response: ${expected}:`),
            );
          });
        });
      }
    }
  });

  describe('status Response', () => {
    const deniedMessage = `Zoë may not use "R&D" <tools> & more`;
    let denied: string;
    let unsolicitedFailure: string;

    beforeAll(() => {
      denied = builder.buildStatusResponse({
        issuer: idpEntityId,
        destination: acsUrl,
        inResponseTo: requestId,
        status: { top: statusCodes.requester, second: statusCodes.requestDenied },
        message: deniedMessage,
        now: new Date(),
      });
      unsolicitedFailure = builder.buildStatusResponse({
        issuer: idpEntityId,
        destination: acsUrl,
        status: { top: statusCodes.responder },
        now: new Date(),
      });
    });

    it('validates against the SAML protocol schema', () => {
      expect(validateAgainstSamlSchema(denied)).toEqual({ valid: true, errors: [] });
      expect(validateAgainstSamlSchema(unsolicitedFailure)).toEqual({ valid: true, errors: [] });
    });

    it('verifies with xmlsec1', () => {
      for (const xml of [denied, unsolicitedFailure]) {
        const check = verifyWithXmlsec(xml, certificatePem, 'response');
        expect(check.verified, check.detail).toBe(true);
      }
    });

    it('carries InResponseTo only when solicited', () => {
      expect(denied).toContain(` InResponseTo="${requestId}"`);
      expect(unsolicitedFailure).not.toContain('InResponseTo');
    });

    it('is reported by node-saml with its status and message', async () => {
      const saml = await nodeSamlSp(signingModes[0], requestId);

      await expect(postToNodeSaml(saml, denied)).rejects.toMatchObject({
        constructor: SamlStatusError,
        message: `SAML provider returned Requester error: ${deniedMessage}`,
      });
    });

    it('is reported by pysaml2 with its second-level status', () => {
      const result = consumeWithPysaml2(denied, pysaml2Options(signingModes[0], requestId));

      expect(result.accepted).toBe(false);
      expect(result.accepted ? '' : result.error).toMatch(
        /^pysaml2 rejected the Response: StatusRequestDenied: /,
      );
    });
  });

  it('pysaml2 metadata validates against the metadata schema', () => {
    expect(validateAgainstSamlSchema(idpMetadataXml, 'metadata')).toEqual({
      valid: true,
      errors: [],
    });
  });

  it('schema check rejects a Response without Version', () => {
    const xml = builder.buildLoginResponse(loginInput(signingModes[0]));
    // The Response's Issuer is the one that declares the saml prefix.
    const responseVersion = ' Version="2.0"><saml:Issuer xmlns:saml=';
    const result = validateAgainstSamlSchema(
      replaceOnce(xml, responseVersion, '><saml:Issuer xmlns:saml='),
    );

    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toContain(
      "protocol}Response': The attribute 'Version' is required but missing",
    );
  });

  it('pysaml2 rejects an unsolicited Response unless allowed', () => {
    const mode = signingModes[0];
    const xml = builder.buildLoginResponse(loginInput(mode));
    const result = consumeWithPysaml2(xml, { ...pysaml2Options(mode), allowUnsolicited: false });

    expect(result.accepted).toBe(false);
    expect(result.accepted ? '' : result.error).toContain('UnsolicitedResponse');
  });
});
