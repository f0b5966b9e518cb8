import { createHash, sign, type KeyObject } from 'node:crypto';
import { envelopedSignature, exclusiveC14n, ns, rsaSha256, sha256Digest } from '../constants.ts';

/**
 * Builds an enveloped XML Signature (RSA-SHA256, SHA-256 digest, exclusive canonicalization)
 * over an element whose canonical text, without the signature, is `canonicalElement`.
 */
export function envelopedSignatureXml(
  canonicalElement: string,
  referenceId: string,
  privateKey: KeyObject,
  certificateBase64: string,
): string {
  const digest = createHash('sha256').update(canonicalElement, 'utf8').digest('base64');
  const signedInfoBody =
    `<ds:CanonicalizationMethod Algorithm="${exclusiveC14n}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${rsaSha256}"></ds:SignatureMethod>` +
    `<ds:Reference URI="#${referenceId}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${envelopedSignature}"></ds:Transform>` +
    `<ds:Transform Algorithm="${exclusiveC14n}"></ds:Transform>` +
    `</ds:Transforms><ds:DigestMethod Algorithm="${sha256Digest}"></ds:DigestMethod>` +
    `<ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;

  // Canonicalized alone, SignedInfo carries the ds namespace declaration that, in the document,
  // sits on its parent Signature element. The signature is computed over that form.
  const canonicalSignedInfo = `<ds:SignedInfo xmlns:ds="${ns.dsig}">${signedInfoBody}</ds:SignedInfo>`;
  const signatureValue = sign(
    'sha256',
    Buffer.from(canonicalSignedInfo, 'utf8'),
    privateKey,
  ).toString('base64');

  return (
    `<ds:Signature xmlns:ds="${ns.dsig}"><ds:SignedInfo>${signedInfoBody}</ds:SignedInfo>` +
    `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64}</ds:X509Certificate>` +
    `</ds:X509Data></ds:KeyInfo></ds:Signature>`
  );
}
