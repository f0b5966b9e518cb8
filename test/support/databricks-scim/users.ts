import type { Request, Response } from 'express';
import { urn } from './constants.ts';
import { idParam, type ScimContext } from './context.ts';
import { notFound, ScimError, unparsable } from './errors.ts';
import { listResponse } from './list.ts';
import { noSuchAttribute, pathlessAttributes, readPatch, type PatchOperation } from './patch.ts';
import type { GroupRecord, UserRecord } from './state.ts';
import {
  changeValues,
  isObject,
  optionalString,
  parseActive,
  parseEntitlements,
  parseValueList,
  requireSchema,
  requireString,
} from './values.ts';

/** Attributes a user list may be sorted by. */
const sortableAttributes = ['userName', 'displayName', 'id'];

/**
 * The user as Databricks returns it; empty multi-valued attributes are left out. Workspace users
 * also carry the read-only `groups`, built from `memberships` (see `ScimState.groupsByMember`).
 */
export function userResource(
  user: UserRecord,
  context: ScimContext,
  memberships = context.state.groupsByMember(),
): Record<string, unknown> {
  const workspace = context.options.level === 'workspace';
  const groups = workspace ? groupReferences(memberships.get(user.id) ?? []) : [];
  return {
    schemas: workspace ? [urn.user, urn.workspaceUser] : [urn.user],
    id: user.id,
    userName: user.userName,
    emails: user.emails,
    ...(user.name ? { name: user.name } : {}),
    ...(user.displayName !== undefined ? { displayName: user.displayName } : {}),
    active: user.active,
    ...(user.externalId !== undefined ? { externalId: user.externalId } : {}),
    ...(user.entitlements.length > 0 ? { entitlements: user.entitlements } : {}),
    ...(user.roles.length > 0 ? { roles: user.roles } : {}),
    ...(groups.length > 0 ? { groups } : {}),
  };
}

const readOnlyGroupsDetail =
  'groups is read-only. Change group membership through the members of the group.';

/**
 * Lists a workspace user's groups as Databricks' `groups` attribute, in ID order.
 *
 * NOTE: only direct memberships are listed. Whether Databricks also lists groups reached
 * through nested groups, and with which `type`, is not documented.
 */
function groupReferences(groups: GroupRecord[]): Record<string, string>[] {
  return [...groups]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((group) => ({
      value: group.id,
      display: group.displayName,
      $ref: `Groups/${group.id}`,
      type: 'direct',
    }));
}

function duplicateDetail(userName: string, context: ScimContext): string {
  if (context.options.level === 'workspace')
    return `User with username ${userName} already exists.`;
  return (
    `User with email ${userName} already exists in this account. Note: emails are case ` +
    'insensitive (i.e abc@domain.com and ABC@DOMAIN.COM are considered equivalent)'
  );
}

/**
 * Reads what PUT may set: everything but `id`, `userName`, `emails` and `groups`, which PUT
 * ignores.
 *
 * NOTE: the Terraform provider re-sends a user's `groups` on PUT, which hints that Databricks
 * may drop the memberships a PUT leaves out. The emulator keeps `groups` read-only instead.
 */
function replaceableAttributes(body: Record<string, unknown>, context: ScimContext) {
  const name = body.name;
  if (name !== undefined && !isObject(name)) throw unparsable();
  return {
    name: name ? readName(name) : undefined,
    displayName: optionalString(body.displayName),
    active: body.active === undefined ? true : parseActive(body.active),
    externalId: context.options.persistExternalId ? optionalString(body.externalId) : undefined,
    entitlements: parseEntitlements(body.entitlements, context.options.level),
    roles: body.roles === undefined ? [] : parseValueList(body.roles),
  };
}

function readName(name: Record<string, unknown>): UserRecord['name'] {
  return { givenName: optionalString(name.givenName), familyName: optionalString(name.familyName) };
}

