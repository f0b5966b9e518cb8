import type { Request, Response } from 'express';
import { z } from 'zod';
import { SesameError } from '../../errors.ts';
import { maxImport } from '../../provisioning/import.ts';
import { entitlementChoices, type Integration } from '../../provisioning/service.ts';
import type { Services } from '../../services.ts';
import { actorOf, param, parseBody, route, type ApiRoute } from './http.ts';

/**
 * Identity Management: outbound SCIM provisioning of an application into Databricks. No response
 * carries the Token Key: it goes in with `PUT` and is only ever stored encrypted.
 */
export function identityManagementRoutes(services: Services): ApiRoute[] {
  const base = '/applications/:slug/identity-management';
  return [
    route('GET', base, getIntegration(services)),
    route('PUT', base, activate(services), 'json'),
    route('PATCH', base, updateSettings(services), 'json'),
    route('DELETE', base, deactivate(services)),
    route('POST', `${base}/sync`, syncNow(services)),
    route('GET', `${base}/preview`, preview(services)),
    route(
      'PUT',
      '/applications/:slug/groups/:groupId/entitlements',
      setEntitlements(services),
      'json',
    ),
    route('GET', `${base}/import-candidates`, listCandidates(services)),
    route('POST', `${base}/imports`, startImport(services), 'json'),
    route('GET', `${base}/imports/:id`, getImport(services)),
  ];
}

const target = z.enum(['auto', 'account', 'workspace']);
const deprovision = z.enum(['delete', 'deactivate']);

const settingsBody = z.strictObject({
  target: target.optional(),
  groupManagement: z.boolean().optional(),
  deprovision: deprovision.optional(),
});

const activateBody = settingsBody.extend({
  baseUrl: z.string().min(1).max(2048),
  // The engine checks the Token Key's form (one line, at most 4096 characters).
  token: z.string().min(1).max(4096).optional(),
});

const entitlementsBody = z.strictObject({
  entitlements: z.array(z.enum(entitlementChoices)).max(entitlementChoices.length),
});

const candidatesQuery = z.strictObject({ newOnly: z.enum(['true', 'false']).optional() });

const importBody = z.strictObject({
  remoteIds: z.array(z.string().min(1).max(128)).min(1).max(maxImport),
});

/** The integration as the API returns it: every field of `Integration`, which has no token. */
function integrationJson(integration: Integration) {
  return {
    applicationSlug: integration.applicationSlug,
    baseUrl: integration.baseUrl,
    level: integration.level,
    target: integration.target,
    active: integration.active,
    groupManagement: integration.groupManagement,
    deprovision: integration.deprovision,
    activatedAt: integration.activatedAt,
    tokenSetAt: integration.tokenSetAt,
    lastError: integration.lastError,
    jobsPending: integration.jobsPending,
    jobsFailed: integration.jobsFailed,
    usersProvisioned: integration.usersProvisioned,
    groupsProvisioned: integration.groupsProvisioned,
  };
}

async function requireIntegration(services: Services, slug: string): Promise<Integration> {
  const integration = await services.provisioning.get(slug);
  if (!integration) {
    throw new SesameError(
      'not_found',
      `Application "${slug.slice(0, 64)}" has no Identity Management integration; configure it with PUT`,
    );
  }
  return integration;
}

function getIntegration(services: Services) {
  return async function getIntegration(req: Request, res: Response) {
    res.json(integrationJson(await requireIntegration(services, param(req, 'slug'))));
  };
}

/**
 * Checks the Base URL and Token Key against the SCIM API and activates the integration. A failed
 * check is sent as 400 `scim_check_failed` with the reason.
 */
function activate(services: Services) {
  return async function activate(req: Request, res: Response) {
    const input = parseBody(activateBody, req.body);
    const integration = await services.provisioning.activate(
      param(req, 'slug'),
      input,
      actorOf(req, res),
    );
    res.json(integrationJson(integration));
  };
}

function updateSettings(services: Services) {
  return async function updateSettings(req: Request, res: Response) {
    const input = parseBody(settingsBody, req.body);
    const integration = await services.provisioning.updateSettings(
      param(req, 'slug'),
      input,
      actorOf(req, res),
    );
    res.json(integrationJson(integration));
  };
}

function deactivate(services: Services) {
  return async function deactivate(req: Request, res: Response) {
    await services.provisioning.deactivate(param(req, 'slug'), actorOf(req, res));
    res.status(204).end();
  };
}

function syncNow(services: Services) {
  return async function syncNow(req: Request, res: Response) {
    await services.provisioning.syncNow(param(req, 'slug'), actorOf(req, res));
    res.status(202).end();
  };
}

function preview(services: Services) {
  return async function preview(req: Request, res: Response) {
    const slug = param(req, 'slug');
    const calls = await services.provisioning.preview(slug);
    res.json({ calls });
  };
}

function setEntitlements(services: Services) {
  return async function setEntitlements(req: Request, res: Response) {
    const { entitlements } = parseBody(entitlementsBody, req.body);
    const groupId = param(req, 'groupId');
    await services.provisioning.setEntitlements(
      param(req, 'slug'),
      groupId,
      entitlements,
      actorOf(req, res),
    );
    res.json({ groupId, entitlements: [...new Set(entitlements)].sort() });
  };
}

function listCandidates(services: Services) {
  return async function listCandidates(req: Request, res: Response) {
    const { newOnly } = parseBody(candidatesQuery, req.query);
    const slug = param(req, 'slug');
    const users = await services.provisioning.listImportCandidates(slug, {
      newOnly: newOnly === 'true',
    });
    res.json({ users });
  };
}

/** Imports up to 100 users before responding with 200. A larger import gets 202 and runs on. */
function startImport(services: Services) {
  return async function startImport(req: Request, res: Response) {
    const { remoteIds } = parseBody(importBody, req.body);
    const slug = param(req, 'slug');
    const run = await services.provisioning.importUsers(slug, remoteIds, actorOf(req, res));
    const location = `${req.baseUrl}/applications/${slug}/identity-management/imports/${run.id}`;
    res
      .status(run.state === 'finished' ? 200 : 202)
      .location(location)
      .json(run);
  };
}

function getImport(services: Services) {
  return async function getImport(req: Request, res: Response) {
    const slug = param(req, 'slug');
    await services.applications.require(slug);
    const run = await services.provisioning.getImport(param(req, 'id'));
    if (!run || run.applicationSlug !== slug) {
      throw new SesameError(
        'not_found',
        `No import "${param(req, 'id').slice(0, 64)}" for application "${slug.slice(0, 64)}"`,
      );
    }
    res.json(run);
  };
}
