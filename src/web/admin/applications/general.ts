import type { Request, Response } from 'express';
import { checkImage } from '../../../applications/image.ts';
import type { Application } from '../../../applications/service.ts';
import { generalSettingsSchema, type GeneralSettings } from '../../../applications/settings.ts';
import { parseInput } from '../../../directory/validation.ts';
import { SesameError } from '../../../errors.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { checkboxField, rejectedForm, isFormError, textField, type FormFields } from '../forms.ts';
import { setNotice } from '../notices.ts';
import { uploadedFile } from '../uploads.ts';
import { loadApplication, renderTab } from './shared.ts';

interface GeneralValues {
  displayLabel: string;
  description: string;
  showInPortal: boolean;
  bookmarkUrl: string;
}

const generalFields: FormFields = {
  labels: {
    displayLabel: 'Display Label',
    description: 'Description',
    showInPortal: 'Show in user portal',
    bookmarkUrl: 'Bookmark URL',
    image: 'Image',
  },
  rules: [[/^image /, 'image']],
};

function valuesOf(application: Application): GeneralValues {
  return {
    displayLabel: application.displayLabel,
    description: application.description,
    showInPortal: application.showInPortal,
    bookmarkUrl: application.bookmarkUrl ?? '',
  };
}

/** `GET /admin/applications/:slug/general`. */
export function showGeneral(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    renderTab(services, req, res, 'general', application, { values: valuesOf(application) });
  };
}

function readValues(body: unknown): GeneralValues {
  return {
    displayLabel: textField(body, 'displayLabel'),
    description: textField(body, 'description'),
    showInPortal: checkboxField(body, 'showInPortal'),
    bookmarkUrl: textField(body, 'bookmarkUrl').trim(),
  };
}

/**
 * `POST /admin/applications/:slug/general`: saves the label, description, portal visibility,
 * bookmark URL and tile image. The settings and the image are both checked before either is
 * saved, so a rejected form changes nothing.
 */
export function saveGeneral(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const values = readValues(req.body);
    const image = uploadedFile(req);
    const removeImage = checkboxField(req.body, 'removeImage');
    const settings: GeneralSettings = {
      displayLabel: values.displayLabel,
      description: values.description,
      showInPortal: values.showInPortal,
      ...(application.template === 'bookmark' && { bookmarkUrl: values.bookmarkUrl }),
    };

    try {
      parseInput(generalSettingsSchema, settings);
      if (image) checkImage(image);
      await services.applications.updateGeneral(application.slug, settings, actorOf(req));
      if (image || removeImage) {
        await services.applications.setImage(application.slug, image ?? null, actorOf(req));
      }
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(400);
      return renderTab(services, req, res, 'general', application, {
        values,
        errors: rejectedForm(services.logger, req, error, generalFields),
      });
    }
    setNotice(req, 'General settings saved.');
    res.redirect(303, `/admin/applications/${application.slug}/general`);
  };
}

/** `GET /admin/applications/:slug/image`: the tile image, for the General tab's preview. */
export function sendImage(services: Services) {
  return async (req: Request, res: Response) => {
    const image = await services.applications.getImage(String(req.params.slug));
    if (!image) throw new SesameError('not_found', 'This application has no image');

    res.setHeader('Content-Type', image.type);
    // The bytes were checked to be PNG or JPEG; the sandbox stops anything else from running.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.send(image.bytes);
  };
}
