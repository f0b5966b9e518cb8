import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { Actor, Directory } from '../directory/service.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import type { Logger } from '../log.ts';
import { ScimCallError, type ScimClient } from './client.ts';
import { readRemoteState } from './reconcile.ts';

/** A user of the SP as the manual import lists it. */
export interface ImportCandidate {
  remoteId: string;
  userName: string;
  email: string;
  givenName: string;
  familyName: string;
  displayName: string;
  active: boolean;
  /** `Imported` when a Sesame user has this userName or email already. */
  status: 'New' | 'Imported';
}

export interface ImportResult {
  userName: string;
  outcome: 'created' | 'skipped' | 'failed';
  message: string;
}

export interface ImportRun {
  id: string;
  applicationSlug: string;
  requestedBy: string;
  state: 'running' | 'finished';
  total: number;
  created: number;
  skipped: number;
  failed: number;
  results: ImportResult[];
  startedAt: string;
  finishedAt: string | null;
}

export interface Imports {
  /** Lists the SP's users; with `newOnly`, only those not yet in Sesame. */
  listImportCandidates(slug: string, options?: { newOnly?: boolean }): Promise<ImportCandidate[]>;
  /**
   * Creates the selected SP users in Sesame without passwords. Up to `immediateLimit` are created
   * before this returns; more run in the background and are reported through `getImport`.
   */
  importUsers(slug: string, remoteIds: string[], by: Actor): Promise<ImportRun>;
  getImport(id: string): Promise<ImportRun | undefined>;
  /**
   * Finished background imports that no administrator has dismissed yet, newest first, with
   * their counts but without per-user results, since every portal page shows them.
   */
  listUnacknowledgedImports(): Promise<ImportRun[]>;
  /** Dismisses a finished import's notice; fails with `not_found` for any other ID. */
  acknowledgeImport(id: string): Promise<void>;
  resume(): Promise<void>;
  stopAll(): Promise<void>;
}

/** Imports of more users than this run in the background. */
export const immediateLimit = 100;
/** Upper bound of one import request, to bound the work one form submission starts. */
export const maxImport = 10_000;

interface Dependencies {
  requireApplication(slug: string): Promise<{ id: string; slug: string }>;
  /** Runs `use` with a SCIM client for the application, closing it afterwards if it was made for this. */
  withClient<T>(slug: string, use: (client: ScimClient) => Promise<T>): Promise<T>;
  createUser: Directory['createUser'];
  setStatusById: Directory['setStatusById'];
}

