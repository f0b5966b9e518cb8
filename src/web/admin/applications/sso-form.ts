import { userProperties, type AttributeMapping } from '../../../applications/catalog.ts';
import type { Application } from '../../../applications/service.ts';
import type { SsoSettings } from '../../../applications/settings.ts';
import { attributeNameFormats } from '../../../saml/constants.ts';
import { checkboxField, listField, textField, type FormFields } from '../forms.ts';

/** Source of an attribute row's value: a user property, `constant` or `groups`. */
export type AttributeSourceChoice = (typeof userProperties)[number] | 'constant' | 'groups';

/** One row of the attribute mapping table, as the form shows it. */
export interface AttributeRow {
  name: string;
  nameFormat: string;
  source: AttributeSourceChoice;
  constant: string;
}

/** The SSO tab's fields as text, so that a rejected submission is shown as it was typed. */
export interface SsoFormValues {
  spEntityId: string;
  /** ACS URLs, one per line; the first is the default. */
  acsUrls: string;
  loginUrl: string;
  nameIdFormat: string;
  nameIdSource: string;
  signResponse: boolean;
  signAssertion: boolean;
  defaultRelayState: string;
  spCertificate: string;
  requireSignedRequests: boolean;
  attributes: AttributeRow[];
}

/** Empty attribute rows added below the mapped ones, so that an administrator can add mappings. */
export const blankAttributeRows = 3;

export const ssoFormFields: FormFields = {
  labels: {
    spEntityId: 'SP Entity ID',
    acsUrls: 'ACS URLs',
    loginUrl: 'Login URL',
    nameIdFormat: 'NameID format',
    nameIdSource: 'NameID source',
    signResponse: 'Signing:',
    signAssertion: 'Signing:',
    defaultRelayState: 'Default RelayState',
    spCertificate: 'SP Certificate',
    requireSignedRequests: 'Require signed AuthnRequests:',
    attributes: 'Attributes',
    metadata: 'SP metadata',
  },
  itemNouns: { acsUrls: 'line', attributes: 'row' },
};

export function valuesFromApplication(application: Application): SsoFormValues {
  return {
    spEntityId: application.spEntityId,
    acsUrls: application.acsUrls.map((endpoint) => endpoint.url).join('\n'),
    loginUrl: application.loginUrl ?? '',
    nameIdFormat: application.nameIdFormat,
    nameIdSource: application.nameIdSource,
    signResponse: application.signResponse,
    signAssertion: application.signAssertion,
    defaultRelayState: application.defaultRelayState ?? '',
    spCertificate: application.spCertificate ?? '',
    requireSignedRequests: application.requireSignedRequests,
    attributes: application.attributes.map(rowFromMapping),
  };
}

function rowFromMapping(mapping: AttributeMapping): AttributeRow {
  const { source } = mapping;
  const base = { name: mapping.name, nameFormat: mapping.nameFormat, constant: '' };
  if ('groups' in source) return { ...base, source: 'groups' };
  if ('constant' in source) return { ...base, source: 'constant', constant: source.constant };
  return { ...base, source: source.property };
}

/**
 * Reads the SSO form. The attribute table arrives as parallel lists (`attrName`, `attrFormat`,
 * `attrSource`, `attrConstant`). `attrRemove` lists the row numbers ticked for removal. Rows
 * with neither a name nor a constant are the unused blank rows, and are dropped.
 */
export function valuesFromBody(body: unknown): SsoFormValues {
  const names = listField(body, 'attrName');
  const formats = listField(body, 'attrFormat');
  const sources = listField(body, 'attrSource');
  const constants = listField(body, 'attrConstant');
  const removed = new Set(listField(body, 'attrRemove'));

  const attributes = names
    .map((name, index) => ({
      name: name.trim(),
      nameFormat: formats[index] ?? attributeNameFormats.basic,
      source: toSourceChoice(sources[index]),
      constant: constants[index] ?? '',
    }))
    .filter((row, index) => !removed.has(String(index)) && (row.name || row.constant));

  return {
    spEntityId: textField(body, 'spEntityId').trim(),
    acsUrls: textField(body, 'acsUrls'),
    loginUrl: textField(body, 'loginUrl').trim(),
    nameIdFormat: textField(body, 'nameIdFormat'),
    nameIdSource: textField(body, 'nameIdSource'),
    signResponse: checkboxField(body, 'signResponse'),
    signAssertion: checkboxField(body, 'signAssertion'),
    defaultRelayState: textField(body, 'defaultRelayState'),
    spCertificate: textField(body, 'spCertificate').trim(),
    requireSignedRequests: checkboxField(body, 'requireSignedRequests'),
    attributes,
  };
}

function toSourceChoice(value: string | undefined): AttributeSourceChoice {
  const choices: readonly string[] = [...userProperties, 'constant', 'groups'];
  return choices.includes(value ?? '') ? (value as AttributeSourceChoice) : 'email';
}

/** Splits a textarea into its non-empty, trimmed lines. */
export function linesOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Converts the form values to the settings `applications.updateSso` validates and saves. */
export function settingsFromValues(values: SsoFormValues): SsoSettings {
  return {
    spEntityId: values.spEntityId,
    acsUrls: linesOf(values.acsUrls),
    loginUrl: values.loginUrl || null,
    nameIdFormat: values.nameIdFormat,
    nameIdSource: values.nameIdSource as SsoSettings['nameIdSource'],
    signResponse: values.signResponse,
    signAssertion: values.signAssertion,
    defaultRelayState: values.defaultRelayState || null,
    spCertificate: values.spCertificate || null,
    requireSignedRequests: values.requireSignedRequests,
    attributes: values.attributes.map(mappingFromRow),
  };
}

function mappingFromRow(row: AttributeRow): AttributeMapping {
  let source: AttributeMapping['source'];
  if (row.source === 'groups') source = { groups: true };
  else if (row.source === 'constant') source = { constant: row.constant };
  else source = { property: row.source };
  return { name: row.name, nameFormat: row.nameFormat, source };
}
