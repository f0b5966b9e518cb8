/**
 * The JSON shapes of the API's resources. Each lists its fields one by one, so that a column
 * added to a table (a password hash, an image) never reaches a client by accident.
 */
import type { Application } from '../../applications/service.ts';
import type { ApiKey } from '../../directory/api-keys.ts';
import type { Group, User } from '../../directory/service.ts';
import type { ScimTokenInfo } from '../../scim/tokens.ts';
import type { Services } from '../../services.ts';
import { idpEndpoint } from '../sso.ts';

export function userJson(user: User) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    displayName: user.display_name,
    status: user.status,
    isAdmin: user.is_admin === 1,
    /** Whether the user can sign in at the portal with a password at all. */
    hasPassword: user.password_hash !== null,
    createdAt: user.created_at,
    updatedAt: user.updated_at,
  };
}

export function groupJson(group: Group) {
  return { id: group.id, name: group.name };
}

/** Returns an application as listed: its general settings and state, without SSO settings. */
export function applicationSummaryJson(application: Application) {
  return {
    id: application.id,
    slug: application.slug,
    template: application.template,
    displayLabel: application.displayLabel,
    description: application.description,
    showInPortal: application.showInPortal,
    bookmarkUrl: application.bookmarkUrl,
    hasImage: application.hasImage,
    active: application.active,
    createdAt: application.createdAt,
    updatedAt: application.updatedAt,
  };
}

/**
 * Returns an application in full. `sso` has the fields of `PUT /applications/:slug/sso`, so a
 * client can read it, change a field and send it back. `idp` contains what the SP's administrator
 * needs. Both are null for a bookmark.
 */
export function applicationJson(services: Services, application: Application) {
  const bookmark = application.template === 'bookmark';
  return {
    ...applicationSummaryJson(application),
    sso: bookmark ? null : ssoJson(application),
    idp: bookmark ? null : idpJson(services, application.slug),
  };
}

function ssoJson(application: Application) {
  return {
    spEntityId: application.spEntityId,
    acsUrls: application.acsUrls.map((endpoint) => endpoint.url),
    loginUrl: application.loginUrl,
    nameIdFormat: application.nameIdFormat,
    nameIdSource: application.nameIdSource,
    signResponse: application.signResponse,
    signAssertion: application.signAssertion,
    defaultRelayState: application.defaultRelayState,
    attributes: application.attributes,
    spCertificate: application.spCertificate,
    requireSignedRequests: application.requireSignedRequests,
  };
}

function idpJson(services: Services, slug: string) {
  const endpoint = idpEndpoint(services, slug);
  return {
    entityId: endpoint,
    ssoUrl: endpoint,
    metadataUrl: `${endpoint}/metadata`,
    certificateUrl: `${services.config.baseUrl}/certificate.pem`,
    certificateNotAfter: services.signingKey.notAfter.toISOString(),
  };
}

export function scimTokenJson(token: ScimTokenInfo) {
  return {
    id: token.id,
    name: token.name,
    createdBy: token.createdBy,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  };
}

export function apiKeyJson(key: ApiKey) {
  return {
    id: key.id,
    userId: key.userId,
    name: key.name,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}
