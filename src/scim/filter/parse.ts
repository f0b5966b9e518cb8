import { parse, type Filter } from 'scim2-parse-filter';
import { scimTypes } from '../constants.ts';
import { ScimRequestError } from '../request-error.ts';

// Filters are parsed with scim2-parse-filter 0.2 (Unlicense), the most downloaded SCIM filter
// parser on npm. It follows RFC 7644's ABNF, with value paths, `not` and operator precedence,
// and returns a plain AST that filter/sql.ts turns into SQL. scim-patch, which applies PATCH
// operations, parses its path filters with the same library, so both read one grammar.

/** Maximum length of a filter: a guard against parser recursion depth and huge SQL. */
export const maxFilterLength = 4096;

/** Maximum number of comparisons in one filter, so the SQL stays well under parameter limits. */
export const maxFilterComparisons = 100;

export function invalidFilter(detail: string): ScimRequestError {
  return new ScimRequestError(400, detail, scimTypes.invalidFilter);
}

/** Parses a SCIM filter, or throws 400 `invalidFilter` quoting the parser's reason. */
export function parseFilter(text: string): Filter {
  if (text.length > maxFilterLength) {
    throw invalidFilter(`Filter is longer than ${maxFilterLength} characters`);
  }

  let filter: Filter;
  try {
    filter = parse(text);
  } catch (error) {
    const reason = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
    throw invalidFilter(`Invalid filter: ${reason.slice(0, 200)}`);
  }

  if (countComparisons(filter) > maxFilterComparisons) {
    throw invalidFilter(`Filter has more than ${maxFilterComparisons} comparisons`);
  }
  return filter;
}

function countComparisons(filter: Filter): number {
  switch (filter.op) {
    case 'and':
    case 'or':
      return filter.filters.reduce((sum, part) => sum + countComparisons(part), 0);
    case 'not':
      return countComparisons(filter.filter);
    case '[]':
      return countComparisons(filter.valFilter);
    default:
      return 1;
  }
}
