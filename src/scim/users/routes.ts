import type { Services } from '../../services.ts';
import { resourceHandlers, type ResourceKind } from '../resource-handlers.ts';
import { userShape } from '../schema/names.ts';
import { createUser, deleteUser, updateUser } from './apply.ts';
import { readUser, type UserState } from './input.ts';
import { userResource } from './representation.ts';
import { userFilterScope } from './scope.ts';
import { listUserRecords, lockUser, requireUserRecord, type UserRecord } from './store.ts';

const userKind: ResourceKind<UserRecord, UserState> = {
  shape: userShape,
  scope: userFilterScope,
  // A user's groups change through /Groups.
  readOnly: ['id', 'groups', 'meta'],
  lock: lockUser,
  load: requireUserRecord,
  represent: userResource,
  list: listUserRecords,
  read: readUser,
  create: async (directory, _trx, state, by) => (await createUser(directory, state, by)).id,
  update: (directory, _trx, current, state, by) => updateUser(directory, current.row, state, by),
  remove: (directory, current, by) => deleteUser(directory, current.row, by),
};

/** Builds the handlers of `/Users` and `/Users/{id}`. */
export function userHandlers(services: Services) {
  return resourceHandlers(services, userKind);
}
