import fs from 'node:fs';
import { Command, Option } from 'commander';
import {
  customSamlTemplate,
  databricksTemplate,
  databricksWorkspaceAcsUrl,
} from '../applications/catalog.ts';
import { subdomainPattern } from '../applications/validation.ts';
import { SesameError } from '../errors.ts';
import type { Services } from '../services.ts';

/** Runs one command against the services; `open` is called only by commands that need them. */
export type OpenServices = () => Promise<Services>;

export interface CliIo {
  print(line: string): void;
  readStdin(): Promise<string>;
}

const cli = { actor: 'cli' };

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function readPassword(io: CliIo): Promise<string> {
  const password = (await io.readStdin()).replace(/\r?\n$/, '');
  if (!password)
    throw new SesameError(
      'input_invalid',
      'No password on standard input; pipe it in, e.g. printf %s "$PASSWORD" | sesame user add ...',
    );
  return password;
}

/** Adds the `user` commands. */
export function userCommands(open: OpenServices, io: CliIo): Command {
  const user = new Command('user').description('manage users');

  user
    .command('add <username>')
    .description('create a user')
    .requiredOption('--email <email>', 'company email; the NameID that SPs receive')
    .option('--first <name>', 'first name', '')
    .option('--last <name>', 'last name', '')
    .option('--display <name>', 'display name', '')
    .option('--password-stdin', 'read the password from standard input')
    .option('--admin', 'make the user an administrator')
    .action(async (username: string, options) => {
      const password = options.passwordStdin ? await readPassword(io) : undefined;
      const services = await open();
      const created = await services.directory.createUser(
        {
          username,
          email: options.email,
          firstName: options.first,
          lastName: options.last,
          displayName: options.display,
          password,
          isAdmin: Boolean(options.admin),
        },
        cli,
      );
      io.print(
        `Created user ${created.username} <${created.email}>${password ? '' : ' without a password'}`,
      );
    });

  user
    .command('set-password <username>')
    .description('set a password, read from standard input')
    .action(async (username: string) => {
      const password = await readPassword(io);
      await (await open()).directory.setPassword(username, password, cli);
      io.print(`Password set for ${username}`);
    });

  for (const [name, status] of [
    ['suspend', 'suspended'],
    ['activate', 'active'],
  ] as const) {
    user
      .command(`${name} <username>`)
      .description(
        name === 'suspend'
          ? 'suspend a user and end their sessions'
          : 'reactivate a suspended user',
      )
      .action(async (username: string) => {
        await (await open()).directory.setStatus(username, status, cli);
        io.print(`User ${username} is ${status}`);
      });
  }

  user
    .command('delete <username>')
    .description('delete a user with their memberships and sessions')
    .action(async (username: string) => {
      const services = await open();
      const found = await services.directory.requireUser(username);
      await services.directory.deleteUser(found.id, cli);
      io.print(`Deleted user ${found.username}`);
    });

  user
    .command('list')
    .description('list users: username, email, status, and "admin" for administrators')
    .action(async () => {
      for (const row of await (await open()).directory.listUsers()) {
        io.print(`${row.username}\t${row.email}\t${row.status}${row.is_admin ? '\tadmin' : ''}`);
      }
    });
  return user;
}

/** Adds the `group` commands. */
export function groupCommands(open: OpenServices, io: CliIo): Command {
  const group = new Command('group').description('manage user groups');

  group
    .command('add <name>')
    .description('create a user group')
    .action(async (name: string) => {
      await (await open()).directory.createGroup(name, cli);
      io.print(`Created group ${name}`);
    });

  group
    .command('add-member <group> <username>')
    .description('add a user to a group')
    .action(async (groupName: string, username: string) => {
      await (await open()).directory.addMember(groupName, username, cli);
      io.print(`Added ${username} to ${groupName}`);
    });

  group
    .command('remove-member <group> <username>')
    .description('remove a user from a group')
    .action(async (groupName: string, username: string) => {
      await (await open()).directory.removeMember(groupName, username, cli);
      io.print(`Removed ${username} from ${groupName}`);
    });

  group
    .command('delete <name>')
    .description('delete a group with its memberships and application bindings')
    .action(async (name: string) => {
      const services = await open();
      const found = await services.directory.requireGroup(name);
      await services.directory.deleteGroup(found.id, cli);
      io.print(`Deleted group ${found.name}`);
    });

  group
    .command('list')
    .description('list groups')
    .action(async () => {
      for (const row of await (await open()).directory.listGroups()) io.print(row.name);
    });
  return group;
}

