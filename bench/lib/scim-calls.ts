import type { RequestRecord } from '../../test/support/databricks-scim/requests.ts';

/** Counts of the requests in a slice of the emulator's request log. */
export interface CallCounts {
  /** Every request, including those that got a 429 response. */
  total: number;
  byMethod: Record<'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', number>;
  /** GET requests by purpose: list pages, lookups by filter, and reads of one resource by ID. */
  gets: { list: number; lookup: number; read: number };
  /** Requests that change the SP: every method but GET. */
  writes: number;
  /** Requests that got 429 Too Many Requests. */
  throttled: number;
  /** Requests that got another status outside 2xx, or no response at all (status 0). */
  failed: number;
}

export function countCalls(records: readonly RequestRecord[]): CallCounts {
  const counts: CallCounts = {
    total: records.length,
    byMethod: { GET: 0, POST: 0, PATCH: 0, PUT: 0, DELETE: 0 },
    gets: { list: 0, lookup: 0, read: 0 },
    writes: 0,
    throttled: 0,
    failed: 0,
  };
  for (const record of records) {
    const method = record.method as keyof CallCounts['byMethod'];
    counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
    if (method === 'GET') counts.gets[getKind(record.path)] += 1;
    else counts.writes += 1;

    if (record.status === 429) counts.throttled += 1;
    else if (record.status < 200 || record.status > 299) counts.failed += 1;
  }
  return counts;
}

function getKind(path: string): keyof CallCounts['gets'] {
  if (/[?&]filter=/.test(path)) return 'lookup';
  return /\/scim\/v2\/[^/?]+\/[^/?]+/.test(path) ? 'read' : 'list';
}
