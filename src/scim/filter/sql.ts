import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Compare, Filter } from 'scim2-parse-filter';
import { invalidValue } from '../request-error.ts';
import { resolvePath, type ResourceShape } from '../schema/names.ts';
import { invalidFilter } from './parse.ts';

export type Condition = RawBuilder<SqlBool>;

/**
 * The SQL form of one SCIM attribute. Columns that may be NULL are given wrapped in
 * `coalesce(..., '')`, so that every condition is true or false and `not` inverts it.
 */
export type FilterAttribute =
  | {
      type: 'string';
      column: RawBuilder<unknown>;
      caseExact: boolean;
      /** The column stores the value lower-cased by JavaScript, such as `username_key`. */
      lowered?: boolean;
    }
  | { type: 'boolean'; is: (value: boolean) => Condition }
  | { type: 'dateTime'; column: RawBuilder<unknown> }
  | MultiValuedAttribute;

/** A multi-valued attribute held in another table: conditions on it become `exists (...)`. */
export interface MultiValuedAttribute {
  type: 'multiValued';
  exists: (condition: Condition | undefined) => Condition;
  /** Sub-attributes by lower-cased name; `value` is the one compared when none is named. */
  subAttributes: Record<string, FilterAttribute>;
}

/** The attributes a resource type can be filtered and sorted on, by lower-cased canonical path. */
export interface FilterScope {
  shape: ResourceShape;
  attributes: Record<string, FilterAttribute>;
}

type Lookup = (path: string) => { attribute: FilterAttribute; within?: MultiValuedAttribute };

/** Conditions that are always true and always false, for attributes with one fixed value. */
export const always = sql<SqlBool>`1 = 1`;
export const never = sql<SqlBool>`1 = 0`;

/** Turns a parsed filter into one SQL condition over the scope's table. */
export function filterCondition(filter: Filter, scope: FilterScope): Condition {
  return translate(filter, topLevelLookup(scope));
}

/**
 * Returns the SQL expression to sort by, or throws 400 `invalidValue` when the attribute is
 * unknown or not a single string or dateTime.
 */
export function sortExpression(path: string, scope: FilterScope) {
  const unsupported = invalidValue(`sortBy "${path.slice(0, 100)}" is not supported`);
  let found: ReturnType<Lookup>;
  try {
    found = topLevelLookup(scope)(path);
  } catch {
    throw unsupported;
  }
  const { attribute, within } = found;
  if (within || (attribute.type !== 'string' && attribute.type !== 'dateTime')) throw unsupported;
  if (attribute.type === 'dateTime') return { expression: attribute.column, mayBeEmpty: false };
  const expression =
    attribute.caseExact || attribute.lowered ? attribute.column : sql`lower(${attribute.column})`;
  // The lower-cased key columns (username, email, group name) are required and never empty, so
  // their sort needs no empty-last term and can use the key's unique index.
  return { expression, mayBeEmpty: !attribute.lowered };
}

function topLevelLookup(scope: FilterScope): Lookup {
  return (path) => {
    const resolved = resolvePath(path, scope.shape);
    const canonical = resolved?.canonical.toLowerCase();
    const direct = canonical === undefined ? undefined : scope.attributes[canonical];
    if (direct?.type === 'multiValued') return subAttributeOf(direct, 'value', path);
    if (direct) return { attribute: direct };

    // `groups.value`: a sub-attribute of a multi-valued attribute held in another table.
    const [parent, sub] = splitLast(canonical);
    const multi = parent === undefined ? undefined : scope.attributes[parent];
    if (multi?.type === 'multiValued' && sub !== undefined) return subAttributeOf(multi, sub, path);
    throw invalidFilter(`Filtering on "${path.slice(0, 100)}" is not supported`);
  };
}

function subAttributeOf(multi: MultiValuedAttribute, name: string, path: string) {
  const attribute = multi.subAttributes[name.toLowerCase()];
  if (!attribute) throw invalidFilter(`Filtering on "${path.slice(0, 100)}" is not supported`);
  return { attribute, within: multi };
}

function splitLast(path: string | undefined): [string | undefined, string | undefined] {
  const dot = path?.lastIndexOf('.') ?? -1;
  if (path === undefined || dot < 0) return [undefined, undefined];
  return [path.slice(0, dot), path.slice(dot + 1)];
}

function translate(filter: Filter, lookup: Lookup): Condition {
  switch (filter.op) {
    case 'and':
    case 'or': {
      const parts = filter.filters.map((part) => translate(part, lookup));
      return sql<SqlBool>`(${sql.join(parts, sql.raw(` ${filter.op} `))})`;
    }
    case 'not':
      return sql<SqlBool>`not (${translate(filter.filter, lookup)})`;
    case '[]':
      return valuePath(filter.attrPath, filter.valFilter, lookup);
    case 'pr': {
      const { attribute, within } = lookup(filter.attrPath);
      return inside(within, present(attribute));
    }
    default: {
      const { attribute, within } = lookup(filter.attrPath);
      return inside(within, compare(attribute, filter));
    }
  }
}

function inside(within: MultiValuedAttribute | undefined, condition: Condition): Condition {
  return within ? within.exists(condition) : condition;
}

/**
 * `emails[type eq "work" and value co "@example.com"]`: the inner filter names sub-attributes.
 * For a multi-valued attribute in another table, one `exists` contains the whole inner filter, so
 * every part of it must match the same value, as RFC 7644 section 3.4.2.2 requires.
 */
