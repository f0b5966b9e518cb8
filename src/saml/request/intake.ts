import type { Application } from '../../applications/service.ts';
import type { IntakeContext, IntakeSettings, IntakeStep, ReplayStore } from './context.ts';
import { decodePostRequest, decodeRedirectRequest } from './decode.ts';
import { parseAuthnRequest } from './parse.ts';
import type { RedirectQuery } from './redirect-query.ts';
import { chooseAcs } from './steps/acs.ts';
import { checkAge } from './steps/age.ts';
import { checkDestination } from './steps/destination.ts';
import { checkIssuer } from './steps/issuer.ts';
import { checkNameIdPolicy } from './steps/nameid-policy.ts';
import { checkReplay } from './steps/replay.ts';
import { checkSchema } from './steps/schema.ts';
import { checkSignature } from './steps/signature.ts';

/**
 * The AuthnRequest checks, cheapest first, so that the costly schema validation runs only for a
 * request already tied to a registered SP, ACS and (where one is stored) SP certificate.
 */
export const intakeSteps: readonly IntakeStep[] = [
  checkIssuer,
  chooseAcs,
  checkDestination,
  checkAge,
  checkSignature,
  checkSchema,
  checkNameIdPolicy,
  checkReplay,
];

export interface IncomingRequest {
  binding: 'redirect' | 'post';
  samlRequest: string;
  /** For HTTP-Redirect: SigAlg, Signature and the signed octets, from `readRedirectQuery`. */
  redirectSignature?: RedirectQuery['signature'];
}

export interface IntakeOptions extends IntakeSettings {
  maxBytes: number;
  replayStore: ReplayStore;
  now?: Date;
}

/**
 * Decodes, parses and checks an AuthnRequest for `application`. Returns the context with the
 * chosen ACS; throws a `SamlError` naming the first check that failed.
 */
export async function takeAuthnRequest(
  application: Application,
  ssoUrl: string,
  incoming: IncomingRequest,
  options: IntakeOptions,
): Promise<IntakeContext> {
  const xml =
    incoming.binding === 'redirect'
      ? decodeRedirectRequest(incoming.samlRequest, options.maxBytes)
      : decodePostRequest(incoming.samlRequest, options.maxBytes);

  const context: IntakeContext = {
    application,
    request: parseAuthnRequest(xml),
    binding: incoming.binding,
    redirectSignature: incoming.redirectSignature,
    ssoUrl,
    now: options.now ?? new Date(),
    settings: { clockSkewSeconds: options.clockSkewSeconds, maxAgeSeconds: options.maxAgeSeconds },
    replayStore: options.replayStore,
    signed: false,
  };

  for (const step of intakeSteps) await step(context);
  return context;
}
