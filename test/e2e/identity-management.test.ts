import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { ensureAdministrator } from '../../src/serve.ts';
import { accountId, fastRetries, scimToken } from '../provisioning/harness.ts';
import {
  startDatabricksScim,
  type DatabricksScimServer,
} from '../support/databricks-scim/server.ts';
import { testPassword } from '../support/instance.ts';
import {
  bodyText,
  chromiumPath,
  openPage,
  saveScreenshot,
  startSesameOnLoopback,
  waitForPage,
  type LoopbackSesame,
} from './harness.ts';

/**
 * The administrator connects Databricks provisioning from the Identity Management tab in
 * Debian's Chromium: a wrong Token Key first, then the right one, against the Databricks SCIM
 * emulator on loopback. The members of the bound group appear in the emulator; Preview and
 * Sync now bring back a user deleted there, and the connection is deactivated after the
 * confirmation box. Only Sesame talks to the emulator, so the browser reaches localhost only.
 */

const slug = 'databricks';
const tab = `/admin/applications/${slug}/identity-management`;
const by = { actor: 'test' };

let sesame: LoopbackSesame;
let scim: DatabricksScimServer;
let browser: Browser;
let context: BrowserContext;
let admin: Page;

beforeAll(async () => {
  sesame = await startSesameOnLoopback({ SESAME_ADMIN_PASSWORD: testPassword, ...fastRetries });
  const { services } = sesame.instance;
  await ensureAdministrator(services, () => undefined);
  await services.provisioning.start();
  scim = await startDatabricksScim({
    accountId,
    tokens: [scimToken],
    level: 'account',
    ratePerSecond: 1000,
  });

  await services.applications.create(
    {
      slug,
      template: 'databricks',
      displayLabel: 'Databricks',
      spEntityId: 'https://dbc-test.cloud.databricks.com/saml/consume',
      acsUrls: ['https://dbc-test.cloud.databricks.com/saml/consume'],
      sso: databricksTemplate,
    },
    by,
  );
  const group = await services.directory.createGroup('data-team', by);
  for (const name of ['alice', 'bob']) {
    await services.directory.createUser({ username: name, email: `${name}@example.com` }, by);
    await services.directory.addMember('data-team', name, by);
  }
  await services.applications.bind(slug, group.id, group.name, by);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Every name but localhost fails to resolve, so the browser reaches no other server.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost',
    ],
  });
  ({ context, page: admin } = await openPage(browser, { width: 1280, height: 900 }));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await scim?.close();
  await sesame?.close();
});

async function waitForText(page: Page, text: string): Promise<void> {
  try {
    await page.getByText(text).first().waitFor();
  } catch (error) {
    const pageText = (await bodyText(page)).slice(0, 800);
    throw new Error(`Expected "${text}" at ${page.url()}, but it shows ${pageText}`, {
      cause: error,
    });
  }
}

function remoteUserNames(): string[] {
  return Object.keys(scim.scim.snapshot().users).sort();
}

describe('Identity Management in the browser', () => {
  it('activates, syncs, previews and deactivates', async () => {
    await admin.goto(`${sesame.url}/login`);
    await admin.getByLabel('Username or email').fill('admin');
    await admin.getByLabel('Password').fill(testPassword);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await waitForPage(admin, `${sesame.url}/console`);

    await admin.goto(`${sesame.url}/admin/applications/${slug}/general`);
    const tabs = admin.getByRole('navigation', { name: 'Application settings' });
    await tabs.getByRole('link', { name: 'Identity Management', exact: true }).click();
    await waitForPage(admin, `${sesame.url}${tab}`);

    await admin.getByLabel('Base URL').fill(scim.baseUrl);
    await admin.getByLabel('Token Key').fill('dapi-wrong-token');
    await admin.getByRole('button', { name: 'Activate', exact: true }).click();
    await waitForText(admin, 'HTTP 401: the SCIM API rejected the Token Key');
    expect(await admin.getByLabel('Token Key').inputValue()).toBe('');
    expect(await admin.getByLabel('Base URL').inputValue()).toBe(scim.baseUrl);
    expect(remoteUserNames()).toEqual([]);

    await admin.getByLabel('Token Key').fill(scimToken);
    await admin
      .getByLabel('Enable management of User Groups and Group Membership in this application')
      .check();
    await admin.getByRole('button', { name: 'Activate', exact: true }).click();
    await waitForPage(admin, `${sesame.url}${tab}`);
    await waitForText(admin, 'Identity Management activated for Databricks.');
    await sesame.instance.services.provisioning.whenIdle(slug);
    expect(remoteUserNames()).toEqual(['alice@example.com', 'bob@example.com']);
    expect(Object.keys(scim.scim.snapshot().groups)).toEqual(['data-team']);

    await admin.reload();
    expect(await bodyText(admin)).toMatch(/Users provisioned\s+2/);
    await saveScreenshot(admin, 'identity-management-active.png');

    const state = scim.scim.state;
    state.deleteUser(state.findUserByName('bob@example.com')!.id);
    await admin.getByRole('button', { name: 'Preview' }).click();
    await waitForPage(admin, `${sesame.url}${tab}/preview`);
    const preview = admin.getByRole('table');
    await expect(
      preview.getByRole('row', { name: /POST \/Users bob@example.com/ }).count(),
    ).resolves.toBe(1);
    await saveScreenshot(admin, 'identity-management-preview.png');

    await admin.getByRole('button', { name: 'Sync now' }).click();
    await waitForPage(admin, `${sesame.url}${tab}`);
    await waitForText(admin, 'Sync started');
    await sesame.instance.services.provisioning.whenIdle(slug);
    expect(remoteUserNames()).toEqual(['alice@example.com', 'bob@example.com']);

    await admin.getByRole('button', { name: 'Preview' }).click();
    await waitForText(admin, 'No changes: Databricks matches the bound groups.');
    await admin.getByRole('link', { name: 'Back to Identity Management' }).click();

    await admin.getByRole('link', { name: 'Deactivate IdM connection' }).click();
    await waitForPage(admin, `${sesame.url}${tab}/deactivate`);
    await admin.getByLabel(/I understand that provisioning to Databricks stops/).check();
    await admin.getByRole('button', { name: 'Deactivate IdM connection' }).click();
    await waitForPage(admin, `${sesame.url}${tab}`);
    await waitForText(admin, 'Identity Management deactivated for Databricks.');
    expect((await sesame.instance.services.provisioning.get(slug))?.active).toBe(false);
    expect(await admin.getByLabel('Base URL').inputValue()).toBe(scim.baseUrl);
    expect(await admin.content()).not.toContain(scimToken);
  });
});
