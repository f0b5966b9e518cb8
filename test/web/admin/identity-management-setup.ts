import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { accountId, scimToken, startSetup, type Setup } from '../../provisioning/harness.ts';
import type { DatabricksScimServerOptions } from '../../support/databricks-scim/server.ts';
import { createTestTlsCertificate } from '../../support/databricks-sp-server.ts';
import { seedAdminPortal } from './support.ts';

export { accountId, scimToken };

/** Path of the Identity Management tab of the seeded application. */
export const tabPath = '/admin/applications/databricks/identity-management';

export interface PortalSetup extends Setup {
  seed: Awaited<ReturnType<typeof seedAdminPortal>>;
}

/**
 * Starts Sesame with its provisioning workers, the portal's seed (root, alice in engineers,
 * databricks bound to engineers), and a Databricks SCIM emulator on loopback.
 */
export async function startPortalSetup(
  scim: Partial<DatabricksScimServerOptions> = {},
): Promise<PortalSetup> {
  const setup = await startSetup({ scim });
  return { ...setup, seed: await seedAdminPortal(setup.sesame.services) };
}

/** Returns the fields of the Configure form that activate against the emulator. */
export function configureFields(setup: Setup, overrides: Record<string, string> = {}) {
  return {
    baseUrl: setup.scim.baseUrl,
    token: scimToken,
    groupManagement: '1',
    target: 'auto',
    deprovision: 'delete',
    ...overrides,
  };
}

/** A server on 127.0.0.1 for the failure cases of the SCIM check; `close` stops it. */
export interface LoopbackServer {
  origin: string;
  close(): Promise<void>;
}

function listen(
  server: http.Server | https.Server,
  scheme: 'http' | 'https',
): Promise<LoopbackServer> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `${scheme}://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Starts an ordinary web site: every path returns 200 with an HTML page. */
export function startHtmlServer(): Promise<LoopbackServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Welcome</title><h1>Welcome</h1>');
  });
  return listen(server, 'http');
}

/** Starts an HTTPS server with a self-signed certificate that no client trusts. */
export function startSelfSignedServer(): Promise<LoopbackServer> {
  const certificate = createTestTlsCertificate('127.0.0.1');
  const server = https.createServer(
    { key: certificate.keyPem, cert: certificate.certificatePem },
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/scim+json' });
      res.end('{}');
    },
  );
  return listen(server, 'https');
}

/** Returns a port of 127.0.0.1 that nothing listens on, by listening on it and closing it. */
export async function closedPort(): Promise<number> {
  const server = await listen(http.createServer(), 'http');
  const port = Number(new URL(server.origin).port);
  await server.close();
  return port;
}

/** Returns a SCIM Base URL on `origin` with the account path the emulator serves. */
export function accountBaseUrl(origin: string, account = accountId): string {
  return `${origin}/api/2.0/accounts/${account}/scim/v2`;
}
