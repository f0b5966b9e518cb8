/** How the emulator behaves; the fields marked inferred follow no Databricks source verbatim. */
export interface DatabricksScimOptions {
  /** The account ID in the account-level paths; other IDs get 404. */
  accountId: string;
  /** Bearer tokens the API accepts. */
  tokens: string[];
  /** `account` serves `/api/2.{0,1}/accounts/{id}/scim/v2`; `workspace` serves `/api/2.0/preview/scim/v2`. */
  level: 'account' | 'workspace';
  /** Requests per second across all methods (token bucket). Databricks documents 25. */
  ratePerSecond?: number;
  /** Lower per-method limits in requests per second, e.g. `{ PATCH: 2 }` (inferred units). */
  perMethodRates?: Partial<Record<HttpMethod, number>>;
  /** Send `Retry-After` with this many seconds on 429; Databricks sometimes sends none. */
  retryAfterSeconds?: number;
  /** Group LIST leaves out `members` (accounts created after 2025-08-22). Default: account level. */
  listGroupsWithoutMembers?: boolean;
  /** Store a user's `externalId` (inferred toggle). Default: only at workspace level. */
  persistExternalId?: boolean;
  faults?: {
    /** Every Nth request fails with 500 REQUEST_LIMIT_EXCEEDED. */
    requestLimitExceededEvery?: number;
    /** Every Nth request fails with 500 and `"detail":"null"`. */
    nullDetailEvery?: number;
  };
  /** Group reads show the state of this many milliseconds ago (eventual consistency). */
  readLagMs?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type ResolvedOptions = Required<
  Omit<DatabricksScimOptions, 'retryAfterSeconds' | 'perMethodRates' | 'faults'>
> &
  Pick<DatabricksScimOptions, 'retryAfterSeconds'> & {
    perMethodRates: Partial<Record<HttpMethod, number>>;
    faults: NonNullable<DatabricksScimOptions['faults']>;
  };

export function resolveOptions(options: DatabricksScimOptions): ResolvedOptions {
  const account = options.level === 'account';
  return {
    ...options,
    ratePerSecond: options.ratePerSecond ?? 25,
    perMethodRates: options.perMethodRates ?? {},
    listGroupsWithoutMembers: options.listGroupsWithoutMembers ?? account,
    persistExternalId: options.persistExternalId ?? !account,
    faults: options.faults ?? {},
    readLagMs: options.readLagMs ?? 0,
  };
}
