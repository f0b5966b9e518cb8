import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { GroupsTable } from '../../db/schema.ts';
import { chunks } from '../../provisioning/queue.ts';
import { pageOf, type ListQuery } from '../list.ts';
import { ScimRequestError } from '../request-error.ts';
import { groupFilterScope } from './scope.ts';

export interface Member {
  id: string;
  /** The user's display name, else their username. */
  display: string;
}

/** A group with its members, as a Group resource needs them. */
export interface GroupRecord {
  row: GroupsTable;
  members: Member[];
}

/** Reads the members of `rows` in one query and pairs them up. */
async function withMembers(db: Db, rows: GroupsTable[]): Promise<GroupRecord[]> {
  if (rows.length === 0) return [];
  const memberships = await db
    .selectFrom('group_members')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select(['group_members.group_id', 'users.id', 'users.username', 'users.display_name'])
    .where(
      'group_members.group_id',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('users.username_key')
    .execute();
  return rows.map((row) => ({
    row,
    members: memberships
      .filter((membership) => membership.group_id === row.id)
      .map((user) => ({ id: user.id, display: user.display_name || user.username })),
  }));
}

export async function requireGroupRecord(db: Db, id: string): Promise<GroupRecord> {
  const row = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ScimRequestError(404, `Group ${id.slice(0, 64)} not found`);
  return (await withMembers(db, [row]))[0]!;
}

/** Takes the group's row lock for the rest of the transaction; see `lockUser`. */
export async function lockGroup(trx: Db, id: string): Promise<void> {
  await trx
    .updateTable('groups')
    .set({ id: sql`id` })
    .where('id', '=', id)
    .execute();
}

/** Lists one page of groups matching a list request, with the total that match. */
export async function listGroupRecords(db: Db, query: ListQuery) {
  const { total, rows } = await pageOf<GroupsTable>(db, 'groups', groupFilterScope, query);
  return { total, records: await withMembers(db, rows) };
}

/** Returns those of `ids` that are not user IDs. */
export async function unknownUserIds(db: Db, ids: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('users').select('id').where('id', 'in', part).execute();
    for (const row of rows) found.add(row.id);
  }
  return ids.filter((id) => !found.has(id));
}
