import type { Services } from '../../services.ts';
import { resourceHandlers, type ResourceKind } from '../resource-handlers.ts';
import { groupShape } from '../schema/names.ts';
import { createGroup, updateGroup } from './apply.ts';
import { readGroup, type GroupState } from './input.ts';
import { groupResource } from './representation.ts';
import { groupFilterScope } from './scope.ts';
import { listGroupRecords, lockGroup, requireGroupRecord, type GroupRecord } from './store.ts';

const groupKind: ResourceKind<GroupRecord, GroupState> = {
  shape: groupShape,
  scope: groupFilterScope,
  readOnly: ['id', 'meta'],
  lock: lockGroup,
  load: requireGroupRecord,
  represent: groupResource,
  list: listGroupRecords,
  read: readGroup,
  create: createGroup,
  update: updateGroup,
  remove: (directory, current, by) => directory.deleteGroup(current.row.id, by),
};

/** Builds the handlers of `/Groups` and `/Groups/{id}`. */
export function groupHandlers(services: Services) {
  return resourceHandlers(services, groupKind);
}
