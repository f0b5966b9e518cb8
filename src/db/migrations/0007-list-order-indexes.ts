import type { Kysely, Migration } from 'kysely';

/**
 * Indexes the default order of SCIM listings (creation time, then ID), so that a page of users
 * or groups reads only that page instead of sorting the whole table on every request.
 */
export function listOrderIndexesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('users_created_at_id')
        .on('users')
        .columns(['created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('groups_created_at_id')
        .on('groups')
        .columns(['created_at', 'id'])
        .execute();
    },
  };
}
