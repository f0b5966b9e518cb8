import session, { type SessionData } from 'express-session';
import type { Db } from '../db/index.ts';

type Callback = (error?: unknown) => void;

/**
 * An express-session store in Sesame's database, so sessions survive restarts and can be shared
 * by several instances. The signed-in user's ID is kept in its own column, so that suspending a
 * user can delete their sessions.
 */
export class DatabaseSessionStore extends session.Store {
  private readonly db: Db;
  private readonly ttlSeconds: number;

  constructor(db: Db, ttlSeconds: number) {
    super();
    this.db = db;
    this.ttlSeconds = ttlSeconds;
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void) {
    this.db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('sid', '=', sid)
      .executeTakeFirst()
      .then((row) => {
        if (!row || Number(row.expires_at) <= nowSeconds()) return callback(null, null);
        callback(null, JSON.parse(row.data) as SessionData);
      }, callback);
  }

  override set(sid: string, data: SessionData, callback?: Callback) {
    const row = {
      sid,
      user_id: userIdOf(data),
      data: JSON.stringify(data),
      expires_at: this.expiresAt(data),
    };
    this.db
      .insertInto('sessions')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('sid')
          .doUpdateSet({ user_id: row.user_id, data: row.data, expires_at: row.expires_at }),
      )
      .execute()
      .then(() => callback?.(), callback);
  }

  override destroy(sid: string, callback?: Callback) {
    this.db
      .deleteFrom('sessions')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback?.(), callback);
  }

  override touch(sid: string, data: SessionData, callback?: Callback) {
    this.db
      .updateTable('sessions')
      .set({ expires_at: this.expiresAt(data) })
      .where('sid', '=', sid)
      .execute()
      .then(() => callback?.(), callback);
  }

  /** Deletes expired sessions; the server calls it on a timer. */
  async prune(): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<=', nowSeconds())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private expiresAt(data: SessionData): number {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires).getTime() : undefined;
    return expires ? Math.ceil(expires / 1000) : nowSeconds() + this.ttlSeconds;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function userIdOf(data: SessionData): string | null {
  const user = (data as { passport?: { user?: unknown } }).passport?.user;
  return typeof user === 'string' ? user : null;
}
