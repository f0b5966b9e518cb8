import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { urn } from './constants.ts';
import { idParam, type ScimContext } from './context.ts';
import { notFound, ScimError, unparsable } from './errors.ts';
import { listResponse } from './list.ts';
import { noSuchAttribute, pathlessAttributes, readPatch, type PatchOperation } from './patch.ts';
import type { ServicePrincipalRecord } from './state.ts';
import {
  changeValues,
  optionalString,
  parseActive,
  parseEntitlements,
  parseValueList,
  requireSchema,
} from './values.ts';

/** Attributes a service principal list may be sorted by. */
const sortableAttributes = ['applicationId', 'displayName', 'id'];

export function servicePrincipalResource(principal: ServicePrincipalRecord) {
  return {
    schemas: [urn.servicePrincipal],
    id: principal.id,
    applicationId: principal.applicationId,
    ...(principal.displayName !== undefined ? { displayName: principal.displayName } : {}),
    active: principal.active,
    ...(principal.externalId !== undefined ? { externalId: principal.externalId } : {}),
    ...(principal.entitlements.length > 0 ? { entitlements: principal.entitlements } : {}),
    ...(principal.roles.length > 0 ? { roles: principal.roles } : {}),
  };
}

/** Reads what POST and PUT may set. `applicationId` is fixed once created. */
function settableAttributes(body: Record<string, unknown>, context: ScimContext) {
  return {
    displayName: optionalString(body.displayName),
    active: body.active === undefined ? true : parseActive(body.active),
    externalId: optionalString(body.externalId),
    entitlements: parseEntitlements(body.entitlements, context.options.level),
    roles: body.roles === undefined ? [] : parseValueList(body.roles),
  };
}

/**
 * Service principals: `applicationId` is a UUID, generated when the POST leaves it out, and
 * unique, with Databricks' 409 text for a duplicate.
 */
export function servicePrincipalHandlers(context: ScimContext) {
  const principals = context.state.servicePrincipals;
  const find = (req: Request): ServicePrincipalRecord => {
    const principal = principals.get(idParam(req));
    if (!principal) throw notFound('Service principal', idParam(req));
    return principal;
  };

  return {
    list(req: Request, res: Response): void {
      const resources = [...principals.values()].map(servicePrincipalResource);
      res.json(listResponse(resources, req, sortableAttributes));
    },

    create(req: Request, res: Response): void {
      const body = requireSchema(req.body, urn.servicePrincipal);
      const applicationId = optionalString(body.applicationId) ?? randomUUID();
      if ([...principals.values()].some((p) => p.applicationId === applicationId)) {
        const detail = `Service principal with application ID ${applicationId} already exists.`;
        throw new ScimError(409, detail);
      }
      const id = context.state.nextId();
      const principal = { id, applicationId, ...settableAttributes(body, context) };
      principals.set(id, principal);
      res.status(201).json(servicePrincipalResource(principal));
    },

    get(req: Request, res: Response): void {
      res.json(servicePrincipalResource(find(req)));
    },

    replace(req: Request, res: Response): void {
      const principal = find(req);
      Object.assign(
        principal,
        settableAttributes(requireSchema(req.body, urn.servicePrincipal), context),
      );
      res.json(servicePrincipalResource(principal));
    },

    patch(req: Request, res: Response): void {
      const principal = find(req);
      for (const operation of readPatch(req.body)) applyOperation(principal, operation, context);
      res.json(servicePrincipalResource(principal));
    },

    remove(req: Request, res: Response): void {
      context.state.deleteMember(find(req).id, principals);
      res.status(204).end();
    },
  };
}

function applyOperation(
  principal: ServicePrincipalRecord,
  operation: PatchOperation,
  context: ScimContext,
): void {
  if (operation.path === undefined) {
    if (operation.op === 'remove') throw unparsable();
    for (const [path, value] of pathlessAttributes(operation)) {
      applyOperation(principal, { ...operation, path, value }, context);
    }
    return;
  }

  const removing = operation.op === 'remove';
  switch (operation.path.toLowerCase()) {
    case 'applicationid':
      return;
    case 'active':
      principal.active = removing ? true : parseActive(operation.value);
      return;
    case 'displayname':
      principal.displayName = removing ? undefined : optionalString(operation.value);
      return;
    case 'externalid':
      principal.externalId = removing ? undefined : optionalString(operation.value);
      return;
    case 'entitlements': {
      const entries = parseEntitlements(operation.value ?? [], context.options.level);
      principal.entitlements = changeValues(principal.entitlements, operation.op, entries);
      return;
    }
    default:
      throw noSuchAttribute(operation.path);
  }
}
