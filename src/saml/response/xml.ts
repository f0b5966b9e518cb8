import { randomBytes } from 'node:crypto';
import { SesameError } from '../../errors.ts';
import { isXmlText } from '../../text.ts';

/**
 * Helpers that write XML already in Exclusive XML Canonicalization form (W3C xml-exc-c14n), so a
 * digest can be taken over the written text without parsing it again.
 */

function assertXmlText(value: string): void {
  if (!isXmlText(value)) {
    throw new SesameError(
      'input_invalid',
      'A value in the SAML Response contains a character that XML forbids',
    );
  }
}

/** Escapes text content as canonical XML writes it: `&`, `<`, `>` and carriage return. */
export function escapeText(value: string): string {
  assertXmlText(value);
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;');
}

/** Escapes an attribute value as canonical XML writes it: `&`, `<`, `"`, tab, newline, return. */
export function escapeAttribute(value: string): string {
  assertXmlText(value);
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/**
 * Writes attributes in canonical order. Every attribute Sesame writes has no namespace, so
 * canonical order is by name; the caller passes namespace declarations separately, first.
 */
export function attributes(values: Record<string, string | undefined>): string {
  return Object.keys(values)
    .filter((name) => values[name] !== undefined)
    .sort()
    .map((name) => ` ${name}="${escapeAttribute(values[name] as string)}"`)
    .join('');
}

/** Writes an element in canonical form: start and end tags even when empty. */
export function element(
  name: string,
  attrs: Record<string, string | undefined>,
  content = '',
  namespaceDeclaration = '',
): string {
  return `<${name}${namespaceDeclaration}${attributes(attrs)}>${content}</${name}>`;
}

/** Returns a fresh, unpredictable XML ID: 160 random bits, starting with `_` as NCName requires. */
export function newId(): string {
  return '_' + randomBytes(20).toString('hex');
}

/** Formats a time as SAML's xs:dateTime in UTC with millisecond precision. */
export function samlTime(time: Date): string {
  return time.toISOString();
}
