import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { accountId, fastRetries, scimToken } from '../provisioning/harness.ts';
import {
  startDatabricksScim,
  type DatabricksScimServer,
} from '../support/databricks-scim/server.ts';
import { seedDatabricks, startInstance, type TestInstance } from '../support/instance.ts';
import { send, type Method } from './support.ts';

/**
 * Sesame with its provisioning workers, a debug-level log kept in memory so that tests can
 * search it for the Token Key, an API key of the administrator "root", and the seed of
 * `seedDatabricks`: alice in engineers, bound to databricks.
 */
interface IdmApi {
  sesame: TestInstance;
  scim: DatabricksScimServer;
  log: string[];
  call(method: Method, path: string): ReturnType<typeof send>;
  seed: Awaited<ReturnType<typeof seedDatabricks>>;
  close(): Promise<void>;
}

async function startIdmApi(level: 'account' | 'workspace' = 'account'): Promise<IdmApi> {
  const log: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  const sesame = await startInstance(fastRetries, createLogger('debug', stream));
  const { services } = sesame;
  await services.provisioning.start();
  const scim = await startDatabricksScim({
    accountId,
    tokens: [scimToken],
    level,
    ratePerSecond: 1000,
  });
  const by = { actor: 'test' };
  const root = await services.directory.createUser(
    { username: 'root', email: 'root@example.com', isAdmin: true },
    by,
  );
  const { token } = await services.apiKeys.create(root.id, 'test', by);
  const seed = await seedDatabricks(services);
  return {
    sesame,
    scim,
    log,
    seed,
    call: (method, url) => send(sesame, method, url).set('Authorization', `Bearer ${token}`),
    async close() {
      await sesame.close();
      await scim.close();
    },
  };
}

const base = '/applications/databricks/identity-management';
let api: IdmApi;

afterEach(() => api.close());

async function activate(extra: Record<string, unknown> = {}) {
  const answer = await api
    .call('PUT', base)
    .send({ baseUrl: api.scim.baseUrl, token: scimToken, ...extra });
  expect(answer.status).toBe(200);
  await api.sesame.services.provisioning.whenIdle('databricks');
  return answer;
}

/** Adds Databricks users `dbx1@example.com`… and returns their remote IDs in order. */
function addRemoteUsers(count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => api.scim.scim.state.addUser({ userName: `dbx${index + 1}@example.com` }).id,
  );
}

async function expectError(
  answer: { status: number; body: unknown },
  status: number,
  error: { code: string; message: string | RegExp; field?: string },
) {
  expect(answer.status).toBe(status);
  const body = answer.body as { error: { code: string; message: string; field?: string } };
  expect(body.error.code).toBe(error.code);
  if (typeof error.message === 'string') expect(body.error.message).toBe(error.message);
  else expect(body.error.message).toMatch(error.message);
  expect(body.error.field).toBe(error.field);
}

