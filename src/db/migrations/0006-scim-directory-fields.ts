import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Adds the directory fields that SCIM clients such as HR systems set: the client's own
 * identifier (`external_id`), the enterprise user fields and a user's manager, and the time a
 * group last changed, which SCIM returns as `meta.lastModified`.
 */
export function scimDirectoryFieldsMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('external_id', 'text').execute();
      await db.schema
        .alterTable('users')
        .addColumn('employee_number', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('users')
        .addColumn('department', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      // Deleting a manager leaves their reports without one rather than blocking the deletion.
      await db.schema
        .alterTable('users')
        .addColumn('manager_id', 'text', (c) => c.references('users.id').onDelete('set null'))
        .execute();
      await db.schema.createIndex('users_external_id').on('users').column('external_id').execute();
      await db.schema.createIndex('users_manager').on('users').column('manager_id').execute();

      await db.schema.alterTable('groups').addColumn('external_id', 'text').execute();
      await db.schema
        .alterTable('groups')
        .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await sql`update groups set updated_at = created_at`.execute(db);
      await db.schema
        .createIndex('groups_external_id')
        .on('groups')
        .column('external_id')
        .execute();
    },
  };
}
