import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { ScimTokensTable } from '../db/schema.ts';
import { hashToken } from '../directory/api-keys.ts';
import type { Actor } from '../directory/service.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';

/** Prefix of every SCIM bearer token, so a leaked one is recognisable in logs and scanners. */
export const scimTokenPrefix = 'sesame_scim_';

/** Minimum time between two writes of a token's `last_used_at`. */
export const lastUsedIntervalMs = 60_000;

export interface ScimTokenInfo {
  id: string;
  name: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The client that a SCIM request authenticated as. */
export interface ScimClient {
  id: string;
  name: string;
}

/** Bearer tokens of the SCIM server: random, shown once, stored as SHA-256 hashes. */
export interface ScimTokens {
  /** Creates a token; returns it in clear text this once, because only its hash is stored. */
  create(name: string, by: Actor): Promise<ScimClient & { token: string }>;
  /** Lists every token, revoked ones included, newest first. */
  list(): Promise<ScimTokenInfo[]>;
  /** Revokes an active token; throws `not_found` when no active token has the ID. */
  revoke(id: string, by: Actor): Promise<void>;
  /**
   * Returns the client a token belongs to, or undefined when the token is unknown or revoked.
   * Records the time of use, at most once a minute per token.
   */
  authenticate(token: string): Promise<ScimClient | undefined>;
}

function toInfo(row: Omit<ScimTokensTable, 'token_hash'>): ScimTokenInfo {
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function validName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new SesameError(
      'input_invalid',
      'Invalid input: name must be 1-100 characters without control characters',
    );
  }
  return trimmed;
}

const infoColumns = [
  'id',
  'name',
  'created_by',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

/** Builds the token service; `now` is the clock, replaceable in tests. */
export function createScimTokens(
  db: Db,
  insights: Insights,
  now: () => Date = () => new Date(),
): ScimTokens {
  return {
    async create(name, by) {
      const row = {
        id: randomUUID(),
        name: validName(name),
        created_by: by.actor,
        created_at: nowIso(now()),
        last_used_at: null,
        revoked_at: null,
      };
      const token = scimTokenPrefix + randomBytes(32).toString('base64url');
      await db
        .insertInto('scim_tokens')
        .values({ ...row, token_hash: hashToken(token) })
        .execute();

      await insights.record({
        type: 'scim_token_create',
        outcome: 'success',
        ...by,
        details: { tokenId: row.id, name: row.name },
      });
      return { id: row.id, name: row.name, token };
    },

    async list() {
      const rows = await db
        .selectFrom('scim_tokens')
        .select(infoColumns)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(toInfo);
    },

    async revoke(id, by) {
      const row = await db
        .updateTable('scim_tokens')
        .set({ revoked_at: nowIso(now()) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returning(['id', 'name'])
        .executeTakeFirst();
      if (!row)
        throw new SesameError('not_found', `Active SCIM token ${id.slice(0, 64)} not found`);

      await insights.record({
        type: 'scim_token_revoke',
        outcome: 'success',
        ...by,
        details: { tokenId: row.id, name: row.name },
      });
    },

    async authenticate(token) {
      if (!token.startsWith(scimTokenPrefix) || token.length > 200) return undefined;

      // Looked up by hash: the comparison happens on a digest, so its timing reveals nothing
      // about the token.
      const row = await db
        .selectFrom('scim_tokens')
        .select(['id', 'name', 'last_used_at'])
        .where('token_hash', '=', hashToken(token))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;

      await touch(db, row, now());
      return { id: row.id, name: row.name };
    },
  };
}

/** Sets `last_used_at` unless it was set within the last minute, to spare a write per request. */
async function touch(db: Db, row: { id: string; last_used_at: string | null }, time: Date) {
  const cutoff = nowIso(new Date(time.getTime() - lastUsedIntervalMs));
  if (row.last_used_at !== null && row.last_used_at > cutoff) return;

  // The condition is repeated in the update so that concurrent requests write once.
  await db
    .updateTable('scim_tokens')
    .set({ last_used_at: nowIso(time) })
    .where('id', '=', row.id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', cutoff)]))
    .execute();
}
