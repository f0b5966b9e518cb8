import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { ns, statusCodes } from '../constants.ts';
import { SamlError } from '../../errors.ts';
import { quote } from './quote.ts';

/** The fields of an AuthnRequest that Sesame acts on, with the parsed document for signature checks. */
export interface AuthnRequest {
  id: string;
  issueInstant: Date;
  issuer?: string;
  destination?: string;
  acsUrl?: string;
  acsIndex?: number;
  protocolBinding?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  nameIdFormat?: string;
  xml: string;
  document: Document;
  root: Element;
}

function invalid(message: string): SamlError {
  return new SamlError('saml_request_invalid', message, { top: statusCodes.requester });
}

/**
 * Parses AuthnRequest XML. A DOCTYPE is rejected before parsing, which stops XXE and
 * entity-expansion attacks whatever the parser would do with it; any parser warning is an error.
 */
export function parseAuthnRequest(xml: string): AuthnRequest {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw invalid('SAMLRequest must not contain a DOCTYPE or entity declaration');

  const document = parseXml(xml);
  const root = document.documentElement;
  if (root) checkDepth(root);
  if (!root || root.namespaceURI !== ns.protocol || root.localName !== 'AuthnRequest') {
    throw invalid('SAMLRequest is not a samlp:AuthnRequest');
  }

  const version = root.getAttribute('Version');
  if (version !== '2.0')
    throw invalid(`AuthnRequest Version must be "2.0", not "${quote(version ?? '')}"`);

  return {
    id: checkId(requiredAttribute(root, 'ID')),
    issueInstant: parseTime(requiredAttribute(root, 'IssueInstant')),
    issuer: childText(root, ns.assertion, 'Issuer'),
    destination: optionalAttribute(root, 'Destination'),
    acsUrl: optionalAttribute(root, 'AssertionConsumerServiceURL'),
    acsIndex: parseIndex(optionalAttribute(root, 'AssertionConsumerServiceIndex')),
    protocolBinding: optionalAttribute(root, 'ProtocolBinding'),
    forceAuthn: parseBoolean(root, 'ForceAuthn'),
    isPassive: parseBoolean(root, 'IsPassive'),
    nameIdFormat: child(root, ns.protocol, 'NameIDPolicy')?.getAttribute('Format') || undefined,
    xml,
    document,
    root,
  };
}

function parseXml(xml: string): Document {
  const problems: string[] = [];
  const parser = new DOMParser({
    onError: (level, message) => {
      problems.push(`${level}: ${message}`);
    },
  });

  let document: Document;
  try {
    document = parser.parseFromString(xml, 'text/xml');
  } catch (error) {
    throw invalid(`SAMLRequest is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (problems.length > 0)
    throw invalid(`SAMLRequest is not well-formed XML: ${problems[0]?.split('\n')[0]}`);
  return document;
}

/** Deepest element nesting accepted; real AuthnRequests stay under ten levels. */
export const maxElementDepth = 64;

/**
 * Rejects documents nested deeper than `maxElementDepth`, because the recursive
 * canonicalization in signature verification would otherwise exhaust the stack.
 */
function checkDepth(root: Element): void {
  const stack: Array<[Element, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [element, depth] = stack.pop()!;
    if (depth > maxElementDepth) {
      throw invalid(`SAMLRequest nests elements deeper than ${maxElementDepth} levels`);
    }
    for (let node = element.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 1) stack.push([node as Element, depth + 1]);
    }
  }
}

export function child(parent: Element, namespace: string, localName: string): Element | undefined {
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    const candidate = node as Element;
    if (
      node.nodeType === 1 &&
      candidate.namespaceURI === namespace &&
      candidate.localName === localName
    ) {
      return candidate;
    }
  }
  return undefined;
}

function childText(parent: Element, namespace: string, localName: string): string | undefined {
  const text = child(parent, namespace, localName)?.textContent?.trim();
  return text || undefined;
}

/** Longest AuthnRequest ID kept; SPs use 20 to 50 characters, and the ID is stored per session. */
const maxIdLength = 256;

function checkId(id: string): string {
  if (id.length > maxIdLength)
    throw invalid(`AuthnRequest ID is longer than ${maxIdLength} characters`);
  return id;
}

function optionalAttribute(element: Element, name: string): string | undefined {
  return element.hasAttribute(name) ? (element.getAttribute(name) ?? undefined) : undefined;
}

function requiredAttribute(element: Element, name: string): string {
  const value = element.getAttribute(name);
  if (!value) throw invalid(`AuthnRequest ${name} is missing`);
  return value;
}

// xs:boolean allows true, false, 1 and 0 (XML Schema Part 2, 3.2.2).
function parseBoolean(element: Element, name: string): boolean {
  const value = optionalAttribute(element, name)?.trim();
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw invalid(`AuthnRequest ${name} must be true, false, 1 or 0, not "${quote(value)}"`);
}

function parseIndex(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value.trim())) {
    throw invalid(
      `AuthnRequest AssertionConsumerServiceIndex must be an unsigned short, not "${quote(value)}"`,
    );
  }
  return Number(value.trim());
}

function parseTime(value: string): Date {
  const time = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)
    ? new Date(value)
    : new Date(NaN);
  if (Number.isNaN(time.getTime())) {
    throw invalid(
      `AuthnRequest IssueInstant must be an xs:dateTime with a time zone, not "${quote(value)}"`,
    );
  }
  return time;
}
