import { randomBytes } from 'node:crypto';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import type { AssertionAttribute, LoginResponseInput } from '../../src/saml/response/builder.ts';

/** The Databricks workspace that every benchmark in this folder signs users in to. */
export const acsUrl = 'https://dbc-bench.cloud.databricks.com/saml/consume';
export const applicationSlug = 'databricks';

export const benchUser = {
  username: 'ada.lovelace',
  email: 'ada.lovelace@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  // Random per run, so the throwaway account never has a known password.
  password: randomBytes(18).toString('base64url'),
};

/**
 * Builds the input that an IdP-initiated launch of the Databricks application gives the response
 * builder: the catalog's NameID format and attributes, filled from the benchmark user.
 */
export function databricksLoginInput(signing: {
  signResponse: boolean;
  signAssertion: boolean;
}): LoginResponseInput {
  const now = new Date();
  return {
    issuer: `http://localhost:8080/saml2/${applicationSlug}`,
    destination: acsUrl,
    audience: acsUrl,
    nameId: benchUser.email,
    nameIdFormat: databricksTemplate.nameIdFormat,
    sessionIndex: '_' + randomBytes(16).toString('hex'),
    authnInstant: now,
    now,
    clockSkewSeconds: 60,
    ttlSeconds: 300,
    attributes: databricksAttributes(),
    ...signing,
  };
}

function databricksAttributes(): AssertionAttribute[] {
  return databricksTemplate.attributes.map((mapping) => {
    const { source } = mapping;
    let value = '';
    if ('constant' in source) value = source.constant;
    else if ('property' in source && source.property === 'displayName') {
      value = `${benchUser.firstName} ${benchUser.lastName}`;
    } else if ('property' in source) value = benchUser[source.property as keyof typeof benchUser];
    return { name: mapping.name, nameFormat: mapping.nameFormat, values: [value] };
  });
}