export function userHandlers(context: ScimContext) {
  const { state } = context;
  const find = (req: Request): UserRecord => {
    const user = state.users.get(idParam(req));
    if (!user) throw notFound('User', idParam(req));
    return user;
  };

  return {
    list(req: Request, res: Response): void {
      const memberships = state.groupsByMember();
      const users = [...state.users.values()].map((user) =>
        userResource(user, context, memberships),
      );
      res.json(listResponse(users, req, sortableAttributes));
    },

    /** `GET /Me` (workspace level only): the user that owns the bearer token. */
    me(_req: Request, res: Response): void {
      const owners = context.options.tokenOwners;
      const token = String(res.locals.token);
      const owner = Object.hasOwn(owners, token) ? owners[token] : undefined;
      if (owner === undefined) {
        throw new ScimError(404, 'The bearer token has no owner. Set one in tokenOwners.');
      }
      const user = state.findUserByName(owner);
      if (!user) throw notFound('User', owner);
      res.json(userResource(user, context));
    },

    create(req: Request, res: Response): void {
      const body = requireSchema(req.body, urn.user);
      const userName = requireString(body, 'userName').toLowerCase();
      if (state.findUserByName(userName)) {
        throw new ScimError(409, duplicateDetail(userName, context));
      }
      const user = state.addUser({ userName, ...replaceableAttributes(body, context) });
      res.status(201).json(userResource(user, context));
    },

    get(req: Request, res: Response): void {
      res.json(userResource(find(req), context));
    },

    replace(req: Request, res: Response): void {
      const user = find(req);
      const body = requireSchema(req.body, urn.user);
      Object.assign(user, replaceableAttributes(body, context));
      res.json(userResource(user, context));
    },

    patch(req: Request, res: Response): void {
      const user = find(req);
      for (const operation of readPatch(req.body)) applyUserOperation(user, operation, context);
      res.json(userResource(user, context));
    },

    remove(req: Request, res: Response): void {
      state.deleteUser(find(req).id);
      res.status(204).end();
    },
  };
}

function applyUserOperation(user: UserRecord, operation: PatchOperation, context: ScimContext) {
  if (operation.path === undefined) {
    if (operation.op === 'remove') throw unparsable();
    for (const [attribute, value] of pathlessAttributes(operation)) {
      applyUserAttribute(user, { ...operation, path: attribute, value }, context);
    }
    return;
  }
  applyUserAttribute(user, operation, context);
}

/**
 * Applies one attribute change. Changes to `userName` and `emails` (including filtered paths
 * such as Entra's `emails[type eq "work"].value`) are ignored without error, as Databricks does.
 */
function applyUserAttribute(user: UserRecord, operation: PatchOperation, context: ScimContext) {
  const path = (operation.path ?? '').toLowerCase();
  const removing = operation.op === 'remove';
  if (path.startsWith('emails')) return;

  switch (path) {
    case 'username':
      return;
    case 'name':
      if (!removing && !isObject(operation.value)) throw unparsable();
      user.name = removing ? undefined : readName(operation.value as Record<string, unknown>);
      return;
    case 'active':
      user.active = removing ? true : parseActive(operation.value);
      return;
    case 'displayname':
      user.displayName = removing ? undefined : optionalString(operation.value);
      return;
    case 'name.givenname':
    case 'name.familyname': {
      const key = path === 'name.givenname' ? 'givenName' : 'familyName';
      user.name = { ...user.name, [key]: removing ? undefined : optionalString(operation.value) };
      return;
    }
    case 'externalid':
      if (context.options.persistExternalId) {
        user.externalId = removing ? undefined : optionalString(operation.value);
      }
      return;
    case 'entitlements':
      user.entitlements = changeEntitlements(user, operation, context);
      return;
    case 'roles':
      user.roles = changeValues(user.roles, operation.op, parseValueList(operation.value ?? []));
      return;
    case 'groups':
      // RFC 7644 rejects a change to a read-only attribute with scimType mutability.
      if (context.options.level !== 'workspace') throw noSuchAttribute('groups');
      throw new ScimError(400, readOnlyGroupsDetail, 'mutability');
    default:
      throw noSuchAttribute(operation.path ?? '');
  }
}

/** Applies an entitlements PATCH operation to a user or a group; removing an absent one fails. */
export function changeEntitlements(
  user: Pick<UserRecord, 'entitlements'>,
  operation: PatchOperation,
  context: ScimContext,
) {
  const entries = parseEntitlements(operation.value ?? [], context.options.level);
  if (operation.op === 'remove') {
    const absent = entries.some((e) => !user.entitlements.some((held) => held.value === e.value));
    if (absent || user.entitlements.length === 0) throw noSuchAttribute('entitlements');
  }
  return changeValues(user.entitlements, operation.op, entries);
}
