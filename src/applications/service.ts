import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { isUniqueViolation, nowIso } from '../db/index.ts';
import type { ApplicationsTable } from '../db/schema.ts';
import type { Actor } from '../directory/service.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import { noChangeQueue, type ChangeQueue } from '../provisioning/queue.ts';
import type { SsoTemplate } from './catalog.ts';
import { checkImage } from './image.ts';
import { acsEndpoints, applicationColumns, toApplication, type Application } from './model.ts';
import { createBindings, type BindingOperations } from './bindings.ts';
import {
  generalSettingsSchema,
  ssoSettingsSchema,
  type GeneralSettings,
  type SsoSettings,
} from './settings.ts';
import { checkAcsUrl, checkEntityId, checkSlug, normalizeCertificate } from './validation.ts';
import { parseInput } from '../directory/validation.ts';

export type { AcsEndpoint, Application } from './model.ts';

export interface NewApplication {
  slug: string;
  template: ApplicationsTable['template'];
  displayLabel?: string;
  description?: string;
  showInPortal?: boolean;
  bookmarkUrl?: string;
  loginUrl?: string;
  spEntityId: string;
  acsUrls: string[];
  spCertificate?: string;
  requireSignedRequests?: boolean;
  defaultRelayState?: string;
  sso: SsoTemplate;
}

export interface Applications extends BindingOperations {
  create(input: NewApplication, by: Actor): Promise<Application>;
  get(slug: string): Promise<Application | undefined>;
  require(slug: string): Promise<Application>;
  /** Lists applications by display label; `search` matches label or slug, without regard to case. */
  list(search?: string): Promise<Application[]>;
  updateGeneral(slug: string, settings: GeneralSettings, by: Actor): Promise<Application>;
  updateSso(slug: string, settings: SsoSettings, by: Actor): Promise<Application>;
  /** Sets or, with null, removes the tile image; the bytes must be a PNG or JPEG. */
  setImage(slug: string, image: Buffer | null, by: Actor): Promise<void>;
  getImage(slug: string): Promise<{ bytes: Buffer; type: string } | undefined>;
  setActive(slug: string, active: boolean, by: Actor): Promise<void>;
  /** Deletes applications with their bindings; all or nothing. */
  remove(slugs: string[], by: Actor): Promise<void>;
}

/** Looks up a group by ID; the directory provides it, so this module does not read its table. */
export type GroupLookup = (id: string) => Promise<{ id: string; name: string }>;

