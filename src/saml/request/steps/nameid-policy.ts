import { SamlError } from '../../../errors.ts';
import { nameIdFormats, statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';
import { quote } from '../quote.ts';

/**
 * A NameIDPolicy Format must be the application's NameID format or `unspecified`; Sesame
 * issues one format per application, so any other is rejected with InvalidNameIDPolicy.
 */
export function checkNameIdPolicy({ request, application }: IntakeContext): void {
  const format = request.nameIdFormat;
  if (
    format === undefined ||
    format === nameIdFormats.unspecified ||
    format === application.nameIdFormat
  ) {
    return;
  }
  throw new SamlError(
    'saml_nameid_policy_unsupported',
    `NameIDPolicy Format "${quote(format)}" is not supported; application "${application.slug}" issues ${application.nameIdFormat}`,
    { top: statusCodes.requester, second: statusCodes.invalidNameIdPolicy },
  );
}
