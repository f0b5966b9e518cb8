import { Command } from 'commander';
import { scimBasePath } from '../scim/constants.ts';
import type { CliIo, OpenServices } from './commands.ts';

const cli = { actor: 'cli' };

/** Adds the `scim-token` commands, which manage the bearer tokens of the SCIM server. */
export function scimTokenCommands(open: OpenServices, io: CliIo): Command {
  const scimToken = new Command('scim-token').description(
    'manage bearer tokens of the SCIM server at /scim/v2',
  );

  scimToken
    .command('create <name>')
    .description('create a token; it is printed on the last line, this once only')
    .action(async (name: string) => {
      const services = await open();
      const created = await services.scimTokens.create(name, cli);
      io.print(`Created SCIM token ${created.name} with ID ${created.id}`);
      io.print(`SCIM base URL: ${services.config.baseUrl}${scimBasePath}`);
      io.print('Token (Sesame stores only its hash and cannot show it again):');
      io.print(created.token);
    });

  scimToken
    .command('list')
    .description('list tokens: ID, name, status, created by, created at, last used at')
    .action(async () => {
      for (const token of await (await open()).scimTokens.list()) {
        const status = token.revokedAt ? 'revoked' : 'active';
        const lastUsed = token.lastUsedAt ?? 'never';
        io.print(
          [token.id, token.name, status, token.createdBy, token.createdAt, lastUsed].join('\t'),
        );
      }
    });

  scimToken
    .command('revoke <id>')
    .description('revoke a token; it fails authentication from the next request on')
    .action(async (id: string) => {
      await (await open()).scimTokens.revoke(id, cli);
      io.print(`Revoked SCIM token ${id}`);
    });
  return scimToken;
}
