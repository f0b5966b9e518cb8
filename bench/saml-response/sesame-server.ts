import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.ts';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { loadConfig } from '../../src/config.ts';
import { createServices, type Services } from '../../src/services.ts';
import { acsUrl, applicationSlug, benchUser } from './databricks.ts';

/** A running Sesame with one signed-in browser session, ready to launch the Databricks tile. */
export interface SesameUnderTest {
  launchUrl: string;
  /** Headers and form body of the console tile's POST, with the session cookie and CSRF token. */
  launchHeaders: Record<string, string>;
  launchBody: string;
  close(): Promise<void>;
}

const actor = { actor: 'bench' };

/**
 * Starts the real Express application on 127.0.0.1 with a fresh database and keys in a temporary
 * folder, adds a user allowed to use the Databricks application, and signs that user in over HTTP
 * as a browser would.
 */
export async function startSesame(): Promise<SesameUnderTest> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
  const config = loadConfig({
    SESAME_DATA_DIR: path.join(folder, 'data'),
    SESAME_CERTS_DIR: path.join(folder, 'certs'),
    SESAME_LOG_LEVEL: 'silent',
  });
  const services = await createServices(config);
  const server = buildApp(services).app.listen(0, '127.0.0.1');

  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await services.close();
    fs.rmSync(folder, { recursive: true, force: true });
  };

  try {
    await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
    await addDatabricksUser(services);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { cookie, csrfToken } = await signIn(origin);
    const launch = {
      launchUrl: `${origin}/saml2/${applicationSlug}/launch`,
      launchHeaders: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      launchBody: new URLSearchParams({ _csrf: csrfToken }).toString(),
    };
    await checkLaunch(launch);
    return { ...launch, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function addDatabricksUser(services: Services) {
  await services.directory.createUser(benchUser, actor);
  const group = await services.directory.createGroup('databricks-users', actor);
  await services.directory.addMember(group.name, benchUser.username, actor);
  await services.applications.create(
    {
      slug: applicationSlug,
      template: 'databricks',
      spEntityId: acsUrl,
      acsUrls: [acsUrl],
      sso: databricksTemplate,
    },
    actor,
  );
  await services.applications.bind(applicationSlug, group.id, group.name, actor);
}

/**
 * Signs in through the login form and returns the session cookie and the console's CSRF token,
 * which the console's tiles post to their launch URLs.
 */
async function signIn(origin: string): Promise<{ cookie: string; csrfToken: string }> {
  const loginPage = await expectStatus(fetch(`${origin}/login`), 'GET /login', 200);
  let cookie = sessionCookie(loginPage, 'GET /login');
  const loginToken = csrfField(await loginPage.text(), 'GET /login');

  const form = { _csrf: loginToken, username: benchUser.username, password: benchUser.password };
  const login = await expectStatus(
    fetch(`${origin}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    }),
    'POST /login',
    303,
  );
  // Signing in regenerates the session, so the cookie changes.
  cookie = sessionCookie(login, 'POST /login');

  const consolePage = await expectStatus(
    fetch(`${origin}/console`, { headers: { cookie } }),
    'GET /console',
    200,
  );
  return { cookie, csrfToken: csrfField(await consolePage.text(), 'GET /console') };
}

/**
 * Launches once and checks the Response inside the form, so that the load run, which checks only
 * status and form field, measures the Databricks configuration: Response signed, Assertion not.
 */
async function checkLaunch(launch: Omit<SesameUnderTest, 'close'>) {
  const response = await expectStatus(
    fetch(launch.launchUrl, {
      method: 'POST',
      headers: launch.launchHeaders,
      body: launch.launchBody,
    }),
    `POST ${new URL(launch.launchUrl).pathname}`,
    200,
  );
  const encoded = /name="SAMLResponse" value="([^"]+)"/.exec(await response.text())?.[1];
  if (!encoded) throw new Error('The launch page has no SAMLResponse field');

  const xml = Buffer.from(encoded, 'base64').toString('utf8');
  const signatures = xml.split('<ds:Signature ').length - 1;
  const problems = [
    signatures === 1 ? '' : `has ${signatures} signatures, expected 1`,
    // The Response's own signature comes before the Assertion, an Assertion's inside it.
    xml.indexOf('<ds:Signature ') < xml.indexOf('<saml:Assertion') ? '' : 'is not signed itself',
    xml.includes(`Destination="${acsUrl}"`) ? '' : `has no Destination="${acsUrl}"`,
    xml.includes('InResponseTo=') ? 'has an InResponseTo, expected none' : '',
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`The launch Response ${problems.join(', ')}`);
}

async function expectStatus(
  pending: Promise<Response>,
  request: string,
  status: number,
): Promise<Response> {
  const response = await pending;
  if (response.status !== status) {
    throw new Error(`${request} returned status ${response.status}, expected ${status}`);
  }
  return response;
}

function sessionCookie(response: Response, request: string): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith('sesame.sid='));
  if (!cookie) throw new Error(`${request} set no sesame.sid cookie`);
  return cookie.split(';')[0]!;
}

function csrfField(html: string, request: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`The page from ${request} has no _csrf field`);
  return token;
}
