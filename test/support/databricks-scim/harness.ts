import request from 'supertest';
import { urn } from './constants.ts';
import { createDatabricksScim, type DatabricksScimOptions } from './index.ts';

export const accountId = '0d6f2f5e-1111-4c3a-9a8e-000000000001';
export const token = 'dapi-test-token';
export const accountBase = `/api/2.0/accounts/${accountId}/scim/v2`;
export const workspaceBase = '/api/2.0/preview/scim/v2';

/** Creates an emulator and a supertest client that sends the bearer token and a SCIM content type. */
export function setUp(options: Partial<DatabricksScimOptions> = {}) {
  const scim = createDatabricksScim({ accountId, tokens: [token], level: 'account', ...options });
  const base = options.level === 'workspace' ? workspaceBase : accountBase;
  const client = request(scim.app);
  const auth = { Authorization: `Bearer ${token}` };
  const send = (method: 'post' | 'put' | 'patch', path: string, body: object) =>
    client[method](base + path)
      .set(auth)
      .set('Content-Type', 'application/scim+json')
      .send(body);

  return {
    scim,
    base,
    get: (path: string) => client.get(base + path).set(auth),
    post: (path: string, body: object) => send('post', path, body),
    put: (path: string, body: object) => send('put', path, body),
    patch: (path: string, operations: object[]) =>
      send('patch', path, { schemas: [urn.patchOp], Operations: operations }),
    /** PATCH with a body as given, for envelope checks. */
    patchRaw: (path: string, body: object) => send('patch', path, body),
    delete: (path: string) => client.delete(base + path).set(auth),
  };
}

export function errorOf(status: number, detail: string, scimType?: string) {
  return { schemas: [urn.error], detail, status: String(status), ...(scimType && { scimType }) };
}
