import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { isUniqueViolation, nowIso } from '../db/index.ts';
import type { ApplicationsTable } from '../db/schema.ts';
import type { Actor } from '../directory/service.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import type { AttributeMapping, SsoTemplate } from './catalog.ts';
import { checkAcsUrl, checkEntityId, checkSlug, normalizeCertificate } from './validation.ts';

export interface AcsEndpoint {
  url: string;
  index: number;
  isDefault: boolean;
}

/** An application with its JSON columns parsed. */
export interface Application {
  id: string;
  slug: string;
  template: ApplicationsTable['template'];
  displayLabel: string;
  spEntityId: string;
  acsUrls: AcsEndpoint[];
  spCertificate: string | null;
  requireSignedRequests: boolean;
  nameIdFormat: string;
  nameIdSource: 'email' | 'username';
  signResponse: boolean;
  signAssertion: boolean;
  attributes: AttributeMapping[];
  defaultRelayState: string | null;
  active: boolean;
}

export interface NewApplication {
  slug: string;
  template: ApplicationsTable['template'];
  displayLabel?: string;
  spEntityId: string;
  acsUrls: string[];
  spCertificate?: string;
  requireSignedRequests?: boolean;
  defaultRelayState?: string;
  sso: SsoTemplate;
}

export interface Applications {
  create(input: NewApplication, by: Actor): Promise<Application>;
  get(slug: string): Promise<Application | undefined>;
  require(slug: string): Promise<Application>;
  list(): Promise<Application[]>;
  bind(slug: string, groupId: string, groupName: string, by: Actor): Promise<void>;
  setActive(slug: string, active: boolean, by: Actor): Promise<void>;
  /** Lists the active applications that `userId` may use: bound to one of their groups. */
  listForUser(userId: string): Promise<Application[]>;
  /** Implicit deny: true only while the user is active and in a group bound to the application. */
  isAuthorized(userId: string, applicationId: string): Promise<boolean>;
}

export function createApplications(db: Db, insights: Insights): Applications {
  const get = async (slug: string) => {
    const row = await db
      .selectFrom('applications')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst();
    return row && toApplication(row);
  };

  const require = async (slug: string) => {
    const application = await get(slug);
    if (!application) throw new SesameError('not_found', `Application "${slug}" not found`);
    return application;
  };

  return {
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
          if (isUniqueViolation(error)) {
            throw new SesameError('conflict', `Application "${row.slug}" already exists`);
          }
          throw error;
        });
      await insights.record({
        type: 'application_create',
        outcome: 'success',
        ...by,
        applicationId: row.id,
        applicationSlug: row.slug,
        details: { template: row.template, spEntityId: row.sp_entity_id },
      });
      return toApplication(row);
    },

    async list() {
      const rows = await db.selectFrom('applications').selectAll().orderBy('slug').execute();
      return rows.map(toApplication);
    },

    async bind(slug, groupId, groupName, by) {
      const application = await require(slug);
      const inserted = await db
        .insertInto('application_groups')
        .values({ application_id: application.id, group_id: groupId })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      // Already there: nothing changed, so nothing is recorded.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
      await insights.record({
        type: 'application_group_bind',
        outcome: 'success',
        ...by,
        applicationId: application.id,
        applicationSlug: application.slug,
        details: { group: groupName },
      });
    },

    async setActive(slug, active, by) {
      const application = await require(slug);
      await db
        .updateTable('applications')
        .set({ active: active ? 1 : 0, updated_at: nowIso() })
        .where('id', '=', application.id)
        .execute();
      await insights.record({
        type: 'application_update',
        outcome: 'success',
        ...by,
        applicationId: application.id,
        applicationSlug: application.slug,
        details: { active },
      });
    },

    async listForUser(userId) {
      const rows = await db
        .selectFrom('applications')
        .selectAll('applications')
        .where('applications.active', '=', 1)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('application_groups')
              .innerJoin('group_members', 'group_members.group_id', 'application_groups.group_id')
              .innerJoin('users', 'users.id', 'group_members.user_id')
              .whereRef('application_groups.application_id', '=', 'applications.id')
              .where('group_members.user_id', '=', userId)
              .where('users.status', '=', 'active')
              .select(eb.lit(1).as('one')),
          ),
        )
        .orderBy('applications.display_label')
        .execute();
      return rows.map(toApplication);
    },

    async isAuthorized(userId, applicationId) {
      const row = await db
        .selectFrom('application_groups')
        .innerJoin('group_members', 'group_members.group_id', 'application_groups.group_id')
        .innerJoin('users', 'users.id', 'group_members.user_id')
        .where('application_groups.application_id', '=', applicationId)
        .where('group_members.user_id', '=', userId)
        .where('users.status', '=', 'active')
        .select('users.id')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

function toRow(input: NewApplication): ApplicationsTable {
  const slug = checkSlug(input.slug);
  if (input.acsUrls.length === 0)
    throw new SesameError('input_invalid', 'At least one ACS URL is required');
  const acsUrls: AcsEndpoint[] = input.acsUrls.map((url, index) => ({
    url: checkAcsUrl(url),
    index,
    isDefault: index === 0,
  }));
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
    sp_entity_id: checkEntityId(input.spEntityId),
    acs_urls: JSON.stringify(acsUrls),
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

function toApplication(row: ApplicationsTable): Application {
  return {
    id: row.id,
    slug: row.slug,
    template: row.template,
    displayLabel: row.display_label,
    spEntityId: row.sp_entity_id,
    acsUrls: JSON.parse(row.acs_urls) as AcsEndpoint[],
    spCertificate: row.sp_certificate,
    requireSignedRequests: row.require_signed_requests === 1,
    nameIdFormat: row.nameid_format,
    nameIdSource: row.nameid_source,
    signResponse: row.sign_response === 1,
    signAssertion: row.sign_assertion === 1,
    attributes: JSON.parse(row.attributes) as AttributeMapping[],
    defaultRelayState: row.default_relay_state,
    active: row.active === 1,
  };
}
