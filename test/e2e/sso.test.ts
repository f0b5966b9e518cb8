import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import type { Services } from '../../src/services.ts';
import {
  postBindingPrefix,
  startDatabricksSpServer,
  type DatabricksSpServer,
} from '../support/databricks-sp-server.ts';
import { testPassword, type TestInstance } from '../support/instance.ts';
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
 * Sign-in to a stand-in Databricks workspace through Sesame in Debian's Chromium, driven by
 * playwright-core. Sesame listens on http://localhost:<port>. The SP serves HTTPS at
 * https://dbc-e2e.cloud.databricks.com with a certificate made at test time. Chromium maps
 * that host's port 443 to the SP's loopback port and resolves no other name, and trusts only
 * that certificate's public key (see harness.ts).
 *
 * Set E2E_SCREENSHOT_DIR (for example to docs/screenshots) to save PNGs of the sign-in page and
 * the console.
 */

const spHost = 'dbc-e2e.cloud.databricks.com';
const slug = 'databricks';

let loopback: LoopbackSesame;
let sesame: TestInstance;
let sesameUrl: string;
let sp: DatabricksSpServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** `METHOD url` of every request the page sent in the current test. */
let sent: string[];

beforeAll(async () => {
  loopback = await startSesameOnLoopback();
  ({ instance: sesame, url: sesameUrl } = loopback);

  sp = await startDatabricksSpServer({
    origin: `https://${spHost}`,
    idpCertPem: sesame.services.signingKey.certificatePem,
    idpEntityId: `${sesameUrl}/saml2/${slug}`,
    idpSsoUrl: `${sesameUrl}/saml2/${slug}`,
  });
  await seed(sesame.services, sp.acsUrl);
  browser = await launchChromium(sp);
});

afterAll(async () => {
  await browser?.close();
  await sp?.close();
  await loopback?.close();
});

beforeEach(async () => {
  sp.signIns.length = 0;
  sp.requests.length = 0;
  sent = [];
  ({ context, page } = await openPage(browser, { width: 800, height: 480 }));
  page.on('request', (request) => sent.push(`${request.method()} ${request.url()}`));
});

afterEach(() => context.close());

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
  await waitForPage(page, `${sesameUrl}/console`);
}

describe('browser set-up', () => {
  it('resolves no host but the SP and localhost', async () => {
    // An IP literal goes through the same rules as a name, so this reaches no outside server.
    await expect(page.goto(`http://127.0.0.1:${loopback.port}/login`)).rejects.toThrow(
      'net::ERR_NAME_NOT_RESOLVED',
    );
  });
});

describe('IdP-initiated SSO in a browser', () => {
  it('signs in from the console tile', async () => {
    await page.goto(`${sesameUrl}/login`);
    await saveScreenshot(page, 'sign-in.png');
    await submitSignIn('alice');
    await waitForPage(page, `${sesameUrl}/console`);
    await saveScreenshot(page, 'console.png');

    await page.locator(`button[data-app="${slug}"]`).click();
    await waitForPage(page, `${sp.origin}/`);

    expect(await bodyText(page)).toBe('Signed in as alice@example.com');
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
    await waitForPage(page, `${sp.origin}/?o=1234`);

    expect(await bodyText(page)).toBe('Signed in as alice@example.com');
    expect(sp.signIns).toHaveLength(1);
    expect(sp.signIns[0]!.email).toBe('alice@example.com');
    expect(sp.signIns[0]!.relayState).toBe('/?o=1234');
    expect(sp.signIns[0]!.inResponseTo).toMatch(/^_/);
  });

  it('signs in by HTTP-POST and keeps RelayState', async () => {
    await page.goto(`${sp.origin}${postBindingPrefix}/?o=5678`);
    await waitForPage(page, `${sesameUrl}/login`);
    expect(sent).toContain(`POST ${sesameUrl}/saml2/${slug}`);
    expect(sent.some((line) => line.includes('SAMLRequest='))).toBe(false);

    await submitSignIn('alice');
    await waitForPage(page, `${sp.origin}/?o=5678`);

    expect(await bodyText(page)).toBe('Signed in as alice@example.com');
    expect(sp.signIns).toHaveLength(1);
    expect(sp.signIns[0]!.relayState).toBe('/?o=5678');
    expect(sp.signIns[0]!.inResponseTo).toMatch(/^_/);
  });

  it('shows not assigned to a user outside bound groups', async () => {
    await page.goto(`${sp.origin}/?o=42`);
    await waitForPage(page, `${sesameUrl}/login`);

    const continueResponse = page.waitForResponse((response) =>
      response.url().startsWith(`${sesameUrl}/saml2/${slug}/continue/`),
    );
    await submitSignIn('bob');
    expect((await continueResponse).status()).toBe(403);

    expect(await page.locator('h1').innerText()).toBe('Not assigned');
    expect(await bodyText(page)).toContain('You are not assigned to "Databricks"');
    expect(await bodyText(page)).toContain('not_assigned');
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
    await waitForPage(page, `${sp.origin}/?o=99`);

    expect(await bodyText(page)).toBe('Signed in as alice@example.com');
    expect(sent.filter((line) => line.includes('/login'))).toEqual([]);
    expect(sent).toContain(`POST ${sp.acsUrl}`);
    expect(sp.signIns).toHaveLength(1);
    expect(sp.signIns[0]!.relayState).toBe('/?o=99');
    expect(sp.signIns[0]!.inResponseTo).toMatch(/^_/);
  });
});
