import { createPublicKey, verify } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { SamlError } from '../../../errors.ts';
import { digestAlgorithms, ns, signatureAlgorithms, statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';
import { child } from '../parse.ts';

/**
 * - A signature is verified only with the certificate stored for the application, never one
 *   carried in the request, so an attacker cannot sign with a key of their own.
 * - With no certificate stored, a signature is ignored and the request treated as unsigned.
 * - With signed requests required, an unsigned request is rejected.
 * - Only RSA with SHA-256 or stronger is accepted; there is no fallback to SHA-1.
 */
export function checkSignature(context: IntakeContext): void {
  const { application } = context;
  const certificate = application.spCertificate;

  if (!certificate) {
    context.signed = false;
    return;
  }

  context.signed =
    context.binding === 'redirect'
      ? verifyRedirectSignature(context, certificate)
      : verifyPostSignature(context, certificate);

  if (!context.signed && application.requireSignedRequests) {
    throw invalidSignature(
      `Application "${application.slug}" requires signed AuthnRequests, and this one is unsigned`,
    );
  }
}

function invalidSignature(message: string): SamlError {
  return new SamlError('saml_signature_invalid', message, {
    top: statusCodes.requester,
    second: statusCodes.requestDenied,
  });
}

/**
 * Verifies the HTTP-Redirect signature over the exact query octets
 * `SAMLRequest=..&RelayState=..&SigAlg=..`, as received (SAML Bindings 3.4.4.1).
 */
function verifyRedirectSignature(context: IntakeContext, certificate: string): boolean {
  const raw = rawParameters(context.rawQuery ?? '');
  if (raw.Signature === undefined && raw.SigAlg === undefined) return false;
  if (raw.Signature === undefined || raw.SigAlg === undefined || raw.SAMLRequest === undefined) {
    throw invalidSignature(
      'A signed HTTP-Redirect request needs SAMLRequest, SigAlg and Signature',
    );
  }

  const sigAlg = decodeParameter(raw.SigAlg, 'SigAlg');
  const algorithm = signatureAlgorithms[sigAlg as keyof typeof signatureAlgorithms];
  if (!algorithm)
    throw invalidSignature(`SigAlg "${sigAlg}" is not supported; use RSA-SHA256 or stronger`);

  const signedOctets =
    `SAMLRequest=${raw.SAMLRequest}` +
    (raw.RelayState !== undefined ? `&RelayState=${raw.RelayState}` : '') +
    `&SigAlg=${raw.SigAlg}`;
  const signature = Buffer.from(decodeParameter(raw.Signature, 'Signature'), 'base64');
  const valid = verify(
    algorithm,
    Buffer.from(signedOctets),
    createPublicKey(certificate),
    signature,
  );

  if (!valid)
    throw invalidSignature('AuthnRequest signature does not verify with the SP certificate');
  return true;
}

function decodeParameter(value: string, name: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw invalidSignature(`Query parameter ${name} is not valid URL encoding`);
  }
}

function rawParameters(query: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at);
    if (name in parameters)
      throw invalidSignature(`Query parameter ${name} appears more than once`);
    parameters[name] = pair.slice(at + 1);
  }
  return parameters;
}

/**
 * Verifies an enveloped XML Signature on the AuthnRequest root. The single Reference must point
 * at the root by its ID, and that ID must be unique, which rules out signature wrapping: the
 * fields Sesame reads all come from the element that was signed.
 */
function verifyPostSignature(context: IntakeContext, certificate: string): boolean {
  const { root, xml, id } = context.request;
  const signature = child(root, ns.dsig, 'Signature');
  if (!signature) return false;

  checkAlgorithms(signature);
  if (countElementsWithId(root, id) !== 1)
    throw invalidSignature(`AuthnRequest ID "${id}" is not unique in the document`);

  const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
  // xmldom's Element type differs from the DOM lib's Node that xml-crypto declares; they are the same object.
  verifier.loadSignature(signature as unknown as Node);
  const references = verifier.getReferences();
  if (references.length !== 1 || references[0]?.uri !== `#${id}`) {
    throw invalidSignature(
      'AuthnRequest signature must have one Reference, to the AuthnRequest itself',
    );
  }

  let valid = false;
  try {
    valid = verifier.checkSignature(xml);
  } catch (error) {
    throw invalidSignature(`AuthnRequest signature does not verify: ${(error as Error).message}`);
  }
  if (!valid)
    throw invalidSignature('AuthnRequest signature does not verify with the SP certificate');
  return true;
}

function checkAlgorithms(signature: Element): void {
  const signedInfo = child(signature, ns.dsig, 'SignedInfo');
  const method =
    signedInfo && child(signedInfo, ns.dsig, 'SignatureMethod')?.getAttribute('Algorithm');
  if (!method || !(method in signatureAlgorithms)) {
    throw invalidSignature(
      `SignatureMethod "${method ?? ''}" is not supported; use RSA-SHA256 or stronger`,
    );
  }

  const reference = signedInfo && child(signedInfo, ns.dsig, 'Reference');
  const digest = reference && child(reference, ns.dsig, 'DigestMethod')?.getAttribute('Algorithm');
  if (!digest || !(digestAlgorithms as readonly string[]).includes(digest)) {
    throw invalidSignature(
      `DigestMethod "${digest ?? ''}" is not supported; use SHA-256 or stronger`,
    );
  }
}

function countElementsWithId(root: Element, id: string): number {
  // Iterative, so a deeply nested document cannot overflow the stack.
  let count = 0;
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const element = stack.pop()!;
    if (['ID', 'Id', 'id'].some((name) => element.getAttribute(name) === id)) count++;
    for (let node = element.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 1) stack.push(node as Element);
    }
  }
  return count;
}
