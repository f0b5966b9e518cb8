import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.ts';
import { SesameError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { ensureAdministrator, serve } from '../serve.ts';
import { createServices, type Services } from '../services.ts';
import { appCommands, groupCommands, userCommands, type CliIo } from './commands.ts';
import { scimTokenCommands } from './scim-token.ts';

export interface RunResult {
  exitCode: number;
  /** Services left open by `serve`, so the caller can close them on shutdown. */
  services?: Services;
}

/**
 * Parses and runs one command line. Errors are printed as one line naming what is wrong, and
 * return a non-zero exit code; `--data-dir` and `--certs-dir` override the environment.
 */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo & { error(line: string): void },
): Promise<RunResult> {
  let services: Services | undefined;
  let keepOpen = false;

  const program = new Command('sesame')
    .description('Sesame, a self-hosted SAML 2.0 identity provider')
    .option(
      '--data-dir <dir>',
      'folder for the database and secret key (SESAME_DATA_DIR, default ./data)',
    )
    .option(
      '--certs-dir <dir>',
      'folder for the IdP key and certificate (SESAME_CERTS_DIR, default ./certs)',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.print(text.trimEnd()),
      writeErr: (text) => io.error(text.trimEnd()),
    });

  const open = async () => {
    const globals = program.opts<{ dataDir?: string; certsDir?: string }>();
    const config = loadConfig({
      ...env,
      ...(globals.dataDir ? { SESAME_DATA_DIR: globals.dataDir } : {}),
      ...(globals.certsDir ? { SESAME_CERTS_DIR: globals.certsDir } : {}),
    });
    // Commands other than serve log only warnings, so their own output stays readable.
    services ??= await createServices(config, {
      logger: createLogger(keepOpen ? config.logLevel : 'warn'),
    });
    return services;
  };

  program
    .command('serve')
    .description('start the HTTP server')
    .action(async () => {
      keepOpen = true;
      const opened = await open();
      await ensureAdministrator(opened, io.print);
      await serve(opened);
    });
  program.addCommand(userCommands(open, io));
  program.addCommand(groupCommands(open, io));
  program.addCommand(appCommands(open, io));
  program.addCommand(scimTokenCommands(open, io));

  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { exitCode: 0, services: keepOpen ? services : undefined };
  } catch (error) {
    return { exitCode: reportError(error, io.error) };
  } finally {
    if (!keepOpen) await services?.close();
  }
}

function reportError(error: unknown, printError: (line: string) => void): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof SesameError && error.expose) {
    printError(`sesame: ${error.message}`);
    return 1;
  }
  if (error instanceof SesameError && error.code === 'config_invalid') {
    printError(`sesame: ${error.message}`);
    return 1;
  }
  printError(`sesame: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
