import type { Request } from 'express';
import { sql, type RawBuilder } from 'kysely';
import type { Filter } from 'scim2-parse-filter';
import type { Db } from '../db/index.ts';
import { messages } from './constants.ts';
import { parseFilter } from './filter/parse.ts';
import { filterCondition, sortExpression, type FilterScope } from './filter/sql.ts';
import { queryParameter } from './http.ts';
import { readProjection, type Projection } from './projection.ts';
import { invalidValue } from './request-error.ts';

/**
 * Maximum number of resources in one list response, and the page size when `count` is not
 * given. ServiceProviderConfig announces it as `filter.maxResults`; a larger `count` is capped.
 */
export const maxPageSize = 200;

/** The query parameters of a list request (RFC 7644 section 3.4.2). */
export interface ListQuery {
  filter?: Filter;
  sortBy?: string;
  descending: boolean;
  /** 1-based index of the first resource to return. */
  startIndex: number;
  count: number;
  projection: Projection;
}

function integerParameter(req: Request, name: string): number | undefined {
  const text = queryParameter(req, name);
  if (text === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(text.trim())) {
    throw invalidValue(`Query parameter "${name}" must be an integer, not "${text.slice(0, 40)}"`);
  }
  return Number(text);
}

export function readListQuery(req: Request, scope: FilterScope): ListQuery {
  const filter = queryParameter(req, 'filter');
  const sortOrder = queryParameter(req, 'sortOrder')?.toLowerCase();
  if (sortOrder !== undefined && sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw invalidValue('Query parameter "sortOrder" must be "ascending" or "descending"');
  }

  // RFC 7644 section 3.4.2.4: a startIndex below 1 means 1, and a negative count means 0.
  const startIndex = Math.max(1, integerParameter(req, 'startIndex') ?? 1);
  const count = Math.min(maxPageSize, Math.max(0, integerParameter(req, 'count') ?? maxPageSize));
  return {
    filter: filter === undefined || filter.trim() === '' ? undefined : parseFilter(filter),
    sortBy: queryParameter(req, 'sortBy'),
    descending: sortOrder === 'descending',
    startIndex,
    count,
    projection: readProjection(req, scope.shape),
  };
}

/** Returns the WHERE condition of a list request, if it has a filter. */
function whereOf(query: ListQuery, scope: FilterScope) {
  return query.filter ? filterCondition(query.filter, scope) : undefined;
}

/**
 * Returns the ORDER BY terms of a list request. Resources without a value for `sortBy` come last in
 * ascending order and first in descending order (RFC 7644 section 3.4.2.3). The ID breaks ties,
 * so pages do not overlap. Without `sortBy`, resources are listed in order of creation.
 */
function orderOf(
  query: ListQuery,
  scope: FilterScope,
  table: 'users' | 'groups',
): RawBuilder<unknown>[] {
  const direction = sql.raw(query.descending ? 'desc' : 'asc');
  const id = sql.ref(`${table}.id`);
  if (query.sortBy === undefined)
    return [sql`${sql.ref(`${table}.created_at`)} asc`, sql`${id} asc`];

  const { expression, mayBeEmpty } = sortExpression(query.sortBy, scope);

  const terms = [sql`${expression} ${direction}`, sql`${id} asc`];
  if (mayBeEmpty) terms.unshift(sql`case when ${expression} = '' then 1 else 0 end ${direction}`);
  return terms;
}

/**
 * Counts the rows of `table` that match a list request and reads one page of them. Filtering,
 * sorting and paging all run in SQL.
 */
export async function pageOf<Row>(
  db: Db,
  table: 'users' | 'groups',
  scope: FilterScope,
  query: ListQuery,
): Promise<{ total: number; rows: Row[] }> {
  const where = whereOf(query, scope);
  let base = db.selectFrom(table);
  if (where) base = base.where(where);

  const { total } = await base
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  if (query.count === 0) return { total: Number(total), rows: [] };

  let page = base.selectAll();
  for (const term of orderOf(query, scope, table)) page = page.orderBy(term);
  const rows = await page
    .limit(query.count)
    .offset(query.startIndex - 1)
    .execute();
  return { total: Number(total), rows: rows as Row[] };
}

/** Builds a ListResponse (RFC 7644 section 3.4.2). */
export function listResponse(total: number, query: ListQuery, resources: unknown[]) {
  return {
    schemas: [messages.listResponse],
    totalResults: total,
    startIndex: query.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
