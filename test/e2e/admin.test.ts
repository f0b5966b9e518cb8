import fs from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import type { Browser, BrowserContext, Locator, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subdomainPlaceholder } from '../../src/applications/catalog.ts';
import { ns } from '../../src/saml/constants.ts';
import { ensureAdministrator } from '../../src/serve.ts';
import {
  startDatabricksSpServer,
  type DatabricksSpServer,
} from '../support/databricks-sp-server.ts';
import { testPassword } from '../support/instance.ts';
import {
  bodyText,
  launchChromium,
  openPage,
  saveScreenshot,
  startSesameOnLoopback,
  waitForPage,
  type LoopbackSesame,
} from './harness.ts';

/**
 * The administrator's path through the portal in Debian's Chromium. The administrator creates
 * people and a group on the Users and User Groups pages, adds Databricks from the catalog, points
 * it at a workspace and downloads the certificate. A member then signs in to the workspace from
 * the console tile, and the administrator deactivates and deletes the application. The workspace
 * is the stand-in Databricks SP over HTTPS, and harness.ts sets up the browser.
 *
 * The first administrator is created as `sesame serve` creates it on a new database, with the
 * password from SESAME_ADMIN_PASSWORD. Set E2E_SCREENSHOT_DIR=docs/screenshots to save the
 * portal's pages, which docs/screenshots/README.md lists.
 */

const workspace = 'dbc-5e1f9a2b-77c3';
const label = 'Databricks Lakehouse';
/** The slug that the portal makes from the Display Label. */
const slug = 'databricks-lakehouse';
const groupName = 'data-team';
const member = {
  username: 'alice',
  email: 'alice@example.com',
  firstName: 'Alice',
  lastName: 'Liddell',
};
const outsider = { username: 'bob', email: 'bob@example.com', firstName: 'Bob', lastName: 'Ng' };

/** The SSO tab's fields that start with the catalog's `YOUR_SUBDOMAIN`. */
const workspaceUrlFields = ['spEntityId', 'acsUrls', 'loginUrl'];
const desktop = { width: 1280, height: 800 };

let sesame: LoopbackSesame;
let sp: DatabricksSpServer;
let browser: Browser;
let contexts: BrowserContext[] = [];
/** Every URL that any page of the current test requested. */
let requested: string[] = [];

beforeAll(async () => {
  sesame = await startSesameOnLoopback({ SESAME_ADMIN_PASSWORD: testPassword });
  await ensureAdministrator(sesame.instance.services, () => undefined);

  const idpUrl = `${sesame.url}/saml2/${slug}`;
  sp = await startDatabricksSpServer({
    origin: `https://${workspace}.cloud.databricks.com`,
    idpCertPem: sesame.instance.services.signingKey.certificatePem,
    idpEntityId: idpUrl,
    idpSsoUrl: idpUrl,
  });
  browser = await launchChromium(sp);
});

afterAll(async () => {
  await browser?.close();
  await sp?.close();
  await sesame?.close();
});

afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
  requested = [];
});

/** Opens a page in a context of its own, as a separate person at a separate browser would. */
async function newPerson(): Promise<Page> {
  const { context, page } = await openPage(browser, desktop);
  contexts.push(context);
  context.on('request', (request) => requested.push(request.url()));
  return page;
}

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(`${sesame.url}/login`);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(testPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitForPage(page, `${sesame.url}/console`);
}

const sections = {
  'SSO Applications': '/admin/applications',
  Users: '/admin/users',
  'User Groups': '/admin/groups',
  'Directory Insights': '/admin/insights',
  'API Keys': '/admin/api-keys',
};

/** Follows a link of the portal's left-hand navigation. */
async function openSection(page: Page, name: keyof typeof sections): Promise<void> {
  const navigation = page.getByRole('navigation', { name: 'Administration' });
  await navigation.getByRole('link', { name, exact: true }).click();
  await waitForPage(page, `${sesame.url}${sections[name]}`);
}