export function createImports(
  db: Db,
  insights: Insights,
  logger: Logger,
  dependencies: Dependencies,
): Imports {
  const background = new Map<string, Promise<void>>();
  let stopping = false;

  const toRun = (
    row: Awaited<ReturnType<typeof readImport>> & object,
    slug: string,
  ): ImportRun => ({
    id: row.id,
    applicationSlug: slug,
    requestedBy: row.requested_by,
    state: row.state,
    total: row.total,
    created: row.created,
    skipped: row.skipped,
    failed: row.failed,
    results: JSON.parse(row.results) as ImportResult[],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  });

  const readImport = (id: string) =>
    db
      .selectFrom('idm_imports')
      .innerJoin('applications', 'applications.id', 'idm_imports.application_id')
      .selectAll('idm_imports')
      .select('applications.slug')
      .where('idm_imports.id', '=', id)
      .executeTakeFirst();

  const listCandidates = async (slug: string) => {
    let users;
    try {
      ({ users } = await dependencies.withClient(slug, (client) => readRemoteState(client, false)));
    } catch (error) {
      if (error instanceof ScimCallError) {
        throw new SesameError(
          'scim_call_failed',
          `Reading the SP's users failed: ${error.message}`,
          // The HTTP status or network error is what the administrator acts on.
          { cause: error, expose: true },
        );
      }
      throw error;
    }
    const keys = new Set<string>();
    const known = await db.selectFrom('users').select(['username_key', 'email_key']).execute();
    for (const row of known) keys.add(row.username_key).add(row.email_key);
    return users.map((user): ImportCandidate => {
      const attributes = user.attributes;
      const imported =
        keys.has(attributes.userName.toLowerCase()) || keys.has(attributes.email.toLowerCase());
      return {
        remoteId: user.id,
        userName: attributes.userName,
        email: attributes.email,
        givenName: attributes.givenName,
        familyName: attributes.familyName,
        displayName: attributes.displayName,
        active: attributes.active,
        status: imported ? 'Imported' : 'New',
      };
    });
  };

  /** Creates one user; a user that already exists is skipped, not changed. */
  const importOne = async (candidate: ImportCandidate, by: Actor): Promise<ImportResult> => {
    const userName = candidate.userName;
    try {
      const user = await dependencies.createUser(
        {
          username: userName,
          email: candidate.email || userName,
          firstName: candidate.givenName,
          lastName: candidate.familyName,
          displayName: candidate.displayName,
        },
        by,
      );
      // A user deactivated in the SP arrives suspended rather than able to sign in.
      if (!candidate.active) {
        await dependencies.setStatusById(user.id, 'suspended', by);
        return { userName, outcome: 'created', message: 'created suspended, as in the SP' };
      }
      return { userName, outcome: 'created', message: 'created without a password' };
    } catch (error) {
      if (error instanceof SesameError && error.code === 'conflict')
        return { userName, outcome: 'skipped', message: 'already in Sesame' };
      if (error instanceof SesameError && error.expose)
        return { userName, outcome: 'failed', message: error.message };
      logger.error({ err: error, userName }, 'import of a user failed');
      return { userName, outcome: 'failed', message: 'internal error' };
    }
  };

  /** Works through an import's remaining users, saving progress after each slice. */
  const work = async (id: string) => {
    for (;;) {
      if (stopping) return;
      const row = await readImport(id);
      if (!row || row.state !== 'running') return;
      const remaining = JSON.parse(row.remaining) as ImportCandidate[];
      const slice = remaining.slice(0, 25);
      const by = { actor: row.requested_by };
      const results: ImportResult[] = [];
      for (const candidate of slice) results.push(await importOne(candidate, by));
      const rest = remaining.slice(slice.length);
      const count = (outcome: ImportResult['outcome']) =>
        results.filter((result) => result.outcome === outcome).length;
      const finished = rest.length === 0;
      await db
        .updateTable('idm_imports')
        .set({
          remaining: JSON.stringify(rest),
          created: row.created + count('created'),
          skipped: row.skipped + count('skipped'),
          failed: row.failed + count('failed'),
          results: JSON.stringify([...(JSON.parse(row.results) as ImportResult[]), ...results]),
          ...(finished && { state: 'finished' as const, finished_at: nowIso() }),
        })
        .where('id', '=', id)
        .execute();
      if (finished) {
        const done = (await readImport(id))!;
        await insights.record({
          type: 'idm_import_complete',
          outcome: done.failed > 0 ? 'failure' : 'success',
          actor: done.requested_by,
          applicationId: done.application_id,
          applicationSlug: done.slug,
          details: {
            importId: id,
            total: done.total,
            created: done.created,
            skipped: done.skipped,
            failed: done.failed,
          },
        });
        return;
      }
      // Let other requests use the database between slices.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  const launch = (id: string) => {
    const task = work(id)
      .catch((error: unknown) => logger.error({ err: error, importId: id }, 'import stopped'))
      .finally(() => background.delete(id));
    background.set(id, task);
  };

  return {
    async listImportCandidates(slug, options = {}) {
      const candidates = await listCandidates(slug);
      const sorted = candidates.sort((a, b) => a.userName.localeCompare(b.userName));
      return options.newOnly ? sorted.filter((candidate) => candidate.status === 'New') : sorted;
    },

    async importUsers(slug, remoteIds, by) {
      const application = await dependencies.requireApplication(slug);
      const wanted = [...new Set(remoteIds)];
      if (wanted.length === 0)
        throw new SesameError('input_invalid', 'Select at least one user to import');
      if (wanted.length > maxImport) {
        throw new SesameError('input_invalid', `Import at most ${maxImport} users at once`);
      }
      const candidates = new Map(
        (await listCandidates(slug)).map((candidate) => [candidate.remoteId, candidate]),
      );
      const unknown = wanted.find((id) => !candidates.has(id));
      if (unknown !== undefined) {
        throw new SesameError(
          'input_invalid',
          `The SP has no user with ID "${unknown.slice(0, 64)}"; reload the list`,
        );
      }
      const selected = wanted.map((id) => candidates.get(id)!);
      const id = randomUUID();
      await db
        .insertInto('idm_imports')
        .values({
          id,
          application_id: application.id,
          requested_by: by.actor,
          state: 'running',
          remaining: JSON.stringify(selected),
          total: selected.length,
          started_at: nowIso(),
        })
        .execute();
      if (selected.length <= immediateLimit) {
        await work(id);
        // Shown at once on the page, so there is nothing to dismiss later.
        await db
          .updateTable('idm_imports')
          .set({ acknowledged_at: nowIso() })
          .where('id', '=', id)
          .execute();
      } else {
        launch(id);
      }
      return toRun((await readImport(id))!, application.slug);
    },

    async getImport(id) {
      const row = await readImport(id);
      return row && toRun(row, row.slug);
    },

    async listUnacknowledgedImports() {
      const rows = await db
        .selectFrom('idm_imports')
        .innerJoin('applications', 'applications.id', 'idm_imports.application_id')
        .selectAll('idm_imports')
        .select('applications.slug')
        .where('idm_imports.state', '=', 'finished')
        .where('idm_imports.acknowledged_at', 'is', null)
        .orderBy('idm_imports.finished_at', 'desc')
        .execute();
      return rows.map((row) => toRun({ ...row, results: '[]' }, row.slug));
    },

    async acknowledgeImport(id) {
      const result = await db
        .updateTable('idm_imports')
        .set({ acknowledged_at: nowIso() })
        .where('id', '=', id)
        .where('state', '=', 'finished')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        throw new SesameError('not_found', `No finished import ${id.slice(0, 64)}`);
      }
    },

    async resume() {
      stopping = false;
      const rows = await db
        .selectFrom('idm_imports')
        .select('id')
        .where('state', '=', 'running')
        .execute();
      for (const row of rows) if (!background.has(row.id)) launch(row.id);
    },

    async stopAll() {
      stopping = true;
      await Promise.all(background.values());
    },
  };
}
