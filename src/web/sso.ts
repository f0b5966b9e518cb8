import type { Request, Response } from 'express';
import type { Application } from '../applications/service.ts';
import type { User } from '../directory/service.ts';
import { SesameError, type SamlStatus } from '../errors.ts';
import { buildIdpMetadata } from '../saml/metadata.ts';
import type { Services } from '../services.ts';
import type { AssertionAttribute } from '../saml/response/builder.ts';
import { newId } from '../saml/response/xml.ts';

export interface SsoTarget {
  acsUrl: string;
  inResponseTo?: string;
  relayState?: string;
  flow: 'idp-initiated' | 'sp-initiated';
}

/** Returns the entity ID and SSO URL of an application: one IdP entity per application. */
export function idpEndpoint(services: Services, slug: string): string {
  return `${services.config.baseUrl}/saml2/${slug}`;
}

/** Builds the IdP metadata that an application's SP is given. */
export function idpMetadataOf(services: Services, application: Application): string {
  const endpoint = idpEndpoint(services, application.slug);
  return buildIdpMetadata(
    { entityId: endpoint, ssoUrl: endpoint },
    services.signingKey,
    application.requireSignedRequests,
  );
}

/**
 * Issues a signed Response for `user` to `application`, after the implicit-deny check, and sends
 * the auto-submitting form. A denial is recorded and shown as a page; no assertion is built.
 */
export async function issueLoginResponse(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  user: User,
  target: SsoTarget,
): Promise<void> {
  const denial = await denialFor(services, application, user);
  const event = {
    type: 'sso_auth' as const,
    actor: user.username,
    userId: user.id,
    username: user.username,
    applicationId: application.id,
    applicationSlug: application.slug,
    sourceIp: req.ip ?? null,
    details: {
      flow: target.flow,
      acsUrl: target.acsUrl,
      inResponseTo: target.inResponseTo ?? null,
    },
  };

  if (denial) {
    await services.insights.record({
      ...event,
      outcome: 'failure',
      errorCode: denial.code,
      errorMessage: denial.message,
    });
    throw denial;
  }

  const now = new Date();
  const xml = services.responseBuilder.buildLoginResponse({
    issuer: idpEndpoint(services, application.slug),
    destination: target.acsUrl,
    audience: application.spEntityId,
    inResponseTo: target.inResponseTo,
    nameId: nameIdOf(application, user),
    nameIdFormat: application.nameIdFormat,
    sessionIndex: ensureSessionIndex(req),
    authnInstant: new Date(req.session.authTime ?? now.getTime()),
    now,
    clockSkewSeconds: services.config.samlClockSkewSeconds,
    ttlSeconds: services.config.samlAssertionTtlSeconds,
    attributes: await attributesOf(services, application, user),
    signResponse: application.signResponse,
    signAssertion: application.signAssertion,
  });

  await services.insights.record({ ...event, outcome: 'success' });
  sendPostForm(res, target.acsUrl, xml, target.relayState);
}

/** Sends a signed SAML status Response (NoPassive, InvalidNameIDPolicy) to a trusted ACS. */
export function sendStatusResponse(
  services: Services,
  res: Response,
  application: Application,
  target: SsoTarget,
  status: SamlStatus,
  message: string,
): void {
  const xml = services.responseBuilder.buildStatusResponse({
    issuer: idpEndpoint(services, application.slug),
    destination: target.acsUrl,
    inResponseTo: target.inResponseTo,
    status,
    message,
    now: new Date(),
  });
  sendPostForm(res, target.acsUrl, xml, target.relayState);
}

async function denialFor(services: Services, application: Application, user: User) {
  if (!application.active) {
    return new SesameError(
      'application_inactive',
      `SSO to "${application.displayLabel}" is deactivated`,
    );
  }
  if (
    user.status !== 'active' ||
    !(await services.applications.isAuthorized(user.id, application.id))
  ) {
    return new SesameError('not_assigned', `You are not assigned to "${application.displayLabel}"`);
  }
  return undefined;
}

function nameIdOf(application: Application, user: User): string {
  // Databricks compares emails without regard to case and stores them lower-cased.
  return application.nameIdSource === 'username' ? user.username : user.email.toLowerCase();
}

async function attributesOf(
  services: Services,
  application: Application,
  user: User,
): Promise<AssertionAttribute[]> {
  const properties = {
    email: user.email.toLowerCase(),
    username: user.username,
    firstName: user.first_name,
    lastName: user.last_name,
    displayName: user.display_name || `${user.first_name} ${user.last_name}`.trim(),
  };

  const wantsGroups = application.attributes.some((mapping) => 'groups' in mapping.source);
  const groups = wantsGroups ? await services.directory.listGroupsOfUser(user.id) : [];

  return application.attributes.map((mapping) => {
    const { source } = mapping;
    let values: string[];
    if ('groups' in source) values = groups.map((group) => group.name);
    else if ('constant' in source) values = [source.constant];
    else values = [properties[source.property]];
    return { name: mapping.name, nameFormat: mapping.nameFormat, values: values.filter(Boolean) };
  });
}

function ensureSessionIndex(req: Request): string {
  req.session.sessionIndex ??= newId();
  return req.session.sessionIndex;
}

/**
 * Renders the HTTP-POST binding form. The page is never cached, and its CSP allows a form post
 * to the ACS origin only. The template HTML-escapes the RelayState and the Response.
 */
function sendPostForm(res: Response, acsUrl: string, xml: string, relayState?: string): void {
  const origin = new URL(acsUrl).origin;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'self'; style-src 'self'; form-action ${origin}; frame-ancestors 'none'; base-uri 'none'`,
  );
  res.render('post-binding', {
    acsUrl,
    samlResponse: Buffer.from(xml, 'utf8').toString('base64'),
    relayState,
  });
}
