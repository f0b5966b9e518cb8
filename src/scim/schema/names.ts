import {
  commonAttributes,
  enterpriseUserSchema,
  groupSchema,
  userSchema,
  type AttributeDefinition,
  type SchemaDefinition,
} from './definitions.ts';

/** The schemas of one resource type: its core schema and its extensions. */
export interface ResourceShape {
  resourceType: 'User' | 'Group';
  core: SchemaDefinition;
  extensions: SchemaDefinition[];
}

export const userShape: ResourceShape = {
  resourceType: 'User',
  core: userSchema,
  extensions: [enterpriseUserSchema],
};

export const groupShape: ResourceShape = {
  resourceType: 'Group',
  core: groupSchema,
  extensions: [],
};

/** An attribute path resolved against a resource's schemas, with names in their defined case. */
export interface ResolvedPath {
  /** The extension's URN, or undefined for the core schema and the common attributes. */
  extension?: string;
  /** Undefined when the path names a whole extension. */
  attribute?: AttributeDefinition;
  subAttribute?: AttributeDefinition;
  /** The path as the resource's JSON names it, such as `name.givenName` or `<urn>:manager.value`. */
  canonical: string;
}

function findAttribute(list: AttributeDefinition[] | undefined, name: string) {
  const key = name.toLowerCase();
  return list?.find((attribute) => attribute.name.toLowerCase() === key);
}

/**
 * Resolves a dotted attribute path such as `name.givenName`, optionally prefixed by a schema
 * URN, without regard to case (RFC 7643 section 2.1). Returns undefined for an unknown name.
 */
export function resolvePath(path: string, shape: ResourceShape): ResolvedPath | undefined {
  const lower = path.toLowerCase();
  for (const extension of shape.extensions) {
    const urn = extension.id.toLowerCase();
    if (lower === urn) return { extension: extension.id, canonical: extension.id };
    if (lower.startsWith(`${urn}:`)) {
      return resolveIn(path.slice(urn.length + 1), extension.attributes, extension.id);
    }
  }

  const core = shape.core.id.toLowerCase();
  const relative = lower.startsWith(`${core}:`) ? path.slice(core.length + 1) : path;
  return resolveIn(relative, [...commonAttributes, ...shape.core.attributes]);
}

function resolveIn(
  path: string,
  attributes: AttributeDefinition[],
  extension?: string,
): ResolvedPath | undefined {
  const [name, subName, ...rest] = path.split('.');
  if (name === undefined || rest.length > 0) return undefined;

  const attribute = findAttribute(attributes, name);
  if (!attribute) return undefined;
  const subAttribute =
    subName === undefined ? undefined : findAttribute(attribute.subAttributes, subName);
  if (subName !== undefined && !subAttribute) return undefined;

  const relative = subAttribute ? `${attribute.name}.${subAttribute.name}` : attribute.name;
  return {
    extension,
    attribute,
    subAttribute,
    canonical: extension ? `${extension}:${relative}` : relative,
  };
}

/** Reads "true" and "false" in any letter case as booleans, as Entra ID sends them. */
function coerceBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return value;
}

/**
 * Returns `value` with the keys of known attributes in their defined case and boolean strings
 * read as booleans, following `attribute`. Keys of unknown attributes are dropped, because
 * Sesame does not store them.
 */
export function canonicalValue(value: unknown, attribute: AttributeDefinition): unknown {
  if (attribute.multiValued && Array.isArray(value)) {
    return value.map((item) => canonicalValue(item, { ...attribute, multiValued: false }));
  }
  if (attribute.type === 'boolean') return coerceBoolean(value);
  if (attribute.type !== 'complex' || !isObject(value)) return value;
  return canonicalObject(value, attribute.subAttributes ?? []);
}

function canonicalObject(value: Record<string, unknown>, attributes: AttributeDefinition[]) {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const attribute = findAttribute(attributes, key);
    if (attribute) result[attribute.name] = canonicalValue(item, attribute);
  }
  return result;
}

/**
 * Returns a resource body with every known attribute in its defined case, the extension objects
 * under their URNs, and unknown attributes dropped. Keys may also be attribute paths such as
 * `name.givenName` or `<urn>:department`, as PATCH values without a path use them.
 */
export function canonicalResource(
  body: Record<string, unknown>,
  shape: ResourceShape,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      result.schemas = value;
      continue;
    }
    const path = resolvePath(key, shape);
    if (!path) continue;

    if (!path.attribute) {
      const extension = shape.extensions.find((schema) => schema.id === path.extension);
      result[path.canonical] = isObject(value)
        ? canonicalObject(value, extension?.attributes ?? [])
        : value;
    } else {
      result[path.canonical] = canonicalValue(value, path.subAttribute ?? path.attribute);
    }
  }
  return result;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
