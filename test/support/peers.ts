import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { bindings, ns } from '../../src/saml/constants.ts';

/**
 * Runs real SAML peers on a Response: xmlsec1 for XML Signature and a pysaml2 service provider.
 * Both are Debian packages that scripts/ensure-peers.sh installs; a missing peer makes these
 * helpers throw, so that a test fails instead of passing without the peer.
 */

const pysaml2SpScript = fileURLToPath(new URL('./pysaml2_sp.py', import.meta.url));

/** Which signature of a Response to verify: the Response's own, or the first Assertion's. */
export type SignatureTarget = 'response' | 'assertion';

const responsePath = `/*[local-name()='Response' and namespace-uri()='${ns.protocol}']`;
const firstAssertionPath = `${responsePath}/*[local-name()='Assertion' and namespace-uri()='${ns.assertion}'][1]`;
const signatureStep = `/*[local-name()='Signature' and namespace-uri()='${ns.dsig}']`;

// xmlsec1 1.2 does not register namespace prefixes for --node-xpath, so the paths match on
// local-name() and namespace-uri().
const signaturePaths: Record<SignatureTarget, string> = {
  response: responsePath + signatureStep,
  assertion: firstAssertionPath + signatureStep,
};

export interface SignatureCheck {
  verified: boolean;
  /** xmlsec1's output, or the reason the signature was rejected before xmlsec1 ran. */
  detail: string;
}

/**
 * Verifies one signature of a Response with `xmlsec1 --verify`, trusting only `certificatePem`.
 *
 * xmlsec1 checks that a signature is valid for whatever its Reference points at, not that it
 * points at the element that contains it. So this helper first requires one Reference whose URI
 * is `#` plus the ID of the enclosing element, as SAML's XML Signature profile requires (pysaml2
 * 7.0 enforces the same). Without that, a signature moved into an injected Assertion (signature
 * wrapping) would still verify here.
 */
export function verifyWithXmlsec(
  xml: string,
  certificatePem: string,
  target: SignatureTarget,
): SignatureCheck {
  const referenceProblem = checkEnvelopedReference(xml, signaturePaths[target]);
  if (referenceProblem) return { verified: false, detail: referenceProblem };

  return withTemporaryFiles({ 'response.xml': xml, 'idp.pem': certificatePem }, (files) => {
    const result = spawnSync(
      'xmlsec1',
      [
        '--verify',
        '--pubkey-cert-pem',
        files['idp.pem'],
        '--id-attr:ID',
        `${ns.protocol}:Response`,
        '--id-attr:ID',
        `${ns.assertion}:Assertion`,
        '--node-xpath',
        signaturePaths[target],
        files['response.xml'],
      ],
      { encoding: 'utf8' },
    );
    if (result.error) {
      throw new Error(
        `xmlsec1 failed to start (${result.error.message}): run scripts/ensure-peers.sh`,
      );
    }
    return { verified: result.status === 0, detail: result.stdout + result.stderr };
  });
}

/** Returns why the signature at `signaturePath` does not sign its parent element, or undefined. */
function checkEnvelopedReference(xml: string, signaturePath: string): string | undefined {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const signature = xpath.select1(signaturePath, document as unknown as Node);
  if (!isElement(signature)) return `no Signature element at ${signaturePath}`;

  const references = xpath.select(
    `./*[local-name()='SignedInfo']/*[local-name()='Reference']`,
    signature,
  ) as Element[];
  if (references.length !== 1) {
    return `Signature has ${references.length} Reference elements; SAML allows exactly one`;
  }

  const uri = references[0].getAttribute('URI');
  const parentId = (signature.parentNode as Element).getAttribute('ID');
  if (!parentId || uri !== `#${parentId}`) {
    return `Signature Reference URI "${uri}" is not "#" + the signed element's ID "${parentId}"`;
  }
  return undefined;
}

function isElement(node: unknown): node is Element {
  return typeof node === 'object' && node !== null && (node as Node).nodeType === 1;
}

export interface IdpMetadataInput {
  entityId: string;
  ssoUrl: string;
  certificatePem: string;
}

/**
 * Writes minimal SAML 2.0 IdP metadata: an EntityDescriptor with one IDPSSODescriptor holding the
 * signing certificate and a SingleSignOnService for HTTP-Redirect. The values are test constants
 * and are not escaped.
 */
export function buildIdpMetadataXml(input: IdpMetadataInput): string {
  const certificateBase64 = input.certificatePem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  return (
    `<md:EntityDescriptor xmlns:md="${ns.metadata}" xmlns:ds="${ns.dsig}" entityID="${input.entityId}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="${ns.protocol}">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>` +
    `<ds:X509Certificate>${certificateBase64}</ds:X509Certificate>` +
    `</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:SingleSignOnService Binding="${bindings.redirect}" Location="${input.ssoUrl}"/>` +
    `</md:IDPSSODescriptor></md:EntityDescriptor>`
  );
}

export interface Pysaml2SpOptions {
  /** SP entity ID, which pysaml2 requires as the Audience. */
  entityId: string;
  /** ACS URL, which pysaml2 requires as Destination and Recipient. */
  acsUrl: string;
  idpMetadataXml: string;
  /** IDs of AuthnRequests the SP sent. A Response to any other ID is rejected. */
  outstandingRequestIds?: string[];
  /** Accept a Response without InResponseTo (IdP-initiated SSO). */
  allowUnsolicited?: boolean;
  wantResponseSigned?: boolean;
  wantAssertionsSigned?: boolean;
}