describe('Identity Management API', () => {
  beforeEach(async () => {
    api = await startIdmApi();
  });

  it('returns 404 before configuration', async () => {
    await expectError(await api.call('GET', base), 404, {
      code: 'not_found',
      message:
        'Application "databricks" has no Identity Management integration; configure it with PUT',
    });
  });

  it('activates and returns the integration', async () => {
    const answer = await activate();
    expect(answer.body).toMatchObject({
      applicationSlug: 'databricks',
      baseUrl: api.scim.baseUrl,
      level: 'account',
      target: 'auto',
      active: true,
      groupManagement: true,
      deprovision: 'delete',
      lastError: null,
    });
    expect(Object.keys(answer.body)).not.toContain('token');
    expect(JSON.stringify(answer.body)).not.toContain(scimToken);

    const read = await api.call('GET', base).expect(200);
    expect(read.body).toMatchObject({ active: true, usersProvisioned: 1, jobsPending: 0 });
    expect(JSON.stringify(read.body)).not.toContain(scimToken);
    expect(Object.keys(api.scim.scim.snapshot().users)).toEqual(['alice@example.com']);
  });

  it('returns the reason of a failed check', async () => {
    const answer = await api
      .call('PUT', base)
      .send({ baseUrl: api.scim.baseUrl, token: 'dapi-wrong-token' });
    await expectError(answer, 400, {
      code: 'scim_check_failed',
      message:
        'HTTP 401: the SCIM API rejected the Token Key; check that it is current and copied whole',
    });
    expect(JSON.stringify(answer.body)).not.toContain('dapi-wrong-token');
    await api.call('GET', base).expect(404);
  });

  it('keeps the Token Key out of responses, events and logs', async () => {
    await activate();
    await api.call('PUT', base).send({ baseUrl: api.scim.baseUrl, token: 'dapi-other-token' });
    await api.call('PATCH', base).send({ deprovision: 'deactivate' }).expect(200);
    await api.call('DELETE', base).expect(204);
    await api.call('PUT', base).send({ baseUrl: api.scim.baseUrl, token: 'dapi-wrong-token' });
    await api.call('PUT', base).send({ baseUrl: api.scim.baseUrl }).expect(200);

    const events = await api.sesame.services.db.selectFrom('events').selectAll().execute();
    expect(events.length).toBeGreaterThan(5);
    for (const secret of [scimToken, 'dapi-other-token', 'dapi-wrong-token']) {
      expect(JSON.stringify(events)).not.toContain(secret);
      expect(api.log.join('')).not.toContain(secret);
    }
    expect(api.log.join('')).toContain('scim_check_failed');
  });

  it('rejects another Token Key while active', async () => {
    await activate();
    await expectError(
      await api.call('PUT', base).send({ baseUrl: api.scim.baseUrl, token: 'dapi-renewed' }),
      409,
      {
        code: 'conflict',
        message:
          'The integration is active: to change the Token Key or Base URL, deactivate the integration, renew the token in Databricks, and activate it again',
      },
    );
  });

  it('rejects invalid bodies naming the field', async () => {
    const cases: Array<[Method, string, unknown, string, string | RegExp]> = [
      [
        'PUT',
        base,
        { baseUrl: 'https://x.example', colour: 'red' },
        'colour',
        /Unrecognized key: "colour"/,
      ],
      ['PUT', base, { token: scimToken }, 'baseUrl', /^Invalid input: baseUrl /],
      [
        'PUT',
        base,
        { baseUrl: 'https://x.example', target: 'moon' },
        'target',
        /^Invalid input: target /,
      ],
      [
        'PUT',
        base,
        { baseUrl: 'https://x.example', groupManagement: 'yes' },
        'groupManagement',
        /^Invalid input: groupManagement /,
      ],
      ['PATCH', base, { deprovision: 'shred' }, 'deprovision', /^Invalid input: deprovision /],
      ['PATCH', base, { baseUrl: 'https://x.example' }, 'baseUrl', /Unrecognized key: "baseUrl"/],
      ['POST', `${base}/imports`, { remoteIds: [] }, 'remoteIds', /^Invalid input: remoteIds /],
      [
        'POST',
        `${base}/imports`,
        { remoteIds: ['1'], all: true },
        'all',
        /Unrecognized key: "all"/,
      ],
      ['POST', `${base}/sync`, { now: true }, 'now', /Unrecognized key: "now"/],
    ];
    for (const [method, url, body, field, message] of cases) {
      const answer = await api.call(method, url).send(body as object);
      await expectError(answer, 400, { code: 'input_invalid', field, message });
    }
    await expectError(await api.call('GET', `${base}/import-candidates?all=1`), 400, {
      code: 'input_invalid',
      field: 'all',
      message: /Unrecognized key: "all"/,
    });
    await expectError(
      await api.call('PUT', base).send({ baseUrl: 'http://scim.example.com/scim/v2', token: 'x' }),
      400,
      { code: 'input_invalid', message: 'Base URL must use https' },
    );
    expect(api.scim.scim.requests).toEqual([]);
  });

  it('updates the settings', async () => {
    await expectError(await api.call('PATCH', base).send({ groupManagement: false }), 404, {
      code: 'not_found',
      message: 'Configure the integration first',
    });
    await activate();
    const answer = await api
      .call('PATCH', base)
      .send({ groupManagement: false, deprovision: 'deactivate' })
      .expect(200);
    expect(answer.body).toMatchObject({ groupManagement: false, deprovision: 'deactivate' });
    expect(await api.sesame.services.provisioning.get('databricks')).toMatchObject({
      groupManagement: false,
      deprovision: 'deactivate',
    });
  });

  it('deactivates with DELETE', async () => {
    await activate();
    const answer = await api.call('DELETE', base);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect((await api.call('GET', base).expect(200)).body.active).toBe(false);
    await expectError(await api.call('DELETE', base), 409, {
      code: 'conflict',
      message: 'The integration is not active',
    });
  });

  it('syncs and previews', async () => {
    await expectError(await api.call('POST', `${base}/sync`), 409, {
      code: 'conflict',
      message: 'The integration is not active',
    });
    await activate();
    expect((await api.call('GET', `${base}/preview`).expect(200)).body).toEqual({ calls: [] });

    const state = api.scim.scim.state;
    state.deleteUser(state.findUserByName('alice@example.com')!.id);
    const preview = await api.call('GET', `${base}/preview`).expect(200);
    const groupId = state.groups.values().next().value!.id;
    expect(preview.body.calls).toEqual([
      {
        method: 'POST',
        path: '/Users',
        subject: 'Alice@Example.com',
        summary: 'create the user',
      },
      {
        method: 'PATCH',
        path: `/Groups/${groupId}`,
        subject: 'engineers',
        summary: 'add 1 members',
      },
    ]);

    const sync = await api.call('POST', `${base}/sync`);
    expect(sync.status).toBe(202);
    expect(sync.text).toBe('');
    await api.sesame.services.provisioning.whenIdle('databricks');
    expect(state.findUserByName('alice@example.com')).toBeDefined();
  });

  it('rejects entitlements at account level', async () => {
    await activate();
    const url = `/applications/databricks/groups/${api.seed.group.id}/entitlements`;
    await expectError(
      await api.call('PUT', url).send({ entitlements: ['workspace-access'] }),
      400,
      {
        code: 'input_invalid',
        message:
          'Entitlements apply to workspace-level targets only: Databricks rejects them at account level',
      },
    );
    expect((await api.call('PUT', url).send({ entitlements: [] }).expect(200)).body).toEqual({
      groupId: api.seed.group.id,
      entitlements: [],
    });
  });

  it('lists candidates and imports a few at once', async () => {
    await activate();
    const ids = addRemoteUsers(3);
    const all = await api.call('GET', `${base}/import-candidates`).expect(200);
    expect(all.body.users.map((user: { userName: string }) => user.userName)).toEqual([
      'alice@example.com',
      'dbx1@example.com',
      'dbx2@example.com',
      'dbx3@example.com',
    ]);
    const newOnly = await api.call('GET', `${base}/import-candidates?newOnly=true`).expect(200);
    expect(newOnly.body.users).toHaveLength(3);
    expect(newOnly.body.users[0]).toMatchObject({
      remoteId: ids[0],
      userName: 'dbx1@example.com',
      status: 'New',
    });

    const run = await api.call('POST', `${base}/imports`).send({ remoteIds: ids });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ state: 'finished', total: 3, created: 3, failed: 0 });
    expect(run.body.results[0]).toEqual({
      userName: 'dbx1@example.com',
      outcome: 'created',
      message: 'created without a password',
    });
    expect(run.headers.location).toBe(`/api/v1${base}/imports/${run.body.id}`);
    const read = await api.call('GET', `${base}/imports/${run.body.id}`).expect(200);
    expect(read.body).toEqual(run.body);
  });

  it('imports 150 users in the background', async () => {
    await activate();
    const ids = addRemoteUsers(150);
    const run = await api.call('POST', `${base}/imports`).send({ remoteIds: ids });
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ state: 'running', total: 150 });

    let state = run.body.state;
    for (let attempt = 0; attempt < 200 && state !== 'finished'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = (await api.call('GET', `${base}/imports/${run.body.id}`)).body.state;
    }
    const done = await api.call('GET', `${base}/imports/${run.body.id}`).expect(200);
    expect(done.body).toMatchObject({ state: 'finished', created: 150, total: 150 });
  });

  it('returns 404 for an unknown import', async () => {
    await activate();
    await expectError(await api.call('GET', `${base}/imports/nope`), 404, {
      code: 'not_found',
      message: 'No import "nope" for application "databricks"',
    });
  });
});

