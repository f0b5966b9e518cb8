import fs from 'node:fs';
import type { Db } from '../db/index.ts';
import { nowIso } from '../db/index.ts';
import type { IdmIntegrationsTable } from '../db/schema.ts';
import type { Actor, Directory } from '../directory/service.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import type { Logger } from '../log.ts';
import { createScimClient, ScimCallError, type RetryPolicy, type ScimClient } from './client.ts';
import { createImports, type Imports } from './import.ts';
import type { ChangeQueue } from './queue.ts';
import { createRateLimiter, type RateLimits } from './rate-limit.ts';
import { preview, type PlannedCall } from './reconcile.ts';
import { parseListResponse } from './resources.ts';
import { createSyncer } from './sync.ts';
import { parseBaseUrl, type TargetLevel } from './target.ts';
import { decryptToken, encryptToken } from './token.ts';
import { entitlementNames, type IntegrationContext } from './wanted.ts';
import { startWorker, type Worker } from './worker.ts';

export type { PlannedCall } from './reconcile.ts';

export interface ProvisioningOptions extends RetryPolicy {
  limits: RateLimits;
  maxResponseBytes: number;
  maxListedResources: number;
  /** PEM text of extra trusted CA certificates. */
  ca?: string;
  pollMs?: number;
}

/** An application's Identity Management integration as the portal and the API show it. */
export interface Integration {
  applicationId: string;
  applicationSlug: string;
  baseUrl: string;
  /** The level in use: from the Base URL, or the override. */
  level: TargetLevel;
  target: 'auto' | TargetLevel;
  active: boolean;
  groupManagement: boolean;
  deprovision: 'delete' | 'deactivate';
  activatedAt: string | null;
  tokenSetAt: string;
  /** Why provisioning stopped, such as a rejected Token Key; null while it runs. */
  lastError: string | null;
  jobsPending: number;
  jobsFailed: number;
  usersProvisioned: number;
  groupsProvisioned: number;
}

export interface ActivateInput {
  baseUrl: string;
  /** Required on first activation; when omitted, the stored Token Key is used again. */
  token?: string;
  target?: 'auto' | TargetLevel;
  groupManagement?: boolean;
  deprovision?: 'delete' | 'deactivate';
}

export interface SettingsInput {
  target?: 'auto' | TargetLevel;
  groupManagement?: boolean;
  deprovision?: 'delete' | 'deactivate';
}

export interface Provisioning extends Imports {
  get(slug: string): Promise<Integration | undefined>;
  /** Checks the Base URL and Token Key against the SCIM API and, only if they pass, saves them as active. */
  activate(slug: string, input: ActivateInput, by: Actor): Promise<Integration>;
  updateSettings(slug: string, input: SettingsInput, by: Actor): Promise<Integration>;
  /** Stops provisioning and drops waiting jobs; the SP keeps what it has. */
  deactivate(slug: string, by: Actor): Promise<void>;
  /** Entitlements per bound group, by group ID. */
  listEntitlements(slug: string): Promise<Record<string, string[]>>;
  setEntitlements(slug: string, groupId: string, names: string[], by: Actor): Promise<void>;
  /** Starts a full reconciliation in the background; failed jobs are dropped and redone by it. */
  syncNow(slug: string, by: Actor): Promise<void>;
  /** Lists the writes a sync would send, reading the SP without changing it. */
  preview(slug: string): Promise<PlannedCall[]>;
  /** Lists the applications that a user is provisioned to, for warnings before changes. */
  provisionedApplications(
    userId: string,
  ): Promise<Array<{ slug: string; deprovision: 'delete' | 'deactivate' }>>;
  listFailedJobs(
    slug: string,
  ): Promise<Array<{ id: number; kind: string; objectId: string; error: string | null }>>;
  /** Starts a worker for every active integration, and resumes unfinished imports. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the application has no reconciliation running and no job waiting. */
  whenIdle(slug: string): Promise<void>;
}

interface Running {
  worker: Worker;
  client: ScimClient;
}

