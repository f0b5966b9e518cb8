import { ScimError, scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { scimTypes, type ScimType } from '../constants.ts';
import { ScimRequestError } from '../request-error.ts';
import type { PatchOperation } from './operations.ts';

// PATCH operations are applied to the resource's JSON with scim-patch 0.8 (Unlicense), the most
// downloaded SCIM PATCH library on npm. It implements RFC 7644 section 3.5.2: add, remove and
// replace with paths, value filters and sub-attributes, and operations without a path. It
// declares no Node engines; the tests in test/scim run it on Node 20. operations.ts first
// normalises what Entra ID and Okta send, and the patched JSON is then read like a PUT body,
// so one set of rules checks both.

const knownTypes = new Set<string>(Object.values(scimTypes));

/**
 * Applies PATCH operations to a copy of `resource`, then rejects changes to read-only attributes
 * (`readOnly`) with 400 `mutability`. scim-patch's own errors keep their `scimType`.
 */
export function applyPatch(
  resource: Record<string, unknown>,
  operations: PatchOperation[],
  readOnly: string[],
): Record<string, unknown> {
  let patched: Record<string, unknown>;
  try {
    patched = scimPatch(resource as unknown as ScimResource, operations as ScimPatchOperation[], {
      mutateDocument: false,
      treatMissingAsAdd: true,
    }) as unknown as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    const code = error.scimCode ?? '';
    const scimType = knownTypes.has(code) ? (code as ScimType) : scimTypes.invalidSyntax;
    throw new ScimRequestError(400, error.message, scimType);
  }

  for (const key of readOnly) {
    if (JSON.stringify(resource[key]) !== JSON.stringify(patched[key])) {
      throw new ScimRequestError(
        400,
        `${key} is read-only and cannot be changed`,
        scimTypes.mutability,
      );
    }
  }
  return patched;
}
