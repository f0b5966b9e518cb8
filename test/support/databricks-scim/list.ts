import type { Request } from 'express';
import { defaultCount, urn } from './constants.ts';
import { ScimError } from './errors.ts';
import { matches, parseFilter } from './filter.ts';
import { sortResources } from './sort.ts';

type Resource = Record<string, unknown>;

/**
 * Builds a ListResponse from resources as the client would see them: filtered, ordered by
 * `sortBy` (one of `sortable`) or else by numeric ID, paged by the 1-based `startIndex` and
 * `count`, then cut to `attributes` or without `excludedAttributes` (top-level names only).
 */
export function listResponse(
  resources: Resource[],
  req: Request,
  sortable: readonly string[],
): Resource {
  const query = req.query;
  const filter = typeof query.filter === 'string' ? parseFilter(query.filter) : undefined;
  const startIndex = Math.max(1, readInteger(query.startIndex, 'startIndex') ?? 1);
  const count = Math.max(0, readInteger(query.count, 'count') ?? defaultCount);

  const selected = sortResources(
    resources.filter((resource) => !filter || matches(filter, resource)),
    query,
    sortable,
  );
  const page = selected.slice(startIndex - 1, startIndex - 1 + count);

  return {
    schemas: [urn.listResponse],
    totalResults: selected.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page.map((resource) => project(resource, query)),
  };
}

function readInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
  }
  return Number(value);
}

function project(resource: Resource, query: Request['query']): Resource {
  const names = (value: unknown): string[] =>
    typeof value === 'string' ? value.split(',').map((name) => name.trim().toLowerCase()) : [];
  const wanted = names(query.attributes);
  const excluded = names(query.excludedAttributes);

  return Object.fromEntries(
    Object.entries(resource).filter(([key]) => {
      const name = key.toLowerCase();
      if (name === 'id' || name === 'schemas') return true;
      if (wanted.length > 0 && !wanted.includes(name)) return false;
      return !excluded.includes(name);
    }),
  );
}
