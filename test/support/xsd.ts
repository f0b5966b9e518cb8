import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * XSD validation of SAML messages with xmllint against the OASIS SAML 2.0 schemas that Debian's
 * python3-pysaml2 installs. The schemas import XML Signature, XML Encryption and xml.xsd from
 * w3.org. The XML catalog beside this file maps those locations to pysaml2's local copies, and
 * xmllint runs with --nonet, so validation never reaches the network.
 */

export const pysaml2SchemaDirectory = '/usr/lib/python3/dist-packages/saml2/data/schemas';

const catalogPath = fileURLToPath(new URL('./saml-schemas.catalog.xml', import.meta.url));

const schemaFiles = {
  protocol: 'saml-schema-protocol-2.0.xsd',
  metadata: 'saml-schema-metadata-2.0.xsd',
} as const;

export type SamlSchema = keyof typeof schemaFiles;

export interface XsdValidationResult {
  valid: boolean;
  /** xmllint's messages, one per line, without its closing "validates" or "fails to validate". */
  errors: string[];
}

// xmllint's exit statuses (libxml2 2.9): 1 when the document is not well-formed, 3 when it
// breaks the schema, 5 when the schema itself does not compile.
const notWellFormedStatus = 1;
const invalidStatus = 3;

/**
 * Validates `xml` against the SAML 2.0 protocol schema (or the metadata schema). Throws, instead
 * of returning a result, when xmllint or the schemas are missing or a schema import is not
 * resolved, because then nothing was validated.
 */
export function validateAgainstSamlSchema(
  xml: string,
  schema: SamlSchema = 'protocol',
): XsdValidationResult {
  const schemaPath = `${pysaml2SchemaDirectory}/${schemaFiles[schema]}`;
  if (!fs.existsSync(schemaPath)) {
    throw new Error(
      `SAML schema ${schemaPath} not found: install python3-pysaml2 with scripts/ensure-peers.sh`,
    );
  }

  const result = spawnSync('xmllint', ['--nonet', '--noout', '--schema', schemaPath, '-'], {
    input: xml,
    encoding: 'utf8',
    env: { ...process.env, XML_CATALOG_FILES: catalogPath },
  });
  if (result.error) {
    throw new Error(
      `xmllint failed to start (${result.error.message}): run scripts/ensure-peers.sh`,
    );
  }

  const messages = result.stderr.split('\n').filter((line) => line.trim() !== '');
  // A skipped import leaves the signature and encryption types undeclared, so a "valid" result
  // would only mean that part of the schema was checked.
  const unresolved = messages.find((line) => line.includes('Failed to locate a schema'));
  if (unresolved || (result.status !== 0 && !isValidationFailure(result.status))) {
    throw new Error(`xmllint could not load the SAML schemas:\n${result.stderr}`);
  }

  return {
    valid: result.status === 0,
    errors: messages.filter((line) => line !== '- validates' && line !== '- fails to validate'),
  };
}

function isValidationFailure(status: number | null): boolean {
  return status === notWellFormedStatus || status === invalidStatus;
}
