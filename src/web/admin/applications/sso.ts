import type { Request, Response } from 'express';
import type { Application } from '../../../applications/service.ts';
import { SesameError } from '../../../errors.ts';
import { attributeNameFormats, supportedNameIdFormats } from '../../../saml/constants.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { rejectedForm, isFormError, type FieldErrors } from '../forms.ts';
import { setNotice } from '../notices.ts';
import { uploadedFile } from '../uploads.ts';
import { loadApplication, renderTab } from './shared.ts';
import { parseSpMetadata } from './sp-metadata.ts';
import {
  blankAttributeRows,
  settingsFromValues,
  ssoFormFields,
  valuesFromApplication,
  valuesFromBody,
  type AttributeRow,
  type SsoFormValues,
} from './sso-form.ts';

const blankRow: AttributeRow = {
  name: '',
  nameFormat: attributeNameFormats.basic,
  source: 'email',
  constant: '',
};

async function loadSamlApplication(services: Services, req: Request): Promise<Application> {
  const application = await loadApplication(services, req);
  if (application.template === 'bookmark') {
    throw new SesameError('not_found', 'A bookmark has no SSO settings');
  }
  return application;
}

function renderSso(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  values: SsoFormValues,
  extra: { errors?: FieldErrors; notice?: string } = {},
) {
  const notAfter = services.signingKey.notAfter;
  renderTab(services, req, res, 'sso', application, {
    values,
    rows: [...values.attributes, ...Array.from({ length: blankAttributeRows }, () => blankRow)],
    nameIdFormats: supportedNameIdFormats,
    attributeNameFormats: Object.values(attributeNameFormats),
    certificateValid: notAfter.getTime() > Date.now(),
    certificateNotAfter: notAfter.toISOString().slice(0, 10),
    ...extra,
  });
}

/** `GET /admin/applications/:slug/sso`. */
export function showSso(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadSamlApplication(services, req);
    renderSso(services, req, res, application, valuesFromApplication(application));
  };
}

/** `POST /admin/applications/:slug/sso`: validates and saves every SSO setting at once. */
export function saveSso(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadSamlApplication(services, req);
    const values = valuesFromBody(req.body);
    try {
      await services.applications.updateSso(
        application.slug,
        settingsFromValues(values),
        actorOf(req),
      );
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(400);
      return renderSso(services, req, res, application, values, {
        errors: rejectedForm(services.logger, req, error, ssoFormFields),
      });
    }
    setNotice(req, 'SSO settings saved.');
    res.redirect(303, `/admin/applications/${application.slug}/sso`);
  };
}

/**
 * `POST /admin/applications/:slug/sso/metadata`: fills the SSO form from an SP metadata file
 * without saving, so that the administrator reviews the values and then saves them.
 */
export function readSpMetadata(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadSamlApplication(services, req);
    const saved = valuesFromApplication(application);
    const file = uploadedFile(req);

    try {
      if (!file) throw new SesameError('input_invalid', 'Invalid input: metadata file is missing');
      const metadata = parseSpMetadata(file);
      const values: SsoFormValues = {
        ...saved,
        spEntityId: metadata.entityId,
        acsUrls: metadata.acsUrls.join('\n'),
        spCertificate: metadata.signingCertificate ?? saved.spCertificate,
        requireSignedRequests: metadata.authnRequestsSigned,
      };
      renderSso(services, req, res, application, values, {
        notice: 'Values read from the SP metadata. Review them, then Save; nothing is saved yet.',
      });
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(400);
      renderSso(services, req, res, application, saved, {
        errors: rejectedForm(services.logger, req, error, ssoFormFields),
      });
    }
  };
}
