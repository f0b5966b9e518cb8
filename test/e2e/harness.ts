import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { closeServer, type DatabricksSpServer } from '../support/databricks-sp-server.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

/**
 * What the browser tests share: Sesame on a loopback port, Debian's Chromium set up to reach
 * only that Sesame and the stand-in SP, and helpers that read and wait for pages.
 *
 * Set E2E_SCREENSHOT_DIR (for example to docs/screenshots) to save PNGs of the pages that the
 * tests pass through; without it, `saveScreenshot` does nothing.
 */

export const chromiumPath = '/usr/bin/chromium';

export interface LoopbackSesame {
  instance: TestInstance;
  /** Base URL that the browser uses, `http://localhost:<port>`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts Sesame on a free port of 127.0.0.1, with `env` added to its configuration variables. */
export async function startSesameOnLoopback(
  env: Record<string, string> = {},
): Promise<LoopbackSesame> {
  // Sesame's base URL contains its port, so the port is taken before the instance is built.
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;

  const instance = await startInstance({ SESAME_BASE_URL: url, ...env }).catch(async (error) => {
    await closeServer(server);
    throw error;
  });
  server.on('request', instance.app);

  return {
    instance,
    url,
    port,
    async close() {
      await closeServer(server);
      await instance.close();
    },
  };
}

/** Launches headless Chromium that reaches only localhost and `sp` (see `chromiumArgs`). */
export function launchChromium(sp: DatabricksSpServer): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs(sp) });
}

function chromiumArgs(sp: DatabricksSpServer): string[] {
  const spHost = new URL(sp.origin).hostname;
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
    `--host-resolver-rules=MAP ${spHost}:443 127.0.0.1:${sp.port}, MAP * ~NOTFOUND, EXCLUDE localhost`,
    // Trusts the SP's test-only certificate by its public key, and no other unknown certificate.
    `--ignore-certificate-errors-spki-list=${sp.spkiSha256}`,
  ];
}

/** Opens a page in a new context with its own cookies, so that each person gets a context. */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  // Shorter than the test timeout, so that a stuck navigation fails with Playwright's log of
  // where the page went instead of a bare test timeout.
  context.setDefaultTimeout(10_000);
  return { context, page: await context.newPage() };
}

export async function bodyText(page: Page): Promise<string> {
  return (await page.locator('body').innerText()).trim();
}

/** Waits for the page at `url`. On timeout, fails with the URL and text of the current page. */
export async function waitForPage(page: Page, url: string): Promise<void> {
  try {
    await page.waitForURL(url);
  } catch (error) {
    const current = `${page.url()}: ${(await bodyText(page)).slice(0, 500)}`;
    throw new Error(`Expected the page ${url}, but the browser shows ${current}`, { cause: error });
  }
}

/** Saves a PNG of the visible part of the page as `name`, when E2E_SCREENSHOT_DIR is set. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const directory = process.env.E2E_SCREENSHOT_DIR;
  if (!directory) return;
  fs.mkdirSync(directory, { recursive: true });
  await page.screenshot({ path: path.join(directory, name) });
}
