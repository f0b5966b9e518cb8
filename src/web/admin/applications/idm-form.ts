import type { Integration } from '../../../provisioning/service.ts';
import type { TargetLevel } from '../../../provisioning/target.ts';
import { checkboxField, textField, type FieldErrors, type FormFields } from '../forms.ts';

/** The Target level select: `auto` reads the level from the Base URL. */
export const targetChoices: Array<{ value: 'auto' | TargetLevel; label: string }> = [
  { value: 'auto', label: 'Auto (from the Base URL)' },
  { value: 'account', label: 'Account' },
  { value: 'workspace', label: 'Workspace' },
];

/** Choices for a provisioned user who is deleted in Sesame: delete or deactivate in Databricks. */
export const deprovisionChoices: Array<{ value: 'delete' | 'deactivate'; label: string }> = [
  { value: 'delete', label: 'Delete in Databricks' },
  { value: 'deactivate', label: 'Deactivate only' },
];

/** Maximum length of the Base URL field. Databricks SCIM Base URLs are about 100 characters. */
export const maxBaseUrlLength = 2048;

/** The settings shared by the Configure form and the settings form of an active integration. */
export interface IdmSettingsValues {
  target: 'auto' | TargetLevel;
  groupManagement: boolean;
  deprovision: 'delete' | 'deactivate';
}

/**
 * The Configure form as typed, without the Token Key: the token is read separately and is never
 * put back into a page.
 */
export interface IdmConfigureValues extends IdmSettingsValues {
  baseUrl: string;
}

export const idmFields: FormFields = {
  labels: {
    baseUrl: 'Base URL',
    token: 'Token Key',
    target: 'Target level',
    groupManagement: 'Group management',
    deprovision: 'Users deleted in Sesame',
    entitlements: 'Entitlements',
  },
  rules: [
    [/^Base URL/, 'baseUrl'],
    [/^Token Key/, 'token'],
    [/^(Unknown entitlement|Entitlements)/, 'entitlements'],
  ],
};

/** Values of the Configure form for an application without an integration. */
export const blankConfigure: IdmConfigureValues = {
  baseUrl: '',
  target: 'auto',
  groupManagement: true,
  deprovision: 'delete',
};

export function configureValuesOf(integration: Integration | undefined): IdmConfigureValues {
  if (!integration) return blankConfigure;
  return {
    baseUrl: integration.baseUrl,
    target: integration.target,
    groupManagement: integration.groupManagement,
    deprovision: integration.deprovision,
  };
}

function isChoice<T extends string>(choices: Array<{ value: T }>, value: string): value is T {
  return choices.some((choice) => choice.value === value);
}

/** Reads and checks the settings fields; a value the form could not have sent is an error. */
export function readSettings(body: unknown): { values: IdmSettingsValues; errors: FieldErrors } {
  const target = textField(body, 'target');
  const deprovision = textField(body, 'deprovision');
  const errors: FieldErrors = {};
  if (!isChoice(targetChoices, target)) {
    errors.target = 'Target level must be Auto, Account or Workspace.';
  }
  if (!isChoice(deprovisionChoices, deprovision)) {
    errors.deprovision =
      'Users deleted in Sesame must be set to Delete in Databricks or Deactivate only.';
  }
  return {
    values: {
      target: isChoice(targetChoices, target) ? target : 'auto',
      groupManagement: checkboxField(body, 'groupManagement'),
      deprovision: isChoice(deprovisionChoices, deprovision) ? deprovision : 'delete',
    },
    errors,
  };
}

/**
 * Reads and checks the Configure form. An empty Token Key is passed on as none, so the engine
 * reuses the stored one. Without a stored one, the engine rejects the form.
 */
export function readConfigure(body: unknown): {
  values: IdmConfigureValues;
  token: string;
  errors: FieldErrors;
} {
  const { values, errors } = readSettings(body);
  const baseUrl = textField(body, 'baseUrl').trim();
  const token = textField(body, 'token').trim();
  if (baseUrl === '') errors.baseUrl = 'Base URL is required.';
  else if (baseUrl.length > maxBaseUrlLength) {
    errors.baseUrl = `Base URL must be at most ${maxBaseUrlLength} characters.`;
  }
  return { values: { ...values, baseUrl: baseUrl.slice(0, maxBaseUrlLength) }, token, errors };
}
