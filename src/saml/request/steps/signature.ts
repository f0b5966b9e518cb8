import { createPublicKey, verify } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { SamlError } from '../../../errors.ts';
import { digestAlgorithms, ns, signatureAlgorithms, statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';
import { child } from '../parse.ts';
import { quote } from '../quote.ts';

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
    // Requiring signatures without a certificate to check them with must fail closed.
    if (application.requireSignedRequests) {
      throw invalidSignature(
        `Application "${application.slug}" requires signed AuthnRequests but has no SP certificate; add one`,
      );
    }
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
 * Verifies the HTTP-Redirect signature over the query octets that were received, rebuilt from
 * the same raw parameters that Sesame decoded and acts on (SAML Bindings 3.4.4.1).
 */
function verifyRedirectSignature(context: IntakeContext, certificate: string): boolean {
  const signature = context.redirectSignature;
  if (!signature) return false;
  if (signature.sigAlg === undefined || signature.value === undefined) {
    throw invalidSignature('A signed HTTP-Redirect request needs both SigAlg and Signature');
  }

  const algorithm = Object.hasOwn(signatureAlgorithms, signature.sigAlg)
    ? signatureAlgorithms[signature.sigAlg as keyof typeof signatureAlgorithms]
    : undefined;
  if (!algorithm) {
    throw invalidSignature(
      `SigAlg "${quote(signature.sigAlg)}" is not supported; use RSA-SHA256 or stronger`,
    );
  }

  const valid = verify(
    algorithm,
    Buffer.from(signature.signedOctets),
    createPublicKey(certificate),
    Buffer.from(signature.value, 'base64'),
  );
  if (!valid) {
    throw invalidSignature('AuthnRequest signature does not verify with the SP certificate');
  }
  return true;
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
  if (countElementsWithId(root, id) !== 1) {
    throw invalidSignature(`AuthnRequest ID "${quote(id)}" is not unique in the document`);
  }

  // xml-crypto throws on a malformed Signature (no DigestValue, two SignedInfo, an unknown
  // canonicalization); each of those is a bad signature, not a fault.
  let valid = false;
  try {
    const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
    // xmldom's Element type differs from the DOM Node that xml-crypto declares; same object.
    verifier.loadSignature(signature as unknown as Node);
    const references = verifier.getReferences();
    if (references.length !== 1 || references[0]?.uri !== `#${id}`) {
      throw invalidSignature(
        'AuthnRequest signature must have one Reference, to the AuthnRequest itself',
      );
    }
    valid = verifier.checkSignature(xml);
  } catch (error) {
    if (error instanceof SamlError) throw error;
    // xml-crypto 6 throws for a wrong key and for a malformed Signature alike, rather than
    // returning false. Its message goes to the log through `cause`, not to the page.
    throw new SamlError(
      'saml_signature_invalid',
      'AuthnRequest signature does not verify with the SP certificate',
      { top: statusCodes.requester, second: statusCodes.requestDenied },
      { cause: error },
    );
  }
  if (!valid) {
    throw invalidSignature('AuthnRequest signature does not verify with the SP certificate');
  }
  return true;
}

function checkAlgorithms(signature: Element): void {
  const signedInfo = child(signature, ns.dsig, 'SignedInfo');
  const method =
    signedInfo && child(signedInfo, ns.dsig, 'SignatureMethod')?.getAttribute('Algorithm');
  if (!method || !Object.hasOwn(signatureAlgorithms, method)) {
    throw invalidSignature(
      `SignatureMethod "${quote(method ?? '')}" is not supported; use RSA-SHA256 or stronger`,
    );
  }

  const reference = signedInfo && child(signedInfo, ns.dsig, 'Reference');
  const digest = reference && child(reference, ns.dsig, 'DigestMethod')?.getAttribute('Algorithm');
  if (!digest || !(digestAlgorithms as readonly string[]).includes(digest)) {
    throw invalidSignature(
      `DigestMethod "${quote(digest ?? '')}" is not supported; use SHA-256 or stronger`,
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
