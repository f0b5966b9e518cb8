import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createServices, type Services } from '../../src/services.ts';
import {
  startDatabricksScim,
  type DatabricksScimServer,
} from '../../test/support/databricks-scim/server.ts';

/** Sesame with its provisioning workers running, and a Databricks SCIM emulator on loopback. */
export interface ProvisioningSetup {
  services: Services;
  scim: DatabricksScimServer;
  slug: string;
  /** Activates the application's integration against the emulator, which starts a full sync. */
  activate(): Promise<void>;
  close(): Promise<void>;
}

export const actor = { actor: 'bench' };
const slug = 'databricks';
const scimToken = 'dapi-bench-provisioning-token';
const accountId = '0d1f2e3c-aaaa-bbbb-cccc-00000000be0c';

/**
 * Starts Sesame on a SQLite file in a temporary folder with a silent logger, and the emulator at
 * account level. Both sides get the same requests-per-second limit, so that any pacing error of
 * Sesame's shows up as 429 responses from the emulator.
 */
export async function startProvisioningSetup(ratePerSecond: number): Promise<ProvisioningSetup> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-provisioning-'));
  const config = loadConfig({
    SESAME_DATA_DIR: path.join(folder, 'data'),
    SESAME_CERTS_DIR: path.join(folder, 'certs'),
    SESAME_LOG_LEVEL: 'silent',
    SESAME_SCIM_RATE_PER_SECOND: String(ratePerSecond),
  });
  const services = await createServices(config, { logger: createLogger('silent') });
  const scim = await startDatabricksScim({
    accountId,
    tokens: [scimToken],
    level: 'account',
    ratePerSecond,
  });
  await services.provisioning.start();

  return {
    services,
    scim,
    slug,
    async activate() {
      await services.provisioning.activate(
        slug,
        { baseUrl: scim.baseUrl, token: scimToken },
        actor,
      );
    },
    async close() {
      await services.close();
      await scim.close();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The users and groups that the SP should hold, kept beside the directory as it is changed. */
export interface ExpectedState {
  /** Users by userName (the lower-cased email, as Databricks stores it). */
  users: Map<string, { id: string; givenName: string; familyName: string }>;
  /** userNames of each group's members, by group name. */
  groups: Map<string, Set<string>>;
}

/**
 * Creates `userCount` users spread evenly over `groupCount` groups, binds every group to a
 * Databricks application, and returns the state that provisioning should produce. Nothing is
 * provisioned yet, because no integration is active.
 */
export async function seedDirectory(
  setup: ProvisioningSetup,
  userCount: number,
  groupCount: number,
): Promise<ExpectedState> {
  const { directory, applications } = setup.services;
  await applications.create(
    {
      slug: setup.slug,
      template: 'databricks',
      displayLabel: 'Databricks',
      spEntityId: 'https://accounts.cloud.databricks.com/saml',
      acsUrls: ['https://dbc-bench.cloud.databricks.com/saml/consume'],
      sso: databricksTemplate,
    },
    actor,
  );

  const expected: ExpectedState = { users: new Map(), groups: new Map() };
  const perGroup = Math.ceil(userCount / groupCount);
  for (let groupIndex = 0; groupIndex < groupCount; groupIndex += 1) {
    const group = await directory.createGroup(groupName(groupIndex), actor);
    await applications.bind(setup.slug, group.id, group.name, actor);
    expected.groups.set(group.name, new Set());
  }

  for (let index = 1; index <= userCount; index += 1) {
    const number = String(index).padStart(5, '0');
    const user = await directory.createUser(
      {
        username: `user${number}`,
        email: `user${number}@example.com`,
        firstName: 'Bench',
        lastName: `User${number}`,
      },
      actor,
    );
    const group = groupName(Math.floor((index - 1) / perGroup));
    await directory.addMember(group, user.username, actor);
    const userName = user.email.toLowerCase();
    expected.users.set(userName, { id: user.id, givenName: 'Bench', familyName: user.last_name });
    expected.groups.get(group)!.add(userName);
  }
  return expected;
}

export function groupName(index: number): string {
  return `team-${String(index + 1).padStart(2, '0')}`;
}
