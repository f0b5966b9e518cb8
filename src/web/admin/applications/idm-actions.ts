import type { Request, Response } from 'express';
import type { Application } from '../../../applications/service.ts';
import { SesameError, type ErrorCode } from '../../../errors.ts';
import { entitlementChoices } from '../../../provisioning/service.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { checkboxField, formLevel, listField, type FieldErrors } from '../forms.ts';
import { setNotice } from '../notices.ts';
import {
  checkedForm,
  idmPath,
  isIdmError,
  renderIdentityManagement,
  renderRejected,
} from './identity-management.ts';
import { loadApplication, panelLocals } from './shared.ts';

const tab = 'identity-management';

/** `POST …/identity-management/sync`: starts a full comparison with the SP in the background. */
export function syncIntegration(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    try {
      await services.provisioning.syncNow(application.slug, actorOf(req));
    } catch (error) {
      if (!isIdmError(error)) throw error;
      return renderRejected(services, req, res, application, error);
    }
    setNotice(
      req,
      'Sync started: Sesame compares Databricks with the bound groups and sends the differences in the background. Reload this page to see the job counts.',
    );
    res.redirect(303, idmPath(application));
  };
}

/**
 * `POST …/identity-management/preview`: lists the writes a sync would send. It reads the SP's
 * users and groups, so it is a POST with a CSRF token, not a link another site could load.
 */
export function previewIntegration(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    let calls;
    try {
      calls = await services.provisioning.preview(application.slug);
    } catch (error) {
      if (!isIdmError(error)) throw error;
      return renderRejected(services, req, res, application, error);
    }
    res.render('admin/application-idm-preview', {
      ...panelLocals(services, req, tab, application),
      calls,
    });
  };
}

function renderDeactivation(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  errors: FieldErrors,
) {
  res.render('admin/application-idm-deactivate', {
    ...panelLocals(services, req, tab, application),
    errors,
  });
}

/** `GET …/identity-management/deactivate`: the confirmation page. */
export function confirmIdmDeactivation(services: Services) {
  return async (req: Request, res: Response) => {
    renderDeactivation(services, req, res, await loadApplication(services, req), {});
  };
}

/**
 * `POST …/identity-management/deactivate`: stops provisioning, only with the confirmation box
 * ticked, so that a stray click or a replayed request stops nothing.
 */
export function deactivateIntegration(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    if (!checkboxField(req.body, 'confirm')) {
      res.status(400);
      return renderDeactivation(
        services,
        req,
        res,
        application,
        checkedForm(services, req, {
          confirm: 'Tick the box to confirm that provisioning stops.',
        }),
      );
    }

    try {
      await services.provisioning.deactivate(application.slug, actorOf(req));
    } catch (error) {
      if (!isIdmError(error)) throw error;
      return renderRejected(services, req, res, application, error);
    }
    setNotice(
      req,
      `Identity Management deactivated for ${application.displayLabel}. Databricks keeps its users and groups as they are, and the Token Key stays stored for reactivation.`,
    );
    res.redirect(303, idmPath(application));
  };
}

/**
 * `POST …/identity-management/entitlements/:groupId`: the entitlements of one bound group. A
 * group that is not bound gets the error page, because its form is not on the tab to show a
 * message next to.
 */
export function saveEntitlements(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const groupId = String(req.params.groupId);
    const bound = await services.applications.listBoundGroups(application.slug);
    const group = bound.find((candidate) => candidate.id === groupId);
    if (!group) {
      throw new SesameError('not_found', 'The group is not bound to this application');
    }

    const names = listField(req.body, 'entitlements');
    const unknown = names.find((name) => !(entitlementChoices as readonly string[]).includes(name));
    const rejected = (message: string, status = 400, code: ErrorCode = 'input_invalid') => {
      res.status(status);
      return renderIdentityManagement(services, req, res, application, {
        errors: checkedForm(
          services,
          req,
          {
            [formLevel]: `Entitlements of ${group.name} not saved: see the message below.`,
            [`entitlements-${groupId}`]: message,
          },
          code,
        ),
      });
    };
    if (unknown !== undefined) {
      return rejected(
        `Entitlement "${unknown.slice(0, 64)}" is not one of ${entitlementChoices.join(', ')}.`,
      );
    }

    try {
      await services.provisioning.setEntitlements(application.slug, groupId, names, actorOf(req));
    } catch (error) {
      if (!isIdmError(error)) throw error;
      return rejected(error.message, error.status, error.code);
    }
    setNotice(req, `Entitlements of ${group.name} saved.`);
    res.redirect(303, idmPath(application));
  };
}