/** What the pysaml2 SP took from a Response it accepted. */
export interface Pysaml2Identity {
  issuer: string;
  nameId: string;
  nameIdFormat: string;
  inResponseTo: string | null;
  attributes: Record<string, string[]>;
}

export type Pysaml2Result =
  { accepted: true; identity: Pysaml2Identity } | { accepted: false; error: string };

/**
 * Runs the pysaml2 SP of pysaml2_sp.py on a Response, as if posted to its ACS, and returns what it
 * accepted or the reason it rejected the Response (the first line names pysaml2's exception).
 */
export function consumeWithPysaml2(responseXml: string, options: Pysaml2SpOptions): Pysaml2Result {
  return withTemporaryFiles({ 'idp-metadata.xml': options.idpMetadataXml }, (files) => {
    const result = runPysaml2Sp(
      pysaml2Arguments(options, files['idp-metadata.xml']),
      Buffer.from(responseXml, 'utf8').toString('base64'),
    );

    if (result.status === 0) {
      return { accepted: true, identity: JSON.parse(result.stdout) as Pysaml2Identity };
    }
    if (result.status === 1) {
      return { accepted: false, error: result.stderr.trim() };
    }
    throw new Error(`pysaml2_sp.py exited with status ${result.status}:\n${result.stderr}`);
  });
}

export interface Pysaml2RequestOptions {
  entityId: string;
  /** ACS URL that the request names for the Response. */
  acsUrl: string;
  /** The IdP's metadata; pysaml2 takes the SSO URL of the binding from it. */
  idpMetadataXml: string;
  binding: 'redirect' | 'post';
  relayState?: string;
  /** The SP's key pair. With it, pysaml2 signs the request with RSA-SHA256. */
  signing?: { keyPem: string; certificatePem: string };
}

/** An AuthnRequest as the pysaml2 SP sends it. */
export interface Pysaml2Request {
  id: string;
  binding: 'redirect' | 'post';
  /** Where the browser goes: for HTTP-Redirect, the SSO URL with the request in its query. */
  url: string;
  /** For HTTP-POST, the fields of pysaml2's form: SAMLRequest, and RelayState when given. */
  fields?: Record<string, string>;
}

/**
 * Has the pysaml2 SP of pysaml2_sp.py create an AuthnRequest to the IdP that `idpMetadataXml`
 * describes, and returns it as pysaml2 would send it, with its ID. Throws if pysaml2 fails.
 */
export function createRequestWithPysaml2(options: Pysaml2RequestOptions): Pysaml2Request {
  const files: Record<string, string> = { 'idp-metadata.xml': options.idpMetadataXml };
  if (options.signing) {
    files['sp-key.pem'] = options.signing.keyPem;
    files['sp-cert.pem'] = options.signing.certificatePem;
  }

  return withTemporaryFiles(files, (paths) => {
    const args = [
      ...pysaml2Arguments(options, paths['idp-metadata.xml']),
      '--create-request',
      options.binding,
      '--relay-state',
      options.relayState ?? '',
    ];
    if (options.signing)
      args.push('--key-file', paths['sp-key.pem'], '--cert-file', paths['sp-cert.pem']);

    const result = runPysaml2Sp(args);
    if (result.status !== 0) {
      throw new Error(`pysaml2_sp.py exited with status ${result.status}:\n${result.stderr}`);
    }
    return JSON.parse(result.stdout) as Pysaml2Request;
  });
}

/** Runs pysaml2_sp.py with Debian's Python, where python3-pysaml2 is installed. */
function runPysaml2Sp(args: string[], input = '') {
  const result = spawnSync('/usr/bin/python3', [pysaml2SpScript, ...args], {
    input,
    encoding: 'utf8',
  });
  if (result.error) {
    throw new Error(
      `/usr/bin/python3 failed to start (${result.error.message}): run scripts/ensure-peers.sh`,
    );
  }
  if (result.stderr.includes("No module named 'saml2'")) {
    throw new Error('pysaml2 is not installed: run scripts/ensure-peers.sh');
  }
  return result;
}

function pysaml2Arguments(
  options: Pick<Pysaml2SpOptions, 'entityId' | 'acsUrl'> & Partial<Pysaml2SpOptions>,
  metadataPath: string,
): string[] {
  const args = [
    '--entity-id',
    options.entityId,
    '--acs-url',
    options.acsUrl,
    '--idp-metadata',
    metadataPath,
  ];
  for (const id of options.outstandingRequestIds ?? []) args.push('--outstanding', id);
  if (options.allowUnsolicited) args.push('--allow-unsolicited');
  if (options.wantResponseSigned) args.push('--want-response-signed');
  if (options.wantAssertionsSigned) args.push('--want-assertions-signed');
  return args;
}

/** Writes `contents` (file name to text) into a new temporary directory while `use` runs. */
function withTemporaryFiles<T>(
  contents: Record<string, string>,
  use: (paths: Record<string, string>) => T,
): T {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-peer-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(contents)) {
      paths[name] = path.join(directory, name);
      fs.writeFileSync(paths[name], text);
    }
    return use(paths);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
