import { attributeNameFormats, nameIdFormats } from '../saml/constants.ts';

export const userProperties = [
  'email',
  'username',
  'firstName',
  'lastName',
  'displayName',
] as const;

/** A source of an attribute value: a user property, a constant, or the user's group names. */
export type AttributeSource =
  { property: (typeof userProperties)[number] } | { constant: string } | { groups: true };

export interface AttributeMapping {
  name: string;
  nameFormat: string;
  source: AttributeSource;
}

export interface SsoTemplate {
  nameIdFormat: string;
  nameIdSource: 'email' | 'username';
  signResponse: boolean;
  signAssertion: boolean;
  attributes: AttributeMapping[];
}

/**
 * Databricks: NameID is the email (Databricks matches users by email), the Response is signed
 * with RSA-SHA256, and email, firstName and lastName are sent for just-in-time user creation.
 */
export const databricksTemplate: SsoTemplate = {
  nameIdFormat: nameIdFormats.emailAddress,
  nameIdSource: 'email',
  signResponse: true,
  signAssertion: false,
  attributes: [
    { name: 'email', nameFormat: attributeNameFormats.basic, source: { property: 'email' } },
    {
      name: 'firstName',
      nameFormat: attributeNameFormats.basic,
      source: { property: 'firstName' },
    },
    { name: 'lastName', nameFormat: attributeNameFormats.basic, source: { property: 'lastName' } },
  ],
};

export const customSamlTemplate: SsoTemplate = {
  nameIdFormat: nameIdFormats.emailAddress,
  nameIdSource: 'email',
  signResponse: true,
  signAssertion: true,
  attributes: [
    { name: 'email', nameFormat: attributeNameFormats.basic, source: { property: 'email' } },
    {
      name: 'firstName',
      nameFormat: attributeNameFormats.basic,
      source: { property: 'firstName' },
    },
    { name: 'lastName', nameFormat: attributeNameFormats.basic, source: { property: 'lastName' } },
  ],
};

/** Builds a workspace's ACS URL, which Databricks also uses as its SP entity ID. */
export function databricksWorkspaceAcsUrl(subdomain: string): string {
  return `https://${subdomain}.cloud.databricks.com/saml/consume`;
}

/** Placeholder in catalog values that the administrator must replace before saving. */
export const subdomainPlaceholder = 'YOUR_SUBDOMAIN';

/** A catalog entry: what the "Add New Application" page offers. */
export interface CatalogEntry {
  template: 'databricks' | 'saml' | 'bookmark';
  name: string;
  description: string;
  /** Starting SSO values; absent for bookmarks. */
  sso?: SsoTemplate & { spEntityId: string; acsUrls: string[]; loginUrl?: string };
}

export const catalog: readonly CatalogEntry[] = [
  {
    template: 'databricks',
    name: 'Databricks',
    description: 'Databricks workspace or account SSO (SAML 2.0)',
    sso: {
      ...databricksTemplate,
      spEntityId: databricksWorkspaceAcsUrl(subdomainPlaceholder),
      acsUrls: [databricksWorkspaceAcsUrl(subdomainPlaceholder)],
      loginUrl: `https://${subdomainPlaceholder}.cloud.databricks.com/`,
    },
  },
  {
    template: 'saml',
    name: 'Custom SAML 2.0 application',
    description: 'Any service provider that accepts SAML 2.0 Web SSO',
    sso: { ...customSamlTemplate, spEntityId: '', acsUrls: [] },
  },
  {
    template: 'bookmark',
    name: 'Bookmark',
    description: 'A tile that opens a web address, without SSO',
  },
];
