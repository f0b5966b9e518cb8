import type { Db } from '../db/index.ts';

/**
 * Runs `work` in a new transaction, or in the caller's when `db` already is one, so that
 * directory operations compose into one transaction, because Kysely cannot nest transactions.
 */
export function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
