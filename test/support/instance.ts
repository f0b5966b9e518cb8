import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { buildApp } from '../../src/app.ts';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createServices, type Services } from '../../src/services.ts';

export interface TestInstance {
  services: Services;
  app: Express;
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts Sesame on a fresh SQLite file and key pair in a temporary folder, with logging off
 * unless a `logger` is given. `env` overrides configuration variables.
 */
export async function startInstance(
  env: Record<string, string> = {},
  logger: Logger = createLogger('silent'),
): Promise<TestInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
  const config = loadConfig({
    SESAME_DATA_DIR: path.join(dir, 'data'),
    SESAME_CERTS_DIR: path.join(dir, 'certs'),
    SESAME_BASE_URL: 'http://localhost:8080',
    SESAME_LOG_LEVEL: 'silent',
    ...env,
  });
  const services = await createServices(config, { logger });
  const { app } = buildApp(services);

  return {
    services,
    app,
    dir,
    async close() {
      await services.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const testPassword = 'correct horse battery staple';
export const databricksAcs = 'https://dbc-test.cloud.databricks.com/saml/consume';

/**
 * Seeds a user "alice" in group "engineers" bound to a Databricks application "databricks",
 * and a user "bob" in no group.
 */
export async function seedDatabricks(services: Services) {
  const by = { actor: 'test' };
  const alice = await services.directory.createUser(
    {
      username: 'alice',
      email: 'Alice@Example.com',
      firstName: 'Alice',
      lastName: 'Liddell',
      password: testPassword,
    },
    by,
  );
  const bob = await services.directory.createUser(
    {
      username: 'bob',
      email: 'bob@example.com',
      firstName: 'Bob',
      lastName: 'Builder',
      password: testPassword,
    },
    by,
  );
  const group = await services.directory.createGroup('engineers', by);
  await services.directory.addMember('engineers', 'alice', by);
  const application = await services.applications.create(
    {
      slug: 'databricks',
      template: 'databricks',
      displayLabel: 'Databricks',
      spEntityId: databricksAcs,
      acsUrls: [databricksAcs],
      sso: databricksTemplate,
    },
    by,
  );
  await services.applications.bind('databricks', group.id, group.name, by);
  return { alice, bob, group, application };
}
