import { z } from 'zod';
import { isXmlText } from '../text.ts';
import { attributeNameFormats, supportedNameIdFormats } from '../saml/constants.ts';
import { subdomainPlaceholder, userProperties } from './catalog.ts';
import { checkAcsUrl, checkEntityId, normalizeCertificate, slugPattern } from './validation.ts';

/**
 * Schemas of what administrators set on an application, shared by the portal's forms and the
 * admin API, so both reject the same values with the same field names.
 */

const text = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'contains control characters')
    .refine(isXmlText, 'contains a character that XML cannot carry');

/** Checks a value with one of the throwing validators, as a zod refinement on that field. */
function refineWith(check: (value: string) => unknown) {
  return (value: string, context: z.RefinementCtx) => {
    try {
      check(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
    }
  };
}

function noPlaceholder(value: string, context: z.RefinementCtx) {
  if (value.includes(subdomainPlaceholder)) {
    context.addIssue({
      code: 'custom',
      message: `still contains ${subdomainPlaceholder}; replace it with your workspace subdomain`,
    });
  }
}

const webUrl = z
  .string()
  .max(2048)
  .superRefine(noPlaceholder)
  .superRefine(refineWith((value) => checkAcsUrl(value, 'URL')));

export const generalSettingsSchema = z.strictObject({
  displayLabel: text(100).trim().min(1, 'is required'),
  description: text(500).default(''),
  showInPortal: z.boolean().default(true),
  /** Only for bookmark applications. */
  bookmarkUrl: webUrl.optional(),
});

export type GeneralSettings = z.input<typeof generalSettingsSchema>;

export const newApplicationSchema = generalSettingsSchema.extend({
  template: z.enum(['databricks', 'saml', 'bookmark']),
  slug: z
    .string()
    .regex(
      slugPattern,
      'must be 1-64 lower-case letters, digits and hyphens, not starting or ending with a hyphen',
    ),
});

export type NewApplicationSettings = z.input<typeof newApplicationSchema>;

const attributeSchema = z.strictObject({
  name: text(256).trim().min(1, 'is required'),
  nameFormat: z
    .enum(Object.values(attributeNameFormats) as [string, ...string[]])
    .default(attributeNameFormats.basic),
  source: z.union([
    z.strictObject({ property: z.enum(userProperties) }),
    z.strictObject({ constant: text(1024) }),
    z.strictObject({ groups: z.literal(true) }),
  ]),
});

export const ssoSettingsSchema = z
  .strictObject({
    spEntityId: z.string().superRefine(noPlaceholder).superRefine(refineWith(checkEntityId)),
    acsUrls: z.array(webUrl).min(1, 'needs at least one ACS URL').max(10),
    loginUrl: webUrl.nullable().optional(),
    nameIdFormat: z.enum(supportedNameIdFormats as [string, ...string[]]),
    nameIdSource: z.enum(['email', 'username']),
    signResponse: z.boolean(),
    signAssertion: z.boolean(),
    defaultRelayState: text(1024).nullable().optional(),
    attributes: z.array(attributeSchema).max(30).default([]),
    spCertificate: z
      .string()
      .max(16_384)
      .nullable()
      .optional()
      .superRefine((value, context) => {
        if (value) refineWith(normalizeCertificate)(value, context);
      }),
    requireSignedRequests: z.boolean().default(false),
  })
  .superRefine((settings, context) => {
    if (!settings.signResponse && !settings.signAssertion) {
      context.addIssue({
        code: 'custom',
        path: ['signResponse'],
        message: 'sign the Response, the Assertion or both',
      });
    }
    if (settings.requireSignedRequests && !settings.spCertificate) {
      context.addIssue({
        code: 'custom',
        path: ['spCertificate'],
        message: 'is required to require signed AuthnRequests',
      });
    }
    const names = settings.attributes.map((attribute) => attribute.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate)
      context.addIssue({
        code: 'custom',
        path: ['attributes'],
        message: `has "${duplicate}" twice`,
      });
  });

export type SsoSettings = z.input<typeof ssoSettingsSchema>;
