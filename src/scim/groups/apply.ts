import type { Db } from '../../db/index.ts';
import type { Actor, Directory } from '../../directory/service.ts';
import { invalidValue, ScimRequestError, uniquenessOf } from '../request-error.ts';
import type { GroupState } from './input.ts';
import { unknownUserIds, type GroupRecord } from './store.ts';

/** Creates a group with its members from a POST body's state; returns its ID. */
export async function createGroup(
  directory: Directory,
  trx: Db,
  state: GroupState,
  by: Actor,
): Promise<string> {
  await checkMembers(trx, state.memberIds);
  const group = await uniquenessOf(
    directory.createGroup(state.displayName, by, { externalId: state.externalId }),
  );
  for (const userId of state.memberIds) await directory.addMemberById(group.id, userId, by);
  return group.id;
}

/**
 * Brings a stored group to `state`: its name and externalId, then its members, one directory
 * call per member added or removed, so each writes its event and provisioning jobs.
 */
export async function updateGroup(
  directory: Directory,
  trx: Db,
  current: GroupRecord,
  state: GroupState,
  by: Actor,
): Promise<void> {
  const { row } = current;
  const changes = {
    ...(state.displayName !== row.name && { name: state.displayName }),
    ...(state.externalId !== row.external_id && { externalId: state.externalId }),
  };
  if (changes.name !== undefined) {
    // Provisioning takes over an SP group of the same name, so a token that could rename a
    // bound group could aim it at the SP's administrators group.
    const bound = await trx
      .selectFrom('application_groups')
      .select('application_id')
      .where('group_id', '=', row.id)
      .executeTakeFirst();
    if (bound) {
      throw new ScimRequestError(
        403,
        `Group "${row.name}" is bound to an application and cannot be renamed through SCIM; rename it in the admin portal`,
      );
    }
  }
  if (Object.keys(changes).length > 0) {
    await uniquenessOf(directory.updateGroup(row.id, changes, by));
  }

  const stored = new Set(current.members.map((member) => member.id));
  const wanted = new Set(state.memberIds);
  const added = state.memberIds.filter((id) => !stored.has(id));
  await checkMembers(trx, added);
  for (const userId of added) await directory.addMemberById(row.id, userId, by);
  for (const userId of stored) {
    if (!wanted.has(userId)) await directory.removeMemberById(row.id, userId, by);
  }
}

async function checkMembers(trx: Db, ids: string[]) {
  const unknown = await unknownUserIds(trx, ids);
  if (unknown.length > 0) {
    throw invalidValue(`members.value "${unknown[0]!.slice(0, 64)}" is not the id of a user`);
  }
}
