import type { Request, Response } from 'express';
import { catalog } from '../../../applications/catalog.ts';
import type { Application } from '../../../applications/service.ts';
import type { Services } from '../../../services.ts';
import { idpEndpoint } from '../../sso.ts';
import { takeNotice } from '../notices.ts';

/** Loads the application named by the `:slug` route parameter, or throws `not_found`. */
export function loadApplication(services: Services, req: Request): Promise<Application> {
  return services.applications.require(String(req.params.slug));
}

/** Returns the catalog name of a template, such as "Custom SAML 2.0 application". */
export function templateName(template: Application['template']): string {
  return catalog.find((entry) => entry.template === template)?.name ?? template;
}

/** Lists the tabs of the application panel; bookmarks have neither SSO nor provisioning. */
export function tabsOf(application: Application): Array<{ id: string; label: string }> {
  const saml = application.template !== 'bookmark';
  return [
    { id: 'general', label: 'General' },
    ...(saml ? [{ id: 'sso', label: 'SSO' }] : []),
    { id: 'groups', label: 'User Groups' },
    ...(saml ? [{ id: 'identity-management', label: 'Identity Management' }] : []),
  ];
}

/** Returns what every page of the application panel renders: heading, tabs and pending notice. */
export function panelLocals(
  services: Services,
  req: Request,
  tab: string,
  application: Application,
): Record<string, unknown> {
  return {
    title: application.displayLabel,
    section: 'applications',
    application,
    tab,
    tabs: tabsOf(application),
    templateName: templateName(application.template),
    idpUrl: idpEndpoint(services, application.slug),
    notice: takeNotice(req),
    errors: {},
  };
}

/** Renders one tab of the application panel with what every tab shows. */
export function renderTab(
  services: Services,
  req: Request,
  res: Response,
  tab: string,
  application: Application,
  locals: Record<string, unknown>,
): void {
  res.render(`admin/application-${tab}`, {
    ...panelLocals(services, req, tab, application),
    ...locals,
  });
}
