import type { Request, Response } from 'express';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { listField } from '../forms.ts';
import { setNotice } from '../notices.ts';
import { loadApplication, renderTab } from './shared.ts';

/** `GET /admin/applications/:slug/groups`: every group, ticked when bound to the application. */
export function showGroupsTab(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const [groups, bound] = await Promise.all([
      services.directory.listGroups(),
      services.applications.listBoundGroups(application.slug),
    ]);
    renderTab(services, req, res, 'groups', application, {
      groups,
      boundIds: new Set(bound.map((group) => group.id)),
    });
  };
}

/**
 * `POST /admin/applications/:slug/groups`: binds exactly the ticked groups. Implicit deny: with
 * none ticked, no user can use the application.
 */
export function saveGroupsTab(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    await services.applications.setBindings(
      application.slug,
      listField(req.body, 'groupIds'),
      actorOf(req),
    );
    setNotice(req, 'User groups saved.');
    res.redirect(303, `/admin/applications/${application.slug}/groups`);
  };
}

const tabIds = new Set(['general', 'sso', 'groups', 'identity-management']);

/** `POST /admin/applications/:slug/activate` and `…/deactivate`: turns SSO or the bookmark on or off. */
export function setActive(services: Services, active: boolean) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    await services.applications.setActive(application.slug, active, actorOf(req));

    const kind = application.template === 'bookmark' ? 'Bookmark' : 'SSO';
    setNotice(
      req,
      `${kind} ${active ? 'activated' : 'deactivated'} for ${application.displayLabel}.`,
    );
    const tab = String((req.body as Record<string, unknown> | undefined)?.tab ?? '');
    res.redirect(
      303,
      `/admin/applications/${application.slug}/${tabIds.has(tab) ? tab : 'general'}`,
    );
  };
}
