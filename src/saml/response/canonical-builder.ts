import {
  authnContextPasswordProtectedTransport,
  ns,
  statusCodes,
  subjectConfirmationBearer,
} from '../constants.ts';
import type { SigningKey } from '../keys.ts';
import type { LoginResponseInput, ResponseBuilder } from './builder.ts';
import { envelopedSignatureXml } from './signature.ts';
import { attributes as attributesOf, element, escapeText, newId, samlTime } from './xml.ts';

const samlpDeclaration = ` xmlns:samlp="${ns.protocol}"`;
const samlDeclaration = ` xmlns:saml="${ns.assertion}"`;

/**
 * Writes Responses directly in exclusive canonical form, so each signature costs one SHA-256
 * digest and one RSA signature, with no XML parsing or canonicalization pass.
 *
 * - Namespace declarations sit on the first element that uses each prefix, which is where
 *   exclusive canonicalization puts them. So the written text is its own canonical form.
 * - Attributes are written sorted, elements never self-closed, text escaped as c14n escapes it.
 * - The Assertion is signed first, so a Response signature also covers the Assertion signature.
 */
export function createCanonicalResponseBuilder(key: SigningKey): ResponseBuilder {
  const sign = (canonical: string, id: string) =>
    envelopedSignatureXml(canonical, id, key.privateKey, key.certificateBase64);

  return {
    buildLoginResponse(input) {
      const assertion = buildAssertion(input, input.signAssertion ? sign : undefined);
      const status = element(
        'samlp:Status',
        {},
        element('samlp:StatusCode', { Value: statusCodes.success }),
      );
      return buildResponse(input, status + assertion, input.signResponse ? sign : undefined);
    },

    buildStatusResponse(input) {
      const secondLevel = input.status.second
        ? element('samlp:StatusCode', { Value: input.status.second })
        : '';
      const status = element(
        'samlp:Status',
        {},
        element('samlp:StatusCode', { Value: input.status.top }, secondLevel) +
          (input.message ? element('samlp:StatusMessage', {}, escapeText(input.message)) : ''),
      );
      return buildResponse(input, status, sign);
    },
  };
}

type Signer = (canonical: string, id: string) => string;

interface ResponseEnvelope {
  issuer: string;
  destination: string;
  inResponseTo?: string;
  now: Date;
}

function buildResponse(envelope: ResponseEnvelope, body: string, sign?: Signer): string {
  const id = newId();
  const start =
    `<samlp:Response${samlpDeclaration}` +
    attributesOf({
      Destination: envelope.destination,
      ID: id,
      // An empty InResponseTo is schema-invalid (xs:NCName), so it is left out like an absent one.
      InResponseTo: envelope.inResponseTo || undefined,
      IssueInstant: samlTime(envelope.now),
      Version: '2.0',
    }) +
    '>' +
    element('saml:Issuer', {}, escapeText(envelope.issuer), samlDeclaration);
  const end = body + '</samlp:Response>';

  if (!sign) return start + end;
  return start + sign(start + end, id) + end;
}

function buildAssertion(input: LoginResponseInput, sign?: Signer): string {
  const id = newId();
  const now = input.now.getTime();
  const notBefore = samlTime(new Date(now - input.clockSkewSeconds * 1000));
  const notOnOrAfter = samlTime(new Date(now + input.ttlSeconds * 1000));

  const start =
    `<saml:Assertion${samlDeclaration}` +
    attributesOf({ ID: id, IssueInstant: samlTime(input.now), Version: '2.0' }) +
    '>' +
    element('saml:Issuer', {}, escapeText(input.issuer));

  const subject = element(
    'saml:Subject',
    {},
    element('saml:NameID', { Format: input.nameIdFormat }, escapeText(input.nameId)) +
      element(
        'saml:SubjectConfirmation',
        { Method: subjectConfirmationBearer },
        element('saml:SubjectConfirmationData', {
          InResponseTo: input.inResponseTo || undefined,
          NotOnOrAfter: notOnOrAfter,
          Recipient: input.destination,
        }),
      ),
  );

  const conditions = element(
    'saml:Conditions',
    { NotBefore: notBefore, NotOnOrAfter: notOnOrAfter },
    element(
      'saml:AudienceRestriction',
      {},
      element('saml:Audience', {}, escapeText(input.audience)),
    ),
  );

  const authnStatement = element(
    'saml:AuthnStatement',
    { AuthnInstant: samlTime(input.authnInstant), SessionIndex: input.sessionIndex },
    element(
      'saml:AuthnContext',
      {},
      element('saml:AuthnContextClassRef', {}, authnContextPasswordProtectedTransport),
    ),
  );

  const end =
    subject + conditions + authnStatement + attributeStatement(input) + '</saml:Assertion>';
  if (!sign) return start + end;
  return start + sign(start + end, id) + end;
}

function attributeStatement(input: LoginResponseInput): string {
  const attributes = input.attributes
    .filter((attribute) => attribute.values.length > 0)
    .map((attribute) =>
      element(
        'saml:Attribute',
        { Name: attribute.name, NameFormat: attribute.nameFormat },
        attribute.values
          .map((value) => element('saml:AttributeValue', {}, escapeText(value)))
          .join(''),
      ),
    );
  return attributes.length === 0 ? '' : element('saml:AttributeStatement', {}, attributes.join(''));
}
