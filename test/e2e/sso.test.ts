import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import type { Services } from '../../src/services.ts';
import {
  closeServer,
  postBindingPrefix,
  startDatabricksSpServer,
  type DatabricksSpServer,
} from '../support/databricks-sp-server.ts';
import { startInstance, testPassword, type TestInstance } from '../support/instance.ts';

/**
 * Sign-in to a stand-in Databricks workspace through Sesame in Debian's Chromium, driven by
 * playwright-core. Sesame listens on http://localhost:<port>. The SP serves HTTPS at
 * https://dbc-e2e.cloud.databricks.com with a certificate made at test time. Chromium maps
 * that host's port 443 to the SP's loopback port and resolves no other name, and trusts only
 * that certificate's public key.
 *
 * Set E2E_SCREENSHOT_DIR (for example to docs/screenshots) to save PNGs of the sign-in page and
 * the console.
 */

const chromiumPath = '/usr/bin/chromium';
const spHost = 'dbc-e2e.cloud.databricks.com';
const slug = 'databricks';
const screenshotDir = process.env.E2E_SCREENSHOT_DIR;

let sesame: TestInstance;
let sesameServer: http.Server;
let sesameUrl: string;
let sp: DatabricksSpServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** `METHOD url` of every request the page sent in the current test. */
let sent: string[];

beforeAll(async () => {
  // Sesame's base URL contains its port, so the port is taken before the instance is built.
  sesameServer = http.createServer();
  await new Promise<void>((resolve) => sesameServer.listen(0, '127.0.0.1', resolve));
  sesameUrl = `http://localhost:${(sesameServer.address() as AddressInfo).port}`;
  sesame = await startInstance({ SESAME_BASE_URL: sesameUrl });
  sesameServer.on('request', sesame.app);

  sp = await startDatabricksSpServer({
    origin: `https://${spHost}`,
    idpCertPem: sesame.services.signingKey.certificatePem,
    idpEntityId: `${sesameUrl}/saml2/${slug}`,
    idpSsoUrl: `${sesameUrl}/saml2/${slug}`,
  });
  await seed(sesame.services, sp.acsUrl);
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs(sp) });
});

afterAll(async () => {
  await browser?.close();
  await sp?.close();
  if (sesameServer) await closeServer(sesameServer);
  await sesame?.close();
});

beforeEach(async () => {
  sp.signIns.length = 0;
  sp.requests.length = 0;
  sent = [];
  context = await browser.newContext({ viewport: { width: 800, height: 480 } });
  // Shorter than the test timeout, so that a stuck navigation fails with Playwright's log of
  // where the page went instead of a bare test timeout.
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('request', (request) => sent.push(`${request.method()} ${request.url()}`));
});

afterEach(() => context.close());

function chromiumArgs(server: DatabricksSpServer): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // The SP's host goes to its loopback port, and every other name except localhost fails to
    // resolve, so that the browser reaches no server outside this machine.
    `--host-resolver-rules=MAP ${spHost}:443 127.0.0.1:${server.port}, MAP * ~NOTFOUND, EXCLUDE localhost`,
    `--ignore-certificate-errors-spki-list=${server.spkiSha256}`,
  ];
}

/**
 * Seeds alice in group engineers, bound to the Databricks application, and bob in group
 * analysts, which is bound to nothing.
 */
async function seed(services: Services, acsUrl: string): Promise<void> {
  const by = { actor: 'test' };
  const { directory, applications } = services;
  await directory.createUser(
    {
      username: 'alice',
      email: 'alice@example.com',
      firstName: 'Alice',
      lastName: 'Liddell',
      displayName: 'Alice Liddell',
      password: testPassword,
    },
    by,
  );
  await directory.createUser(
    { username: 'bob', email: 'bob@example.com', firstName: 'Bob', password: testPassword },
    by,
  );

  const engineers = await directory.createGroup('engineers', by);
  await directory.createGroup('analysts', by);
  await directory.addMember('engineers', 'alice', by);
  await directory.addMember('analysts', 'bob', by);

  await applications.create(
    {
      slug,
      template: 'databricks',
      displayLabel: 'Databricks',
      spEntityId: acsUrl,
      acsUrls: [acsUrl],
      sso: databricksTemplate,
    },
    by,
  );
  await applications.bind(slug, engineers.id, engineers.name, by);
}

/** Fills and submits Sesame's sign-in form on the current page. */
async function submitSignIn(username: string): Promise<void> {
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(testPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signInAtPortal(username: string): Promise<void> {
  await page.goto(`${sesameUrl}/login`);
  await submitSignIn(username);
  await waitForPage(`${sesameUrl}/console`);
}

async function saveScreenshot(name: string): Promise<void> {
  if (!screenshotDir) return;
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, name) });
}

async function bodyText(): Promise<string> {
  return (await page.locator('body').innerText()).trim();
}

