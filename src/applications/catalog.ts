import { attributeNameFormats, nameIdFormats } from '../saml/constants.ts';

/** A source of an attribute value: a user property or a constant. */
export type AttributeSource =
  | { property: 'email' | 'username' | 'firstName' | 'lastName' | 'displayName' }
  | { constant: string };

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
