/**
 * `npm run demo`: Sesame on http://localhost:8080 and a stand-in Databricks workspace on
 * http://localhost:8081, wired together so that both kinds of sign-in can be tried in a browser.
 * Sesame keeps its database and keys in ./demo-data. The stand-in keeps its sessions in memory.
 * Both listen on 127.0.0.1 only, because the demo user's password is printed.
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

const sesamePort = 8080;
const spPort = 8081;
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
const demoGroup = 'demo-team';
const by = { actor: 'demo' };

/** Creates the demo user, group and application when missing, and grants the user the application. */
async function seedDemo(services: Services, acsUrl: string): Promise<void> {
  const { directory, applications } = services;

  const user =
    (await directory.findUser(demoUser.username)) ?? (await directory.createUser(demoUser, by));
  await directory.setPassword(user.username, demoUser.password, by);

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

function printInstructions(): void {
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
    `Sign out at ${sesameUrl}/console. Restart the demo to sign out of the workspace.`,
    'Press Ctrl-C to stop both servers.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Stops both servers and closes the database once, on the first SIGINT or SIGTERM. */
function stopOnSignal(services: Services, sesame: Server, sp: DatabricksSpServer): void {
  const stop = async (signal: NodeJS.Signals) => {
    services.logger.info({ event: 'demo.stopping', signal }, 'demo is stopping');
    await Promise.allSettled([closeServer(sesame), sp.close()]);
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
  await seedDemo(services, sp.acsUrl);
  const sesame = await serve(services);

  stopOnSignal(services, sesame, sp);
  printInstructions();
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