/** Follows a tab of the application's panel. */
async function openTab(page: Page, name: string, path: string): Promise<void> {
  const tabs = page.getByRole('navigation', { name: 'Application settings' });
  await tabs.getByRole('link', { name, exact: true }).click();
  await waitForPage(page, `${sesame.url}/admin/applications/${slug}/${path}`);
}

/** Clicks `button` and returns the response to the POST that it sends to `pathname`. */
async function submit(page: Page, button: Locator, pathname: string): Promise<Response> {
  const response = page.waitForResponse(
    (response) =>
      response.request().method() === 'POST' && new URL(response.url()).pathname === pathname,
  );
  await button.click();
  return response;
}

/** Waits for the portal's notice line. On timeout, fails with the text of the page. */
async function waitForNotice(page: Page, text: string): Promise<void> {
  try {
    await page.getByRole('status').filter({ hasText: text }).waitFor();
  } catch (error) {
    const pageText = (await bodyText(page)).slice(0, 500);
    throw new Error(`Expected the notice "${text}" at ${page.url()}, but it shows ${pageText}`, {
      cause: error,
    });
  }
}

/** Reads the message that the portal shows right after a form field. */
function fieldError(page: Page, field: string): Promise<string> {
  return page.locator(`#${field} + .field-error`).innerText();
}

function saveButton(page: Page): Locator {
  return page.getByRole('button', { name: 'Save', exact: true });
}

async function addUser(admin: Page, person: typeof member): Promise<void> {
  await openSection(admin, 'Users');
  await admin.getByRole('link', { name: '+ Add New User' }).click();
  await admin.getByLabel('Username').fill(person.username);
  await admin.getByLabel('Company email').fill(person.email);
  await admin.getByLabel('First name').fill(person.firstName);
  await admin.getByLabel('Last name').fill(person.lastName);
  await admin.getByLabel('Password').fill(testPassword);
  await saveButton(admin).click();
  await waitForNotice(admin, `User ${person.username} created.`);
}

async function addGroup(admin: Page, name: string, username: string): Promise<void> {
  await openSection(admin, 'User Groups');
  await admin.getByLabel('New group name').fill(name);
  await admin.getByRole('button', { name: '+ Add New Group' }).click();
  await waitForNotice(admin, `Group ${name} created.`);

  await admin.getByLabel('Add a user by username or email').fill(username);
  await admin.getByRole('button', { name: 'Add', exact: true }).click();
  await waitForNotice(admin, `${username} added.`);
}

/** Adds Databricks from the catalog, found with the search field, and opens its SSO tab. */
async function addDatabricks(admin: Page): Promise<void> {
  await openSection(admin, 'SSO Applications');
  await admin.getByRole('link', { name: '+ Add New Application' }).click();
  await waitForPage(admin, `${sesame.url}/admin/applications/new`);
  await saveScreenshot(admin, 'catalog.png');

  // admin.js filters the list as the administrator types.
  await admin.getByLabel('Search the catalog').fill('databricks');
  expect(await admin.getByRole('link', { name: /^Custom SAML/ }).isHidden()).toBe(true);
  expect(await admin.getByRole('link', { name: /^Bookmark/ }).isHidden()).toBe(true);
  await admin.getByRole('link', { name: /^Databricks/ }).click();
  await waitForPage(admin, `${sesame.url}/admin/applications/new/databricks`);

  await admin.getByLabel('Display Label').fill(label);
  expect(await admin.locator('#slug').inputValue()).toBe(slug);
  await saveButton(admin).click();
  await waitForPage(admin, `${sesame.url}/admin/applications/${slug}/created`);
  expect(await admin.locator('code').innerText()).toBe(`${sesame.url}/saml2/${slug}`);

  await admin.getByRole('link', { name: 'Configure Application' }).click();
  await waitForPage(admin, `${sesame.url}/admin/applications/${slug}/sso`);
}

