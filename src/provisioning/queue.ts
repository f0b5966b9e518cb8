import { EventEmitter } from 'node:events';
import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';

/** The Sesame objects that a directory change touched; `membersOf` adds every member of those groups. */
export interface Change {
  users?: string[];
  groups?: string[];
  membersOf?: string[];
  /** Queue a full comparison of each application with its SP. */
  sync?: boolean;
}

/**
 * The provisioning job queue as the directory sees it: changes become jobs inside the caller's
 * transaction, so a change is never committed without its jobs or the other way round.
 */
export interface ChangeQueue {
  /** Writes jobs for each application with an active integration, or only for `applicationId`. */
  enqueue(trx: Db, change: Change, options?: EnqueueOptions): Promise<void>;
  /** Calls `listener` soon after jobs were written; the worker reads them once the writer commits. */
  onJobs(listener: () => void): () => void;
}

export interface EnqueueOptions {
  applicationId?: string;
  /** A full listing just showed that the SP has none of these objects. */
  knownAbsent?: boolean;
}

/** A queue that writes nothing, for a directory used without provisioning. */
export const noChangeQueue: ChangeQueue = {
  enqueue: async () => undefined,
  onJobs: () => () => undefined,
};

// Kept under SQLite's and PostgreSQL's bound-parameter limits with room for the other columns.
const chunkSize = 500;

export function createChangeQueue(): ChangeQueue {
  const signal = new EventEmitter();
  signal.setMaxListeners(0);

  return {
    async enqueue(trx, change, options = {}) {
      let applications = trx
        .selectFrom('idm_integrations')
        .select('application_id')
        .where('active', '=', 1);
      if (options.applicationId)
        applications = applications.where('application_id', '=', options.applicationId);
      const applicationIds = (await applications.execute()).map((row) => row.application_id);
      if (applicationIds.length === 0) return;

      const users = new Set(change.users ?? []);
      for (const ids of chunks([...new Set(change.membersOf ?? [])])) {
        const members = await trx
          .selectFrom('group_members')
          .select('user_id')
          .where('group_id', 'in', ids)
          .execute();
        for (const member of members) users.add(member.user_id);
      }

      let written = 0;
      for (const applicationId of applicationIds) {
        // Users first, so that a group job finds its new members already created.
        written += await insertJobs(trx, applicationId, 'user', [...users], options);
        written += await insertJobs(
          trx,
          applicationId,
          'group',
          [...new Set(change.groups ?? [])],
          options,
        );
        if (change.sync) {
          written += await insertJobs(trx, applicationId, 'sync', [applicationId], options);
        }
      }
      if (written > 0) setImmediate(() => signal.emit('jobs'));
    },

    onJobs(listener) {
      signal.on('jobs', listener);
      return () => signal.off('jobs', listener);
    },
  };
}

/**
 * Inserts one job per object unless a job for it is already waiting and not yet taken: that job
 * will read the object's state when it runs, so a second one would only repeat it.
 */
async function insertJobs(
  trx: Db,
  applicationId: string,
  kind: 'user' | 'group' | 'sync',
  objectIds: string[],
  options: EnqueueOptions,
): Promise<number> {
  let written = 0;
  for (const ids of chunks(objectIds)) {
    const waiting = await trx
      .selectFrom('idm_jobs')
      .select('object_id')
      .where('application_id', '=', applicationId)
      .where('kind', '=', kind)
      .where('state', '=', 'pending')
      .where('started_at', 'is', null)
      .where('object_id', 'in', ids)
      .execute();
    const skip = new Set(waiting.map((row) => row.object_id));
    const rows = ids
      .filter((id) => !skip.has(id))
      .map((id) => ({
        application_id: applicationId,
        kind,
        object_id: id,
        state: 'pending' as const,
        attempts: 0,
        known_absent: options.knownAbsent ? 1 : 0,
        created_at: nowIso(),
      }));
    if (rows.length > 0) await trx.insertInto('idm_jobs').values(rows).execute();
    written += rows.length;
  }
  return written;
}

export function chunks<T>(items: T[], size = chunkSize): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    result.push(items.slice(start, start + size));
  return result;
}
