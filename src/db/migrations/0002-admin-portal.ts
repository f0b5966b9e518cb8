import { sql, type Kysely, type Migration } from 'kysely';

/** Adds what the admin portal edits: application presentation, bookmarks, and admin API keys. */
export function adminPortalMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const binaryType = dialect === 'postgres' ? 'bytea' : 'blob';

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('applications')
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('applications')
        .addColumn('show_in_portal', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('applications').addColumn('bookmark_url', 'text').execute();
      await db.schema.alterTable('applications').addColumn('login_url', 'text').execute();
      await db.schema.alterTable('applications').addColumn('image', sql.raw(binaryType)).execute();
      await db.schema.alterTable('applications').addColumn('image_type', 'text').execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
    },
  };
}
