import { SamlError } from '../../../errors.ts';
import { statusCodes } from '../../constants.ts';
import type { IntakeContext } from '../context.ts';
import { quote } from '../quote.ts';

/**
 * Accepts each AuthnRequest ID once per application, until it would fail the age check anyway.
 * This step runs last, so that a request rejected by an earlier step does not use up its ID.
 */
export async function checkReplay({ request, application, settings, replayStore }: IntakeContext) {
  const expiresAt = new Date(
    request.issueInstant.getTime() +
      (settings.maxAgeSeconds + 2 * settings.clockSkewSeconds) * 1000,
  );
  const fresh = await replayStore.remember(application.id, request.id, expiresAt);

  if (!fresh) {
    throw new SamlError(
      'saml_request_replayed',
      `AuthnRequest ID "${quote(request.id)}" has already been used`,
      {
        top: statusCodes.requester,
        second: statusCodes.requestDenied,
      },
    );
  }
}
