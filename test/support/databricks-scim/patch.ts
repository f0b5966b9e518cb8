import { urn } from './constants.ts';
import { ScimError, unparsable } from './errors.ts';
import { isObject, requireSchema } from './values.ts';

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  /** The path as sent, or undefined for a path-less operation. */
  path: string | undefined;
  value: unknown;
}

/**
 * Reads a PatchOp envelope. Operation names are matched without regard to case, because
 * Entra's legacy mode sends `Add`, `Remove` and `Replace` (whether Databricks accepts them is
 * not documented).
 */
export function readPatch(body: unknown): PatchOperation[] {
  const envelope = requireSchema(body, urn.patchOp);
  const operations = envelope.Operations;
  if (!Array.isArray(operations) || operations.length === 0) throw unparsable();
  return operations.map(readOperation);
}

function readOperation(entry: unknown): PatchOperation {
  if (!isObject(entry) || typeof entry.op !== 'string') throw unparsable();
  const op = entry.op.toLowerCase();
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw new ScimError(400, `op ${entry.op} is not add, remove or replace`, 'invalidSyntax');
  }
  if (entry.path !== undefined && typeof entry.path !== 'string') throw unparsable();
  return { op, path: entry.path, value: entry.value };
}

/** The attributes of a path-less add or replace: its value must be an object. */
export function pathlessAttributes(operation: PatchOperation): [string, unknown][] {
  if (!isObject(operation.value)) throw unparsable();
  return Object.entries(operation.value);
}

export function noSuchAttribute(attribute: string): ScimError {
  return new ScimError(
    400,
    `No such attribute with the name : ${attribute} in the current resource`,
    'invalidPath',
  );
}
