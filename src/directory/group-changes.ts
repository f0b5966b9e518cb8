import type { Db } from '../db/index.ts';
import { isUniqueViolation } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import type { ChangeQueue } from '../provisioning/queue.ts';
import { isGroupName } from './validation.ts';

type Actor = { actor: string; sourceIp?: string | null };
type Group = { id: string; name: string };

/** Renaming and deleting groups, and reading memberships, by ID. */
export interface GroupChangeOperations {
  requireGroupById(id: string): Promise<Group>;
  renameGroup(id: string, name: string, by: Actor): Promise<Group>;
  /** Deletes a group with its memberships and application bindings. */
  deleteGroup(id: string, by: Actor): Promise<void>;
  listMembers(groupId: string): Promise<UsersTable[]>;
  listGroupsOfUser(userId: string): Promise<Group[]>;
}

export function checkGroupName(name: string): string {
  if (!isGroupName(name) || name.trim() !== name) {
    throw new SesameError(
      'input_invalid',
      'Invalid group name: use 1-128 characters without control characters or surrounding spaces',
    );
  }
  return name;
}

/** Turns a unique-index violation on a group name into the conflict the caller can act on. */
export function groupNameConflict(name: string) {
  return (error: unknown): never => {
    if (isUniqueViolation(error))
      throw new SesameError('conflict', `Group "${name}" already exists`);
    throw error;
  };
}

export function createGroupChanges(
  db: Db,
  insights: Insights,
  queue: ChangeQueue,
): GroupChangeOperations {
  const requireGroupById = async (id: string) => {
    const group = await db
      .selectFrom('groups')
      .select(['id', 'name'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!group) throw new SesameError('not_found', `Group ${id.slice(0, 64)} not found`);
    return group;
  };

  return {
    requireGroupById,

    async renameGroup(id, name, by) {
      checkGroupName(name);
      const group = await requireGroupById(id);
      const clash = await db
        .selectFrom('groups')
        .select('name')
        .where('name_key', '=', name.toLowerCase())
        .where('id', '!=', id)
        .executeTakeFirst();
      if (clash) throw new SesameError('conflict', `Group "${clash.name}" already exists`);

      await db
        .transaction()
        .execute(async (trx) => {
          await trx
            .updateTable('groups')
            .set({ name, name_key: name.toLowerCase() })
            .where('id', '=', id)
            .execute();
          await queue.enqueue(trx, { groups: [id] });
        })
        .catch(groupNameConflict(name));
      await insights.record({
        type: 'group_update',
        outcome: 'success',
        ...by,
        details: { groupId: id, from: group.name, to: name },
      });
      return { id, name };
    },

    async deleteGroup(id, by) {
      const group = await requireGroupById(id);
      // Memberships and bindings go with the group (ON DELETE CASCADE).
      await db.transaction().execute(async (trx) => {
        // The members' jobs are written first, while the memberships still exist to be read.
        await queue.enqueue(trx, { membersOf: [id], groups: [id] });
        await trx.deleteFrom('groups').where('id', '=', id).execute();
      });
      await insights.record({
        type: 'group_delete',
        outcome: 'success',
        ...by,
        details: { groupId: id, group: group.name },
      });
    },

    listMembers: (groupId) =>
      db
        .selectFrom('users')
        .innerJoin('group_members', 'group_members.user_id', 'users.id')
        .selectAll('users')
        .where('group_members.group_id', '=', groupId)
        .orderBy('users.username_key')
        .execute(),

    listGroupsOfUser: (userId) =>
      db
        .selectFrom('groups')
        .innerJoin('group_members', 'group_members.group_id', 'groups.id')
        .select(['groups.id', 'groups.name'])
        .where('group_members.user_id', '=', userId)
        .orderBy('groups.name_key')
        .execute(),
  };
}
