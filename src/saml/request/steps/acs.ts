import { SamlError } from '../../../errors.ts';
import { bindings, statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';
import { quote } from '../quote.ts';

/**
 * - AssertionConsumerServiceURL must equal a registered ACS URL exactly (no prefix or
 *   normalization), or the assertion could be posted to an attacker's endpoint.
 * - AssertionConsumerServiceIndex must name a registered index; URL and index together are
 *   invalid (SAML Core 3.4.1). Without either, the default ACS is used.
 * - ProtocolBinding, when given, must be HTTP-POST, the only binding Sesame responds with.
 */
export function chooseAcs(context: IntakeContext): void {
  const { request, application } = context;

  if (request.acsUrl !== undefined && request.acsIndex !== undefined) {
    throw unregistered(
      'AuthnRequest must not carry both AssertionConsumerServiceURL and AssertionConsumerServiceIndex',
    );
  }
  if (request.protocolBinding !== undefined && request.protocolBinding !== bindings.post) {
    throw new SamlError(
      'saml_request_invalid',
      `AuthnRequest ProtocolBinding "${quote(request.protocolBinding)}" is not supported; use ${bindings.post}`,
      { top: statusCodes.requester, second: statusCodes.requestDenied },
    );
  }

  if (request.acsUrl !== undefined) {
    context.acs = application.acsUrls.find((endpoint) => endpoint.url === request.acsUrl);
    if (!context.acs) {
      throw unregistered(
        `AssertionConsumerServiceURL "${quote(request.acsUrl)}" is not registered for application "${application.slug}"`,
      );
    }
    return;
  }

  if (request.acsIndex !== undefined) {
    context.acs = application.acsUrls.find((endpoint) => endpoint.index === request.acsIndex);
    if (!context.acs) {
      throw unregistered(
        `AssertionConsumerServiceIndex ${request.acsIndex} is not registered for application "${application.slug}"`,
      );
    }
    return;
  }

  context.acs =
    application.acsUrls.find((endpoint) => endpoint.isDefault) ?? application.acsUrls[0];
}

function unregistered(message: string): SamlError {
  return new SamlError('saml_acs_unregistered', message, { top: statusCodes.requester });
}
