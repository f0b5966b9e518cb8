import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { Insights } from '../insights/events.ts';
import type { Logger } from '../log.ts';
import { ScimCallError, type RetryPolicy } from './client.ts';
import { delay } from './rate-limit.ts';
import type { Syncer } from './sync.ts';

export interface WorkerOptions extends RetryPolicy {
  /** How often an idle worker checks the table for jobs written by another process. */
  pollMs: number;
  sleep?: (milliseconds: number) => Promise<void>;
}

export interface Worker {
  /** Wakes the worker to look for new jobs. */
  kick(): void;
  /** Resolves once no job of the application is waiting or running. */
  whenIdle(): Promise<void>;
  /** Stops after the job in hand; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Why the worker stopped on its own (such as a rejected Token Key); undefined while it runs. */
  readonly haltedBy: string | undefined;
  /** The failure that the job in hand is being retried after; undefined once a job succeeds. */
  readonly retrying: string | undefined;
}

/**
 * Runs one application's provisioning jobs in order, one at a time. A job that fails in a way
 * that may be temporary is tried again with backoff, up to `maxRetries`; then it is marked failed
 * with an event and the next job runs. A rejected Token Key (401 or 403) stops the worker, since
 * every job would fail the same way, and leaves the jobs waiting.
 */
export function startWorker(
  db: Db,
  insights: Insights,
  logger: Logger,
  application: { id: string; slug: string },
  syncer: Syncer,
  options: WorkerOptions,
  onHalt: (reason: string) => Promise<void>,
): Worker {
  const sleep = options.sleep ?? delay;
  let stopped = false;
  let haltedBy: string | undefined;
  let retrying: string | undefined;
  let wake: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  let signalStop = () => {};
  const stopping = new Promise<void>((resolve) => (signalStop = resolve));

  const nextJob = () =>
    db
      .selectFrom('idm_jobs')
      .selectAll()
      .where('application_id', '=', application.id)
      .where('state', '=', 'pending')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();

  const waitForWork = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.pollMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const backoff = (attempt: number) => {
    const ceiling = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** attempt);
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  };

  const loop = async () => {
    while (!stopped) {
      const job = await nextJob();
      if (!job) {
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
        await waitForWork();
        continue;
      }
      // A job that was started before (by this loop or a process that stopped) may have
      // reached the SP, so the syncer looks objects up before creating them.
      const uncertain = job.started_at !== null;
      await db
        .updateTable('idm_jobs')
        .set({ attempts: job.attempts + 1, started_at: nowIso() })
        .where('id', '=', job.id)
        .execute();
      try {
        const run = { ...job, attempts: job.attempts + 1, uncertain };
        if (job.kind === 'user') await syncer.syncUser(run);
        else if (job.kind === 'group') await syncer.syncGroup(run);
        else await syncer.reconcile();
        await db.deleteFrom('idm_jobs').where('id', '=', job.id).execute();
        retrying = undefined;
        // better-sqlite3 queries are synchronous, so jobs that send nothing would otherwise hold
        // the event loop until the queue is empty and leave HTTP requests waiting.
        await new Promise((resolve) => setImmediate(resolve));
      } catch (error) {
        const failure = error instanceof ScimCallError ? error : undefined;
        const message = (error as Error).message?.slice(0, 500) ?? String(error);
        if (failure && (failure.status === 401 || failure.status === 403)) {
          // The job has not run: it waits, unstarted, until the integration is reactivated.
          await db
            .updateTable('idm_jobs')
            .set({ attempts: job.attempts, started_at: job.started_at })
            .where('id', '=', job.id)
            .execute();
          haltedBy = `The SCIM server rejected the Token Key (HTTP ${failure.status}); deactivate the integration, renew the token and reactivate`;
          await onHalt(haltedBy);
          break;
        }
        // Throttling and server errors outlast the client's own retries in a storm, so the job
        // waits and tries again; other HTTP errors (400, 404, 409) would fail the same way again.
        const temporary =
          !failure ||
          failure.kind !== 'http' ||
          failure.status === 429 ||
          (failure.status ?? 0) >= 500;
        // Stopping mid-job leaves it started, so the next start retries it with a lookup.
        if (temporary && stopped) break;
        if (temporary && job.attempts + 1 <= options.maxRetries) {
          logger.warn(
            {
              application: application.slug,
              jobId: job.id,
              attempt: job.attempts + 1,
              err: message,
            },
            'provisioning job failed; retrying',
          );
          retrying = `Retrying a ${job.kind} job (attempt ${job.attempts + 1} of ${options.maxRetries}) after: ${message}`;
          // A stop ends the wait, and the loop then leaves the job started for the next start.
          await Promise.race([sleep(backoff(job.attempts)), stopping]);
          continue;
        }
        await db
          .updateTable('idm_jobs')
          .set({ state: 'failed', last_error: message })
          .where('id', '=', job.id)
          .execute();
        retrying = undefined;
        logger.warn(
          {
            application: application.slug,
            jobId: job.id,
            attempts: job.attempts + 1,
            err: message,
          },
          'provisioning job marked failed',
        );
        if (!failure || job.kind === 'sync') {
          // The syncer records each failed user or group call; the rest is recorded here.
          logger.error(
            { application: application.slug, jobId: job.id, err: error },
            'provisioning job failed',
          );
          await insights.record({
            type:
              job.kind === 'user'
                ? 'user_update_provision'
                : job.kind === 'group'
                  ? 'group_update_provision'
                  : 'idm_integration_update',
            outcome: 'failure',
            actor: 'provisioning',
            userId: job.kind === 'user' ? job.object_id : null,
            applicationId: application.id,
            applicationSlug: application.slug,
            errorCode: failure?.kind ?? 'internal',
            errorMessage: message,
            details: { jobId: job.id },
          });
        }
      }
    }
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  };

  const running = loop().catch((error: unknown) => {
    haltedBy = `Provisioning stopped on an internal error: ${(error as Error).message}`;
    logger.error({ application: application.slug, err: error }, 'provisioning worker stopped');
  });

  return {
    get haltedBy() {
      return haltedBy;
    },
    get retrying() {
      return retrying;
    },
    kick() {
      wake?.();
    },
    async whenIdle() {
      for (;;) {
        if (stopped || haltedBy) return;
        const pending = await db
          .selectFrom('idm_jobs')
          .select('id')
          .where('application_id', '=', application.id)
          .where('state', '=', 'pending')
          .executeTakeFirst();
        if (!pending) return;
        await new Promise<void>((resolve) => {
          idleWaiters.push(resolve);
          wake?.();
        });
      }
    },
    async stop() {
      stopped = true;
      signalStop();
      wake?.();
      await running;
    },
  };
}