/** Saves the SSO tab as the catalog left it, and expects a rejection next to each URL field. */
async function saveWithPlaceholder(admin: Page): Promise<void> {
  const rejected = await submit(admin, saveButton(admin), `/admin/applications/${slug}/sso`);
  expect(rejected.status()).toBe(400);

  const expected = `still contains ${subdomainPlaceholder}; replace it with your workspace subdomain`;
  expect(await fieldError(admin, 'spEntityId')).toBe(`SP Entity ID ${expected}`);
  expect(await fieldError(admin, 'acsUrls')).toBe(`Line 1: ${expected}`);
  expect(await fieldError(admin, 'loginUrl')).toBe(`Login URL ${expected}`);
  const stored = await sesame.instance.services.applications.require(slug);
  expect(stored.spEntityId).toContain(subdomainPlaceholder);

  await admin.locator('#spEntityId').scrollIntoViewIfNeeded();
  await saveScreenshot(admin, 'sso-tab-rejected.png');
}

/** Replaces the placeholder with the workspace's subdomain in each URL field, and saves. */
async function saveWorkspaceUrls(admin: Page): Promise<void> {
  for (const field of workspaceUrlFields) {
    const input = admin.locator(`#${field}`);
    await input.fill((await input.inputValue()).replaceAll(subdomainPlaceholder, workspace));
  }
  const saved = await submit(admin, saveButton(admin), `/admin/applications/${slug}/sso`);
  expect(saved.status()).toBe(303);
  await waitForNotice(admin, 'SSO settings saved.');

  expect(await admin.locator('#spEntityId').inputValue()).toBe(sp.acsUrl);
  expect(await admin.locator('#acsUrls').inputValue()).toBe(sp.acsUrl);
  expect(await admin.locator('#loginUrl').inputValue()).toBe(`${sp.origin}/`);
  // What the stand-in SP was set up with, as an administrator would paste it into Databricks.
  expect(await admin.getByLabel('IdP Entity ID').inputValue()).toBe(`${sesame.url}/saml2/${slug}`);
  expect(await admin.getByLabel('SSO URL', { exact: true }).inputValue()).toBe(
    `${sesame.url}/saml2/${slug}`,
  );
  await saveScreenshot(admin, 'sso-tab.png');
}

/** Clicks a download link and returns the file's suggested name and text. */
async function download(page: Page, link: string): Promise<{ name: string; text: string }> {
  const started = page.waitForEvent('download');
  await page.getByRole('link', { name: link }).click();
  const file = await started;
  return { name: file.suggestedFilename(), text: fs.readFileSync(await file.path(), 'utf8') };
}

/**
 * Reads the application's public metadata URL. Chromium saves `application/samlmetadata+xml`
 * as a download instead of showing it, so this uses the context's request client, which runs in
 * the test process rather than in Chromium, on the loopback Sesame's URL.
 */
async function publicMetadata(page: Page): Promise<string> {
  const response = await page.request.get(`${sesame.url}/saml2/${slug}/metadata`);
  expect(response.status()).toBe(200);
  return response.text();
}

/** Returns the base64 of every `ds:X509Certificate` in a metadata document. */
function metadataCertificates(xml: string): string[] {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const elements = Array.from(document.getElementsByTagNameNS(ns.dsig, 'X509Certificate'));
  return elements.map((element) => (element.textContent ?? '').replace(/\s+/g, ''));
}

/**
 * Downloads the certificate and the IdP metadata from the SSO tab, and expects the certificate
 * that the public metadata URL carries, which is the one the stand-in SP checks signatures with.
 */
async function checkDownloads(admin: Page): Promise<void> {
  const certificate = await download(admin, 'Download certificate');
  expect(certificate.name).toBe('certificate.pem');
  const metadata = await download(admin, 'Download IdP metadata');
  expect(metadata.name).toBe(`${slug}-idp-metadata.xml`);

  const published = await publicMetadata(admin);
  expect(metadata.text).toBe(published);
  const carried = metadataCertificates(published);
  expect(carried).toEqual([pemBody(certificate.text)]);
  const trusted = sesame.instance.services.signingKey.certificatePem;
  expect(pemBody(certificate.text)).toBe(pemBody(trusted));
}

