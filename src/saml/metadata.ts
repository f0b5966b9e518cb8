import { bindings, nameIdFormats, ns } from './constants.ts';
import type { SigningKey } from './keys.ts';
import { element } from './response/xml.ts';

export interface IdpEndpoints {
  entityId: string;
  ssoUrl: string;
}

/**
 * Builds the IdP metadata for one application: its entity ID, the signing certificate, the SSO
 * URL for HTTP-Redirect and HTTP-POST, and the NameID formats Sesame can issue.
 */
export function buildIdpMetadata(
  endpoints: IdpEndpoints,
  key: SigningKey,
  wantAuthnRequestsSigned: boolean,
): string {
  const keyDescriptor = element(
    'md:KeyDescriptor',
    { use: 'signing' },
    element(
      'ds:KeyInfo',
      {},
      element('ds:X509Data', {}, element('ds:X509Certificate', {}, key.certificateBase64)),
      ` xmlns:ds="${ns.dsig}"`,
    ),
  );
  const formats = [nameIdFormats.emailAddress, nameIdFormats.unspecified, nameIdFormats.persistent]
    .map((format) => element('md:NameIDFormat', {}, format))
    .join('');
  const services = [bindings.redirect, bindings.post]
    .map((binding) =>
      element('md:SingleSignOnService', { Binding: binding, Location: endpoints.ssoUrl }),
    )
    .join('');

  const descriptor = element(
    'md:IDPSSODescriptor',
    {
      WantAuthnRequestsSigned: String(wantAuthnRequestsSigned),
      protocolSupportEnumeration: ns.protocol,
    },
    keyDescriptor + formats + services,
  );

  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    element(
      'md:EntityDescriptor',
      { entityID: endpoints.entityId },
      descriptor,
      ` xmlns:md="${ns.metadata}"`,
    ) +
    '\n'
  );
}