export function createApplications(
  db: Db,
  insights: Insights,
  requireGroupById: GroupLookup,
  queue: ChangeQueue = noChangeQueue,
): Applications {
  const get = async (slug: string) => {
    const row = await db
      .selectFrom('applications')
      .select(applicationColumns)
      .where('slug', '=', slug)
      .executeTakeFirst();
    return row && toApplication(row);
  };

  const require = async (slug: string) => {
    const application = await get(slug);
    if (!application)
      throw new SesameError('not_found', `Application "${slug.slice(0, 64)}" not found`);
    return application;
  };

  const record = (
    type: 'application_create' | 'application_update' | 'application_delete',
    application: Application,
    by: Actor,
    details: object,
  ) =>
    insights.record({
      type,
      outcome: 'success',
      ...by,
      applicationId: application.id,
      applicationSlug: application.slug,
      details: { ...details },
    });

  const update = async (
    application: Application,
    set: Partial<ApplicationsTable>,
    by: Actor,
    details: object,
  ) => {
    await db
      .updateTable('applications')
      .set({ ...set, updated_at: nowIso() })
      .where('id', '=', application.id)
      .execute();
    await record('application_update', application, by, details);
    return require(application.slug);
  };

  return {
    ...createBindings(db, insights, require, requireGroupById, queue),
    get,
    require,

    async create(input, by) {
      const row = toRow(input);
      if (await get(row.slug))
        throw new SesameError('conflict', `Application "${row.slug}" already exists`);

      await db
        .insertInto('applications')
        .values(row)
        .execute()
        .catch((error: unknown) => {
          if (isUniqueViolation(error))
            throw new SesameError('conflict', `Application "${row.slug}" already exists`);
          throw error;
        });
      const created = await require(row.slug);
      await record('application_create', created, by, {
        template: row.template,
        spEntityId: row.sp_entity_id,
      });
      return created;
    },

    async list(search) {
      let query = db.selectFrom('applications').select(applicationColumns).orderBy('display_label');
      const term = search?.trim().toLowerCase();
      if (term) {
        const pattern = `%${term.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
        // ESCAPE makes the backslash escape LIKE's wildcards in both SQLite and PostgreSQL.
        query = query.where(
          sql<boolean>`(lower(display_label) like ${pattern} escape '\\' or slug like ${pattern} escape '\\')`,
        );
      }
      return (await query.execute()).map(toApplication);
    },

    async updateGeneral(slug, settings, by) {
      const fields = parseInput(generalSettingsSchema, settings);
      const application = await require(slug);
      if (fields.bookmarkUrl !== undefined && application.template !== 'bookmark') {
        throw new SesameError(
          'input_invalid',
          'Invalid input: bookmarkUrl applies to bookmark applications only',
        );
      }
      return update(
        application,
        {
          display_label: fields.displayLabel,
          description: fields.description,
          show_in_portal: fields.showInPortal ? 1 : 0,
          ...(fields.bookmarkUrl !== undefined && { bookmark_url: fields.bookmarkUrl }),
        },
        by,
        { changed: Object.keys(settings) },
      );
    },

    async updateSso(slug, settings, by) {
      const fields = parseInput(ssoSettingsSchema, settings);
      const application = await require(slug);
      if (application.template === 'bookmark') {
        throw new SesameError('input_invalid', 'A bookmark application has no SSO settings');
      }
      return update(
        application,
        {
          sp_entity_id: fields.spEntityId,
          acs_urls: JSON.stringify(acsEndpoints(fields.acsUrls)),
          login_url: fields.loginUrl ?? null,
          nameid_format: fields.nameIdFormat,
          nameid_source: fields.nameIdSource,
          sign_response: fields.signResponse ? 1 : 0,
          sign_assertion: fields.signAssertion ? 1 : 0,
          default_relay_state: fields.defaultRelayState || null,
          attributes: JSON.stringify(fields.attributes),
          sp_certificate: fields.spCertificate ? normalizeCertificate(fields.spCertificate) : null,
          require_signed_requests: fields.requireSignedRequests ? 1 : 0,
        },
        by,
        { changed: 'sso', spEntityId: fields.spEntityId, acsUrls: fields.acsUrls },
      );
    },

    async setImage(slug, image, by) {
      const application = await require(slug);
      const type = image ? checkImage(image) : null;
      await update(application, { image, image_type: type }, by, {
        changed: ['image'],
        imageType: type,
      });
    },

    async getImage(slug) {
      const row = await db
        .selectFrom('applications')
        .select(['image', 'image_type'])
        .where('slug', '=', slug)
        .executeTakeFirst();
      return row?.image && row.image_type
        ? { bytes: Buffer.from(row.image), type: row.image_type }
        : undefined;
    },

    async setActive(slug, active, by) {
      const application = await require(slug);
      if (application.active === active) return;
      await update(application, { active: active ? 1 : 0 }, by, { active });
    },

    async remove(slugs, by) {
      const applications = await Promise.all([...new Set(slugs)].map(require));
      await db.transaction().execute(async (trx) => {
        for (const application of applications) {
          const integration = await trx
            .selectFrom('idm_integrations')
            .select('active')
            .where('application_id', '=', application.id)
            .executeTakeFirst();
          if (integration?.active === 1) {
            throw new SesameError(
              'conflict',
              `Application "${application.slug}" has an active Identity Management integration; deactivate it before deleting the application`,
            );
          }
          await trx.deleteFrom('applications').where('id', '=', application.id).execute();
        }
      });
      for (const application of applications) {
        await record('application_delete', application, by, { template: application.template });
      }
    },
  };
}

function toRow(input: NewApplication): ApplicationsTable {
  const slug = checkSlug(input.slug);
  const bookmark = input.template === 'bookmark';
  if (bookmark && !input.bookmarkUrl) {
    throw new SesameError(
      'input_invalid',
      'Invalid input: bookmarkUrl is required for a bookmark application',
    );
  }
  if (!bookmark && input.acsUrls.length === 0) {
    throw new SesameError('input_invalid', 'At least one ACS URL is required');
  }
  if (input.requireSignedRequests && !input.spCertificate) {
    throw new SesameError(
      'input_invalid',
      'Requiring signed AuthnRequests needs the SP signing certificate to verify them with',
    );
  }
  const now = nowIso();

  return {
    id: randomUUID(),
    slug,
    template: input.template,
    display_label: input.displayLabel?.trim() || slug,
    description: input.description ?? '',
    show_in_portal: input.showInPortal === false ? 0 : 1,
    bookmark_url: bookmark ? checkAcsUrl(input.bookmarkUrl!, 'Bookmark URL') : null,
    login_url: input.loginUrl ?? null,
    image: null,
    image_type: null,
    sp_entity_id: bookmark ? '' : checkEntityId(input.spEntityId),
    acs_urls: JSON.stringify(acsEndpoints(input.acsUrls.map((url) => checkAcsUrl(url)))),
    sp_certificate: input.spCertificate ? normalizeCertificate(input.spCertificate) : null,
    require_signed_requests: input.requireSignedRequests ? 1 : 0,
    nameid_format: input.sso.nameIdFormat,
    nameid_source: input.sso.nameIdSource,
    sign_response: input.sso.signResponse ? 1 : 0,
    sign_assertion: input.sso.signAssertion ? 1 : 0,
    attributes: JSON.stringify(input.sso.attributes),
    default_relay_state: input.defaultRelayState ?? null,
    active: 1,
    created_at: now,
    updated_at: now,
  };
}
