import type { Request, Response } from 'express';
import { urn } from './constants.ts';
import { idParam, type ScimContext } from './context.ts';
import { notFound, ScimError, unparsable } from './errors.ts';
import { invalidFilter, parseFilter } from './filter.ts';
import { listResponse } from './list.ts';
import { changeEntitlements } from './users.ts';
import { noSuchAttribute, pathlessAttributes, readPatch, type PatchOperation } from './patch.ts';
import type { GroupRecord, Member } from './state.ts';
import {
  optionalString,
  parseEntitlements,
  parseMembers,
  parseValueList,
  requireSchema,
  requireString,
} from './values.ts';

/** Attributes a group list may be sorted by. */
const sortableAttributes = ['displayName', 'id'];

export function groupResource(
  group: GroupRecord,
  context: ScimContext,
  withMembers = true,
): Record<string, unknown> {
  const workspace = context.options.level === 'workspace';
  return {
    schemas: [urn.group],
    id: group.id,
    displayName: group.displayName,
    ...(withMembers && group.members.length > 0 ? { members: group.members } : {}),
    ...(group.externalId !== undefined ? { externalId: group.externalId } : {}),
    ...(group.entitlements.length > 0 ? { entitlements: group.entitlements } : {}),
    ...(group.roles.length > 0 ? { roles: group.roles } : {}),
    meta: { resourceType: workspace ? 'WorkspaceGroup' : 'Group' },
  };
}

export function groupHandlers(context: ScimContext) {
  const { state, options } = context;
  const visible = () => state.visibleGroups(options.readLagMs);
  const findCurrent = (req: Request): GroupRecord => {
    const group = state.groups.get(idParam(req));
    if (!group) throw notFound('Group', idParam(req));
    return group;
  };
  // NOTE: whether Databricks compares group names without regard to case is not documented.
  const checkUnique = (displayName: string, id?: string) => {
    const taken = [...state.groups.values()].some(
      (group) => group.displayName === displayName && group.id !== id,
    );
    if (taken) throw new ScimError(409, `Group with name ${displayName} already exists.`);
  };
  const describe = (members: Member[]) => members.map((member) => describeMember(member, context));

  return {
    list(req: Request, res: Response): void {
      const withMembers = !options.listGroupsWithoutMembers;
      const groups = visible().map((group) => groupResource(group, context, withMembers));
      res.json(listResponse(groups, req, sortableAttributes));
    },

    create(req: Request, res: Response): void {
      const body = requireSchema(req.body, urn.group);
      const displayName = requireString(body, 'displayName');
      checkUnique(displayName);
      const group = state.addGroup({
        displayName,
        members: describe(body.members === undefined ? [] : parseMembers(body.members)),
        externalId: optionalString(body.externalId),
        entitlements: parseEntitlements(body.entitlements, options.level),
        roles: body.roles === undefined ? [] : parseValueList(body.roles),
      });
      res.status(201).json(groupResource(group, context));
    },

    get(req: Request, res: Response): void {
      const group = visible().find((candidate) => candidate.id === idParam(req));
      if (!group) throw notFound('Group', idParam(req));
      res.json(groupResource(group, context));
    },

    /** Full replacement: omitted `members`, `entitlements` and `roles` are dropped. */
    replace(req: Request, res: Response): void {
      const group = findCurrent(req);
      const body = requireSchema(req.body, urn.group);
      const displayName = requireString(body, 'displayName');
      checkUnique(displayName, group.id);
      Object.assign(group, {
        displayName,
        members: describe(body.members === undefined ? [] : parseMembers(body.members)),
        externalId: optionalString(body.externalId),
        entitlements: parseEntitlements(body.entitlements, options.level),
        roles: body.roles === undefined ? [] : parseValueList(body.roles),
      });
      state.saveGroup(group);
      res.json(groupResource(group, context));
    },

    patch(req: Request, res: Response): void {
      const group = findCurrent(req);
      for (const operation of readPatch(req.body)) {
        applyGroupOperation(group, operation, context, checkUnique);
      }
      group.members = describe(group.members);
      state.saveGroup(group);
      res.json(groupResource(group, context));
    },

    remove(req: Request, res: Response): void {
      state.deleteGroup(findCurrent(req).id);
      res.status(204).end();
    },
  };
}

/** Fills `display` and `$ref` from the member's resource, when the emulator stores it. */
function describeMember(member: Member, context: ScimContext): Member {
  const user = context.state.users.get(member.value);
  if (user)
    return {
      value: member.value,
      display: user.displayName ?? user.userName,
      $ref: `Users/${member.value}`,
    };
  const group = context.state.groups.get(member.value);
  if (group)
    return { value: member.value, display: group.displayName, $ref: `Groups/${member.value}` };
  return { value: member.value };
}

function applyGroupOperation(
  group: GroupRecord,
  operation: PatchOperation,
  context: ScimContext,
  checkUnique: (displayName: string, id?: string) => void,
): void {
  if (operation.path === undefined) {
    if (operation.op === 'remove') throw unparsable();
    for (const [attribute, value] of pathlessAttributes(operation)) {
      applyGroupOperation(group, { ...operation, path: attribute, value }, context, checkUnique);
    }
    return;
  }

  const path = operation.path.toLowerCase();
  if (path === 'members' || path.startsWith('members[')) {
    group.members = changeMembers(group.members, operation);
    return;
  }
  if (path === 'displayname') {
    if (operation.op === 'remove') throw unparsable();
    const displayName = optionalString(operation.value);
    if (!displayName) throw unparsable();
    checkUnique(displayName, group.id);
    group.displayName = displayName;
    return;
  }
  if (path === 'externalid') {
    group.externalId = operation.op === 'remove' ? undefined : optionalString(operation.value);
    return;
  }
  if (path === 'entitlements') {
    group.entitlements = changeEntitlements(group, operation, context);
    return;
  }
  throw noSuchAttribute(operation.path);
}

/**
 * Membership changes in the forms Databricks' clients send:
 * - `add`/`replace` with `path: "members"` and a list of `{value}`;
 * - `remove` with `path: 'members[value eq "<id>"]'` (Terraform, RFC 7644 form);
 * - `remove` with `path: "members"` and a list of `{value}` (Entra legacy mode);
 * - `remove` with `path: "members"` and no value, which empties the group.
 */
function changeMembers(members: Member[], operation: PatchOperation): Member[] {
  const path = operation.path ?? '';
  if (path.toLowerCase() !== 'members') {
    if (operation.op !== 'remove') throw unparsable();
    const id = memberFilterValue(path.slice('members'.length));
    return members.filter((member) => member.value !== id);
  }

  if (operation.op === 'remove' && operation.value === undefined) return [];
  const listed = parseMembers(operation.value);
  if (operation.op === 'replace') return listed;
  if (operation.op === 'remove') {
    return members.filter((member) => !listed.some((gone) => gone.value === member.value));
  }
  const fresh = listed.filter((entry) => !members.some((held) => held.value === entry.value));
  return [...members, ...fresh];
}

/** Extracts the ID from a `[value eq "<id>"]` selector. Other selectors are rejected. */
function memberFilterValue(selector: string): string {
  const inner = /^\[(.*)\]$/s.exec(selector)?.[1];
  if (inner === undefined) throw noSuchAttribute(`members${selector}`);
  const filter = parseFilter(inner);
  if (filter.kind !== 'compare' || filter.attribute !== 'value' || filter.op !== 'eq') {
    throw invalidFilter(`unsupported member selector ${selector}`);
  }
  return filter.value;
}