/** Returns the base64 between the armour lines of a PEM file that contains one certificate. */
function pemBody(pem: string): string {
  expect(pem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(1);
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

async function bindGroup(admin: Page, name: string): Promise<void> {
  await openTab(admin, 'User Groups', 'groups');
  await admin.getByLabel(name).check();
  const saved = await submit(admin, saveButton(admin), `/admin/applications/${slug}/groups`);
  expect(saved.status()).toBe(303);
  await waitForNotice(admin, 'User groups saved.');
  expect(await admin.getByLabel(name).isChecked()).toBe(true);
  await saveScreenshot(admin, 'application-user-groups.png');
}

function tile(page: Page): Locator {
  return page.locator(`button[data-app="${slug}"]`);
}

/** Checks the list pages and a user's page against what the walk made, with screenshots. */
async function reviewLists(admin: Page): Promise<void> {
  await openSection(admin, 'SSO Applications');
  const application = admin.getByRole('row', { name: new RegExp(label) });
  expect(await application.innerText()).toMatch(/active\s+Databricks\s+databricks-lakehouse/);
  await saveScreenshot(admin, 'applications.png');

  await openSection(admin, 'Users');
  const usernames = admin.locator('tbody td:first-child');
  expect(await usernames.allInnerTexts()).toEqual(['admin', member.username, outsider.username]);
  await saveScreenshot(admin, 'users.png');
  await admin.getByRole('link', { name: member.username, exact: true }).click();
  await admin.getByRole('heading', { level: 1, name: member.username }).waitFor();
  const groups = admin.locator('section.panel', {
    has: admin.getByRole('heading', { name: 'User Groups' }),
  });
  expect(await groups.getByRole('listitem').allInnerTexts()).toEqual([groupName]);
  await saveScreenshot(admin, 'user.png');

  await openSection(admin, 'User Groups');
  const group = admin.getByRole('row', { name: new RegExp(groupName) });
  expect(await group.innerText()).toMatch(new RegExp(`${groupName}\\s+1\\s+1`));
  await saveScreenshot(admin, 'groups.png');
}

/** Deletes the application from the list, after one wrong count, and expects it gone. */
async function deleteApplication(admin: Page): Promise<void> {
  await openSection(admin, 'SSO Applications');
  await admin.getByLabel(`Select ${label}`).check();
  await admin.getByRole('button', { name: 'Delete', exact: true }).click();
  await waitForPage(admin, `${sesame.url}/admin/applications/delete?slug=${slug}`);

  const count = admin.getByLabel('Type the number of applications being deleted');
  const confirm = admin.getByRole('button', { name: 'Delete Application' });
  await count.fill('2');
  expect((await submit(admin, confirm, '/admin/applications/delete')).status()).toBe(400);
  expect(await fieldError(admin, 'count')).toBe(
    'Type 1, the number of applications being deleted.',
  );
  expect(await sesame.instance.services.applications.get(slug)).toBeDefined();

  await count.fill('1');
  expect((await submit(admin, confirm, '/admin/applications/delete')).status()).toBe(303);
  await waitForNotice(admin, `Deleted 1 application: ${label}.`);
  expect(await bodyText(admin)).toContain('No applications yet.');
}

/**
 * Deactivates SSO while the member's console still shows the tile, and expects a click on that
 * tile to be rejected before any request reaches the SP, and the tile gone after a reload.
 */
async function deactivateUnderMember(admin: Page, alice: Page): Promise<void> {
  await alice.goto(`${sesame.url}/console`);
  await openSection(admin, 'SSO Applications');
  await admin.getByRole('link', { name: label }).click();
  await admin.getByRole('button', { name: 'Deactivate SSO' }).click();
  await waitForNotice(admin, `SSO deactivated for ${label}.`);

  const spRequests = sp.requests.length;
  const rejected = await submit(alice, tile(alice), `/saml2/${slug}/launch`);
  expect(rejected.status()).toBe(403);
  // The response arrives before the browser replaces the console page, so wait for the new page.
  await alice.getByRole('heading', { level: 1, name: 'Application deactivated' }).waitFor();
  expect(await bodyText(alice)).toContain('application_inactive');
  expect(sp.requests).toHaveLength(spRequests);

  await alice.goto(`${sesame.url}/console`);
  expect(await tile(alice).count()).toBe(0);
}

function expectOnlyLoopbackTraffic(): void {
  const elsewhere = requested.filter(
    (url) => !url.startsWith(`${sesame.url}/`) && !url.startsWith(`${sp.origin}/`),
  );
  expect(elsewhere).toEqual([]);
}

describe('the administrator in a browser', () => {
  it('takes Databricks from catalog to deletion', async () => {
    const admin = await newPerson();
    await signIn(admin, 'admin');
    await admin.getByRole('link', { name: 'Administration' }).click();
    await waitForPage(admin, `${sesame.url}/admin/applications`);

    await addUser(admin, member);
    await addUser(admin, outsider);
    await addGroup(admin, groupName, member.username);
    await addDatabricks(admin);
    await saveWithPlaceholder(admin);
    await saveWorkspaceUrls(admin);
    await checkDownloads(admin);

    // Implicit deny: a configured application shows no user a tile until a group is bound.
    const alice = await newPerson();
    await signIn(alice, member.username);
    expect(await tile(alice).count()).toBe(0);

    await bindGroup(admin, groupName);
    await alice.reload();
    expect((await tile(alice).innerText()).trim()).toBe(label);
    const bob = await newPerson();
    await signIn(bob, outsider.username);
    expect(await bob.locator('button[data-app]').count()).toBe(0);
    expect(await bodyText(bob)).toContain('No applications are assigned to you yet.');

    await tile(alice).click();
    await waitForPage(alice, `${sp.origin}/`);
    expect(await bodyText(alice)).toBe(`Signed in as ${member.email}`);
    expect(sp.signIns.map((signIn) => signIn.email)).toEqual([member.email]);

    await reviewLists(admin);
    await deactivateUnderMember(admin, alice);
    await deleteApplication(admin);
    const deletedMetadata = await admin.goto(`${sesame.url}/saml2/${slug}/metadata`);
    expect(deletedMetadata?.status()).toBe(404);

    // Directory Insights lists the rejected launch.
    await admin.goto(`${sesame.url}/admin/insights`);
    const rejection = admin.getByRole('row').filter({ hasText: 'application_inactive' });
    expect(await rejection.innerText()).toMatch(/sso_auth\s+failure\s+alice\s+alice/);
    await saveScreenshot(admin, 'insights.png');
    expectOnlyLoopbackTraffic();
  }, 90_000);

  it('shows a new API key once', async () => {
    const admin = await newPerson();
    await signIn(admin, 'admin');
    await admin.goto(`${sesame.url}/admin/api-keys`);

    await admin.getByLabel('Key name').fill('HR sync');
    await admin.getByRole('button', { name: '+ Create API Key' }).click();
    const token = await admin.getByLabel('API key "HR sync"').inputValue();
    expect(token.length).toBeGreaterThan(30);

    await admin.getByRole('link', { name: 'Done' }).click();
    await waitForPage(admin, `${sesame.url}/admin/api-keys`);
    const key = admin.getByRole('row', { name: /HR sync/ });
    expect(await key.innerText()).toMatch(/^HR sync\s+admin\s+.+\s+never\s+active\s+Revoke$/);
    expect(await admin.content()).not.toContain(token);
    await saveScreenshot(admin, 'api-keys.png');
    expectOnlyLoopbackTraffic();
  });
});
