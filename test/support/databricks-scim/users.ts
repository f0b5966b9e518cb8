import type { Request, Response } from 'express';
import { urn } from './constants.ts';
import { idParam, type ScimContext } from './context.ts';
import { notFound, ScimError, unparsable } from './errors.ts';
import { listResponse } from './list.ts';
import { noSuchAttribute, pathlessAttributes, readPatch, type PatchOperation } from './patch.ts';
import type { UserRecord } from './state.ts';
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

/** The user as Databricks returns it; empty multi-valued attributes are left out. */
export function userResource(user: UserRecord, context: ScimContext): Record<string, unknown> {
  const workspace = context.options.level === 'workspace';
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
  };
}

function duplicateDetail(userName: string, context: ScimContext): string {
  if (context.options.level === 'workspace')
    return `User with username ${userName} already exists.`;
  return (
    `User with email ${userName} already exists in this account. Note: emails are case ` +
    'insensitive (i.e abc@domain.com and ABC@DOMAIN.COM are considered equivalent)'
  );
}

/** Reads what PUT may set: everything but `id`, `userName` and `emails`, which PUT ignores. */
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
      const users = [...state.users.values()].map((user) => userResource(user, context));
      res.json(listResponse(users, req));
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
    default:
      throw noSuchAttribute(operation.path ?? '');
  }
}

function changeEntitlements(user: UserRecord, operation: PatchOperation, context: ScimContext) {
  const entries = parseEntitlements(operation.value ?? [], context.options.level);
  if (operation.op === 'remove') {
    const absent = entries.some((e) => !user.entitlements.some((held) => held.value === e.value));
    if (absent || user.entitlements.length === 0) throw noSuchAttribute('entitlements');
  }
  return changeValues(user.entitlements, operation.op, entries);
}
