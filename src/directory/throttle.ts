import type { Db } from '../db/index.ts';

export interface ThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/**
 * Counts failed sign-ins per account and per client address in fixed windows, in the database
 * so that every instance sees the same counts. A key over its limit is locked until its window
 * ends, which slows password guessing against one account and from one address.
 */
export interface LoginThrottle {
  /** Returns the seconds until sign-in is allowed again, or 0 if it is allowed now. */
  lockedForSeconds(account: string, address: string): Promise<number>;
  recordFailure(account: string, address: string): Promise<void>;
  /** Clears the account's count after a successful sign-in; the address count stays. */
  reset(account: string): Promise<void>;
}

export function createLoginThrottle(db: Db, limits: ThrottleLimits): LoginThrottle {
  const keys = (account: string, address: string) => [
    { key: `account:${account.toLowerCase()}`, max: limits.maxFailuresPerAccount },
    { key: `address:${address}`, max: limits.maxFailuresPerAddress },
  ];

  return {
    async lockedForSeconds(account, address) {
      const now = nowSeconds();
      let wait = 0;
      for (const { key, max } of keys(account, address)) {
        const row = await db
          .selectFrom('login_failures')
          .selectAll()
          .where('key', '=', key)
          .executeTakeFirst();
        const windowEnd = row ? Number(row.window_started_at) + limits.windowSeconds : 0;
        if (row && row.failures >= max && windowEnd > now) wait = Math.max(wait, windowEnd - now);
      }
      return wait;
    },

    async recordFailure(account, address) {
      const now = nowSeconds();
      for (const { key } of keys(account, address)) {
        await db.transaction().execute(async (trx) => {
          const row = await trx
            .selectFrom('login_failures')
            .selectAll()
            .where('key', '=', key)
            .executeTakeFirst();
          const expired = !row || Number(row.window_started_at) + limits.windowSeconds <= now;
          await trx
            .insertInto('login_failures')
            .values({ key, failures: 1, window_started_at: now })
            .onConflict((oc) =>
              oc
                .column('key')
                .doUpdateSet(
                  expired
                    ? { failures: 1, window_started_at: now }
                    : { failures: (row?.failures ?? 0) + 1 },
                ),
            )
            .execute();
        });
      }
    },

    async reset(account) {
      await db
        .deleteFrom('login_failures')
        .where('key', '=', `account:${account.toLowerCase()}`)
        .execute();
    },
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
