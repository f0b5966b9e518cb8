/**
 * `npm run demo`: Sesame on http://localhost:8080, a stand-in Databricks workspace on
 * http://localhost:8081, and a Databricks SCIM emulator on http://127.0.0.1:8082, wired together
 * so that both kinds of sign-in and SCIM provisioning can be tried in a browser. Sesame keeps its
 * database and keys in ./demo-data. The stand-in and the emulator keep their state in memory, so
 * the emulator starts empty and the full sync at every start provisions it again.
 * All three listen on 127.0.0.1 only, because the demo user's password and the token are printed.
 */
import type { Server } from 'node:http';
import { databricksTemplate } from '../src/applications/catalog.ts';
import { loadConfig } from '../src/config.ts';
import { serve } from '../src/serve.ts';
import { createServices, type Services } from '../src/services.ts';
import {
  closeServer,
  postBindingPrefix,
  startDatabricksSpServer,
  type DatabricksSpServer,
} from '../test/support/databricks-sp-server.ts';
import { scimBasePath } from '../test/support/databricks-scim/index.ts';
import type { RequestRecord } from '../test/support/databricks-scim/requests.ts';
import {
  startDatabricksScim,
  type DatabricksScimServer,
} from '../test/support/databricks-scim/server.ts';

const sesamePort = 8080;
const spPort = 8081;
const scimPort = 8082;
const sesameUrl = `http://localhost:${sesamePort}`;
const spUrl = `http://localhost:${spPort}`;
const slug = 'databricks';

const demoUser = {
  username: 'demo',
  email: 'demo@example.com',
  firstName: 'Demo',
  lastName: 'User',
  // Public on purpose, and reset on every start, so that the password printed below always works.
  password: 'open-sesame-demo',
};
/** A user in no group, for the viewer to add to the bound group and watch being provisioned. */
const spareUser = {
  username: 'ada',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
};
const demoGroup = 'demo-team';
const by = { actor: 'demo' };

// Fixed, so that the integration stored in ./demo-data stays valid from one start to the next.
// The token is public on purpose, and the emulator listens on 127.0.0.1 only.
const scimToken = 'dapi-demo-token-not-secret';
const scimAccountId = '5e5a3e00-0000-4000-8000-00000000de30';
const scimRatePerSecond = 25;

/**
 * Creates the demo user, the spare user, the group and the application when missing, grants the
 * demo user the application and makes it an administrator, so that it can change groups in the
 * portal.
 */
async function seedDemo(services: Services, acsUrl: string): Promise<void> {
  const { directory, applications } = services;

  const user =
    (await directory.findUser(demoUser.username)) ?? (await directory.createUser(demoUser, by));
  await directory.setPassword(user.username, demoUser.password, by);
  if (user.is_admin !== 1) await directory.setAdmin(user.id, true, by);
  if (!(await directory.findUser(spareUser.username))) await directory.createUser(spareUser, by);

  const groups = await directory.listGroups();
  const group =
    groups.find((existing) => existing.name === demoGroup) ??
    (await directory.createGroup(demoGroup, by));

  const application =
    (await applications.get(slug)) ??
    (await applications.create(
      {
        slug,
        template: 'databricks',
        displayLabel: 'Databricks (demo)',
        spEntityId: acsUrl,
        acsUrls: [acsUrl],
        sso: databricksTemplate,
      },
      by,
    ));

  if (!(await applications.isAuthorized(user.id, application.id))) {
    await directory.addMember(group.name, user.username, by);
    await applications.bind(slug, group.id, group.name, by);
  }
}

/** Starts the Databricks SCIM emulator and prints each request it receives as one line. */
function startScimEmulator(): Promise<DatabricksScimServer> {
  const options = { accountId: scimAccountId, level: 'account' } as const;
  const basePath = scimBasePath(options);
  return startDatabricksScim({
    ...options,
    port: scimPort,
    tokens: [scimToken],
    ratePerSecond: scimRatePerSecond,
    onRequest: (record) => process.stdout.write(`${formatScimRequest(record, basePath)}\n`),
  });
}

/** Formats a request as `scim: METHOD path status`, with the path relative to the Base URL. */
function formatScimRequest(record: RequestRecord, basePath: string): string {
  let path = record.path.startsWith(basePath) ? record.path.slice(basePath.length) : record.path;
  try {
    // Lookups carry a filter such as userName eq "ada@example.com", easier to read decoded.
    path = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: print it as sent.
  }
  const status = record.status === 0 ? 'no response (connection closed)' : String(record.status);
  return `scim: ${record.method} ${path} ${status}`;
}

