import { SamlError } from '../../errors.ts';
import { statusCodes } from '../constants.ts';

/** An HTTP-Redirect query, read once, so the signature covers exactly the values acted on. */
export interface RedirectQuery {
  samlRequest?: string;
  relayState?: string;
  /** Present when the query carries SigAlg or Signature. */
  signature?: { sigAlg?: string; value?: string; signedOctets: string };
}

/** More parameters than a SAML redirect ever needs; more is treated as an attack. */
export const maxQueryParameters = 16;

const samlParameters = new Set(['SAMLRequest', 'RelayState', 'SigAlg', 'Signature']);

function invalid(message: string): SamlError {
  return new SamlError('saml_request_invalid', message, { top: statusCodes.requester });
}

function decode(value: string, name: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw invalid(`Query parameter ${name.slice(0, 40)} is not valid URL encoding`);
  }
}

/**
 * Reads SAMLRequest, RelayState, SigAlg and Signature from the raw query string. The signed
 * octets are rebuilt from the same raw values that are decoded and used, which closes the gap
 * where a second parser reads a different SAMLRequest than the one the signature covers:
 * - each SAML parameter may appear once, under its literal (not percent-encoded) name;
 * - at most `maxQueryParameters` parameters are read.
 */
export function readRedirectQuery(rawQuery: string): RedirectQuery {
  const pairs = rawQuery.split('&').filter((pair) => pair !== '');
  if (pairs.length > maxQueryParameters) {
    throw invalid(`The query has more than ${maxQueryParameters} parameters`);
  }

  const raw = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const rawName = at < 0 ? pair : pair.slice(0, at);
    const name = decode(rawName, rawName);
    if (!samlParameters.has(name)) continue;
    if (rawName !== name) throw invalid(`Query parameter ${name} must not be percent-encoded`);
    if (raw.has(name)) throw invalid(`Query parameter ${name} must be given once`);
    raw.set(name, at < 0 ? '' : pair.slice(at + 1));
  }

  const value = (name: string) => {
    const found = raw.get(name);
    return found === undefined ? undefined : decode(found, name);
  };

  const query: RedirectQuery = {
    samlRequest: value('SAMLRequest'),
    relayState: value('RelayState'),
  };
  if (raw.has('SigAlg') || raw.has('Signature')) {
    // SAML Bindings 3.4.4.1: the signature covers these three parameters, in this order, as sent.
    const signedOctets =
      `SAMLRequest=${raw.get('SAMLRequest') ?? ''}` +
      (raw.has('RelayState') ? `&RelayState=${raw.get('RelayState')}` : '') +
      `&SigAlg=${raw.get('SigAlg') ?? ''}`;
    query.signature = { sigAlg: value('SigAlg'), value: value('Signature'), signedOctets };
  }
  return query;
}
