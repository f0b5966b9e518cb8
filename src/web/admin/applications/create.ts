import type { Request, Response } from 'express';
import { catalog, customSamlTemplate, type CatalogEntry } from '../../../applications/catalog.ts';
import { checkImage } from '../../../applications/image.ts';
import type { NewApplication } from '../../../applications/service.ts';
import { newApplicationSchema } from '../../../applications/settings.ts';
import { parseInput } from '../../../directory/validation.ts';
import { SesameError } from '../../../errors.ts';
import type { Services } from '../../../services.ts';
import { idpEndpoint } from '../../sso.ts';
import { actorOf } from '../access.ts';
import {
  checkboxField,
  rejectedForm,
  isFormError,
  renderInvalid,
  textField,
  type FormFields,
} from '../forms.ts';
import { slugFromLabel } from '../slug.ts';
import { uploadedFile } from '../uploads.ts';
import { linesOf } from './sso-form.ts';

/** `GET /admin/applications/new?q=`: the catalog, filtered on the server by name or description. */
export function showCatalog(req: Request, res: Response): void {
  const query = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
  const term = query.trim().toLowerCase();
  const entries = catalog.filter((entry) =>
    `${entry.name} ${entry.description}`.toLowerCase().includes(term),
  );
  res.render('admin/catalog', {
    title: 'Add New Application',
    section: 'applications',
    entries,
    query,
    scripts: ['/static/admin.js'],
  });
}

/** The new-application form's fields as typed. */
interface NewApplicationValues {
  displayLabel: string;
  description: string;
  showInPortal: boolean;
  bookmarkUrl: string;
  slug: string;
  spEntityId: string;
  acsUrls: string;
}

const newApplicationFields: FormFields = {
  labels: {
    displayLabel: 'Display Label',
    description: 'Description',
    showInPortal: 'Show in user portal',
    bookmarkUrl: 'Bookmark URL',
    slug: 'Application name',
    image: 'Image',
    spEntityId: 'SP Entity ID',
    acsUrls: 'ACS URLs',
  },
  rules: [
    [/application name|Application ".*" already exists/, 'slug'],
    [/SP entity ID/, 'spEntityId'],
    [/ACS URL/, 'acsUrls'],
    [/^image /, 'image'],
  ],
  itemNouns: { acsUrls: 'line' },
};

function catalogEntry(req: Request): CatalogEntry {
  const template = String(req.params.template);
  const entry = catalog.find((candidate) => candidate.template === template);
  if (!entry) throw new SesameError('not_found', `No catalog entry "${template.slice(0, 64)}"`);
  return entry;
}

function newFormLocals(services: Services, entry: CatalogEntry, values: NewApplicationValues) {
  return {
    title: `New ${entry.name}`,
    section: 'applications',
    entry,
    values,
    idpBase: idpEndpoint(services, ''),
    scripts: ['/static/admin.js'],
    errors: {},
  };
}

/** Returns the SSO values an application starts with, from the catalog or, for custom SAML, the form. */
function startingSso(
  entry: CatalogEntry,
  values: NewApplicationValues,
): Pick<NewApplication, 'spEntityId' | 'acsUrls' | 'loginUrl' | 'sso'> {
  if (!entry.sso) return { spEntityId: '', acsUrls: [], sso: customSamlTemplate };
  if (entry.template === 'saml') {
    return { spEntityId: values.spEntityId, acsUrls: linesOf(values.acsUrls), sso: entry.sso };
  }
  return {
    spEntityId: entry.sso.spEntityId,
    acsUrls: entry.sso.acsUrls,
    loginUrl: entry.sso.loginUrl,
    sso: entry.sso,
  };
}

/** `GET /admin/applications/new/:template`: the new-application form for a catalog entry. */
export function showNewApplication(services: Services) {
  return (req: Request, res: Response) => {
    const entry = catalogEntry(req);
    const values: NewApplicationValues = {
      displayLabel: entry.template === 'databricks' ? entry.name : '',
      description: '',
      showInPortal: true,
      bookmarkUrl: '',
      slug: '',
      spEntityId: '',
      acsUrls: '',
    };
    res.render('admin/application-new', newFormLocals(services, entry, values));
  };
}

function readValues(body: unknown): NewApplicationValues {
  return {
    displayLabel: textField(body, 'displayLabel'),
    description: textField(body, 'description'),
    showInPortal: checkboxField(body, 'showInPortal'),
    bookmarkUrl: textField(body, 'bookmarkUrl').trim(),
    slug: textField(body, 'slug').trim(),
    spEntityId: textField(body, 'spEntityId').trim(),
    acsUrls: textField(body, 'acsUrls'),
  };
}

/** Returns `base`, or `base-2`, `base-3` … when an application already has that slug. */
async function unusedSlug(services: Services, base: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const suffix = n === 1 ? '' : `-${n}`;
    const candidate = `${base.slice(0, 64 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!(await services.applications.get(candidate))) return candidate;
  }
  return base;
}

/**
 * `POST /admin/applications/new/:template`: creates the application. Everything is checked
 * before anything is stored, so a rejected form leaves no half-made application behind.
 * Databricks starts with the catalog's `YOUR_SUBDOMAIN` URLs, and the SSO tab rejects them
 * until they are replaced. A custom SAML application needs its SP entity ID and ACS URL here,
 * because the service cannot store an application without them.
 */
export function createApplication(services: Services) {
  return async (req: Request, res: Response) => {
    const entry = catalogEntry(req);
    const values = readValues(req.body);
    const slug =
      values.slug ||
      (await unusedSlug(services, slugFromLabel(values.displayLabel) || entry.template));
    const image = uploadedFile(req);

    try {
      const general = parseInput(newApplicationSchema, {
        template: entry.template,
        slug,
        displayLabel: values.displayLabel,
        description: values.description,
        showInPortal: values.showInPortal,
        ...(entry.template === 'bookmark' && { bookmarkUrl: values.bookmarkUrl }),
      });
      if (image) checkImage(image);

      await services.applications.create(
        { ...general, ...startingSso(entry, values) },
        actorOf(req),
      );
      if (image) await services.applications.setImage(slug, image, actorOf(req));
    } catch (error) {
      if (!isFormError(error)) throw error;
      return renderInvalid(
        res,
        'admin/application-new',
        newFormLocals(services, entry, values),
        rejectedForm(services.logger, req, error, newApplicationFields),
      );
    }
    res.redirect(303, `/admin/applications/${slug}/created`);
  };
}

/** `GET /admin/applications/:slug/created`: the next steps after a new application is saved. */
export function showCreated(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await services.applications.require(String(req.params.slug));
    res.render('admin/application-created', {
      title: 'Application saved',
      section: 'applications',
      application,
      idpUrl: idpEndpoint(services, application.slug),
    });
  };
}
