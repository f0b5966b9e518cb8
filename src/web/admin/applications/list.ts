import type { Request, Response } from 'express';
import type { Application } from '../../../applications/service.ts';
import { SesameError } from '../../../errors.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { formLevel, listField, textField, type FieldErrors } from '../forms.ts';
import { setNotice, takeNotice } from '../notices.ts';
import { templateName } from './shared.ts';

/** `GET /admin/applications?q=`: the applications, searched by label or slug. */
export function showApplications(services: Services) {
  return async (req: Request, res: Response) => {
    const query = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
    const applications = await services.applications.list(query);
    res.render('admin/applications', {
      title: 'SSO Applications',
      section: 'applications',
      applications,
      query,
      templateName,
      notice: takeNotice(req),
      errors: {},
    });
  };
}

async function selectedApplications(services: Services, slugs: string[]) {
  const unique = [...new Set(slugs)].slice(0, 500);
  return Promise.all(unique.map((slug) => services.applications.require(slug)));
}

function renderDeletePage(
  res: Response,
  applications: Application[],
  count: string,
  errors: FieldErrors,
  status = Object.keys(errors).length > 0 ? 400 : 200,
) {
  res.status(status).render('admin/application-delete', {
    title: 'Delete applications',
    section: 'applications',
    applications,
    count,
    errors,
  });
}

/** `GET /admin/applications/delete?slug=…`: the confirmation page, which takes the count. */
export function confirmApplicationDeletion(services: Services) {
  return async (req: Request, res: Response) => {
    const applications = await selectedApplications(services, listField(req.query, 'slug'));
    if (applications.length === 0) {
      setNotice(req, 'Select the applications to delete first.');
      return res.redirect(303, '/admin/applications');
    }
    renderDeletePage(res, applications, '', {});
  };
}

/**
 * `POST /admin/applications/delete`: deletes the selected applications, only when the number
 * typed equals the number selected, so that a slip of the mouse deletes nothing.
 */
export function deleteApplications(services: Services) {
  return async (req: Request, res: Response) => {
    const applications = await selectedApplications(services, listField(req.body, 'slug'));
    const count = textField(req.body, 'count').trim();
    if (applications.length === 0 || count !== String(applications.length)) {
      return renderDeletePage(res, applications, count, {
        count: `Type ${applications.length}, the number of applications being deleted.`,
      });
    }

    try {
      await services.applications.remove(
        applications.map((application) => application.slug),
        actorOf(req),
      );
    } catch (error) {
      // An active Identity Management integration blocks the deletion; the message names it.
      if (!(error instanceof SesameError && error.code === 'conflict')) throw error;
      return renderDeletePage(res, applications, count, { [formLevel]: error.message }, 409);
    }
    const labels = applications.map((application) => application.displayLabel).join(', ');
    setNotice(
      req,
      `Deleted ${applications.length} application${applications.length === 1 ? '' : 's'}: ${labels}.`,
    );
    res.redirect(303, '/admin/applications');
  };
}
