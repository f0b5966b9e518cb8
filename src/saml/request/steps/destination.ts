import { SamlError } from '../../../errors.ts';
import { statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';
import { quote } from '../quote.ts';

/**
 * A Destination, when present, must be this application's SSO URL, so a request meant for
 * another IdP or application cannot be forwarded here (SAML Bindings 3.4.5.2 and 3.5.5.2).
 */
export function checkDestination({ request, ssoUrl }: IntakeContext): void {
  if (request.destination !== undefined && request.destination !== ssoUrl) {
    throw new SamlError(
      'saml_request_invalid',
      `AuthnRequest Destination "${quote(request.destination)}" is not this SSO URL "${ssoUrl}"`,
      { top: statusCodes.requester, second: statusCodes.requestDenied },
    );
  }
}
