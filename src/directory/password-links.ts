import { randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import { hashToken } from './api-keys.ts';
import { hashPassword } from './passwords.ts';
import type { Actor } from './service.ts';
import { clearAccountLock } from './throttle.ts';
import { parseInput, passwordSchema } from './validation.ts';

/** Prefix of every set-password token, so a leaked one is recognisable in logs and scanners. */
export const passwordLinkTokenPrefix = 'sesame_pl_';

/** The prefix and 32 random bytes in unpadded base64url (43 characters). */
const tokenPattern = /^sesame_pl_[A-Za-z0-9_-]{43}$/;

/**
 * The one message for every link that cannot be redeemed: unknown, expired, used, replaced, or of
 * a suspended or deleted user. The page therefore does not reveal which case it was.
 */
export const passwordLinkInvalidMessage =
  'This set-password link is invalid, has expired or has already been used. Ask your administrator for a new link.';

export interface PasswordLinkOptions {
  /** Lifetime of a new link. */
  ttlSeconds: number;
  /** The clock; tests replace it to reach a link's expiry. */
  now?: () => Date;
}

/**
 * One-time links with which a user sets their own password, for users created without one.
 * A link carries a random token; only the token's SHA-256 is stored, and the token is returned
 * once, by `create`.
 */
export interface PasswordLinks {
  /**
   * Creates a link for an active user, deleting the user's earlier unused links. Throws
   * `not_found` for an unknown user and `conflict` for a suspended one.
   */
  create(userId: string, by: Actor): Promise<{ token: string; expiresAt: Date }>;
  /** Returns the user of a link that can still be redeemed, or undefined. */
  inspect(token: string): Promise<{ userId: string; username: string } | undefined>;
  /**
   * Sets the password of the link's user with the password policy of `Directory.setPassword`,
   * clears their sign-in lock and marks the link used, in one transaction. Throws `not_found`
   * with `passwordLinkInvalidMessage` when the link cannot be redeemed, and `input_invalid` for
   * a password the policy rejects. `by` defaults to the user themselves.
   */
  redeem(token: string, password: string, by?: Actor): Promise<void>;
}

export function createPasswordLinks(
  db: Db,
  insights: Insights,
  options: PasswordLinkOptions,
): PasswordLinks {
  const now = options.now ?? (() => new Date());
  const nowSeconds = () => Math.floor(now().getTime() / 1000);

  /** Finds the redeemable link of a token: unused, unexpired, and of an active user. */
  const findRedeemable = async (token: string) => {
    if (!tokenPattern.test(token)) return undefined;
    // Looked up by hash, so the comparison runs on a digest and its timing reveals nothing
    // about the token.
    return db
      .selectFrom('password_links')
      .innerJoin('users', 'users.id', 'password_links.user_id')
      .select(['password_links.token_hash', 'users.id as userId', 'users.username'])
      .where('password_links.token_hash', '=', hashToken(token))
      .where('password_links.used_at', 'is', null)
      .where('password_links.expires_at', '>', nowSeconds())
      .where('users.status', '=', 'active')
      .executeTakeFirst();
  };

  return {
    async create(userId, by) {
      const user = await db
        .selectFrom('users')
        .select(['id', 'username', 'status'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!user) throw new SesameError('not_found', `User ${userId.slice(0, 64)} not found`);
      if (user.status !== 'active') {
        throw new SesameError(
          'conflict',
          `User "${user.username}" is suspended; activate the user before creating a set-password link`,
        );
      }

      const token = passwordLinkTokenPrefix + randomBytes(32).toString('base64url');
      const expiresAt = nowSeconds() + options.ttlSeconds;
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('password_links')
          .where('user_id', '=', user.id)
          .where('used_at', 'is', null)
          .execute();
        await trx
          .insertInto('password_links')
          .values({
            token_hash: hashToken(token),
            user_id: user.id,
            created_by: by.actor,
            created_at: nowIso(now()),
            expires_at: expiresAt,
            used_at: null,
          })
          .execute();
      });
      await insights.record({
        type: 'user_update',
        outcome: 'success',
        ...by,
        userId: user.id,
        username: user.username,
        details: { passwordLink: 'created' },
      });
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },

    async inspect(token) {
      const link = await findRedeemable(token);
      return link && { userId: link.userId, username: link.username };
    },

    async redeem(token, password, by) {
      const link = await findRedeemable(token);
      if (!link) throw linkInvalid();
      const checked = parseInput(passwordSchema, password);
      // argon2 is slow, so the hash is computed before the transaction. Kysely's SQLite dialect
      // runs every query on one connection, and a slow transaction would delay every request.
      const passwordHash = await hashPassword(checked);

      await db.transaction().execute(async (trx) => {
        // The conditional update claims the link. Of two concurrent redemptions, the second
        // finds used_at set (PostgreSQL re-checks the row after the first commits) and fails.
        const claimed = await trx
          .updateTable('password_links')
          .set({ used_at: nowIso(now()) })
          .where('token_hash', '=', link.token_hash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', nowSeconds())
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw linkInvalid();

        // The user may have been suspended since the link was read.
        const updated = await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, updated_at: nowIso(now()) })
          .where('id', '=', link.userId)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw linkInvalid();

        await clearAccountLock(trx, link.userId);
      });

      await insights.record({
        type: 'user_update',
        outcome: 'success',
        actor: link.username,
        ...by,
        userId: link.userId,
        username: link.username,
        details: { changed: ['password'], via: 'set-password link' },
      });
    },
  };
}

function linkInvalid(): SesameError {
  return new SesameError('not_found', passwordLinkInvalidMessage);
}
