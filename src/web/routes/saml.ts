import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Application } from '../../applications/service.ts';
import { SamlError, SesameError } from '../../errors.ts';
import { statusCodes } from '../../saml/constants.ts';
import { takeAuthnRequest, type IncomingRequest } from '../../saml/request/intake.ts';
import { readRedirectQuery } from '../../saml/request/redirect-query.ts';
import type { Services } from '../../services.ts';
import { currentUser, requireSignedIn } from '../auth.ts';
import { requireCsrf } from '../csrf.ts';
import { addPending, openPending, sealPending } from '../pending.ts';
import type { PendingSsoRequest } from '../session.ts';
import { idpEndpoint, idpMetadataOf, issueLoginResponse, sendStatusResponse } from '../sso.ts';

/** RelayState longer than this is rejected; SAML Bindings limits it to 80 bytes, but real SPs send longer URLs. */
export const maxRelayStateBytes = 1024;

/** `/saml2/<app>`: metadata, SP-initiated SSO by both bindings, and the console's launch. */
export function samlRouter(services: Services): Router {
  const router = Router();

  router.get('/saml2/:slug/metadata', sendMetadata(services));
  router.get('/saml2/:slug', receiveAuthnRequest(services, 'redirect'));
  router.post('/saml2/:slug', receiveAuthnRequest(services, 'post'));
  router.get('/saml2/:slug/resume', resumePostRequest(services));
  router.get('/saml2/:slug/continue/:handle', requireSignedIn, continuePending(services));
  router.post('/saml2/:slug/launch', requireCsrf, requireSignedIn, launch(services));
  return router;
}

async function findApplication(services: Services, req: Request): Promise<Application> {
  const slug = String(req.params.slug);
  const application = await services.applications.get(slug);
  if (!application) {
    throw new SesameError('not_found', `Application "${slug.slice(0, 64)}" not found`);
  }
  if (application.template === 'bookmark') {
    throw new SesameError(
      'not_found',
      `Application "${application.slug}" is a bookmark and has no SSO`,
    );
  }
  return application;
}

function sendMetadata(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await findApplication(services, req);
    const xml = idpMetadataOf(services, application);
    res
      .type('application/samlmetadata+xml')
      .setHeader('Content-Disposition', `inline; filename="${application.slug}-idp-metadata.xml"`);
    res.send(xml);
  };
}

function parameter(source: unknown, name: string): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new SesameError('input_invalid', `${name} must be given once, as a single value`);
  }
  return value;
}

function checkRelayState(relayState: string | undefined): string | undefined {
  if (relayState !== undefined && Buffer.byteLength(relayState) > maxRelayStateBytes) {
    throw new SamlError('saml_request_invalid', `RelayState is over ${maxRelayStateBytes} bytes`, {
      top: statusCodes.requester,
    });
  }
  return relayState;
}

/**
 * Reads the SAML parameters of either binding. HTTP-Redirect parameters are read from the raw
 * query, never from Express's parsed query, so the signature covers what is used.
 */
function readIncoming(req: Request, binding: 'redirect' | 'post') {
  const query =
    binding === 'redirect'
      ? readRedirectQuery(req.originalUrl.split('?')[1] ?? '')
      : {
          samlRequest: parameter(req.body, 'SAMLRequest'),
          relayState: parameter(req.body, 'RelayState'),
          signature: undefined,
        };
  if (!query.samlRequest) {
    throw new SamlError('saml_request_invalid', 'SAMLRequest is missing', {
      top: statusCodes.requester,
    });
  }

  const incoming: IncomingRequest = {
    binding,
    samlRequest: query.samlRequest,
    redirectSignature: query.signature,
  };
  return { incoming, relayState: checkRelayState(query.relayState) };
}

/**
 * Receives an AuthnRequest, runs every intake check, and then either responds at once (signed-in
 * user, or IsPassive) or keeps the request while the user signs in.
 */
function receiveAuthnRequest(services: Services, binding: 'redirect' | 'post') {
  return async (req: Request, res: Response) => {
    const application = await findApplication(services, req);
    const { incoming, relayState } = readIncoming(req, binding);
    const config = services.config;
    const context = await takeAuthnRequest(
      application,
      idpEndpoint(services, application.slug),
      incoming,
      {
        maxBytes: config.samlRequestMaxBytes,
        clockSkewSeconds: config.samlClockSkewSeconds,
        maxAgeSeconds: config.samlRequestMaxAgeSeconds,
        replayStore: services.replayStore,
      },
    ).catch((error: unknown) => answerIntakeError(services, res, application, relayState, error));
    if (!context) return;

    const pending: PendingSsoRequest = {
      slug: application.slug,
      requestId: context.request.id,
      acsUrl: context.acs!.url,
      relayState,
      forceAuthn: context.request.forceAuthn,
      isPassive: context.request.isPassive,
      receivedAt: Date.now(),
    };

    if (binding === 'post') {
      // The SameSite=Lax session cookie is not sent on this cross-site POST, so hop once to a
      // same-site GET that can read the session.
      const token = sealPending(pending, services.secretKey);
      return res.redirect(303, `/saml2/${application.slug}/resume?state=${token}`);
    }
    await proceed(services, req, res, application, pending);
  };
}

