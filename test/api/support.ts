import request from 'supertest';
import { expect } from 'vitest';
import type { User } from '../../src/directory/service.ts';
import type { Services } from '../../src/services.ts';
import { apiRouter } from '../../src/web/api/router.ts';
import { startInstance, testPassword, type TestInstance } from '../support/instance.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiInstance {
  sesame: TestInstance;
  services: Services;
  /** The administrator "root", who can also sign in at the portal with `testPassword`. */
  admin: User;
  token: string;
  /** Sends a request with root's API key. */
  call(method: Method, path: string): request.Test;
  close(): Promise<void>;
}

export const by = { actor: 'test' };

/** Starts Sesame with an administrator "root" who has an API key named "test". */
export async function startApi(): Promise<ApiInstance> {
  const sesame = await startInstance();
  const { services } = sesame;
  const admin = await services.directory.createUser(
    { username: 'root', email: 'root@example.com', password: testPassword, isAdmin: true },
    by,
  );
  const { token } = await services.apiKeys.create(admin.id, 'test', by);
  return {
    sesame,
    services,
    admin,
    token,
    call: (method, path) => send(sesame, method, path).set('Authorization', `Bearer ${token}`),
    close: () => sesame.close(),
  };
}

/** Sends a request under /api/v1 with no credentials. */
export function send(sesame: TestInstance, method: Method, path: string): request.Test {
  const agent = request(sesame.app);
  const url = `/api/v1${path}`;
  if (method === 'GET') return agent.get(url);
  if (method === 'POST') return agent.post(url);
  if (method === 'PUT') return agent.put(url);
  if (method === 'PATCH') return agent.patch(url);
  return agent.delete(url);
}

export interface RegisteredRoute {
  method: Method;
  path: string;
}

/**
 * Lists the routes registered on the API router, read from Express's own route table rather
 * than from `apiRoutes`, so that a route added any other way is listed too.
 */
export function registeredRoutes(services: Services): RegisteredRoute[] {
  // Express 5's router keeps a layer per route, with the route's path and its methods.
  const { stack } = apiRouter(services) as unknown as {
    stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }>;
  };
  const routes = stack.flatMap(({ route }) =>
    route
      ? Object.keys(route.methods).map((method) => ({
          method: method.toUpperCase() as Method,
          path: route.path,
        }))
      : [],
  );
  expect(routes.length).toBeGreaterThan(30);
  return routes;
}

/** Fills a route's parameters, such as `:id`, with `value`. */
export function concretePath(path: string, value = 'x'): string {
  return path.replace(/:[A-Za-z]+/g, value);
}

/**
 * Reads every table that an API call can change, for checking that a rejected call changed
 * nothing. An API key's `last_used_at` is left out, because each authenticated call sets it.
 */
export async function snapshot(services: Services) {
  const { db } = services;
  return {
    users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
    groups: await db.selectFrom('groups').selectAll().orderBy('id').execute(),
    members: await db
      .selectFrom('group_members')
      .selectAll()
      .orderBy('group_id')
      .orderBy('user_id')
      .execute(),
    applications: await db.selectFrom('applications').selectAll().orderBy('id').execute(),
    bindings: await db
      .selectFrom('application_groups')
      .selectAll()
      .orderBy('application_id')
      .orderBy('group_id')
      .execute(),
    apiKeys: await db
      .selectFrom('api_keys')
      .select(['id', 'user_id', 'name', 'token_hash', 'created_at', 'revoked_at'])
      .orderBy('id')
      .execute(),
    events: await db.selectFrom('events').selectAll().orderBy('id').execute(),
  };
}

/** Lists the events of `type`, oldest first. */
export async function eventsOf(services: Services, type: string) {
  return services.db
    .selectFrom('events')
    .selectAll()
    .where('type', '=', type)
    .orderBy('id')
    .execute();
}

export { png } from '../support/images.ts';
