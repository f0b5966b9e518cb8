import { stringify, type Filter } from 'scim2-parse-filter';
import { messages, scimTypes } from '../constants.ts';
import { parseFilter } from '../filter/parse.ts';
import { ScimRequestError } from '../request-error.ts';
import type { AttributeDefinition } from '../schema/definitions.ts';
import {
  canonicalResource,
  canonicalValue,
  isObject,
  resolvePath,
  type ResourceShape,
} from '../schema/names.ts';

/** One PATCH operation as scim-patch takes it, after `readPatchBody` normalised it. */
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

/** Maximum number of operations in one PATCH request. */
export const maxPatchOperations = 1000;

function invalidSyntax(detail: string) {
  return new ScimRequestError(400, detail, scimTypes.invalidSyntax);
}

function invalidPath(detail: string) {
  return new ScimRequestError(400, detail, scimTypes.invalidPath);
}

/**
 * Reads a PatchOp body (RFC 7644 section 3.5.2) and normalises the forms real clients send:
 * - op names in any letter case (Entra ID sends `Replace`, `Add`, `Remove`);
 * - attribute names in paths and values in any letter case, and "True"/"False" as booleans;
 * - the enterprise manager given as its ID alone (Entra ID), made `{ value }`;
 * - `remove` of `members` with a list of `{ value }`, made one filtered remove per member,
 *   because scim-patch would compare whole member objects and find none.
 * Operations on attributes that Sesame does not store are dropped, like such attributes in POST.
 */
export function readPatchBody(body: unknown, shape: ResourceShape): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('Request body must be a JSON object');
  const schemasKey = Object.keys(body).find((key) => key.toLowerCase() === 'schemas');
  const schemas = schemasKey === undefined ? undefined : body[schemasKey];
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(messages.patchOp))) {
    throw invalidSyntax(`schemas must contain "${messages.patchOp}"`);
  }

  const operationsKey = Object.keys(body).find((key) => key.toLowerCase() === 'operations');
  const operations = operationsKey === undefined ? undefined : body[operationsKey];
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('Operations must be a non-empty array of PATCH operations');
  }
  if (operations.length > maxPatchOperations) {
    throw invalidSyntax(`Operations has more than ${maxPatchOperations} operations`);
  }
  const expanded = operations.flatMap((operation, index) => readOperation(operation, index, shape));
  // A removal by a list of members becomes one operation per member, and each scans the whole
  // member list, so the cap applies after the expansion.
  if (expanded.length > maxPatchOperations) {
    throw invalidSyntax(
      `Operations has more than ${maxPatchOperations} operations, counting each member of a removal list`,
    );
  }
  return expanded;
}

function readOperation(operation: unknown, index: number, shape: ResourceShape): PatchOperation[] {
  const where = `Operations[${index}]`;
  if (!isObject(operation)) throw invalidSyntax(`${where} must be an object`);
  const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : undefined;
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw invalidSyntax(`${where}.op must be "add", "remove" or "replace"`);
  }
  if (operation.path !== undefined && typeof operation.path !== 'string') {
    throw invalidPath(`${where}.path must be a string`);
  }
  if (op !== 'remove' && !('value' in operation)) {
    throw invalidSyntax(`${where} must have a value for "${op}"`);
  }

  if (operation.path === undefined || operation.path.trim() === '') {
    if (op === 'remove') {
      throw new ScimRequestError(400, `${where} must have a path for "remove"`, scimTypes.noTarget);
    }
    if (!isObject(operation.value)) {
      throw invalidSyntax(`${where}.value must be an object when there is no path`);
    }
    return [{ op, value: flattenExtensions(canonicalResource(operation.value, shape), shape) }];
  }

  const target = readPath(operation.path, shape, where);
  if (!target) return [];
  const value = normaliseValue(operation.value, target);
  if (target.extension) return extensionOperations(op, target.path, value, target, where);

  if (op === 'remove' && target.path === 'members' && Array.isArray(value)) {
    const ids = new Set(
      value.map((member, position) => memberId(member, `${where}.value[${position}]`)),
    );
    return [...ids].map((id) => ({ op, path: `members[value eq ${JSON.stringify(id)}]` }));
  }
  return [{ op, path: target.path, ...(value !== undefined && { value }) }];
}

function memberId(member: unknown, where: string): string {
  if (isObject(member) && typeof member.value === 'string') return member.value;
  throw invalidSyntax(`${where} must be an object with a string "value"`);
}

function normaliseValue(value: unknown, target: PatchTarget): unknown {
  if (value === undefined) return undefined;
  if (target.definition.name === 'manager' && typeof value === 'string') return { value };
  return canonicalValue(value, target.definition);
}

