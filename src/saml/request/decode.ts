import { inflateRawSync } from 'node:zlib';
import { statusCodes } from '../constants.ts';
import { SamlError } from '../../errors.ts';

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(message: string): SamlError {
  return new SamlError('saml_request_invalid', message, { top: statusCodes.requester });
}

/** Decodes strict base64 (whitespace from line-wrapping SPs removed) within `maxBytes`. */
function decodeBase64(value: string, maxBytes: number): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (compact.length > Math.ceil((maxBytes * 4) / 3) + 4) {
    throw new SamlError('payload_too_large', `SAMLRequest is over ${maxBytes} bytes`, {
      top: statusCodes.requester,
    });
  }
  if (compact.length === 0 || compact.length % 4 !== 0 || !base64Pattern.test(compact)) {
    throw invalid('SAMLRequest is not valid base64');
  }
  return Buffer.from(compact, 'base64');
}

/**
 * Decodes an HTTP-Redirect SAMLRequest: base64, then raw DEFLATE. Inflation stops at
 * `maxBytes`, so a small compressed bomb cannot expand into memory (SAML Bindings 3.4.4.1).
 */
export function decodeRedirectRequest(value: string, maxBytes: number): string {
  const compressed = decodeBase64(value, maxBytes);
  let xml: Buffer;
  try {
    xml = inflateRawSync(compressed, { maxOutputLength: maxBytes });
  } catch (error) {
    if (
      error instanceof RangeError ||
      (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
    ) {
      throw new SamlError(
        'payload_too_large',
        `SAMLRequest inflates to more than ${maxBytes} bytes`,
        {
          top: statusCodes.requester,
        },
      );
    }
    throw invalid('SAMLRequest is not valid DEFLATE data');
  }
  return utf8(xml);
}

/** Decodes an HTTP-POST SAMLRequest: base64 of the XML. */
export function decodePostRequest(value: string, maxBytes: number): string {
  const xml = decodeBase64(value, maxBytes);
  if (looksDeflated(xml, maxBytes)) {
    throw invalid(
      'HTTP-POST SAMLRequest must be base64 of the XML itself, not DEFLATE-compressed (SAML Bindings 3.5.4); turn off request compression in the SP',
    );
  }
  if (xml.length > maxBytes) {
    throw new SamlError('payload_too_large', `SAMLRequest is over ${maxBytes} bytes`, {
      top: statusCodes.requester,
    });
  }
  return utf8(xml);
}

/** Tells whether bytes that are not XML inflate to XML: the mistake of compressing a POST request. */
function looksDeflated(bytes: Buffer, maxBytes: number): boolean {
  if (bytes.subarray(0, 64).toString('latin1').trimStart().startsWith('<')) return false;
  try {
    const inflated = inflateRawSync(bytes, { maxOutputLength: maxBytes });
    return inflated.subarray(0, 64).toString('latin1').trimStart().startsWith('<');
  } catch {
    return false;
  }
}

function utf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('SAMLRequest is not UTF-8 text');
  }
}