/**
 * Sends an InvalidNameIDPolicy failure to the ACS as a signed status Response, as SAML Core
 * 3.4.1.1 expects. Every other intake failure goes to an error page, because the request was not
 * accepted and its ACS cannot yet be trusted.
 */
async function answerIntakeError(
  services: Services,
  res: Response,
  application: Application,
  relayState: string | undefined,
  error: unknown,
): Promise<undefined> {
  await services.insights.record({
    type: 'sso_auth',
    outcome: 'failure',
    applicationId: application.id,
    applicationSlug: application.slug,
    sourceIp: res.req.ip ?? null,
    errorCode: error instanceof SesameError ? error.code : 'internal',
    errorMessage: error instanceof Error ? error.message : String(error),
    details: { flow: 'sp-initiated' },
  });

  if (error instanceof SamlError && error.code === 'saml_nameid_policy_unsupported') {
    const acsUrl =
      application.acsUrls.find((endpoint) => endpoint.isDefault)?.url ??
      application.acsUrls[0]!.url;
    sendStatusResponse(
      services,
      res,
      application,
      { acsUrl, relayState, flow: 'sp-initiated' },
      error.samlStatus,
      error.message,
    );
    return undefined;
  }
  throw error;
}

function sendNoPassive(
  services: Services,
  res: Response,
  application: Application,
  pending: PendingSsoRequest,
) {
  sendStatusResponse(
    services,
    res,
    application,
    {
      acsUrl: pending.acsUrl,
      inResponseTo: pending.requestId,
      relayState: pending.relayState,
      flow: 'sp-initiated',
    },
    { top: statusCodes.responder, second: statusCodes.noPassive },
    'The user is not signed in and the request asked for passive authentication',
  );
}

async function proceed(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  pending: PendingSsoRequest,
) {
  const user = currentUser(req);
  if (pending.isPassive && !user) return sendNoPassive(services, res, application, pending);
  if (user && !pending.forceAuthn) return answer(services, req, res, application, pending);

  const { handle, store } = addPending(req.session.samlPending, pending);
  req.session.samlPending = store;
  req.session.returnTo = `/saml2/${application.slug}/continue/${handle}`;
  res.redirect(303, pending.forceAuthn && user ? '/login?reauth=1' : '/login');
}

function answer(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  pending: PendingSsoRequest,
) {
  return issueLoginResponse(services, req, res, application, currentUser(req)!, {
    acsUrl: pending.acsUrl,
    inResponseTo: pending.requestId,
    relayState: pending.relayState,
    flow: 'sp-initiated',
  });
}

function resumePostRequest(services: Services) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = typeof req.query.state === 'string' ? req.query.state : '';
    const pending = openPending(token, services.secretKey);
    if (!pending || pending.slug !== req.params.slug) {
      return next(
        new SesameError(
          'input_invalid',
          'This sign-in link has expired; go back to the application and start again',
        ),
      );
    }

    const application = await findApplication(services, req);
    // One use per token, so a leaked resume link cannot obtain a second assertion.
    const firstUse = await services.replayStore.remember(
      application.id,
      `resume:${pending.requestId}`,
      new Date(pending.receivedAt + 10 * 60 * 1000),
    );
    if (!firstUse)
      throw new SesameError(
        'input_invalid',
        'This sign-in link has already been used; go back to the application and start again',
      );
    await proceed(services, req, res, application, pending);
  };
}

function continuePending(services: Services) {
  return async (req: Request, res: Response) => {
    const handle = String(req.params.handle);
    const pending = req.session.samlPending?.[handle];
    if (!pending || pending.slug !== req.params.slug) {
      throw new SesameError(
        'not_found',
        'This sign-in request is no longer pending; go back to the application and start again',
      );
    }

    // ForceAuthn: the password must have been entered after the request arrived.
    if (pending.forceAuthn && (req.session.authTime ?? 0) < pending.receivedAt) {
      req.session.returnTo = req.originalUrl;
      return res.redirect(303, '/login?reauth=1');
    }

    delete req.session.samlPending![handle];
    const application = await findApplication(services, req);
    await answer(services, req, res, application, pending);
  };
}

/** IdP-initiated SSO from a console tile: no InResponseTo, the application's default RelayState. */
function launch(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await findApplication(services, req);
    const acs =
      application.acsUrls.find((endpoint) => endpoint.isDefault) ?? application.acsUrls[0]!;
    await issueLoginResponse(services, req, res, application, currentUser(req)!, {
      acsUrl: acs.url,
      relayState: application.defaultRelayState ?? undefined,
      flow: 'idp-initiated',
    });
  };
}