/**
 * Splits an operation on a whole extension into one per attribute, because scim-patch reads
 * the last colon of a path as the end of the schema URN, which an extension URN alone defeats.
 */
function extensionOperations(
  op: PatchOperation['op'],
  urn: string,
  value: unknown,
  target: PatchTarget,
  where: string,
): PatchOperation[] {
  if (op === 'remove') {
    const names = (target.definition.subAttributes ?? []).map((attribute) => attribute.name);
    return names.map((name) => ({ op, path: `${urn}:${name}` }));
  }
  if (!isObject(value)) throw invalidSyntax(`${where}.value must be an object for an extension`);
  return Object.entries(value).map(([name, item]) => ({ op, path: `${urn}:${name}`, value: item }));
}

/** Turns `{ <urn>: { department } }` in a value without a path into `{ <urn>:department }`. */
function flattenExtensions(value: Record<string, unknown>, shape: ResourceShape) {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const isExtension = shape.extensions.some((schema) => schema.id === key);
    if (isExtension && isObject(item)) {
      for (const [name, inner] of Object.entries(item)) result[`${key}:${name}`] = inner;
    } else {
      result[key] = item;
    }
  }
  return result;
}

interface PatchTarget {
  /** Set when the path names a whole extension. */
  extension?: boolean;
  /** The path with names in their defined case, as scim-patch matches them. */
  path: string;
  /** The attribute or sub-attribute whose value the operation sets. */
  definition: AttributeDefinition;
}

const pathPattern = /^([^[\]]+?)(?:\[(.*)\](?:\.([^.[\]]+))?)?$/s;

/**
 * Reads `attrPath`, `attrPath[valFilter]` or `attrPath[valFilter].subAttr` (RFC 7644 section
 * 3.5.2). Returns undefined for an attribute that Sesame does not store, and throws 400
 * `invalidPath` for a malformed path or an unknown sub-attribute.
 */
function readPath(text: string, shape: ResourceShape, where: string): PatchTarget | undefined {
  const match = pathPattern.exec(text.trim());
  if (!match) throw invalidPath(`${where}.path "${text.slice(0, 100)}" is not a valid path`);
  const [, attributePath, filterText, subName] = match;

  const resolved = resolvePath(attributePath!, shape);
  if (!resolved) return undefined;
  if (!resolved.attribute) {
    if (filterText !== undefined) throw invalidPath(`${where}.path: an extension takes no filter`);
    const extension = shape.extensions.find((schema) => schema.id === resolved.extension);
    return {
      path: resolved.canonical,
      definition: extensionAttribute(extension?.attributes),
      extension: true,
    };
  }
  if (filterText === undefined) {
    return { path: resolved.canonical, definition: resolved.subAttribute ?? resolved.attribute };
  }

  const attribute = resolved.attribute;
  if (!attribute.multiValued || resolved.subAttribute) {
    throw invalidPath(
      `${where}.path: "${attribute.name}" is not multi-valued, so it takes no filter`,
    );
  }
  const filter = renameInFilter(parseValueFilter(filterText, where), attribute, where);
  const sub = subName === undefined ? undefined : findSub(attribute, subName, where);
  return {
    path: `${resolved.canonical}[${stringify(filter)}]${sub ? `.${sub.name}` : ''}`,
    definition: sub ?? attribute,
  };
}

/** Builds the definition of a whole extension as a PATCH target, whose value is an object. */
function extensionAttribute(attributes: AttributeDefinition[] = []): AttributeDefinition {
  return {
    name: 'extension',
    type: 'complex',
    multiValued: false,
    description: '',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    subAttributes: attributes,
  };
}

function parseValueFilter(text: string, where: string): Filter {
  try {
    return parseFilter(text);
  } catch (error) {
    throw invalidPath(`${where}.path has an invalid filter: ${(error as Error).message}`);
  }
}

function findSub(attribute: AttributeDefinition, name: string, where: string) {
  const sub = attribute.subAttributes?.find(
    (item) => item.name.toLowerCase() === name.toLowerCase(),
  );
  if (!sub) throw invalidPath(`${where}.path: "${attribute.name}" has no sub-attribute "${name}"`);
  return sub;
}

/** Puts the sub-attribute names of a value filter in their defined case. */
function renameInFilter(filter: Filter, attribute: AttributeDefinition, where: string): Filter {
  switch (filter.op) {
    case 'and':
    case 'or':
      return {
        ...filter,
        filters: filter.filters.map((part) => renameInFilter(part, attribute, where)),
      };
    case 'not':
      return { ...filter, filter: renameInFilter(filter.filter, attribute, where) };
    case '[]':
      throw invalidPath(`${where}.path has a filter nested in a filter`);
    default:
      return { ...filter, attrPath: findSub(attribute, filter.attrPath, where).name };
  }
}
