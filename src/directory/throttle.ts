import { sql } from 'kysely';
import type { Db } from '../db/index.ts';

export interface ThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/**
 * Counts sign-in attempts per account and per client address in fixed windows, in the database
 * so that every instance reads the same counts. An attempt is counted before its password is
 * checked, so a burst of parallel guesses cannot all pass the limit while the slow argon2
 * checks run. A successful sign-in takes its attempt back.
 */
export interface LoginThrottle {
  /**
   * Counts one attempt for the account and the address. Returns the seconds until sign-in is
   * allowed again if either is over its limit, or 0 if the password may be checked.
   */
  beginAttempt(account: string, address: string): Promise<number>;
  /** Clears the account's count and takes the attempt back from the address count. */
  succeeded(account: string, address: string): Promise<void>;
}

export function createLoginThrottle(db: Db, limits: ThrottleLimits): LoginThrottle {
  const count = async (key: string, now: number) => {
    const expired = sql<boolean>`login_failures.window_started_at + ${limits.windowSeconds} <= ${now}`;
    const row = await db
      .insertInto('login_failures')
      .values({ key, failures: 1, window_started_at: now })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql`case when ${expired} then 1 else login_failures.failures + 1 end`,
          window_started_at: sql`case when ${expired} then ${now} else login_failures.window_started_at end`,
        }),
      )
      .returning(['failures', 'window_started_at'])
      .executeTakeFirstOrThrow();
    return {
      failures: Number(row.failures),
      windowEnd: Number(row.window_started_at) + limits.windowSeconds,
    };
  };

  return {
    async beginAttempt(account, address) {
      const now = nowSeconds();
      let wait = 0;
      for (const [key, max] of [
        [`account:${account}`, limits.maxFailuresPerAccount],
        [`address:${address}`, limits.maxFailuresPerAddress],
      ] as const) {
        const { failures, windowEnd } = await count(key, now);
        if (failures > max) wait = Math.max(wait, windowEnd - now);
      }
      return wait;
    },

    async succeeded(account, address) {
      await db.deleteFrom('login_failures').where('key', '=', `account:${account}`).execute();
      await db
        .updateTable('login_failures')
        .set({ failures: sql`case when failures > 0 then failures - 1 else 0 end` })
        .where('key', '=', `address:${address}`)
        .execute();
    },
  };
}

/** Returns the throttle's account name for a known user, shared by username and email sign-ins. */
export function throttleAccount(userId: string): string {
  return `user:${userId}`;
}

/** Clears a user's failed sign-in count, when an administrator resets the password or reactivates them. */
export async function clearAccountLock(db: Db, userId: string): Promise<void> {
  await db
    .deleteFrom('login_failures')
    .where('key', '=', `account:${throttleAccount(userId)}`)
    .execute();
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
