import type { FaultSettings } from './faults.ts';
import type { RequestRecord } from './requests.ts';

/** How the emulator behaves; the fields marked inferred follow no Databricks source verbatim. */
export interface DatabricksScimOptions {
  /** The account ID in the account-level paths; other IDs get 404. */
  accountId: string;
  /** Bearer tokens the API accepts. */
  tokens: string[];
  /**
   * `account` serves `/api/2.{0,1}/accounts/{id}/scim/v2` and, as a workspace host does,
   * `/api/2.0/account/scim/v2`; `workspace` serves `/api/2.0/preview/scim/v2`.
   */
  level: 'account' | 'workspace';
  /**
   * The userName that owns each token, for `GET /Me` at workspace level (inferred: Databricks
   * ties a token to its user, which the emulator cannot know). Each key must be in `tokens`.
   */
  tokenOwners?: Record<string, string>;
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
  /** Faults in force from the start; `DatabricksScim.faults` changes them later. */
  faults?: FaultSettings;
  /** Group reads show the state of this many milliseconds ago (eventual consistency). */
  readLagMs?: number;
  /** Called with each entry as it is added to `DatabricksScim.requests`. */
  onRequest?: (record: RequestRecord) => void;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type ResolvedOptions = Required<
  Omit<DatabricksScimOptions, 'retryAfterSeconds' | 'perMethodRates' | 'faults' | 'onRequest'>
> &
  Pick<DatabricksScimOptions, 'retryAfterSeconds' | 'onRequest'> & {
    perMethodRates: Partial<Record<HttpMethod, number>>;
    faults: FaultSettings;
  };

export function resolveOptions(options: DatabricksScimOptions): ResolvedOptions {
  const account = options.level === 'account';
  const tokenOwners = options.tokenOwners ?? {};
  if (Object.keys(tokenOwners).some((token) => !options.tokens.includes(token))) {
    throw new Error('tokenOwners has a token that is not in tokens; add it to tokens');
  }

  return {
    ...options,
    tokenOwners,
    ratePerSecond: options.ratePerSecond ?? 25,
    perMethodRates: options.perMethodRates ?? {},
    listGroupsWithoutMembers: options.listGroupsWithoutMembers ?? account,
    persistExternalId: options.persistExternalId ?? !account,
    faults: options.faults ?? {},
    readLagMs: options.readLagMs ?? 0,
  };
}
