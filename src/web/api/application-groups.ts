import type { Request, Response } from 'express';
import { z } from 'zod';
import { SesameError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { actorOf, param, parseBody, route, type ApiRoute } from './http.ts';
import { groupJson } from './representations.ts';

/** Bindings: the user groups whose members may use an application (implicit deny otherwise). */
export function applicationGroupRoutes(services: Services): ApiRoute[] {
  return [
    route('GET', '/applications/:slug/groups', listBoundGroups(services)),
    route('PUT', '/applications/:slug/groups', setBindings(services), 'json'),
    route('PUT', '/applications/:slug/groups/:groupId', bindGroup(services)),
    route('DELETE', '/applications/:slug/groups/:groupId', unbindGroup(services)),
  ];
}

const bindingsBody = z.strictObject({
  groupIds: z.array(z.string().min(1).max(64)).max(1000),
});

async function sendBoundGroups(services: Services, slug: string, res: Response) {
  const groups = await services.applications.listBoundGroups(slug);
  res.json({ groups: groups.map(groupJson) });
}

function listBoundGroups(services: Services) {
  return async function listBoundGroups(req: Request, res: Response) {
    await sendBoundGroups(services, param(req, 'slug'), res);
  };
}

/** Makes exactly `groupIds` the bound groups. An unknown ID fails the request with 404 and changes nothing. */
function setBindings(services: Services) {
  return async function setBindings(req: Request, res: Response) {
    const { groupIds } = parseBody(bindingsBody, req.body);
    const slug = param(req, 'slug');
    await services.applications.setBindings(slug, groupIds, actorOf(req, res));
    await sendBoundGroups(services, slug, res);
  };
}

/** Resolves the application and group of a binding route, application first. */
async function binding(services: Services, req: Request) {
  const application = await services.applications.require(param(req, 'slug'));
  const group = await services.directory.requireGroupById(param(req, 'groupId'));
  return { application, group };
}

/** Binds a group. Binding one that is already bound changes nothing and records no event. */
function bindGroup(services: Services) {
  return async function bindGroup(req: Request, res: Response) {
    const { application, group } = await binding(services, req);
    await services.applications.bind(application.slug, group.id, group.name, actorOf(req, res));
    res.status(204).end();
  };
}

/** Unbinds a group, or fails with 404 `not_found` when it is not bound, as a membership does. */
function unbindGroup(services: Services) {
  return async function unbindGroup(req: Request, res: Response) {
    const { application, group } = await binding(services, req);
    const bound = await services.applications.listBoundGroups(application.slug);
    if (!bound.some((candidate) => candidate.id === group.id)) {
      throw new SesameError(
        'not_found',
        `Group "${group.name}" is not bound to application "${application.slug}"`,
      );
    }
    await services.applications.unbind(application.slug, group.id, actorOf(req, res));
    res.status(204).end();
  };
}
