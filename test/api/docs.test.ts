import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes, startApi, type ApiInstance } from './support.ts';

const doc = fs.readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

/** Each endpoint in docs/api.md has a heading such as `### GET /users/:id`. */
const documented = [...doc.matchAll(/^### (GET|POST|PUT|PATCH|DELETE) (\/\S*)$/gm)].map(
  (match) => `${match[1]} ${match[2]}`,
);

let api: ApiInstance;

beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe('docs/api.md', () => {
  it('documents every registered route', () => {
    const registered = registeredRoutes(api.services).map(
      (route) => `${route.method} ${route.path}`,
    );
    for (const route of registered) expect(documented, route).toContain(route);
  });

  it('documents no route that is not registered', () => {
    const registered = registeredRoutes(api.services).map(
      (route) => `${route.method} ${route.path}`,
    );
    for (const route of documented) expect(registered, route).toContain(route);
    expect(new Set(documented).size).toBe(documented.length);
  });
});