/** Adds the `app` commands. */
export function appCommands(open: OpenServices, io: CliIo): Command {
  const app = new Command('app').description('manage SSO applications');
  const add = app.command('add').description('add an application');

  add
    .command('databricks')
    .description('add a Databricks workspace (--subdomain) or account (--redirect-url)')
    .requiredOption(
      '--name <slug>',
      'application name used in URLs: lower-case letters, digits, hyphens',
    )
    .addOption(
      new Option(
        '--subdomain <sub>',
        'workspace subdomain of <sub>.cloud.databricks.com',
      ).conflicts('redirectUrl'),
    )
    .option(
      '--redirect-url <url>',
      'the Databricks Redirect URL shown by account-level SSO settings',
    )
    .option('--label <text>', 'display label on the console tile', 'Databricks')
    .action(async (options) => {
      const acsUrl = databricksAcsUrl(options);
      const services = await open();
      const created = await services.applications.create(
        {
          slug: options.name,
          template: 'databricks',
          displayLabel: options.label,
          spEntityId: acsUrl,
          acsUrls: [acsUrl],
          sso: databricksTemplate,
        },
        cli,
      );
      printCreated(services, io, created.slug, acsUrl, acsUrl);
    });

  add
    .command('saml')
    .description('add any SAML 2.0 service provider')
    .requiredOption(
      '--name <slug>',
      'application name used in URLs: lower-case letters, digits, hyphens',
    )
    .requiredOption(
      '--sp-entity-id <id>',
      "the SP's entity ID, which must equal the AuthnRequest Issuer",
    )
    .requiredOption(
      '--acs-url <url>',
      'an assertion consumer service URL; repeat for more (the first is the default)',
      collect,
    )
    .option(
      '--sp-cert <file>',
      "PEM file of the SP's signing certificate, to verify signed AuthnRequests",
    )
    .option('--require-signed-requests', 'reject unsigned AuthnRequests (needs --sp-cert)')
    .option('--label <text>', 'display label on the console tile')
    .option('--relay-state <value>', 'RelayState sent with IdP-initiated launches')
    .action(async (options) => {
      if (options.requireSignedRequests && !options.spCert) {
        throw new SesameError(
          'input_invalid',
          '--require-signed-requests needs --sp-cert with the SP signing certificate',
        );
      }
      const spCertificate = options.spCert ? readFile(options.spCert) : undefined;
      const services = await open();
      const created = await services.applications.create(
        {
          slug: options.name,
          template: 'saml',
          displayLabel: options.label,
          spEntityId: options.spEntityId,
          acsUrls: options.acsUrl,
          spCertificate,
          requireSignedRequests: Boolean(options.requireSignedRequests),
          defaultRelayState: options.relayState,
          sso: customSamlTemplate,
        },
        cli,
      );
      printCreated(services, io, created.slug, options.acsUrl[0], options.spEntityId);
    });

  app
    .command('bind <app> <group>')
    .description('grant a user group access to an application')
    .action(async (slug: string, groupName: string) => {
      const services = await open();
      const group = await services.directory.requireGroup(groupName);
      await services.applications.bind(slug, group.id, group.name, cli);
      io.print(`Bound group ${group.name} to ${slug}`);
    });

  app
    .command('unbind <app> <group>')
    .description("remove a user group's access to an application")
    .action(async (slug: string, groupName: string) => {
      const services = await open();
      const group = await services.directory.requireGroup(groupName);
      await services.applications.unbind(slug, group.id, cli);
      io.print(`Unbound group ${group.name} from ${slug}`);
    });

  app
    .command('delete <app>')
    .description('delete an application and its bindings; SSO to it stops')
    .action(async (slug: string) => {
      await (await open()).applications.remove([slug], cli);
      io.print(`Deleted application ${slug}`);
    });

  for (const [name, active] of [
    ['deactivate', false],
    ['activate', true],
  ] as const) {
    app
      .command(`${name} <app>`)
      .description(
        active
          ? 'allow SSO to the application again'
          : 'stop SSO to the application and hide its tile',
      )
      .action(async (slug: string) => {
        await (await open()).applications.setActive(slug, active, cli);
        io.print(`Application ${slug} is ${active ? 'active' : 'deactivated'}`);
      });
  }

  app
    .command('list')
    .description('list applications: name, template, status and default ACS URL')
    .action(async () => {
      for (const row of await (await open()).applications.list()) {
        io.print(
          `${row.slug}\t${row.template}\t${row.active ? 'active' : 'deactivated'}\t${row.acsUrls[0]?.url ?? ''}`,
        );
      }
    });
  return app;
}

function databricksAcsUrl(options: { subdomain?: string; redirectUrl?: string }): string {
  if (options.subdomain) {
    if (!subdomainPattern.test(options.subdomain)) {
      throw new SesameError(
        'input_invalid',
        `Invalid --subdomain "${options.subdomain}": use the first label of the workspace host, e.g. dbc-1a2b3c4d-5e6f`,
      );
    }
    return databricksWorkspaceAcsUrl(options.subdomain);
  }
  if (options.redirectUrl) return options.redirectUrl;
  throw new SesameError(
    'input_invalid',
    'Give --subdomain for a workspace or --redirect-url for account-level SSO',
  );
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SesameError(
      'input_invalid',
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: error },
    );
  }
}

function printCreated(
  services: Services,
  io: CliIo,
  slug: string,
  acsUrl: string,
  spEntityId: string,
) {
  const endpoint = `${services.config.baseUrl}/saml2/${slug}`;
  io.print(`Created application ${slug}`);
  if (acsUrl === spEntityId) {
    io.print(`  ACS URL and SP entity ID: ${acsUrl}`);
  } else {
    io.print(`  ACS URL: ${acsUrl}`);
    io.print(`  SP entity ID: ${spEntityId}`);
  }
  io.print(`  IdP entity ID and SSO URL: ${endpoint}`);
  io.print(`  IdP metadata: ${endpoint}/metadata`);
  io.print(`  IdP certificate: ${services.config.baseUrl}/certificate.pem`);
}