export const entitlementChoices = entitlementNames;

export function createProvisioning(
  db: Db,
  insights: Insights,
  logger: Logger,
  queue: ChangeQueue,
  secretKey: Buffer,
  directory: Pick<Directory, 'createUser' | 'setStatusById'>,
  options: ProvisioningOptions,
): Provisioning {
  const limiter = createRateLimiter(options.limits);
  const running = new Map<string, Running>();
  let started = false;

  const requireApplication = async (slug: string) => {
    const application = await db
      .selectFrom('applications')
      .select(['id', 'slug', 'template', 'nameid_source'])
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!application)
      throw new SesameError('not_found', `Application "${slug.slice(0, 64)}" not found`);
    if (application.template === 'bookmark') {
      throw new SesameError('input_invalid', 'A bookmark application has no SCIM provisioning');
    }
    return application;
  };

  const readRow = (applicationId: string) =>
    db
      .selectFrom('idm_integrations')
      .selectAll()
      .where('application_id', '=', applicationId)
      .executeTakeFirst();

  const contextOf = (
    application: { id: string; slug: string; nameid_source: 'email' | 'username' },
    row: IdmIntegrationsTable,
  ): IntegrationContext => ({
    applicationId: application.id,
    applicationSlug: application.slug,
    nameIdSource: application.nameid_source,
    level: parseBaseUrl(row.base_url, row.target).level,
    rateKey: parseBaseUrl(row.base_url, row.target).rateKey,
    groupManagement: row.group_management === 1,
    deprovision: row.deprovision,
  });

  /**
   * Builds a SCIM client. An administrator waits on an interactive call (the Activate check,
   * Preview, the import list), so it retries at most twice with short waits; the worker's
   * client uses the configured retries and backoff.
   */
  const clientFor = (
    baseUrl: string,
    target: 'auto' | TargetLevel,
    token: string,
    use: 'worker' | 'interactive' = 'interactive',
  ) =>
    createScimClient({
      target: parseBaseUrl(baseUrl, target),
      token,
      limiter,
      timeoutMs: options.timeoutMs,
      maxRetries: use === 'worker' ? options.maxRetries : Math.min(options.maxRetries, 2),
      backoffBaseMs:
        use === 'worker' ? options.backoffBaseMs : Math.min(options.backoffBaseMs, 500),
      backoffMaxMs: use === 'worker' ? options.backoffMaxMs : Math.min(options.backoffMaxMs, 2000),
      maxResponseBytes: options.maxResponseBytes,
      maxListedResources: options.maxListedResources,
      ca: options.ca,
    });

  const toIntegration = async (
    application: { id: string; slug: string },
    row: IdmIntegrationsTable,
  ): Promise<Integration> => {
    const count = async (table: 'idm_users' | 'idm_groups') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('application_id', '=', application.id)
            .executeTakeFirstOrThrow()
        ).count,
      );
    const jobs = await db
      .selectFrom('idm_jobs')
      .select(['state', (eb) => eb.fn.countAll<number>().as('count')])
      .where('application_id', '=', application.id)
      .groupBy('state')
      .execute();
    const jobCount = (state: string) => Number(jobs.find((job) => job.state === state)?.count ?? 0);
    return {
      applicationId: application.id,
      applicationSlug: application.slug,
      baseUrl: row.base_url,
      level: parseBaseUrl(row.base_url, row.target).level,
      target: row.target,
      active: row.active === 1,
      groupManagement: row.group_management === 1,
      deprovision: row.deprovision,
      activatedAt: row.activated_at,
      tokenSetAt: row.token_set_at,
      lastError:
        row.last_error ??
        running.get(application.id)?.worker.haltedBy ??
        running.get(application.id)?.worker.retrying ??
        null,
      jobsPending: jobCount('pending'),
      jobsFailed: jobCount('failed'),
      usersProvisioned: await count('idm_users'),
      groupsProvisioned: await count('idm_groups'),
    };
  };

  const record = (
    type:
      | 'idm_integration_activate'
      | 'idm_integration_update'
      | 'idm_integration_reauth'
      | 'idm_integration_delete',
    application: { id: string; slug: string },
    by: Actor,
    result: { error?: string; details?: Record<string, unknown> } = {},
  ) =>
    insights.record({
      type,
      outcome: result.error ? 'failure' : 'success',
      ...by,
      applicationId: application.id,
      applicationSlug: application.slug,
      errorCode: result.error ? 'scim_check_failed' : null,
      errorMessage: result.error ?? null,
      details: result.details ?? {},
    });

  /** Starts the worker of an active integration, replacing a running one. */
  const run = async (applicationId: string) => {
    await halt(applicationId);
    const application = await db
      .selectFrom('applications')
      .select(['id', 'slug', 'template', 'nameid_source'])
      .where('id', '=', applicationId)
      .executeTakeFirstOrThrow();
    const row = await readRow(applicationId);
    if (!row || row.active !== 1) return;
    const client = clientFor(
      row.base_url,
      row.target,
      decryptToken(secretKey, applicationId, row.token_encrypted),
      'worker',
    );
    const syncer = createSyncer(db, insights, client, contextOf(application, row), queue);
    const worker = startWorker(
      db,
      insights,
      logger,
      application,
      syncer,
      {
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries,
        backoffBaseMs: options.backoffBaseMs,
        backoffMaxMs: options.backoffMaxMs,
        pollMs: options.pollMs ?? 5000,
      },
      async (reason) => {
        await db
          .updateTable('idm_integrations')
          .set({ last_error: reason, updated_at: nowIso() })
          .where('application_id', '=', applicationId)
          .execute();
        await record(
          'idm_integration_update',
          application,
          { actor: 'provisioning' },
          { error: reason },
        );
      },
    );
    running.set(applicationId, { worker, client });
  };

  /** Decrypts an integration's Token Key; logs and returns undefined when it cannot. */
  const readStoredToken = (
    application: { id: string; slug: string },
    row: IdmIntegrationsTable,
  ): string | undefined => {
    try {
      return decryptToken(secretKey, application.id, row.token_encrypted);
    } catch (error) {
      logger.warn(
        { application: application.slug, err: error },
        'stored Token Key cannot be decrypted',
      );
      return undefined;
    }
  };

  const halt = async (applicationId: string) => {
    const current = running.get(applicationId);
    if (!current) return;
    running.delete(applicationId);
    // Closing the client ends a request in progress, which would otherwise hold the worker's
    // stop until the request's retries run out.
    const stopped = current.worker.stop();
    current.client.close();
    await stopped;
  };

  /** Queues a full comparison; failed jobs are dropped because the comparison redoes them. */
  const startReconcile = async (application: { id: string }) => {
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('idm_jobs')
        .where('application_id', '=', application.id)
        .where('state', '=', 'failed')
        .execute();
      await queue.enqueue(trx, { sync: true }, { applicationId: application.id });
    });
    running.get(application.id)?.worker.kick();
  };

  /** Sends the check request and turns each way it can fail into the administrator's reason. */
  const check = async (client: ScimClient) => {
    try {
      const response = await client.request('GET', '/Users?startIndex=1&count=1');
      parseListResponse(response.body);
    } catch (error) {
      throw new SesameError('scim_check_failed', checkFailure(error, client.target.baseUrl), {
        cause: error,
      });
    }
  };

  const imports = createImports(db, insights, logger, {
    requireApplication,
    createUser: directory.createUser,
    setStatusById: directory.setStatusById,
    async withClient(slug, use) {
      const application = await requireApplication(slug);
      const row = await readRow(application.id);
      if (!row || row.active !== 1) {
        throw new SesameError(
          'conflict',
          'Activate the Identity Management integration before importing users',
        );
      }
      const client = clientFor(
        row.base_url,
        row.target,
        decryptToken(secretKey, application.id, row.token_encrypted),
      );
      try {
        return await use(client);
      } finally {
        client.close();
      }
    },
  });

  return {
    ...imports,

    async get(slug) {
      const application = await requireApplication(slug);
      const row = await readRow(application.id);
      return row && toIntegration(application, row);
    },

    async activate(slug, input, by) {
      const application = await requireApplication(slug);
      const existing = await readRow(application.id);
      const target = input.target ?? existing?.target ?? 'auto';
      const token = input.token?.trim() || undefined;
      let parsedUrl: string;
      try {
        parsedUrl = parseBaseUrl(input.baseUrl, target).baseUrl;
      } catch (error) {
        await record('idm_integration_activate', application, by, {
          error: (error as Error).message,
        });
        throw error;
      }

      // Undefined when the stored Token Key no longer decrypts, so that a new one can replace it.
      const storedToken = existing && readStoredToken(application, existing);
      if (existing?.active === 1) {
        if ((token && token !== storedToken) || parsedUrl !== existing.base_url) {
          throw new SesameError(
            'conflict',
            'The integration is active: to change the Token Key or Base URL, deactivate the integration, renew the token in Databricks, and activate it again',
          );
        }
      }
      const useToken = token ?? storedToken;
      if (!useToken) {
        throw new SesameError(
          'input_invalid',
          existing
            ? 'Token Key is required: the stored one cannot be decrypted because the secret key has changed or the row was altered'
            : 'Token Key is required',
        );
      }
      // The stored token goes only to the server it was entered for, so that changing the Base
      // URL cannot send it elsewhere.
      if (!token && existing && new URL(parsedUrl).origin !== new URL(existing.base_url).origin) {
        throw new SesameError(
          'input_invalid',
          'Enter the Token Key again: the Base URL points to a different server than the stored token was entered for',
        );
      }
      if (useToken.length > 4096 || /[\s\u0000-\u001f]/.test(useToken)) {
        throw new SesameError(
          'input_invalid',
          'Token Key must be one line of at most 4096 characters',
        );
      }

      const client = clientFor(parsedUrl, target, useToken);
      try {
        await check(client);
      } catch (error) {
        await record('idm_integration_activate', application, by, {
          error: (error as Error).message,
          details: { baseUrl: parsedUrl },
        });
        throw error;
      } finally {
        client.close();
      }

      const now = nowIso();
      const renewed = existing !== undefined && token !== undefined && token !== storedToken;
      const row: IdmIntegrationsTable = {
        application_id: application.id,
        base_url: parsedUrl,
        token_encrypted: encryptToken(secretKey, application.id, useToken),
        active: 1,
        target,
        group_management: (input.groupManagement ?? existing?.group_management !== 0) ? 1 : 0,
        deprovision: input.deprovision ?? existing?.deprovision ?? 'delete',
        activated_at: now,
        last_error: null,
        token_set_at: renewed || !existing ? now : existing.token_set_at,
        updated_at: now,
      };
      const { application_id: _id, ...changes } = row;
      await db
        .insertInto('idm_integrations')
        .values(row)
        .onConflict((oc) => oc.column('application_id').doUpdateSet(changes))
        .execute();
      await record(
        renewed ? 'idm_integration_reauth' : 'idm_integration_activate',
        application,
        by,
        {
          details: { baseUrl: parsedUrl, level: parseBaseUrl(parsedUrl, target).level },
        },
      );
      if (started) {
        await run(application.id);
        await startReconcile(application);
      }
      return toIntegration(application, (await readRow(application.id))!);
    },

    async updateSettings(slug, input, by) {
      const application = await requireApplication(slug);
      const row = await readRow(application.id);
      if (!row) throw new SesameError('not_found', 'Configure the integration first');
      const changes = {
        ...(input.target !== undefined && { target: input.target }),
        ...(input.groupManagement !== undefined && {
          group_management: input.groupManagement ? 1 : 0,
        }),
        ...(input.deprovision !== undefined && { deprovision: input.deprovision }),
      };
      if (input.target !== undefined) parseBaseUrl(row.base_url, input.target);
      await db
        .updateTable('idm_integrations')
        .set({ ...changes, updated_at: nowIso() })
        .where('application_id', '=', application.id)
        .execute();
      await record('idm_integration_update', application, by, { details: { ...input } });
      if (row.active === 1 && started) {
        // The worker's context (level, group management, deprovision mode) changes with them.
        await run(application.id);
        const turnedOn = input.groupManagement === true && row.group_management === 0;
        if (turnedOn || (input.target !== undefined && input.target !== row.target))
          await startReconcile(application);
      }
      return toIntegration(application, (await readRow(application.id))!);
    },

    async deactivate(slug, by) {
      const application = await requireApplication(slug);
      const row = await readRow(application.id);
      if (!row || row.active !== 1)
        throw new SesameError('conflict', 'The integration is not active');
      await halt(application.id);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('idm_integrations')
          .set({ active: 0, updated_at: nowIso() })
          .where('application_id', '=', application.id)
          .execute();
        await trx.deleteFrom('idm_jobs').where('application_id', '=', application.id).execute();
      });
      await record('idm_integration_delete', application, by, {
        details: { baseUrl: row.base_url },
      });
    },

    async listEntitlements(slug) {
      const application = await requireApplication(slug);
      const rows = await db
        .selectFrom('application_groups')
        .select(['group_id', 'entitlements'])
        .where('application_id', '=', application.id)
        .execute();
      return Object.fromEntries(
        rows.map((row) => [row.group_id, JSON.parse(row.entitlements) as string[]]),
      );
    },

    async setEntitlements(slug, groupId, names, by) {
      const application = await requireApplication(slug);
      const unknown = names.filter(
        (name) => !(entitlementNames as readonly string[]).includes(name),
      );
      if (unknown.length > 0) {
        throw new SesameError(
          'input_invalid',
          `Unknown entitlement "${unknown[0]!.slice(0, 64)}"; use ${entitlementNames.join(', ')}`,
        );
      }
      const row = await readRow(application.id);
      if (row && parseBaseUrl(row.base_url, row.target).level === 'account' && names.length > 0) {
        throw new SesameError(
          'input_invalid',
          'Entitlements apply to workspace-level targets only: Databricks rejects them at account level',
        );
      }
      const sorted = [...new Set(names)].sort();
      const updated = await db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('application_groups')
          .set({ entitlements: JSON.stringify(sorted) })
          .where('application_id', '=', application.id)
          .where('group_id', '=', groupId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        await queue.enqueue(
          trx,
          { membersOf: [groupId], groups: [groupId] },
          { applicationId: application.id },
        );
        return true;
      });
      if (!updated)
        throw new SesameError('not_found', 'The group is not bound to this application');
      await record('idm_integration_update', application, by, {
        details: { groupId, entitlements: sorted },
      });
    },

    async syncNow(slug, by) {
      const application = await requireApplication(slug);
      const row = await readRow(application.id);
      if (!row || row.active !== 1)
        throw new SesameError('conflict', 'The integration is not active');
      if (row.last_error) {
        throw new SesameError('conflict', `Provisioning is stopped: ${row.last_error}`);
      }
      if (!running.has(application.id)) await run(application.id);
      await startReconcile(application);
      await record('idm_integration_update', application, by, { details: { sync: 'requested' } });
    },

    async preview(slug) {
      const application = await requireApplication(slug);
      const row = await readRow(application.id);
      if (!row || row.active !== 1)
        throw new SesameError('conflict', 'The integration is not active');
      const client = clientFor(
        row.base_url,
        row.target,
        decryptToken(secretKey, application.id, row.token_encrypted),
      );
      try {
        return await preview(db, contextOf(application, row), client);
      } catch (error) {
        if (error instanceof ScimCallError) {
          throw new SesameError(
            'scim_call_failed',
            `Reading the SP's users and groups failed: ${error.message}`,
            // The HTTP status or network error is what the administrator acts on.
            { cause: error, expose: true },
          );
        }
        throw error;
      } finally {
        client.close();
      }
    },

    async provisionedApplications(userId) {
      return db
        .selectFrom('idm_users')
        .innerJoin('applications', 'applications.id', 'idm_users.application_id')
        .innerJoin(
          'idm_integrations',
          'idm_integrations.application_id',
          'idm_users.application_id',
        )
        .select(['applications.slug', 'idm_integrations.deprovision'])
        .where('idm_users.user_id', '=', userId)
        .execute();
    },

    async listFailedJobs(slug) {
      const application = await requireApplication(slug);
      const rows = await db
        .selectFrom('idm_jobs')
        .select(['id', 'kind', 'object_id', 'last_error'])
        .where('application_id', '=', application.id)
        .where('state', '=', 'failed')
        .orderBy('id')
        .limit(100)
        .execute();
      return rows.map((row) => ({
        id: Number(row.id),
        kind: row.kind,
        objectId: row.object_id,
        error: row.last_error,
      }));
    },

    async start() {
      if (started) return;
      started = true;
      const active = await db
        .selectFrom('idm_integrations')
        .select('application_id')
        .where('active', '=', 1)
        .execute();
      for (const row of active) {
        // One integration that cannot run, such as one whose Token Key no longer decrypts,
        // must not keep Sesame or the other integrations from starting.
        try {
          await run(row.application_id);
        } catch (error) {
          const reason = `Provisioning could not start: ${(error as Error).message}. Deactivate the integration and activate it again.`;
          logger.error({ applicationId: row.application_id, err: error }, reason);
          await db
            .updateTable('idm_integrations')
            .set({ last_error: reason, updated_at: nowIso() })
            .where('application_id', '=', row.application_id)
            .execute();
          continue;
        }
        // A full comparison at start catches changes made while no worker ran, such as an
        // activation from the command line, at the cost of read calls only.
        const application = await db
          .selectFrom('applications')
          .select(['id', 'slug', 'nameid_source'])
          .where('id', '=', row.application_id)
          .executeTakeFirstOrThrow();
        await startReconcile(application);
      }
      queue.onJobs(() => {
        for (const current of running.values()) current.worker.kick();
      });
      await imports.resume();
    },

    async stop() {
      started = false;
      await imports.stopAll();
      for (const applicationId of [...running.keys()]) await halt(applicationId);
    },

    async whenIdle(slug) {
      const application = await requireApplication(slug);
      await running.get(application.id)?.worker.whenIdle();
    },
  };
}

