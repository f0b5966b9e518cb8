import { SamlError } from '../../../errors.ts';
import { statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';
import { quote } from '../quote.ts';

/**
 * - The Issuer must be present (Web SSO profile, SAML Profiles 4.1.4.1).
 * - It must equal the SP entity ID of the application that the URL names, so one SP cannot
 *   obtain assertions meant for another by using its SSO URL.
 */
export function checkIssuer({ request, application }: IntakeContext): void {
  if (!request.issuer) {
    throw new SamlError('saml_issuer_mismatch', 'AuthnRequest Issuer is missing', {
      top: statusCodes.requester,
    });
  }
  if (request.issuer !== application.spEntityId) {
    throw new SamlError(
      'saml_issuer_mismatch',
      `AuthnRequest Issuer "${quote(request.issuer)}" is not the SP entity ID registered for application "${application.slug}"`,
      { top: statusCodes.requester, second: statusCodes.requestDenied },
    );
  }
}
