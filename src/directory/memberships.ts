import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import type { ChangeQueue } from '../provisioning/queue.ts';
import { inTransaction } from './transaction.ts';

type Actor = { actor: string; sourceIp?: string | null };
type Group = { id: string; name: string };

/** Adding users to groups and removing them, by name or by ID. */
export interface MembershipOperations {
  addMember(groupName: string, username: string, by: Actor): Promise<void>;
  removeMember(groupName: string, username: string, by: Actor): Promise<void>;
  /** Adds a user to a group; a user who already is a member is left as is, without an event. */
  addMemberById(groupId: string, userId: string, by: Actor): Promise<void>;
  /** Removes a user from a group; throws `not_found` when the user is not a member. */
  removeMemberById(groupId: string, userId: string, by: Actor): Promise<void>;
}

/** Lookups of groups and users that memberships share with the rest of the directory. */
export interface MembershipLookups {
  requireGroup(name: string): Promise<Group>;
  requireUser(username: string): Promise<UsersTable>;
  requireGroupById(id: string): Promise<Group>;
  requireUserById(id: string): Promise<UsersTable>;
}

export function createMemberships(
  db: Db,
  insights: Insights,
  queue: ChangeQueue,
  lookups: MembershipLookups,
): MembershipOperations {
  /** Marks the group changed and writes the provisioning jobs of a membership change. */
  const afterChange = async (trx: Db, group: Group, user: UsersTable) => {
    await trx
      .updateTable('groups')
      .set({ updated_at: nowIso() })
      .where('id', '=', group.id)
      .execute();
    await queue.enqueue(trx, { users: [user.id], groups: [group.id] });
  };

  const add = async (group: Group, user: UsersTable, by: Actor) => {
    const inserted = await inTransaction(db, async (trx) => {
      const result = await trx
        .insertInto('group_members')
        .values({ group_id: group.id, user_id: user.id })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      const added = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
      if (added) await afterChange(trx, group, user);
      return added;
    });
    // Already there: nothing changed, so nothing is recorded.
    if (!inserted) return;
    await insights.record({
      type: 'group_member_add',
      outcome: 'success',
      ...by,
      userId: user.id,
      username: user.username,
      details: { group: group.name },
    });
  };

  const remove = async (group: Group, user: UsersTable, by: Actor) => {
    const removed = await inTransaction(db, async (trx) => {
      const result = await trx
        .deleteFrom('group_members')
        .where('group_id', '=', group.id)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await afterChange(trx, group, user);
      return true;
    });
    if (!removed) {
      throw new SesameError(
        'not_found',
        `User "${user.username}" is not a member of "${group.name}"`,
      );
    }
    await insights.record({
      type: 'group_member_remove',
      outcome: 'success',
      ...by,
      userId: user.id,
      username: user.username,
      details: { group: group.name },
    });
  };

  return {
    async addMember(groupName, username, by) {
      await add(await lookups.requireGroup(groupName), await lookups.requireUser(username), by);
    },
    async removeMember(groupName, username, by) {
      await remove(await lookups.requireGroup(groupName), await lookups.requireUser(username), by);
    },
    async addMemberById(groupId, userId, by) {
      await add(await lookups.requireGroupById(groupId), await lookups.requireUserById(userId), by);
    },
    async removeMemberById(groupId, userId, by) {
      const group = await lookups.requireGroupById(groupId);
      await remove(group, await lookups.requireUserById(userId), by);
    },
  };
}
