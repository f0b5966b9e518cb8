import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createServices } from '../../src/services.ts';
import { findRequests } from '../support/databricks-scim/requests.ts';
import {
  startDatabricksScim,
  type DatabricksScimServer,
} from '../support/databricks-scim/server.ts';
import { accountId, by, scimToken } from './harness.ts';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';

const mainScript = path.resolve(import.meta.dirname, '../../src/main.ts');
const userCount = 40;

describe('a Sesame process killed in the middle of a sync', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  it('finishes after a restart without losing or repeating anything', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-restart-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const env = {
      SESAME_DATA_DIR: path.join(dir, 'data'),
      SESAME_CERTS_DIR: path.join(dir, 'certs'),
      SESAME_LOG_LEVEL: 'silent',
      SESAME_ADMIN_PASSWORD: 'restart-test-admin-password',
      SESAME_SCIM_BACKOFF_BASE_MS: '5',
      SESAME_SCIM_BACKOFF_MAX_MS: '100',
      SESAME_SCIM_TIMEOUT_MS: '1000',
      PORT: '0',
      SESAME_HOST: '127.0.0.1',
    };
    // The process is killed as soon as the emulator has answered the tenth create, before
    // Sesame can record the new user's ID: the create's outcome is unknown to Sesame.
    let child: ChildProcess | undefined;
    let killedAt: number | undefined;
    const scim: DatabricksScimServer = await startDatabricksScim({
      accountId,
      tokens: [scimToken],
      level: 'account',
      ratePerSecond: 1000,
      onRequest: (request) => {
        const creates = findRequests(scim.scim.requests, { method: 'POST', resource: 'Users' });
        if (killedAt === undefined && request.method === 'POST' && creates.length >= 10) {
          killedAt = creates.length;
          child?.kill('SIGKILL');
        }
      },
    });
    cleanups.push(() => scim.close());

    // Seed the directory and activate the integration with no worker running.
    const services = await createServices(loadConfig(env), { logger: createLogger('silent') });
    const group = await services.directory.createGroup('Engineers', by);
    for (let index = 1; index <= userCount; index += 1) {
      await services.directory.createUser(
        { username: `eng${index}`, email: `eng${index}@example.com`, lastName: `Last${index}` },
        by,
      );
      await services.directory.addMember('Engineers', `eng${index}`, by);
    }
    await services.applications.create(
      {
        slug: 'databricks',
        template: 'databricks',
        spEntityId: 'https://accounts.cloud.databricks.com/saml',
        acsUrls: ['https://dbc-test.cloud.databricks.com/saml/consume'],
        sso: databricksTemplate,
      },
      by,
    );
    await services.applications.bind('databricks', group.id, group.name, by);
    await services.provisioning.activate(
      'databricks',
      { baseUrl: scim.baseUrl, token: scimToken },
      by,
    );
    await services.close();

    // The rate limit of 15 per second spaces the calls out, so the kill comes mid-sync.
    const slow = { ...env, SESAME_SCIM_RATE_PER_SECOND: '15' };
    child = startSesame(slow);
    cleanups.push(() => void child?.kill('SIGKILL'));
    await waitFor(
      () => killedAt !== undefined && (child!.exitCode !== null || child!.signalCode !== null),
      30_000,
    );
    expect(killedAt).toBeGreaterThanOrEqual(10);
    expect(Object.keys(snapshotState(scim.scim.state).users).length).toBeLessThan(userCount);

    child = startSesame(env);
    const wanted = Array.from(
      { length: userCount },
      (_, index) => `eng${index + 1}@example.com`,
    ).sort();
    await waitFor(() => {
      const state = snapshotState(scim.scim.state);
      return (
        Object.keys(state.users).length === userCount &&
        state.groups.Engineers?.members.length === userCount
      );
    }, 30_000);
    // Any job still running would show up in the log within this pause.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const state = snapshotState(scim.scim.state);
    expect(Object.keys(state.users).sort()).toEqual(wanted);
    expect(Object.values(state.users).every((user) => user.active)).toBe(true);
    expect(state.groups.Engineers!.members).toEqual(wanted);
    expect(Object.keys(state.groups)).toEqual(['Engineers']);
    const posts = findRequests(scim.scim.requests, { method: 'POST' });
    expect(posts.filter((post) => post.status === 409)).toEqual([]);
    const createdNames = posts
      .filter((post) => post.status === 201)
      .map((post) => JSON.stringify(post.body));
    expect(new Set(createdNames).size).toBe(createdNames.length);
  }, 90_000);
});

function startSesame(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', mainScript, 'serve'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return child;
}

async function waitFor(condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
