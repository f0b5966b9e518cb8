import type { Kysely, Migration } from 'kysely';

/**
 * Adds one-time set-password links. Only the SHA-256 of a link's token is stored, so a copy of
 * the database does not hold working links.
 */
export function passwordLinksMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('password_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'integer', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createIndex('password_links_user')
        .on('password_links')
        .column('user_id')
        .execute();
    },
  };
}
