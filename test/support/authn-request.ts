import { randomBytes, sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';

export interface AuthnRequestOptions {
  id?: string;
  issueInstant?: Date | string;
  /** null leaves the Issuer out. */
  issuer?: string | null;
  destination?: string;
  acsUrl?: string;
  acsIndex?: string;
  protocolBinding?: string;
  forceAuthn?: string;
  isPassive?: string;
  nameIdFormat?: string;
  /** Raw XML inserted before the root element, such as a DOCTYPE. */
  prolog?: string;
  /** Raw XML appended inside the root element. */
  extra?: string;
}

const protocol = 'urn:oasis:names:tc:SAML:2.0:protocol';
const assertion = 'urn:oasis:names:tc:SAML:2.0:assertion';

/** Writes an AuthnRequest the way an SP such as Databricks would, with overridable parts. */
export function authnRequestXml(options: AuthnRequestOptions = {}): string {
  const attributes: Record<string, string | undefined> = {
    ID: options.id ?? '_' + randomBytes(16).toString('hex'),
    Version: '2.0',
    IssueInstant:
      typeof options.issueInstant === 'string'
        ? options.issueInstant
        : (options.issueInstant ?? new Date()).toISOString(),
    Destination: options.destination,
    AssertionConsumerServiceURL: options.acsUrl,
    AssertionConsumerServiceIndex: options.acsIndex,
    ProtocolBinding: options.protocolBinding,
    ForceAuthn: options.forceAuthn,
    IsPassive: options.isPassive,
  };
  const written = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${value}"`)
    .join('');
  const issuer =
    options.issuer === null
      ? ''
      : `<saml:Issuer>${options.issuer ?? 'https://sp.example'}</saml:Issuer>`;
  const policy = options.nameIdFormat
    ? `<samlp:NameIDPolicy Format="${options.nameIdFormat}" AllowCreate="true"/>`
    : '';

  return (
    (options.prolog ?? '') +
    `<samlp:AuthnRequest xmlns:samlp="${protocol}" xmlns:saml="${assertion}"${written}>` +
    issuer +
    policy +
    (options.extra ?? '') +
    '</samlp:AuthnRequest>'
  );
}

export const rsaSha256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const rsaSha1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

/**
 * Encodes an AuthnRequest for the HTTP-Redirect binding, signing the query when a key is given
 * (SAML Bindings 3.4.4.1). Returns the query string without the leading `?`.
 */
export function redirectQuery(
  xml: string,
  options: { relayState?: string; keyPem?: string; sigAlg?: string } = {},
): string {
  let query =
    'SAMLRequest=' + encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString('base64'));
  if (options.relayState !== undefined)
    query += '&RelayState=' + encodeURIComponent(options.relayState);
  if (!options.keyPem) return query;

  const sigAlg = options.sigAlg ?? rsaSha256;
  query += '&SigAlg=' + encodeURIComponent(sigAlg);
  const hash = sigAlg === rsaSha1 ? 'sha1' : 'sha256';
  const signature = sign(hash, Buffer.from(query), options.keyPem).toString('base64');
  return query + '&Signature=' + encodeURIComponent(signature);
}

/** Signs an AuthnRequest with an enveloped XML Signature placed after the Issuer. */
export function signAuthnRequest(xml: string, keyPem: string, certPem: string): string {
  const signer = new SignedXml({
    privateKey: keyPem,
    publicCert: certPem,
    signatureAlgorithm: rsaSha256,
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  signer.addReference({
    xpath: "/*[local-name(.)='AuthnRequest']",
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' },
  });
  return signer.getSignedXml();
}

/** Encodes an AuthnRequest for the HTTP-POST binding. */
export function postValue(xml: string): string {
  return Buffer.from(xml).toString('base64');
}
