import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';

type Actor = { actor: string; sourceIp?: string | null };

export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Prefix of every admin API token, so a leaked one is recognisable in logs and scanners. */
export const apiTokenPrefix = 'sesame_ak_';

/** Admin API keys: random tokens shown once, stored as SHA-256 hashes, tied to an administrator. */
export interface ApiKeys {
  /** Creates a key for administrator `userId`; returns the token, which is never shown again. */
  create(userId: string, name: string, by: Actor): Promise<{ key: ApiKey; token: string }>;
  list(userId?: string): Promise<ApiKey[]>;
  revoke(id: string, by: Actor): Promise<void>;
  /**
   * Returns the administrator a token acts as, or undefined when the token is unknown or revoked,
   * or its owner is no longer an active administrator.
   */
  authenticate(token: string): Promise<UsersTable | undefined>;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function toKey(row: {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

const keyColumns = ['id', 'user_id', 'name', 'created_at', 'last_used_at', 'revoked_at'] as const;

export function createApiKeys(db: Db, insights: Insights): ApiKeys {
  return {
    async create(userId, name, by) {
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 100 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
        throw new SesameError(
          'input_invalid',
          'Invalid input: name must be 1-100 characters without control characters',
        );
      }
      const owner = await db
        .selectFrom('users')
        .select(['is_admin', 'username'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!owner || owner.is_admin !== 1)
        throw new SesameError('forbidden', 'Only administrators can hold admin API keys');

      const token = apiTokenPrefix + randomBytes(32).toString('base64url');
      const row = {
        id: randomUUID(),
        user_id: userId,
        name: trimmed,
        token_hash: hashToken(token),
        created_at: nowIso(),
        last_used_at: null,
        revoked_at: null,
      };
      await db.insertInto('api_keys').values(row).execute();
      await insights.record({
        type: 'api_key_create',
        outcome: 'success',
        ...by,
        userId,
        username: owner.username,
        details: { keyId: row.id, name: trimmed },
      });
      return { key: toKey(row), token };
    },

    async list(userId) {
      let query = db.selectFrom('api_keys').select(keyColumns).orderBy('created_at', 'desc');
      if (userId) query = query.where('user_id', '=', userId);
      return (await query.execute()).map(toKey);
    },

    async revoke(id, by) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: nowIso() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0)
        throw new SesameError('not_found', `Active API key ${id.slice(0, 64)} not found`);
      await insights.record({
        type: 'api_key_revoke',
        outcome: 'success',
        ...by,
        details: { keyId: id },
      });
    },

    async authenticate(token) {
      if (!token.startsWith(apiTokenPrefix) || token.length > 200) return undefined;
      // Looked up by hash: the comparison happens on a digest, so its timing reveals nothing
      // about the token.
      const row = await db
        .selectFrom('api_keys')
        .innerJoin('users', 'users.id', 'api_keys.user_id')
        .selectAll('users')
        .select(['api_keys.id as key_id'])
        .where('api_keys.token_hash', '=', hashToken(token))
        .where('api_keys.revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row || row.is_admin !== 1 || row.status !== 'active') return undefined;

      await db
        .updateTable('api_keys')
        .set({ last_used_at: nowIso() })
        .where('id', '=', row.key_id)
        .execute();
      const { key_id: _keyId, ...user } = row;
      return user;
    },
  };
}
