import type { Selectable } from 'kysely';
import type { EventsTable } from '../db/schema.ts';
import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { Logger } from '../log.ts';

/**
 * Event types of the Directory Insights log: snake_case nouns with a verb, the same name in the
 * events table and in the `event` field of log lines.
 */
export const eventTypes = [
  'user_login_attempt',
  'user_logout',
  'sso_auth',
  'user_create',
  'user_update',
  'user_delete',
  'group_create',
  'group_update',
  'group_delete',
  'group_member_add',
  'group_member_remove',
  'application_create',
  'application_update',
  'application_delete',
  'application_group_bind',
  'application_group_unbind',
  'certificate_download',
  'api_key_create',
  'api_key_revoke',
  'scim_token_create',
  'scim_token_revoke',
  'idm_integration_activate',
  'idm_integration_update',
  'idm_integration_reauth',
  'idm_integration_delete',
  'idm_import_complete',
  'user_create_provision',
  'user_update_provision',
  'user_deprovision',
  'user_delete_provision',
  'user_lookup_provision',
  'group_create_provision',
  'group_update_provision',
  'group_delete_provision',
] as const;

export type EventType = (typeof eventTypes)[number];

export interface EventInput {
  type: EventType;
  outcome: 'success' | 'failure';
  /** The actor: a username, `cli`, or `system`. */
  actor?: string | null;
  userId?: string | null;
  username?: string | null;
  applicationId?: string | null;
  applicationSlug?: string | null;
  sourceIp?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  details?: Record<string, unknown>;
}

/** Filters of the Directory Insights page and API; all optional, combined with AND. */
export interface EventQuery {
  type?: string;
  /** Matches the event's username or actor (also as API key holder), without regard to case. */
  user?: string;
  application?: string;
  outcome?: 'success' | 'failure';
  /** ISO 8601 times; `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  /** 1-based page number. */
  page?: number;
  pageSize?: number;
}

export interface StoredEvent {
  id: number;
  time: string;
  type: string;
  outcome: 'success' | 'failure';
  actor: string | null;
  userId: string | null;
  username: string | null;
  applicationId: string | null;
  applicationSlug: string | null;
  sourceIp: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  details: Record<string, unknown>;
}

export const maxEventPageSize = 500;

export interface Insights {
  /** Lists events newest first, with the total that match, for paging. */
  query(filters: EventQuery): Promise<{ events: StoredEvent[]; total: number }>;
  /** Stores one event and writes the same facts to the log. Never pass a secret in `details`. */
  record(event: EventInput): Promise<void>;
  /** Deletes events older than `days`; returns how many were deleted. */
  prune(days: number): Promise<number>;
}

export function createInsights(db: Db, logger: Logger): Insights {
  return {
    async record(event) {
      await db
        .insertInto('events')
        .values({
          time: nowIso(),
          type: event.type,
          outcome: event.outcome,
          actor: event.actor ?? null,
          user_id: event.userId ?? null,
          username: event.username ?? null,
          application_id: event.applicationId ?? null,
          application_slug: event.applicationSlug ?? null,
          source_ip: event.sourceIp ?? null,
          error_code: event.errorCode ?? null,
          error_message: event.errorMessage ?? null,
          details: JSON.stringify(event.details ?? {}),
        })
        .execute();

      const level = event.outcome === 'success' ? 'info' : 'warn';
      logger[level]({ event: event.type, ...withoutDetails(event) }, 'event recorded');
    },

    async query(filters) {
      const pageSize = Math.min(Math.max(filters.pageSize ?? 50, 1), maxEventPageSize);
      const page = Math.max(filters.page ?? 1, 1);

      let query = db.selectFrom('events');
      if (filters.type) query = query.where('type', '=', filters.type);
      if (filters.outcome) query = query.where('outcome', '=', filters.outcome);
      if (filters.application) query = query.where('application_slug', '=', filters.application);
      if (filters.from) query = query.where('time', '>=', filters.from);
      if (filters.to) query = query.where('time', '<', filters.to);
      if (filters.user) {
        const user = filters.user.toLowerCase();
        query = query.where((eb) =>
          eb.or([
            eb(eb.fn('lower', ['username']), '=', user),
            eb(eb.fn('lower', ['actor']), '=', user),
            // Changes through the admin API name the actor "<username> (API key)".
            eb(eb.fn('lower', ['actor']), '=', `${user} (api key)`),
          ]),
        );
      }

      const { total } = await query
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow();
      const rows = await query
        .selectAll()
        .orderBy('id', 'desc')
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .execute();
      return { total: Number(total), events: rows.map(toStoredEvent) };
    },

    async prune(days) {
      const cutoff = nowIso(new Date(Date.now() - days * 86_400_000));
      const result = await db.deleteFrom('events').where('time', '<', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function withoutDetails(event: EventInput) {
  const { details: _details, ...rest } = event;
  return rest;
}

function toStoredEvent(row: Selectable<EventsTable>): StoredEvent {
  return {
    id: Number(row.id),
    time: row.time,
    type: row.type,
    outcome: row.outcome,
    actor: row.actor,
    userId: row.user_id,
    username: row.username,
    applicationId: row.application_id,
    applicationSlug: row.application_slug,
    sourceIp: row.source_ip,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}
