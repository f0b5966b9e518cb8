import type { SeededDirectory, SeededUser } from './scim-server-seed.ts';

/** One kind of SCIM list request, repeated with different parameters. */
export interface ReadScenario {
  label: string;
  /** The request's shape, for the report. */
  shape: string;
  requests: number;
  warmupRequests: number;
  /**
   * Returns the query parameters of request `index`. Warm-up requests use the indexes after the
   * timed ones.
   */
  parameters(index: number): Record<string, string>;
  /** Returns what is wrong with the ListResponse of request `index`, or undefined if nothing. */
  check(index: number, response: ListResponse): string | undefined;
  /** Tells whether request `index` reads one of the last pages, for a separate median. */
  deep?(index: number): boolean;
}

/** The parts of a SCIM ListResponse that the checks read. */
export interface ListResponse {
  totalResults?: unknown;
  startIndex?: unknown;
  Resources?: Array<{ id?: unknown; userName?: unknown; groups?: Array<{ value?: unknown }> }>;
}

export const pageSize = 100;

/**
 * Returns the fractional part of `index` × the golden ratio, a sequence that spreads evenly over
 * [0, 1) without repeating, so requests visit users and offsets all over the table.
 */
function spread(index: number): number {
  return (index * 0.6180339887498949) % 1;
}

/** Builds the scenarios: lookups by userName and pages unsorted, filtered and sorted. */
export function readScenarios(directory: SeededDirectory): ReadScenario[] {
  const { users } = directory;
  const byUserName = [...users].sort((a, b) => (a.userName < b.userName ? -1 : 1));
  const startIndexOf = (index: number) => 1 + Math.floor(spread(index) * (users.length - pageSize));
  // Every tenth page is one of the last 100 pages, so deep offsets are always measured.
  const deep = (index: number) => index % 10 === 9;
  const variedStartIndex = (index: number) =>
    deep(index) ? users.length - pageSize + 1 - (index % 100) * pageSize : startIndexOf(index);

  return [
    {
      label: 'lookup by userName',
      shape: '`filter=userName eq "user<n>@example.com"`',
      requests: 2_000,
      warmupRequests: 200,
      parameters: (index) => ({
        filter: `userName eq "${users[Math.floor(spread(index) * users.length)]!.userName}"`,
      }),
      check: (index, response) =>
        checkLookup(response, users[Math.floor(spread(index) * users.length)]!),
    },
    {
      label: 'page in order of creation',
      shape: '`startIndex=<n>&count=100`',
      requests: 500,
      warmupRequests: 20,
      parameters: (index) => ({
        startIndex: String(variedStartIndex(index)),
        count: String(pageSize),
      }),
      check: (index, response) => checkPage(response, users, variedStartIndex(index)),
      deep,
    },
    {
      label: 'page of `emails.value co "@example"`',
      shape: '`filter=emails.value co "@example"&startIndex=<n>&count=100`',
      requests: 200,
      warmupRequests: 10,
      parameters: (index) => ({
        filter: 'emails.value co "@example"',
        startIndex: String(variedStartIndex(index)),
        count: String(pageSize),
      }),
      check: (index, response) => checkPage(response, users, variedStartIndex(index)),
      deep,
    },
    {
      label: 'page sorted by userName',
      shape: '`sortBy=userName&startIndex=<n>&count=100`',
      requests: 200,
      warmupRequests: 10,
      parameters: (index) => ({
        sortBy: 'userName',
        startIndex: String(variedStartIndex(index)),
        count: String(pageSize),
      }),
      check: (index, response) => checkPage(response, byUserName, variedStartIndex(index)),
      deep,
    },
  ];
}

/** Checks that the response contains exactly `user`, with its ID, userName and groups. */
function checkLookup(response: ListResponse, user: SeededUser): string | undefined {
  if (response.totalResults !== 1) return `totalResults is ${response.totalResults}, expected 1`;
  const resource = response.Resources?.[0];
  if (response.Resources?.length !== 1 || !resource) return 'Resources does not hold one user';
  if (resource.id !== user.id) return `id is ${resource.id}, expected ${user.id}`;
  if (resource.userName !== user.userName) {
    return `userName is ${resource.userName}, expected ${user.userName}`;
  }

  const groups = (resource.groups ?? []).map((group) => String(group.value)).sort();
  const expected = [...user.groupIds].sort();
  if (groups.join() !== expected.join()) {
    return `groups are [${groups.join(', ')}], expected [${expected.join(', ')}]`;
  }
  return undefined;
}

/** Checks the total, the startIndex and the IDs of a page against users in the expected order. */
function checkPage(
  response: ListResponse,
  ordered: SeededUser[],
  startIndex: number,
): string | undefined {
  if (response.totalResults !== ordered.length) {
    return `totalResults is ${response.totalResults}, expected ${ordered.length}`;
  }
  if (response.startIndex !== startIndex) {
    return `startIndex is ${response.startIndex}, expected ${startIndex}`;
  }

  const ids = (response.Resources ?? []).map((resource) => resource.id);
  const expected = ordered.slice(startIndex - 1, startIndex - 1 + pageSize).map((user) => user.id);
  if (ids.length !== expected.length) {
    return `Resources holds ${ids.length} users, expected ${expected.length}`;
  }
  const first = ids.findIndex((id, position) => id !== expected[position]);
  if (first >= 0) {
    return `user ${startIndex + first} of the list is ${ids[first]}, expected ${expected[first]}`;
  }
  return undefined;
}
