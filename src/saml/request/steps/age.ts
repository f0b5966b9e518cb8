import { SamlError } from '../../../errors.ts';
import { statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';

/**
 * IssueInstant must lie within the allowed age, with clock skew either side, which bounds how
 * long a captured request can be replayed and how long its ID must be remembered.
 */
export function checkAge({ request, now, settings }: IntakeContext): void {
  const ageSeconds = (now.getTime() - request.issueInstant.getTime()) / 1000;

  if (ageSeconds > settings.maxAgeSeconds + settings.clockSkewSeconds) {
    throw new SamlError(
      'saml_request_expired',
      `AuthnRequest IssueInstant ${request.issueInstant.toISOString()} is older than ${settings.maxAgeSeconds} seconds`,
      { top: statusCodes.requester, second: statusCodes.requestDenied },
    );
  }
  if (ageSeconds < -settings.clockSkewSeconds) {
    throw new SamlError(
      'saml_request_expired',
      `AuthnRequest IssueInstant ${request.issueInstant.toISOString()} is in the future; check the SP's clock`,
      { top: statusCodes.requester, second: statusCodes.requestDenied },
    );
  }
}
