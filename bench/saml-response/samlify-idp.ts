import * as samlify from 'samlify';
import { acsUrl, applicationSlug, benchUser } from './databricks.ts';

const emailAddressFormat = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/**
 * Configures a samlify IdentityProvider and ServiceProvider like the Databricks application, and
 * returns a function that builds one HTTP-POST login Response with samlify's default template,
 * the Response signed with RSA-SHA256 and the Assertion unsigned.
 */
export function createSamlifyLoginResponse(
  keyPem: string,
  certificatePem: string,
): () => Promise<string> {
  // samlify refuses to parse any message until a schema validator is set. createLoginResponse
  // parses nothing, and nothing in the benchmark process parses SAML with samlify, so a validator
  // that accepts everything is safe here. Outside a benchmark it would disable schema checks.
  samlify.setSchemaValidator({ validate: async () => 'skipped' });

  const endpoint = `http://localhost:8080/saml2/${applicationSlug}`;
  const post = samlify.Constants.namespace.binding.post;
  const identityProvider = samlify.IdentityProvider({
    entityID: endpoint,
    privateKey: keyPem,
    signingCert: certificatePem,
    nameIDFormat: [emailAddressFormat],
    requestSignatureAlgorithm: samlify.Constants.algorithms.signature.RSA_SHA256,
    singleSignOnService: [{ Binding: post, Location: endpoint }],
    // Unused, but without it samlify prints a warning when the IdP is built.
    singleLogoutService: [{ Binding: post, Location: `${endpoint}/logout` }],
  });
  const serviceProvider = samlify.ServiceProvider({
    entityID: acsUrl,
    wantMessageSigned: true,
    wantAssertionsSigned: false,
    assertionConsumerService: [{ Binding: post, Location: acsUrl }],
  });

  return async () => {
    // No parsed AuthnRequest, because IdP-initiated SSO has none, so InResponseTo stays empty.
    const context = await identityProvider.createLoginResponse(
      serviceProvider,
      { extract: {} },
      'post',
      {
        email: benchUser.email,
      },
    );
    return Buffer.from(context.context, 'base64').toString('utf8');
  };
}