/** Waits for the page at `url`. On timeout, fails with the URL and text of the current page. */
async function waitForPage(url: string): Promise<void> {
  try {
    await page.waitForURL(url);
  } catch (error) {
    const current = `${page.url()}: ${(await bodyText()).slice(0, 500)}`;
    throw new Error(`Expected the page ${url}, but the browser shows ${current}`, { cause: error });
  }
}

describe('browser set-up', () => {
  it('resolves no host but the SP and localhost', async () => {
    // An IP literal goes through the same rules as a name, so this reaches no outside server.
    const { port } = sesameServer.address() as AddressInfo;
    await expect(page.goto(`http://127.0.0.1:${port}/login`)).rejects.toThrow(
      'net::ERR_NAME_NOT_RESOLVED',
    );
  });
});

describe('IdP-initiated SSO in a browser', () => {
  it('signs in from the console tile', async () => {
    await page.goto(`${sesameUrl}/login`);
    await saveScreenshot('sign-in.png');
    await submitSignIn('alice');
    await waitForPage(`${sesameUrl}/console`);
    await saveScreenshot('console.png');

    await page.locator(`button[data-app="${slug}"]`).click();
    await waitForPage(`${sp.origin}/`);

    expect(await bodyText()).toBe('Signed in as alice@example.com');
    expect(sent).toContain(`POST ${sesameUrl}/saml2/${slug}/launch`);
    expect(sent).toContain(`POST ${sp.acsUrl}`);
    expect(sp.signIns).toHaveLength(1);
    expect(sp.signIns[0]!.email).toBe('alice@example.com');
    expect(sp.signIns[0]!.inResponseTo).toBeUndefined();
  });
});

describe('SP-initiated SSO in a browser', () => {
  it('signs in by HTTP-Redirect and keeps RelayState', async () => {
    await page.goto(`${sp.origin}/?o=1234`);
    expect(page.url()).toBe(`${sesameUrl}/login`);
    expect(
      sent.some((line) => line.startsWith(`GET ${sesameUrl}/saml2/${slug}?SAMLRequest=`)),
    ).toBe(true);

    await submitSignIn('alice');
    await waitForPage(`${sp.origin}/?o=1234`);

    expect(await bodyText()).toBe('Signed in as alice@example.com');
    expect(sp.signIns).toHaveLength(1);
    expect(sp.signIns[0]!.email).toBe('alice@example.com');
    expect(sp.signIns[0]!.relayState).toBe('/?o=1234');
    expect(sp.signIns[0]!.inResponseTo).toMatch(/^_/);
  });

  it('signs in by HTTP-POST and keeps RelayState', async () => {
    await page.goto(`${sp.origin}${postBindingPrefix}/?o=5678`);
    await waitForPage(`${sesameUrl}/login`);
    expect(sent).toContain(`POST ${sesameUrl}/saml2/${slug}`);
    expect(sent.some((line) => line.includes('SAMLRequest='))).toBe(false);

    await submitSignIn('alice');
    await waitForPage(`${sp.origin}/?o=5678`);

    expect(await bodyText()).toBe('Signed in as alice@example.com');
    expect(sp.signIns).toHaveLength(1);
    expect(sp.signIns[0]!.relayState).toBe('/?o=5678');
    expect(sp.signIns[0]!.inResponseTo).toMatch(/^_/);
  });

  it('shows not assigned to a user outside bound groups', async () => {
    await page.goto(`${sp.origin}/?o=42`);
    await waitForPage(`${sesameUrl}/login`);

    const continueResponse = page.waitForResponse((response) =>
      response.url().startsWith(`${sesameUrl}/saml2/${slug}/continue/`),
    );
    await submitSignIn('bob');
    expect((await continueResponse).status()).toBe(403);

    expect(await page.locator('h1').innerText()).toBe('Not assigned');
    expect(await bodyText()).toContain('You are not assigned to "Databricks"');
    expect(await bodyText()).toContain('not_assigned');
    expect(sp.requests).toEqual([{ method: 'GET', url: '/?o=42' }]);
    expect(sp.signIns).toEqual([]);

    const ssoEvents = await sesame.services.db
      .selectFrom('events')
      .select(['outcome', 'username', 'error_code'])
      .where('type', '=', 'sso_auth')
      .where('username', '=', 'bob')
      .execute();
    expect(ssoEvents).toEqual([
      { outcome: 'failure', username: 'bob', error_code: 'not_assigned' },
    ]);

    await page.goto(`${sesameUrl}/console`);
    expect(await page.locator('button[data-app]').count()).toBe(0);
  });

  it('does not ask a signed-in user again', async () => {
    await signInAtPortal('alice');
    sent = [];

    await page.goto(`${sp.origin}/?o=99`);
    await waitForPage(`${sp.origin}/?o=99`);

    expect(await bodyText()).toBe('Signed in as alice@example.com');
    expect(sent.filter((line) => line.includes('/login'))).toEqual([]);
    expect(sent).toContain(`POST ${sp.acsUrl}`);
    expect(sp.signIns).toHaveLength(1);
    expect(sp.signIns[0]!.relayState).toBe('/?o=99');
    expect(sp.signIns[0]!.inResponseTo).toMatch(/^_/);
  });
});
