import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Adds outbound SCIM provisioning: one integration per application, what Sesame last sent to or
 * read from the service provider (users, groups, memberships), the job queue, imports, and
 * entitlements per bound group.
 */
export function provisioningMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const serialType = dialect === 'postgres' ? 'serial' : 'integer';

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('application_groups')
        .addColumn('entitlements', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();

      await db.schema
        .createTable('idm_integrations')
        .addColumn('application_id', 'text', (c) =>
          c.primaryKey().references('applications.id').onDelete('cascade'),
        )
        .addColumn('base_url', 'text', (c) => c.notNull())
        .addColumn('token_encrypted', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('target', 'text', (c) => c.notNull().defaultTo('auto'))
        .addColumn('group_management', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('deprovision', 'text', (c) => c.notNull().defaultTo('delete'))
        .addColumn('activated_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('token_set_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // No foreign key to users or groups: a row outlives the Sesame object, so that the worker
      // can still delete or deactivate the remote copy after the local one is gone.
      await db.schema
        .createTable('idm_users')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('remote_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('given_name', 'text', (c) => c.notNull())
        .addColumn('family_name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('entitlements', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idm_users_pk', ['application_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('idm_groups')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'),
        )
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('remote_id', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('entitlements', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idm_groups_pk', ['application_id', 'group_id'])
        .execute();

      await db.schema
        .createTable('idm_memberships')
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'),
        )
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idm_memberships_pk', ['application_id', 'group_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('idm_memberships_user')
        .on('idm_memberships')
        .columns(['application_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('idm_jobs')
        .addColumn('id', sql.raw(serialType), (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('started_at', 'text')
        .addColumn('known_absent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('idm_jobs_queue')
        .on('idm_jobs')
        .columns(['application_id', 'state', 'id'])
        .execute();

      await db.schema
        .createTable('idm_imports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('application_id', 'text', (c) =>
          c.notNull().references('applications.id').onDelete('cascade'),
        )
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        // JSON array of the remote user IDs still to import.
        .addColumn('remaining', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
        // JSON array of `{ userName, outcome, message }`, one per user handled.
        .addColumn('results', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('acknowledged_at', 'text')
        .execute();
    },
  };
}