function valuePath(path: string, inner: Filter, lookup: Lookup): Condition {
  const { attribute, within } = lookup(path);
  if (within) {
    const subLookup: Lookup = (name) => subAttributeOf(within, name, `${path}.${name}`);
    return within.exists(translate(inner, subLookup));
  }
  if (attribute.type === 'string') {
    // A complex attribute stored in the row itself, such as the one email: its sub-attributes
    // are looked up by their full path.
    return translate(inner, (name) => lookup(`${path}.${name}`));
  }
  throw invalidFilter(`"${path.slice(0, 100)}" has no sub-attributes to filter on`);
}

function present(attribute: FilterAttribute): Condition {
  switch (attribute.type) {
    case 'string':
      return sql<SqlBool>`${attribute.column} <> ''`;
    case 'dateTime':
      return sql<SqlBool>`${attribute.column} is not null`;
    case 'boolean':
      return always;
    case 'multiValued':
      return attribute.exists(undefined);
  }
}

function compare(attribute: FilterAttribute, filter: Compare): Condition {
  const value = filter.compValue;
  switch (attribute.type) {
    case 'string':
      return compareString(attribute, filter.op, expectString(value, filter));
    case 'dateTime':
      return compareDate(attribute.column, filter, expectString(value, filter));
    case 'boolean':
      return compareBoolean(attribute.is, filter);
    case 'multiValued':
      // Lookups resolve a multi-valued attribute to one of its sub-attributes.
      throw invalidFilter(`"${filter.attrPath.slice(0, 100)}" needs a sub-attribute`);
  }
}

function expectString(value: Compare['compValue'], filter: Compare): string {
  if (typeof value === 'string') return value;
  throw invalidFilter(`"${filter.attrPath.slice(0, 100)}" must be compared with a string`);
}

function compareBoolean(is: (value: boolean) => Condition, filter: Compare): Condition {
  if (typeof filter.compValue !== 'boolean') {
    throw invalidFilter(`"${filter.attrPath.slice(0, 100)}" must be compared with true or false`);
  }
  if (filter.op === 'eq') return is(filter.compValue);
  if (filter.op === 'ne') return is(!filter.compValue);
  throw invalidFilter(`Operator "${filter.op}" does not apply to boolean "${filter.attrPath}"`);
}

function compareDate(column: RawBuilder<unknown>, filter: Compare, value: string): Condition {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw invalidFilter(`"${value.slice(0, 100)}" is not an xsd:dateTime`);
  }
  // Times are stored as toISOString() text, so text comparison orders them.
  const iso = time.toISOString();
  const operator = orderOperators[filter.op as keyof typeof orderOperators];
  if (!operator) {
    throw invalidFilter(`Operator "${filter.op}" does not apply to dateTime "${filter.attrPath}"`);
  }
  return sql<SqlBool>`${column} ${sql.raw(operator)} ${iso}`;
}

const orderOperators = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

type StringAttribute = Extract<FilterAttribute, { type: 'string' }>;

/**
 * Compares text per `caseExact`. A case-insensitive comparison lower-cases both sides, in
 * JavaScript for `lowered` columns (stored that way) and with SQL's lower() otherwise.
 */
function compareString(attribute: StringAttribute, op: Compare['op'], value: string): Condition {
  if (attribute.caseExact) return compareExact(attribute.column, op, value);

  const column = attribute.lowered ? attribute.column : sql`lower(${attribute.column})`;
  const operand = (text: string) =>
    attribute.lowered ? sql`${text.toLowerCase()}` : sql`lower(cast(${text} as text))`;

  const pattern = likePattern(op, value);
  if (pattern !== undefined) return sql<SqlBool>`${column} like ${operand(pattern)} escape '\\'`;
  return sql<SqlBool>`${column} ${sql.raw(orderOperators[op as keyof typeof orderOperators])} ${operand(value)}`;
}

/** Returns the LIKE pattern of `co`, `sw` and `ew`, with LIKE's wildcards escaped. */
function likePattern(op: Compare['op'], value: string): string | undefined {
  const escaped = value.replace(/[\\%_]/g, (character) => `\\${character}`);
  if (op === 'co') return `%${escaped}%`;
  if (op === 'sw') return `${escaped}%`;
  if (op === 'ew') return `%${escaped}`;
  return undefined;
}

/**
 * Compares text with regard to case. LIKE cannot serve, because SQLite's LIKE ignores the case
 * of ASCII letters, so `co`, `sw` and `ew` use replace() and substr(), which both engines have.
 */
function compareExact(column: RawBuilder<unknown>, op: Compare['op'], value: string): Condition {
  const text = sql`cast(${value} as text)`;
  switch (op) {
    case 'co':
      return value === '' ? always : sql<SqlBool>`replace(${column}, ${text}, '') <> ${column}`;
    case 'sw':
      return sql<SqlBool>`substr(${column}, 1, length(${text})) = ${text}`;
    case 'ew':
      // The length guard keeps SQLite's substr() from counting a negative start from the end.
      return sql<SqlBool>`(length(${column}) >= length(${text}) and substr(${column}, length(${column}) - length(${text}) + 1) = ${text})`;
    default:
      return sql<SqlBool>`${column} ${sql.raw(orderOperators[op as keyof typeof orderOperators])} ${text}`;
  }
}
