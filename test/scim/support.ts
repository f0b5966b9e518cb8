import fs from 'node:fs';
import request from 'supertest';
import type { Logger } from '../../src/log.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

export const userUrn = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const groupUrn = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const enterpriseUrn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const patchUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const errorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const listUrn = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export const tokenName = 'Entra provisioning';
export const actor = `${tokenName} (SCIM token)`;
export const scimUrl = 'http://localhost:8080/scim/v2';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ScimTest {
  sesame: TestInstance;
  /** Sends a request to `/scim/v2<path>` with the token and, for a body, the SCIM media type. */
  call(
    method: Method,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): request.Test;
  close(): Promise<void>;
}

/** Starts Sesame on a fresh database with one SCIM token. */
export async function startScim(
  env: Record<string, string> = {},
  logger?: Logger,
): Promise<ScimTest> {
  const sesame = await startInstance({ SESAME_SCIM_SERVER_BURST: '10000', ...env }, logger);
  const { token } = await sesame.services.scimTokens.create(tokenName, { actor: 'admin' });
  return {
    sesame,
    call(method, path, body, headers = {}) {
      let test = request(sesame.app)
        [method](`/scim/v2${path}`)
        .set('Authorization', `Bearer ${token}`);
      for (const [name, value] of Object.entries(headers)) test = test.set(name, value);
      if (body !== undefined) test = test.type('application/scim+json').send(body as object);
      return test;
    },
    close: () => sesame.close(),
  };
}

/** A minimal valid User body. */
export function userBody(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [userUrn],
    userName,
    emails: [{ value: `${userName.replace(/@.*/, '')}@example.com`, type: 'work', primary: true }],
    ...extra,
  };
}

/** Creates a user through SCIM and returns its resource. */
export async function createUser(
  scim: ScimTest,
  userName: string,
  extra: Record<string, unknown> = {},
) {
  const response = await scim.call('post', '/Users', userBody(userName, extra)).expect(201);
  return response.body as Record<string, any>;
}

/** Creates a group through SCIM and returns its resource. */
export async function createGroup(scim: ScimTest, displayName: string, memberIds: string[] = []) {
  const response = await scim
    .call('post', '/Groups', {
      schemas: [groupUrn],
      displayName,
      members: memberIds.map((value) => ({ value })),
    })
    .expect(201);
  return response.body as Record<string, any>;
}

/** The directory events recorded so far, oldest first, without the token's own creation. */
export async function events(scim: ScimTest) {
  const { events: stored } = await scim.sesame.services.insights.query({ pageSize: 500 });
  return stored
    .reverse()
    .filter((event) => event.type !== 'scim_token_create')
    .map((event) => ({ type: event.type, actor: event.actor, details: event.details }));
}

/** Loads a request body from `fixtures/` with `{{name}}` placeholders filled from `values`. */
export function fixture(name: string, values: Record<string, string> = {}): Record<string, any> {
  const text = fs.readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8');
  const filled = text.replace(/\{\{(\w+)\}\}/g, (_placeholder, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`fixture ${name} needs a value for {{${key}}}`);
    return value;
  });
  return JSON.parse(filled) as Record<string, any>;
}
