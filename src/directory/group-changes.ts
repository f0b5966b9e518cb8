import type { Db } from '../db/index.ts';
import { isUniqueViolation, nowIso } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import type { ChangeQueue } from '../provisioning/queue.ts';
import { inTransaction } from './transaction.ts';
import { isGroupName } from './validation.ts';

type Actor = { actor: string; sourceIp?: string | null };
type Group = { id: string; name: string };

/** Renaming and deleting groups, and reading memberships, by ID. */
export interface GroupChangeOperations {
  requireGroupById(id: string): Promise<Group>;
  renameGroup(id: string, name: string, by: Actor): Promise<Group>;
  /** Changes a group's name or its `externalId`; `null` clears the `externalId`. */
  updateGroup(id: string, changes: GroupChanges, by: Actor): Promise<Group>;
  /** Deletes a group with its memberships and application bindings. */
  deleteGroup(id: string, by: Actor): Promise<void>;
  listMembers(groupId: string): Promise<UsersTable[]>;
  listGroupsOfUser(userId: string): Promise<Group[]>;
}

export interface GroupChanges {
  name?: string;
  externalId?: string | null;
}

/** Checks an `externalId`: 1-256 characters without control characters, or null for none. */
export function checkExternalId(externalId: string | null | undefined): string | null {
  if (externalId === undefined || externalId === null) return null;
  if (
    externalId.length === 0 ||
    externalId.length > 256 ||
    /[\u0000-\u001f\u007f]/.test(externalId)
  ) {
    throw new SesameError(
      'input_invalid',
      'Invalid input: externalId must be 1-256 characters without control characters',
    );
  }
  return externalId;
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

  const updateGroup = async (id: string, changes: GroupChanges, by: Actor) => {
    const group = await requireGroupById(id);
    const name = changes.name ?? group.name;
    if (changes.name !== undefined) await assertNameFree(checkGroupName(changes.name), id);
    const externalId =
      changes.externalId === undefined ? undefined : checkExternalId(changes.externalId);

    await inTransaction(db, async (trx) => {
      await trx
        .updateTable('groups')
        .set({
          name,
          name_key: name.toLowerCase(),
          ...(externalId !== undefined && { external_id: externalId }),
          updated_at: nowIso(),
        })
        .where('id', '=', id)
        .execute();
      // Only the name reaches service providers.
      if (changes.name !== undefined) await queue.enqueue(trx, { groups: [id] });
    }).catch(groupNameConflict(name));
    await insights.record({
      type: 'group_update',
      outcome: 'success',
      ...by,
      details: {
        groupId: id,
        ...(changes.name !== undefined && { from: group.name, to: name }),
        ...(externalId !== undefined && { changed: ['externalId'] }),
      },
    });
    return { id, name };
  };

  const assertNameFree = async (name: string, id: string) => {
    const clash = await db
      .selectFrom('groups')
      .select('name')
      .where('name_key', '=', name.toLowerCase())
      .where('id', '!=', id)
      .executeTakeFirst();
    if (clash) throw new SesameError('conflict', `Group "${clash.name}" already exists`);
  };

  return {
    requireGroupById,

    renameGroup(id, name, by) {
      return updateGroup(id, { name }, by);
    },

    updateGroup,

    async deleteGroup(id, by) {
      const group = await requireGroupById(id);
      // Memberships and bindings go with the group (ON DELETE CASCADE).
      await inTransaction(db, async (trx) => {
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