function printInstructions(scim: DatabricksScimServer): void {
  const cli = 'npm run sesame -- --data-dir demo-data --certs-dir demo-data/certs';
  const lines = [
    '',
    `Sesame (the IdP) is at ${sesameUrl}; the stand-in Databricks workspace is at ${spUrl}.`,
    `Sign in as "${demoUser.username}" with the password "${demoUser.password}".`,
    '',
    `  IdP-initiated: open ${sesameUrl}, sign in, and click the "Databricks (demo)" tile.`,
    `  SP-initiated:  open ${spUrl}; the workspace sends you to Sesame (HTTP-Redirect binding),`,
    '                 and after sign-in you land back on the workspace.',
    `  SP-initiated by HTTP-POST: open ${spUrl}${postBindingPrefix}/`,
    '',
    `The Databricks SCIM emulator (account level, ${scimRatePerSecond} requests per second) is at ${scim.url}.`,
    `  SCIM Base URL: ${scim.baseUrl}`,
    `  Token: ${scimToken}`,
    `Sesame provisions the members of "${demoGroup}" into it. Each request it receives is printed`,
    'as "scim: METHOD path status", with the path relative to the Base URL.',
    '',
    `  Add a user: open ${sesameUrl}/admin/groups, open "${demoGroup}" and add "${spareUser.username}".`,
    '              Expect a lookup (GET /Users?filter=...), POST /Users and PATCH /Groups/<id>.',
    `  Remove "${spareUser.username}" again: expect PATCH /Users/<id>, which deactivates her because`,
    '              she is in no bound group any more, and PATCH /Groups/<id>.',
    `  From a terminal: ${cli} group add-member ${demoGroup} ${spareUser.username}`,
    '                   (the worker checks for changes made by other processes every 5 s)',
    `  Sync now, Preview and the settings: ${sesameUrl}/admin/applications/${slug}/identity-management`,
    `  See what the emulator holds: curl -H 'Authorization: Bearer ${scimToken}' ${scim.baseUrl}/Users`,
    '',
    `Sign out at ${sesameUrl}/console. Restart the demo to sign out of the workspace.`,
    'Press Ctrl-C to stop all three servers.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * Activates the application's Identity Management integration against the emulator, which checks
 * the Base URL and token and queues a full sync. The emulator starts empty every time, so the sync
 * creates every user and group in scope again. When an earlier start left the integration active
 * against the same Base URL, `serve` has already queued that sync, and activating would repeat it.
 */
async function connectProvisioning(services: Services, scim: DatabricksScimServer) {
  const integration = await services.provisioning.get(slug);
  const connected = integration?.active && integration.baseUrl === scim.baseUrl;
  if (connected && !integration.lastError) return;
  await services.provisioning.activate(slug, { baseUrl: scim.baseUrl, token: scimToken }, by);
}

/** Stops provisioning, the servers and the database once, on the first SIGINT or SIGTERM. */
function stopOnSignal(
  services: Services,
  servers: { sesame: Server; sp: DatabricksSpServer; scim: DatabricksScimServer },
): void {
  const stop = async (signal: NodeJS.Signals) => {
    services.logger.info({ event: 'demo.stopping', signal }, 'demo is stopping');
    // Workers first, so that none is left retrying a request to the closed emulator.
    await services.provisioning.stop();
    await Promise.allSettled([
      closeServer(servers.sesame),
      servers.sp.close(),
      servers.scim.close(),
    ]);
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void stop(signal));
  process.once('SIGTERM', (signal) => void stop(signal));
}

async function main(): Promise<void> {
  const config = loadConfig({
    SESAME_LOG_LEVEL: 'warn',
    ...process.env,
    SESAME_DATA_DIR: './demo-data',
    SESAME_CERTS_DIR: './demo-data/certs',
    SESAME_BASE_URL: sesameUrl,
    SESAME_HOST: '127.0.0.1',
    PORT: String(sesamePort),
  });
  const services = await createServices(config);
  const idpUrl = `${sesameUrl}/saml2/${slug}`;

  const sp = await startDatabricksSpServer({
    origin: spUrl,
    port: spPort,
    idpCertPem: services.signingKey.certificatePem,
    idpEntityId: idpUrl,
    idpSsoUrl: idpUrl,
  });
  const scim = await startScimEmulator();
  await seedDemo(services, sp.acsUrl);
  const sesame = await serve(services);
  await connectProvisioning(services, scim);

  stopOnSignal(services, { sesame, sp, scim });
  printInstructions(scim);
}

/** Exits with a one-line message when a port is already in use, and with the stack otherwise. */
function exitOnStartError(error: unknown): never {
  const { code, port } = error as { code?: string; port?: number };
  if (code === 'EADDRINUSE') {
    process.stderr.write(
      `demo: port ${port} on 127.0.0.1 is already in use; stop the program listening on it and run the demo again\n`,
    );
  } else {
    process.stderr.write(`demo: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  // The server that did start would otherwise keep the process running.
  process.exit(1);
}

await main().catch(exitOnStartError);