function checkFailure(error: unknown, baseUrl: string): string {
  const host = new URL(baseUrl).host;
  if (!(error instanceof ScimCallError)) {
    return `Not a SCIM API: ${baseUrl}/Users did not return a SCIM ListResponse (${(error as Error).message})`;
  }
  switch (error.kind) {
    case 'unreachable':
      return `Unreachable: ${error.message} at ${host}`;
    case 'tls':
      return `TLS: ${error.message}`;
    case 'timeout':
      return `Unreachable: ${host} did not answer within the timeout`;
    case 'network':
      return `Unreachable: ${error.message}`;
    case 'invalid_response':
      return `Not a SCIM API: ${error.message}`;
    case 'http':
      if (error.status === 401)
        return 'HTTP 401: the SCIM API rejected the Token Key; check that it is current and copied whole';
      if (error.status === 403)
        return 'HTTP 403: the Token Key is valid but may not use this SCIM API; it must belong to an account or workspace admin';
      if (error.status === 429 || error.status === 503 || (error.status ?? 0) >= 500)
        return `Busy or failing: the SCIM API answered ${error.message} after every retry; try again later`;
      if (error.status === 404)
        return `Not a SCIM API: ${baseUrl}/Users answered 404; check the Base URL and the account ID in it`;
      return `Not a SCIM API: ${error.message}`;
  }
}

/** Reads the CA file named in the configuration, so a bad path fails at start. */
export function readCaFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SesameError('config_invalid', `SESAME_SCIM_CA_FILE: cannot read ${file}`, {
      cause: error,
    });
  }
}