describe('Identity Management API at workspace level', () => {
  beforeEach(async () => {
    api = await startIdmApi('workspace');
  });

  it('sets the entitlements of a bound group', async () => {
    await activate();
    const group = api.seed.group.id;
    const url = `/applications/databricks/groups/${group}/entitlements`;
    const answer = await api
      .call('PUT', url)
      .send({ entitlements: ['workspace-access', 'allow-cluster-create'] })
      .expect(200);
    expect(answer.body).toEqual({
      groupId: group,
      entitlements: ['allow-cluster-create', 'workspace-access'],
    });
    await api.sesame.services.provisioning.whenIdle('databricks');
    expect(api.scim.scim.snapshot().groups.engineers?.entitlements).toEqual([
      'allow-cluster-create',
      'workspace-access',
    ]);

    await expectError(await api.call('PUT', url).send({ entitlements: ['root'] }), 400, {
      code: 'input_invalid',
      field: 'entitlements.0',
      message: /^Invalid input: entitlements\.0 /,
    });
    await expectError(
      await api
        .call(
          'PUT',
          '/applications/databricks/groups/00000000-0000-0000-0000-000000000000/entitlements',
        )
        .send({ entitlements: [] }),
      404,
      { code: 'not_found', message: 'The group is not bound to this application' },
    );
  });
});
