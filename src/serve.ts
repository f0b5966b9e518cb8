import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { buildApp } from './app.ts';
import type { Services } from './services.ts';

/**
 * Creates the first administrator when there is none: with SESAME_ADMIN_PASSWORD, or with a
 * generated password printed once to standard output (never to the log).
 */
export async function ensureAdministrator(
  services: Services,
  print: (line: string) => void,
): Promise<void> {
  const users = await services.directory.listUsers();
  if (users.some((user) => user.is_admin === 1)) return;

  const { config } = services;
  const password = config.adminPassword ?? randomBytes(18).toString('base64url');
  await services.directory.createUser(
    {
      username: config.adminUsername,
      email: config.adminEmail,
      password,
      isAdmin: true,
      displayName: 'Administrator',
    },
    { actor: 'system' },
  );

  if (config.adminPassword) {
    print(
      `Created administrator "${config.adminUsername}" with the password from SESAME_ADMIN_PASSWORD.`,
    );
  } else {
    print(`Created administrator "${config.adminUsername}" with password: ${password}`);
    print(
      'This password is shown only once. Store it now, or set SESAME_ADMIN_PASSWORD before the first start.',
    );
  }
}

/** Starts the HTTP server and the session cleanup timer; resolves once it is listening. */
export async function serve(services: Services): Promise<Server> {
  const { config, logger } = services;
  const { app, pruneSessions } = buildApp(services);

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, config.host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });

  // Expired sessions and events past their retention are deleted at start and every 15 minutes.
  const prune = () => {
    pruneSessions().catch((error: unknown) =>
      logger.error({ err: error }, 'session cleanup failed'),
    );
    services.insights
      .prune(config.eventRetentionDays)
      .catch((error: unknown) => logger.error({ err: error }, 'event cleanup failed'));
  };
  prune();
  await services.provisioning.start();
  const pruneTimer = setInterval(prune, 15 * 60 * 1000);
  pruneTimer.unref();
  server.on('close', () => clearInterval(pruneTimer));

  if (
    config.baseUrl.startsWith('http:') &&
    !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(config.baseUrl)
  ) {
    logger.warn(
      { baseUrl: config.baseUrl },
      'SESAME_BASE_URL is plain http on a non-local host: session cookies and assertions travel unencrypted',
    );
  }
  logger.info(
    {
      event: 'server.started',
      baseUrl: config.baseUrl,
      port: config.port,
      certificateExpires: services.signingKey.notAfter,
    },
    'Sesame is listening',
  );
  return server;
}
