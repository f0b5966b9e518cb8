import type { Request } from 'express';
import { ScimError } from './errors.ts';

type Resource = Record<string, unknown>;
type SortOrder = 'ascending' | 'descending';

/**
 * Orders resources for a list response, following RFC 7644 section 3.4.2.3:
 * - without `sortBy`, by numeric ID, and `sortOrder` is ignored;
 * - `sortBy` names one of `sortable` (matched without regard to case), and `sortOrder`
 *   defaults to `ascending`;
 * - `id` compares as a number, other attributes as strings without regard to case;
 * - a resource without the attribute comes last when ascending and first when descending;
 * - ties keep ascending ID order either way.
 *
 * NOTE: how Databricks responds to a `sortBy` it cannot sort by is not documented. The emulator
 * rejects it with 400 invalidValue, so that a client's typo does not pass unnoticed.
 */
export function sortResources(
  resources: Resource[],
  query: Request['query'],
  sortable: readonly string[],
): Resource[] {
  const byId = (a: Resource, b: Resource) => Number(a.id) - Number(b.id);
  if (query.sortBy === undefined) return [...resources].sort(byId);

  const attribute = readSortBy(query.sortBy, sortable);
  const direction = readSortOrder(query.sortOrder) === 'descending' ? -1 : 1;
  return [...resources].sort((a, b) => direction * compareAttribute(a, b, attribute) || byId(a, b));
}

function readSortBy(value: unknown, sortable: readonly string[]): string {
  const attribute =
    typeof value === 'string'
      ? sortable.find((name) => name.toLowerCase() === value.toLowerCase())
      : undefined;
  if (attribute === undefined) {
    const requested = typeof value === 'string' ? value : String(value);
    throw new ScimError(
      400,
      `sortBy ${requested} is not supported; use one of ${sortable.join(', ')}`,
      'invalidValue',
    );
  }
  return attribute;
}

function readSortOrder(value: unknown): SortOrder {
  if (value === undefined) return 'ascending';
  if (value === 'ascending' || value === 'descending') return value;
  throw new ScimError(400, 'sortOrder must be ascending or descending', 'invalidValue');
}

/** Compares one attribute in ascending order, with a missing value after every present one. */
function compareAttribute(a: Resource, b: Resource, attribute: string): number {
  const left = a[attribute];
  const right = b[attribute];
  if (left === undefined || right === undefined) {
    return Number(left === undefined) - Number(right === undefined);
  }
  if (attribute === 'id') return Number(left) - Number(right);

  const leftText = String(left).toLowerCase();
  const rightText = String(right).toLowerCase();
  if (leftText === rightText) return 0;
  return leftText < rightText ? -1 : 1;
}
