import type { Request, Response } from 'express';
import type { Application } from '../../../applications/service.ts';
import { SesameError, type ErrorCode } from '../../../errors.ts';
import { entitlementChoices } from '../../../provisioning/service.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { formLevel, rejectedForm, type FieldErrors } from '../forms.ts';
import { setNotice } from '../notices.ts';
import {
  configureValuesOf,
  deprovisionChoices,
  idmFields,
  maxBaseUrlLength,
  readConfigure,
  readSettings,
  targetChoices,
  type IdmConfigureValues,
  type IdmSettingsValues,
} from './idm-form.ts';
import { loadApplication, renderTab } from './shared.ts';

const tab = 'identity-management';

/** Path of the Identity Management tab of an application. */
export function idmPath(application: { slug: string }): string {
  return `/admin/applications/${application.slug}/identity-management`;
}

/** Engine errors that these pages show next to their forms; any other goes to the error page. */
const shownCodes = new Set<ErrorCode>([
  'input_invalid',
  'conflict',
  'not_found',
  'scim_check_failed',
  'scim_call_failed',
]);

export function isIdmError(error: unknown): error is SesameError {
  return error instanceof SesameError && shownCodes.has(error.code);
}

/**
 * Logs a rejected IdM form and places its message. A failed SCIM check keeps its exact reason
 * next to the Activate button, and the top of the page states that nothing was saved.
 */
export function idmErrors(services: Services, req: Request, error: SesameError): FieldErrors {
  const errors = rejectedForm(services.logger, req, error, idmFields);
  if (error.code !== 'scim_check_failed') return errors;
  return {
    [formLevel]: 'Not activated, and nothing was saved: the check of the SCIM API failed.',
    check: error.message,
  };
}

/**
 * Logs a rejected form whose messages the page places itself, at info like `rejectedForm`, and
 * returns the messages.
 */
export function checkedForm(
  services: Services,
  req: Request,
  errors: FieldErrors,
  code: ErrorCode = 'input_invalid',
): FieldErrors {
  services.logger.info(
    { code, method: req.method, path: req.path, fields: Object.keys(errors) },
    'form rejected',
  );
  return errors;
}

interface TabState {
  configure?: IdmConfigureValues;
  settings?: IdmSettingsValues;
  errors?: FieldErrors;
}

/** Lists the bound groups with their entitlements, for the workspace-level entitlements form. */
async function entitlementRows(services: Services, slug: string) {
  const [groups, entitlements] = await Promise.all([
    services.applications.listBoundGroups(slug),
    services.provisioning.listEntitlements(slug),
  ]);
  return groups.map((group) => ({
    id: group.id,
    name: group.name,
    entitlements: new Set(entitlements[group.id] ?? []),
  }));
}

/** Renders the tab: the Configure form, or the status and settings of an active integration. */
export async function renderIdentityManagement(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  state: TabState = {},
): Promise<void> {
  const integration = await services.provisioning.get(application.slug);
  const [failedJobs, groups] = await Promise.all([
    integration ? services.provisioning.listFailedJobs(application.slug) : [],
    integration?.level === 'workspace' ? entitlementRows(services, application.slug) : [],
  ]);
  renderTab(services, req, res, tab, application, {
    integration,
    configure: state.configure ?? configureValuesOf(integration),
    settings: state.settings ?? configureValuesOf(integration),
    failedJobs,
    entitlementGroups: groups,
    entitlementChoices,
    targetChoices,
    deprovisionChoices,
    maxBaseUrlLength,
    errors: state.errors ?? {},
  });
}

/** Renders the tab again after a rejected form, with the status that fits the error. */
export async function renderRejected(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  error: SesameError,
  state: TabState = {},
): Promise<void> {
  res.status(error.status);
  await renderIdentityManagement(services, req, res, application, {
    ...state,
    errors: idmErrors(services, req, error),
  });
}

/** `GET /admin/applications/:slug/identity-management`. */
export function showIdentityManagement(services: Services) {
  return async (req: Request, res: Response) => {
    await renderIdentityManagement(services, req, res, await loadApplication(services, req));
  };
}

/**
 * `POST /admin/applications/:slug/identity-management`: checks the Base URL and Token Key
 * against the SCIM API and, only when the check passes, saves and starts provisioning. The
 * Token Key is never put back into the page, not even after a rejected submission.
 */
export function activateIntegration(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const { values, token, errors } = readConfigure(req.body);
    if (Object.keys(errors).length > 0) {
      res.status(400);
      return renderIdentityManagement(services, req, res, application, {
        configure: values,
        errors: checkedForm(services, req, {
          [formLevel]: 'Not activated: correct the fields marked below.',
          ...errors,
        }),
      });
    }

    try {
      await services.provisioning.activate(
        application.slug,
        { ...values, token: token === '' ? undefined : token },
        actorOf(req),
      );
    } catch (error) {
      if (!isIdmError(error)) throw error;
      return renderRejected(services, req, res, application, error, { configure: values });
    }
    setNotice(
      req,
      `Identity Management activated for ${application.displayLabel}. Sesame now provisions the members of the bound groups in the background.`,
    );
    res.redirect(303, idmPath(application));
  };
}

/** `POST …/identity-management/settings`: group management, deprovisioning and target level. */
export function saveIdmSettings(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const { values, errors } = readSettings(req.body);
    if (Object.keys(errors).length > 0) {
      res.status(400);
      return renderIdentityManagement(services, req, res, application, {
        settings: values,
        errors: checkedForm(services, req, {
          [formLevel]: 'Not saved: correct the fields marked below.',
          ...errors,
        }),
      });
    }

    try {
      await services.provisioning.updateSettings(application.slug, values, actorOf(req));
    } catch (error) {
      if (!isIdmError(error)) throw error;
      return renderRejected(services, req, res, application, error, { settings: values });
    }
    setNotice(req, 'Identity Management settings saved.');
    res.redirect(303, idmPath(application));
  };
}
