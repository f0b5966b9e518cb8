import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import { SesameError } from '../errors.ts';
import { initialMigration } from './migrations/0001-initial.ts';
import { adminPortalMigration } from './migrations/0002-admin-portal.ts';
import { provisioningMigration } from './migrations/0003-provisioning.ts';
import { passwordLinksMigration } from './migrations/0004-password-links.ts';
import { scimTokensMigration } from './migrations/0005-scim-tokens.ts';
import { scimDirectoryFieldsMigration } from './migrations/0006-scim-directory-fields.ts';
import { listOrderIndexesMigration } from './migrations/0007-list-order-indexes.ts';
import type { Database } from './schema.ts';

export type { Database } from './schema.ts';
export type Db = Kysely<Database>;

function migrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-admin-portal': adminPortalMigration(dialect),
    '0003-provisioning': provisioningMigration(dialect),
    '0004-password-links': passwordLinksMigration(dialect),
    '0005-scim-tokens': scimTokensMigration(dialect),
    '0006-scim-directory-fields': scimDirectoryFieldsMigration(dialect),
    '0007-list-order-indexes': listOrderIndexesMigration(),
  };
}

/**
 * Opens the SQLite database at `file` (created with its folder if missing) with foreign keys
 * enforced and WAL journaling, so readers do not block the writer.
 */
export function openSqlite(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });

  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db, dialect: 'sqlite' | 'postgres' = 'sqlite') {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();

  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new SesameError('internal', `Database migration ${failed?.migrationName ?? ''} failed`, {
      cause: error,
    });
  }
}

/** Returns the current time as the ISO 8601 text stored in `*_at` and `time` columns. */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString();
}

/**
 * Tells whether `error` is a unique-constraint violation, from SQLite (better-sqlite3) or
 * PostgreSQL (SQLSTATE 23505), so a race between a check and an insert reads as a conflict.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505'
  );
}
