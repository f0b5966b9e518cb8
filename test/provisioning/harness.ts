import { databricksTemplate } from '../../src/applications/catalog.ts';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';
import {
  startDatabricksScim,
  type DatabricksScimServer,
  type DatabricksScimServerOptions,
} from '../support/databricks-scim/server.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

export const scimToken = 'dapi-test-provisioning-token';
export const accountId = '0d1f2e3c-aaaa-bbbb-cccc-000000000001';
export const by = { actor: 'admin' };

/** Retry and backoff settings small enough that fault tests finish in seconds. */
export const fastRetries = {
  SESAME_SCIM_TIMEOUT_MS: '500',
  SESAME_SCIM_MAX_RETRIES: '8',
  SESAME_SCIM_BACKOFF_BASE_MS: '5',
  SESAME_SCIM_BACKOFF_MAX_MS: '200',
  SESAME_SCIM_RATE_PER_SECOND: '1000',
};

export interface Setup {
  sesame: TestInstance;
  scim: DatabricksScimServer;
  close(): Promise<void>;
}

/** Starts Sesame with its workers running and a Databricks SCIM emulator on loopback. */
export async function startSetup(
  options: {
    env?: Record<string, string>;
    scim?: Partial<DatabricksScimServerOptions>;
  } = {},
): Promise<Setup> {
  const scim = await startDatabricksScim({
    accountId,
    tokens: [scimToken],
    level: 'account',
    ratePerSecond: 1000,
    ...options.scim,
  });
  const sesame = await startInstance({ ...fastRetries, ...options.env });
  await sesame.services.provisioning.start();
  return {
    sesame,
    scim,
    async close() {
      await sesame.close();
      await scim.close();
    },
  };
}

/** Creates an application with the Databricks template and the given slug. */
export async function createDatabricksApplication(setup: Setup, slug = 'databricks') {
  return setup.sesame.services.applications.create(
    {
      slug,
      template: 'databricks',
      displayLabel: 'Databricks',
      spEntityId: 'https://accounts.cloud.databricks.com/saml',
      acsUrls: ['https://dbc-test.cloud.databricks.com/saml/consume'],
      sso: databricksTemplate,
    },
    by,
  );
}

/** Creates users named `prefix1`…`prefixN` with emails at example.com. */
export async function createUsers(setup: Setup, prefix: string, count: number) {
  const users = [];
  for (let index = 1; index <= count; index += 1) {
    users.push(
      await setup.sesame.services.directory.createUser(
        {
          username: `${prefix}${index}`,
          email: `${prefix}${index}@example.com`,
          firstName: 'First',
          lastName: `Last${index}`,
        },
        by,
      ),
    );
  }
  return users;
}

export async function activate(
  setup: Setup,
  slug = 'databricks',
  extra: Record<string, unknown> = {},
) {
  const integration = await setup.sesame.services.provisioning.activate(
    slug,
    { baseUrl: setup.scim.baseUrl, token: scimToken, ...extra },
    by,
  );
  await setup.sesame.services.provisioning.whenIdle(slug);
  return integration;
}

export async function settle(setup: Setup, slug = 'databricks') {
  await setup.sesame.services.provisioning.whenIdle(slug);
}

export async function eventsOf(setup: Setup, type: string) {
  const { events } = await setup.sesame.services.insights.query({ type, pageSize: 500 });
  return events;
}

/** Seeds users eng1…engN in a group "Engineers" bound to the application. */
export async function seedBoundGroup(
  setup: Setup,
  count: number,
  groupName = 'Engineers',
  prefix = 'eng',
) {
  const { directory, applications } = setup.sesame.services;
  const users = await createUsers(setup, prefix, count);
  const group = await directory.createGroup(groupName, by);
  for (const user of users) await directory.addMember(groupName, user.username, by);
  await applications.bind('databricks', group.id, group.name, by);
  return { users, group };
}

/** The userNames the emulator holds, sorted, with their active flags. */
export function remoteUsers(setup: Setup): Record<string, boolean> {
  const users = snapshotState(setup.scim.scim.state).users;
  return Object.fromEntries(
    Object.entries(users)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([userName, user]) => [userName, user.active]),
  );
}

/** Group displayName → member userNames, as the emulator holds them. */
export function remoteGroups(setup: Setup): Record<string, string[]> {
  const groups = snapshotState(setup.scim.scim.state).groups;
  return Object.fromEntries(Object.entries(groups).map(([name, group]) => [name, group.members]));
}
