import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesameError } from '../../src/errors.ts';
import { signIn } from '../support/browser-agent.ts';
import { testPassword } from '../support/instance.ts';
import {
  by,
  concretePath,
  registeredRoutes,
  send,
  snapshot,
  startApi,
  type ApiInstance,
  type Method,
  type RegisteredRoute,
} from './support.ts';

let api: ApiInstance;
/** Tokens of keys that no longer authenticate, by the reason. */
const deadTokens: Record<string, string> = {};
let nonAdminId: string;

/**
 * Creates an administrator with a key, then takes the key's power away by `change`. A second
 * administrator, root, keeps the last-administrator guard out of the way.
 */
async function keyOf(username: string, change: (id: string) => Promise<void>) {
  const { directory, apiKeys } = api.services;
  const user = await directory.createUser(
    { username, email: `${username}@example.com`, isAdmin: true },
    by,
  );
  const { token } = await apiKeys.create(user.id, username, by);
  await change(user.id);
  return token;
}

beforeAll(async () => {
  api = await startApi();
  const { directory, apiKeys } = api.services;

  const revoked = await apiKeys.create(api.admin.id, 'revoked', by);
  await apiKeys.revoke(revoked.key.id, by);
  deadTokens.revoked = revoked.token;
  deadTokens.demoted = await keyOf('demoted', (id) => directory.setAdmin(id, false, by));
  deadTokens.suspended = await keyOf('suspended', (id) =>
    directory.setStatusById(id, 'suspended', by),
  );
  deadTokens.deleted = await keyOf('deleted', (id) => directory.deleteUser(id, by));

  const alice = await directory.createUser(
    { username: 'alice', email: 'alice@example.com', password: testPassword },
    by,
  );
  nonAdminId = alice.id;
});
afterAll(() => api.close());

const unauthorizedBody = {
  error: {
    code: 'unauthorized',
    message: 'A valid API key is required: send it as "Authorization: Bearer <token>"',
  },
};

/** Gives a request the body its route expects, so that only the credentials are wrong. */
function withBody(test: request.Test, route: RegisteredRoute): request.Test {
  if (route.path.endsWith('/image')) return test.type('image/png').send(Buffer.from('png'));
  if (route.method === 'GET' || route.method === 'DELETE') return test;
  return test.send({});
}

async function expectRejectedEverywhere(credentials: (test: request.Test) => request.Test) {
  const before = await snapshot(api.services);
  for (const route of registeredRoutes(api.services)) {
    const answer = await withBody(
      credentials(send(api.sesame, route.method, concretePath(route.path))),
      route,
    );
    const where = `${route.method} ${route.path}`;
    expect(answer.status, where).toBe(401);
    expect(answer.body, where).toEqual(unauthorizedBody);
    expect(answer.headers['www-authenticate'], where).toBe('Bearer realm="Sesame API"');
  }
  expect(await snapshot(api.services)).toEqual(before);
}

const bearer = (token: string) => (test: request.Test) =>
  test.set('Authorization', `Bearer ${token}`);

describe('API authentication', () => {
  const cases: Array<[string, () => (test: request.Test) => request.Test]> = [
    ['no Authorization header', () => (test) => test],
    ['an unknown token', () => bearer(`sesame_ak_${'A'.repeat(43)}`)],
    ['a token without the prefix', () => bearer(api.token.slice('sesame_ak_'.length))],
    ['an empty bearer token', () => (test) => test.set('Authorization', 'Bearer ')],
    ['Basic credentials', () => (test) => test.auth('root', testPassword)],
    ['the token as a query parameter', () => (test) => test.query({ access_token: api.token })],
    ['a revoked key', () => bearer(deadTokens.revoked!)],
    ['the key of a demoted administrator', () => bearer(deadTokens.demoted!)],
    ['the key of a suspended administrator', () => bearer(deadTokens.suspended!)],
    ['the key of a deleted administrator', () => bearer(deadTokens.deleted!)],
  ];

  for (const [name, credentials] of cases) {
    it(`rejects ${name} on every route`, async () => {
      await expectRejectedEverywhere(credentials());
    });
  }

  it('rejects a signed-in administrator without a token', async () => {
    const { agent } = await signIn(api.sesame.app, 'root', testPassword);
    const before = await snapshot(api.services);
    for (const route of registeredRoutes(api.services)) {
      const url = `/api/v1${concretePath(route.path)}`;
      const method = route.method.toLowerCase() as Lowercase<Method>;
      const answer = await withBody(agent[method](url), route);
      expect(answer.status, `${route.method} ${route.path}`).toBe(401);
      expect(answer.body).toEqual(unauthorizedBody);
    }
    expect(await snapshot(api.services)).toEqual(before);
  });

  it('rejects a signed-in non-administrator without a token', async () => {
    const { agent } = await signIn(api.sesame.app, 'alice', testPassword);
    const answer = await agent.get('/api/v1/users');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(unauthorizedBody);
  });

  it('gives no API key to a non-administrator', async () => {
    const error = await api.services.apiKeys.create(nonAdminId, 'mine', by).catch((e) => e);
    expect(error).toBeInstanceOf(SesameError);
    expect((error as SesameError).code).toBe('forbidden');
  });

  it('authenticates before reading the body', async () => {
    const attempts = [
      send(api.sesame, 'POST', '/users').type('json').send('{not json'),
      send(api.sesame, 'POST', '/users').type('form').send('username=x'),
      send(api.sesame, 'POST', '/users')
        .type('json')
        .send(JSON.stringify({ name: 'x'.repeat(400 * 1024) })),
    ];
    for (const attempt of attempts) {
      const answer = await attempt;
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(unauthorizedBody);
    }
  });

  it('accepts the bearer scheme in any case', async () => {
    const answer = await send(api.sesame, 'GET', '/users').set(
      'Authorization',
      `bearer ${api.token}`,
    );
    expect(answer.status).toBe(200);
  });

  it('answers every route with a valid key', async () => {
    for (const route of registeredRoutes(api.services)) {
      const answer = await withBody(api.call(route.method, concretePath(route.path)), route);
      expect(answer.status, `${route.method} ${route.path}`).not.toBe(401);
      expect(answer.headers['content-type'] ?? 'none').not.toMatch(/html/);
    }
  });
});
