import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';
import { statusCodes } from '../constants.ts';
import { createLimiter } from './schema-limit.ts';
import { SamlError } from '../../errors.ts';

// The OASIS SAML 2.0, XML Signature and XML Encryption schemas ship with
// @authenio/samlify-xmllint-wasm, samlify's own validator package. Its validate() logs the
// documents it rejects, so Sesame reads only its schema files and calls xmllint-wasm itself.
const schemaFiles = [
  'saml-schema-protocol-2.0.xsd',
  'saml-schema-assertion-2.0.xsd',
  'xmldsig-core-schema.xsd',
  'xenc-schema.xsd',
  'XMLSchema.dtd',
  'datatypes.dtd',
];

let schemas: { main: XMLFileInfo; preload: XMLFileInfo[] } | undefined;

function loadSchemas() {
  const require = createRequire(import.meta.url);
  const folder = path.join(
    path.dirname(require.resolve('@authenio/samlify-xmllint-wasm/package.json')),
    'schemas',
  );
  const [main, ...preload] = schemaFiles.map((fileName) => ({
    fileName,
    contents: fs.readFileSync(path.join(folder, fileName), 'utf8'),
  }));
  return { main: main as XMLFileInfo, preload };
}

// Each validation starts a WebAssembly libxml2 and compiles the schemas again: about 0.2 s of
// CPU and 17 MB while it runs (measured on 2 cores). Two at a time, and a short queue, keep a
// flood of anonymous AuthnRequests from exhausting memory.
const limit = createLimiter(2, 16);

/**
 * Validates SAML protocol XML against the OASIS SAML 2.0 schemas with libxml2 (compiled to
 * WebAssembly). Throws `saml_request_invalid` with the first schema error, or `server_busy`
 * when too many validations are already waiting.
 */
export async function validateAgainstSchema(xml: string): Promise<void> {
  schemas ??= loadSchemas();
  const loaded = schemas;
  const result = await limit(() =>
    validateXML({
      xml: [{ fileName: 'request.xml', contents: xml }],
      schema: [loaded.main],
      preload: loaded.preload,
    }),
  );

  if (!result.valid) {
    const first = result.errors[0]?.message ?? 'unknown error';
    throw new SamlError(
      'saml_request_invalid',
      `SAMLRequest does not match the SAML 2.0 schema: ${first}`,
      {
        top: statusCodes.requester,
      },
    );
  }
}
