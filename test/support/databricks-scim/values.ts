import { accountEntitlementsDetail, workspaceEntitlements } from './constants.ts';
import { ScimError, unparsable } from './errors.ts';
import type { PatchOperation } from './patch.ts';
import type { Member, ValueEntry } from './state.ts';

type PatchOp = PatchOperation['op'];

export type Level = 'account' | 'workspace';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireSchema(body: unknown, schema: string): Record<string, unknown> {
  if (!isObject(body)) throw unparsable();
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(schema)) {
    throw new ScimError(400, `schemas must include ${schema}`, 'invalidValue');
  }
  return body;
}

export function requireString(body: Record<string, unknown>, attribute: string): string {
  const value = body[attribute];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ScimError(400, `${attribute} is required`, 'invalidValue');
  }
  return value;
}

export function optionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw unparsable();
  return value;
}

/**
 * Reads `active` in each shape clients send: `false`, `"false"`, Entra's `"False"`, and the
 * Terraform provider's `[{"value":"false"}]`. Anything else is unparsable.
 */
export function parseActive(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) {
    return value.toLowerCase() === 'true';
  }
  if (Array.isArray(value) && value.length === 1 && isObject(value[0])) {
    return parseActive(value[0].value);
  }
  throw unparsable();
}

/** Parses a list of `{value}` objects. Databricks rejects a bare string or object as unparsable. */
export function parseValueList(value: unknown): ValueEntry[] {
  if (!Array.isArray(value)) throw unparsable();
  return value.map((entry) => {
    if (!isObject(entry) || typeof entry.value !== 'string') throw unparsable();
    return { value: entry.value };
  });
}

export function parseMembers(value: unknown): Member[] {
  if (!Array.isArray(value)) throw unparsable();
  return value.map((entry) => {
    if (!isObject(entry) || typeof entry.value !== 'string') throw unparsable();
    return { value: entry.value };
  });
}

/** Entitlements exist only in workspaces, and only the documented values. */
export function parseEntitlements(value: unknown, level: Level): ValueEntry[] {
  if (value === undefined) return [];
  if (level === 'account') throw new ScimError(400, accountEntitlementsDetail, 'invalidValue');

  const entries = parseValueList(value);
  const unknown = entries.find((entry) => !workspaceEntitlements.includes(entry.value));
  if (unknown) {
    throw new ScimError(400, `entitlements value ${unknown.value} is not valid`, 'invalidValue');
  }
  return entries;
}

/** Applies add, remove or replace to a list of `{value}` entries; remove with none empties it. */
export function changeValues<T extends ValueEntry>(current: T[], op: PatchOp, entries: T[]): T[] {
  if (op === 'replace') return entries;
  if (op === 'add') {
    return [...current, ...entries.filter((e) => !current.some((c) => c.value === e.value))];
  }
  if (entries.length === 0) return [];
  return current.filter((held) => !entries.some((entry) => entry.value === held.value));
}
