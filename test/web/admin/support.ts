import type { Express } from 'express';
import type { Test } from 'supertest';
import { databricksTemplate } from '../../../src/applications/catalog.ts';
import type { Services } from '../../../src/services.ts';
import { csrfFrom, signIn } from '../../support/browser-agent.ts';
import { testPassword } from '../../support/instance.ts';

export const by = { actor: 'test' };
export const acs = 'https://dbc-test.cloud.databricks.com/saml/consume';

/**
 * Seeds the administrator "root", the plain user "alice" in group "engineers", and the
 * Databricks application "databricks" bound to that group.
 */
export async function seedAdminPortal(services: Services) {
  const { directory, applications } = services;
  const root = await directory.createUser(
    { username: 'root', email: 'root@example.com', password: testPassword, isAdmin: true },
    by,
  );
  const alice = await directory.createUser(
    {
      username: 'alice',
      email: 'alice@example.com',
      firstName: 'Alice',
      lastName: 'Liddell',
      password: testPassword,
    },
    by,
  );
  const group = await directory.createGroup('engineers', by);
  await directory.addMember('engineers', 'alice', by);
  const application = await applications.create(
    {
      slug: 'databricks',
      template: 'databricks',
      displayLabel: 'Databricks',
      spEntityId: acs,
      acsUrls: [acs],
      sso: databricksTemplate,
    },
    by,
  );
  await applications.bind('databricks', group.id, group.name, by);
  return { root, alice, group, application };
}

/** Signs in as the administrator; `page` fetches a page and returns its CSRF token. */
export async function signInAdmin(app: Express) {
  const { agent } = await signIn(app, 'root', testPassword);
  return {
    agent,
    async csrf(path = '/admin/applications') {
      const page = await agent.get(path).expect(200);
      return csrfFrom(page.text);
    },
  };
}

/** Reads the message shown next to a form field, or undefined when there is none. */
export function fieldError(html: string, field: string): string | undefined {
  const match = new RegExp(
    `<p class="field-error" id="${field}-error" role="alert">([^<]*)</p>`,
  ).exec(html);
  return match?.[1] && unescape(match[1]);
}

function unescape(text: string): string {
  return text
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Adds each field to a multipart request; arrays become repeated fields. */
export function withFields(request: Test, fields: Record<string, string | string[]>): Test {
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) request.field(name, item);
  }
  return request;
}

/**
 * Reads every table an admin form can change, so that a test can check a rejected form
 * changed nothing. Sessions and events are left out: page views touch sessions, and the
 * tests check events themselves.
 */
export async function snapshot(services: Services) {
  const { db } = services;
  return {
    users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
    groups: await db.selectFrom('groups').selectAll().orderBy('id').execute(),
    members: await db.selectFrom('group_members').selectAll().orderBy('user_id').execute(),
    applications: await db.selectFrom('applications').selectAll().orderBy('id').execute(),
    bindings: await db.selectFrom('application_groups').selectAll().orderBy('group_id').execute(),
    apiKeys: await db.selectFrom('api_keys').selectAll().orderBy('id').execute(),
    scimTokens: await db.selectFrom('scim_tokens').selectAll().orderBy('id').execute(),
  };
}

export { png } from '../../support/images.ts';
