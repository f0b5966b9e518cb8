import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { UsersTable } from '../../db/schema.ts';
import { pageOf, type ListQuery } from '../list.ts';
import { ScimRequestError } from '../request-error.ts';
import { userFilterScope } from './scope.ts';

/** A user with the groups they are a member of, as a User resource needs them. */
export interface UserRecord {
  row: UsersTable;
  groups: { id: string; name: string }[];
}

/** Reads the groups of `rows` in one query and pairs them up. */
async function withGroups(db: Db, rows: UsersTable[]): Promise<UserRecord[]> {
  if (rows.length === 0) return [];
  const memberships = await db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.id', 'group_members.group_id')
    .select(['group_members.user_id', 'groups.id', 'groups.name'])
    .where(
      'group_members.user_id',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('groups.name_key')
    .execute();
  return rows.map((row) => ({
    row,
    groups: memberships
      .filter((membership) => membership.user_id === row.id)
      .map(({ id, name }) => ({ id, name })),
  }));
}

export async function findUserRecord(db: Db, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await withGroups(db, [row]))[0] : undefined;
}

export async function requireUserRecord(db: Db, id: string): Promise<UserRecord> {
  const record = await findUserRecord(db, id);
  if (!record) throw new ScimRequestError(404, `User ${id.slice(0, 64)} not found`);
  return record;
}

/**
 * Takes the user's row lock for the rest of the transaction with a write that changes nothing,
 * so that a concurrent change waits and then reads this one's result. SELECT ... FOR UPDATE
 * would do the same on PostgreSQL, but SQLite has no such syntax.
 */
export async function lockUser(trx: Db, id: string): Promise<void> {
  await trx
    .updateTable('users')
    .set({ id: sql`id` })
    .where('id', '=', id)
    .execute();
}

/** Lists one page of users matching a list request, with the total that match. */
export async function listUserRecords(db: Db, query: ListQuery) {
  const { total, rows } = await pageOf<UsersTable>(db, 'users', userFilterScope, query);
  return { total, records: await withGroups(db, rows) };
}
