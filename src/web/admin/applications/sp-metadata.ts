import { DOMParser, type Element } from '@xmldom/xmldom';
import { normalizeCertificate } from '../../../applications/validation.ts';
import { SesameError } from '../../../errors.ts';
import { bindings, ns } from '../../../saml/constants.ts';

/** Largest SP metadata file read; real SP metadata is a few KiB. */
export const maxMetadataBytes = 256 * 1024;

/** The SSO settings read from an SP's metadata, for the administrator to review before saving. */
export interface SpMetadata {
  entityId: string;
  /** HTTP-POST ACS URLs, the default first, then by index. */
  acsUrls: string[];
  /** The signing certificate as PEM, when the metadata has one. */
  signingCertificate?: string;
  authnRequestsSigned: boolean;
}

function invalid(message: string): SesameError {
  return new SesameError('input_invalid', `Invalid input: metadata ${message}`);
}

/**
 * Reads an SP's SAML metadata (an EntityDescriptor with an SPSSODescriptor, or an
 * EntitiesDescriptor whose first such entity is used).
 *
 * - A DOCTYPE or entity declaration is rejected before parsing, which stops XXE and
 *   entity-expansion attacks whatever the parser would do with it.
 * - Any parser warning or error rejects the file, so a truncated file is not half-read.
 */
export function parseSpMetadata(bytes: Buffer): SpMetadata {
  if (bytes.length > maxMetadataBytes) {
    throw invalid(`file is over ${maxMetadataBytes / 1024} KiB`);
  }
  const xml = bytes.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw invalid('must not contain a DOCTYPE or entity declaration');
  }

  const root = parseXml(xml);
  const entity = findSpEntity(root);
  const descriptor = childElements(entity, ns.metadata, 'SPSSODescriptor')[0]!;
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) throw invalid('EntityDescriptor has no entityID');

  return {
    entityId,
    acsUrls: postAcsUrls(descriptor),
    signingCertificate: signingCertificate(descriptor),
    authnRequestsSigned: ['true', '1'].includes(
      descriptor.getAttribute('AuthnRequestsSigned')?.trim() ?? '',
    ),
  };
}

function parseXml(xml: string): Element {
  const problems: string[] = [];
  const parser = new DOMParser({
    onError: (level, message) => {
      problems.push(`${level}: ${message.split('\n')[0]}`);
    },
  });

  let root: Element | null = null;
  try {
    root = parser.parseFromString(xml, 'text/xml').documentElement;
  } catch (error) {
    problems.push((error as Error).message.split('\n')[0] ?? 'unreadable');
  }
  if (problems.length > 0 || !root) throw invalid(`is not well-formed XML (${problems[0]})`);
  return root;
}

function findSpEntity(root: Element): Element {
  const entities =
    root.namespaceURI === ns.metadata && root.localName === 'EntitiesDescriptor'
      ? childElements(root, ns.metadata, 'EntityDescriptor')
      : [root];
  const entity = entities.find(
    (candidate) =>
      candidate.namespaceURI === ns.metadata &&
      candidate.localName === 'EntityDescriptor' &&
      childElements(candidate, ns.metadata, 'SPSSODescriptor').length > 0,
  );
  if (!entity) throw invalid('has no md:EntityDescriptor with an md:SPSSODescriptor');
  return entity;
}

function postAcsUrls(descriptor: Element): string[] {
  const endpoints = childElements(descriptor, ns.metadata, 'AssertionConsumerService')
    .filter((endpoint) => endpoint.getAttribute('Binding') === bindings.post)
    .map((endpoint, position) => ({
      url: endpoint.getAttribute('Location')?.trim() ?? '',
      index: Number(endpoint.getAttribute('index') ?? position),
      isDefault: ['true', '1'].includes(endpoint.getAttribute('isDefault')?.trim() ?? ''),
    }))
    .filter((endpoint) => endpoint.url);
  if (endpoints.length === 0) {
    throw invalid('has no AssertionConsumerService with the HTTP-POST binding');
  }

  endpoints.sort(
    (a, b) => Number(b.isDefault) - Number(a.isDefault) || (a.index || 0) - (b.index || 0),
  );
  return endpoints.map((endpoint) => endpoint.url);
}

/** Returns the certificate of the first KeyDescriptor for signing; one without `use` is for both. */
function signingCertificate(descriptor: Element): string | undefined {
  const key = childElements(descriptor, ns.metadata, 'KeyDescriptor').find((candidate) =>
    ['signing', ''].includes(candidate.getAttribute('use') ?? ''),
  );
  const certificate = key && descendant(key, ['KeyInfo', 'X509Data', 'X509Certificate']);
  const text = certificate?.textContent?.trim();
  if (!text) return undefined;

  try {
    return normalizeCertificate(text);
  } catch {
    throw invalid('signing certificate is not a valid X.509 certificate');
  }
}

function descendant(element: Element, path: string[]): Element | undefined {
  let current: Element | undefined = element;
  for (const localName of path) {
    current = current && childElements(current, ns.dsig, localName)[0];
  }
  return current;
}

function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    const candidate = node as Element;
    if (
      node.nodeType === 1 &&
      candidate.namespaceURI === namespace &&
      candidate.localName === localName
    ) {
      found.push(candidate);
    }
  }
  return found;
}
