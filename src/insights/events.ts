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
  'group_delete',
  'group_member_add',
  'group_member_remove',
  'application_create',
  'application_update',
  'application_delete',
  'application_group_bind',
  'application_group_unbind',
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

export interface Insights {
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
