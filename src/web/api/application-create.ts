/**
 * `POST /applications`: the body is the general settings with template and slug, and, for a SAML
 * application, optional SSO settings. Without them a Databricks application starts from the
 * catalog's values, whose `YOUR_SUBDOMAIN` placeholder `PUT /applications/:slug/sso` replaces.
 */
import type { z } from 'zod';
import { catalog, customSamlTemplate } from '../../applications/catalog.ts';
import type { NewApplication } from '../../applications/service.ts';
import { newApplicationSchema, ssoSettingsSchema } from '../../applications/settings.ts';
import { FieldError } from './errors.ts';

export const createBody = newApplicationSchema.extend({ sso: ssoSettingsSchema.optional() });

type CreateFields = z.output<typeof createBody>;
type SsoFields = z.output<typeof ssoSettingsSchema>;

/** Builds the service's input from a checked body, with SSO values from the body or catalog. */
export function newApplication(fields: CreateFields): NewApplication {
  const general = {
    slug: fields.slug,
    template: fields.template,
    displayLabel: fields.displayLabel,
    description: fields.description,
    showInPortal: fields.showInPortal,
  };
  if (fields.template === 'bookmark') {
    if (fields.sso) {
      throw new FieldError('sso', 'Invalid input: sso does not apply to a bookmark application');
    }
    // A bookmark has no SSO; the service stores the template's values unused.
    return {
      ...general,
      bookmarkUrl: fields.bookmarkUrl,
      spEntityId: '',
      acsUrls: [],
      sso: customSamlTemplate,
    };
  }

  if (fields.bookmarkUrl !== undefined) {
    throw new FieldError(
      'bookmarkUrl',
      'Invalid input: bookmarkUrl applies to bookmark applications only',
    );
  }
  return { ...general, ...fromSsoSettings(fields.sso ?? catalogSso(fields.template)) };
}

function fromSsoSettings(sso: SsoFields) {
  return {
    spEntityId: sso.spEntityId,
    acsUrls: sso.acsUrls,
    loginUrl: sso.loginUrl ?? undefined,
    spCertificate: sso.spCertificate ?? undefined,
    requireSignedRequests: sso.requireSignedRequests,
    defaultRelayState: sso.defaultRelayState || undefined,
    sso: {
      nameIdFormat: sso.nameIdFormat,
      nameIdSource: sso.nameIdSource,
      signResponse: sso.signResponse,
      signAssertion: sso.signAssertion,
      attributes: sso.attributes,
    },
  };
}

/** Returns the catalog's starting SSO values, or rejects a template that has no usable ones. */
function catalogSso(template: 'databricks' | 'saml'): SsoFields {
  const entry = catalog.find((candidate) => candidate.template === template);
  if (!entry?.sso || entry.sso.acsUrls.length === 0) {
    throw new FieldError(
      'sso',
      `Invalid input: sso is required for a ${template} application, because the catalog has no SP entity ID or ACS URL for it`,
    );
  }
  return { ...entry.sso, requireSignedRequests: false };
}
