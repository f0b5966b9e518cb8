import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Application } from '../../applications/service.ts';
import {
  generalSettingsSchema,
  ssoSettingsSchema,
  type GeneralSettings,
} from '../../applications/settings.ts';
import type { Services } from '../../services.ts';
import { createBody, newApplication } from './application-create.ts';
import { actorOf, param, parseBody, route, type ApiRoute } from './http.ts';
import { applicationJson, applicationSummaryJson } from './representations.ts';

export function applicationRoutes(services: Services): ApiRoute[] {
  return [
    route('GET', '/applications', listApplications(services)),
    route('POST', '/applications', createApplication(services), 'json'),
    route('GET', '/applications/:slug', getApplication(services)),
    route('PATCH', '/applications/:slug', updateGeneral(services), 'json'),
    route('DELETE', '/applications/:slug', deleteApplication(services)),
    route('PUT', '/applications/:slug/sso', updateSso(services), 'json'),
    route('PUT', '/applications/:slug/image', setImage(services), 'image'),
    route('DELETE', '/applications/:slug/image', removeImage(services)),
    route('POST', '/applications/:slug/activate', setActive(services, true)),
    route('POST', '/applications/:slug/deactivate', setActive(services, false)),
  ];
}

const searchQuery = z.strictObject({ q: z.string().max(256).optional() });

/** Every field optional. NOTE: zod's partial() still fills in the schema's defaults. */
const generalChanges = generalSettingsSchema.partial();

function listApplications(services: Services) {
  return async function listApplications(req: Request, res: Response) {
    const { q } = parseBody(searchQuery, req.query);
    const applications = await services.applications.list(q);
    res.json({ applications: applications.map(applicationSummaryJson) });
  };
}

function createApplication(services: Services) {
  return async function createApplication(req: Request, res: Response) {
    const fields = parseBody(createBody, req.body);
    const created = await services.applications.create(newApplication(fields), actorOf(req, res));
    res
      .status(201)
      .location(`${req.baseUrl}/applications/${created.slug}`)
      .json(applicationJson(services, created));
  };
}

function getApplication(services: Services) {
  return async function getApplication(req: Request, res: Response) {
    const application = await services.applications.require(param(req, 'slug'));
    res.json(applicationJson(services, application));
  };
}

function currentGeneral(application: Application): GeneralSettings {
  return {
    displayLabel: application.displayLabel,
    description: application.description,
    showInPortal: application.showInPortal,
    ...(application.bookmarkUrl !== null && { bookmarkUrl: application.bookmarkUrl }),
  };
}

/**
 * Changes the general settings given in the body and keeps the others. The service takes the
 * whole set, as the portal's form sends it, so the body is laid over the current values.
 */
function updateGeneral(services: Services) {
  return async function updateGeneral(req: Request, res: Response) {
    const parsed = parseBody(generalChanges, req.body);
    const changes = Object.fromEntries(
      Object.entries(parsed).filter(([key]) => Object.hasOwn(req.body as object, key)),
    );
    const application = await services.applications.require(param(req, 'slug'));
    const updated = await services.applications.updateGeneral(
      application.slug,
      { ...currentGeneral(application), ...changes },
      actorOf(req, res),
    );
    res.json(applicationJson(services, updated));
  };
}

function updateSso(services: Services) {
  return async function updateSso(req: Request, res: Response) {
    const settings = parseBody(ssoSettingsSchema, req.body);
    const updated = await services.applications.updateSso(
      param(req, 'slug'),
      settings,
      actorOf(req, res),
    );
    res.json(applicationJson(services, updated));
  };
}

/** Stores the raw PNG or JPEG body; the service checks the bytes, not the declared type. */
function setImage(services: Services) {
  return async function setImage(req: Request, res: Response) {
    await services.applications.setImage(param(req, 'slug'), req.body as Buffer, actorOf(req, res));
    res.status(204).end();
  };
}

/** Removes the tile image. Without an image there is nothing to change, so nothing is recorded. */
function removeImage(services: Services) {
  return async function removeImage(req: Request, res: Response) {
    const application = await services.applications.require(param(req, 'slug'));
    if (application.hasImage) {
      await services.applications.setImage(application.slug, null, actorOf(req, res));
    }
    res.status(204).end();
  };
}

/** Turns SSO to the application on or off. Setting the state it already has records nothing. */
function setActive(services: Services, active: boolean) {
  return async function setActive(req: Request, res: Response) {
    const slug = param(req, 'slug');
    await services.applications.setActive(slug, active, actorOf(req, res));
    res.json(applicationJson(services, await services.applications.require(slug)));
  };
}

function deleteApplication(services: Services) {
  return async function deleteApplication(req: Request, res: Response) {
    await services.applications.remove([param(req, 'slug')], actorOf(req, res));
    res.status(204).end();
  };
}
