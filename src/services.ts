import path from 'node:path';
import { createApplications, type Applications } from './applications/service.ts';
import type { Config } from './config.ts';
import { migrateToLatest, openSqlite, type Db } from './db/index.ts';
import { createApiKeys, type ApiKeys } from './directory/api-keys.ts';
import { createPasswordLinks, type PasswordLinks } from './directory/password-links.ts';
import { createDirectory, type Directory } from './directory/service.ts';
import { createLoginThrottle, type LoginThrottle } from './directory/throttle.ts';
import { createInsights, type Insights } from './insights/events.ts';
import { createLogger, type Logger } from './log.ts';
import { createChangeQueue } from './provisioning/queue.ts';
import { createProvisioning, readCaFile, type Provisioning } from './provisioning/service.ts';
import { loadOrCreateSigningKey, type SigningKey } from './saml/keys.ts';
import { createReplayStore } from './saml/replay-store.ts';
import type { ReplayStore } from './saml/request/context.ts';
import type { ResponseBuilder } from './saml/response/builder.ts';
import { createCanonicalResponseBuilder } from './saml/response/canonical-builder.ts';
import { createScimTokens, type ScimTokens } from './scim/tokens.ts';
import { loadOrCreateSecretKey } from './secret-key.ts';

export const databaseFileName = 'sesame.db';

/** Everything the web application and the command line work with, built once from the config. */
export interface Services {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  insights: Insights;
  directory: Directory;
  applications: Applications;
  /** Outbound SCIM provisioning; its workers run only after `provisioning.start()`. */
  provisioning: Provisioning;
  throttle: LoginThrottle;
  apiKeys: ApiKeys;
  passwordLinks: PasswordLinks;
  /** Bearer tokens of the inbound SCIM server at `/scim/v2`. */
  scimTokens: ScimTokens;
  replayStore: ReplayStore;
  signingKey: SigningKey;
  responseBuilder: ResponseBuilder;
  secretKey: Buffer;
  close(): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
}

/** Opens the database, applies migrations, loads the keys and builds the services. */
export async function createServices(
  config: Readonly<Config>,
  options: ServiceOptions = {},
): Promise<Services> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = openSqlite(path.join(config.dataDir, databaseFileName));
  await migrateToLatest(db);

  const insights = createInsights(db, logger);
  const signingKey = loadOrCreateSigningKey(config.certsDir, {
    bits: config.keyBits,
    validityDays: config.certValidityDays,
    commonName: new URL(config.baseUrl).hostname,
  });

  const queue = createChangeQueue();
  const directory = createDirectory(db, insights, queue);
  const secretKey = loadOrCreateSecretKey(config.dataDir, config.secretKey);
  const provisioning = createProvisioning(db, insights, logger, queue, secretKey, directory, {
    limits: { perSecond: config.scimRatePerSecond, perMethod: config.scimMethodRates },
    timeoutMs: config.scimTimeoutMs,
    maxRetries: config.scimMaxRetries,
    backoffBaseMs: config.scimBackoffBaseMs,
    backoffMaxMs: config.scimBackoffMaxMs,
    maxResponseBytes: config.scimMaxResponseBytes,
    maxListedResources: config.scimMaxListedResources,
    ca: readCaFile(config.scimCaFile),
  });
  return {
    config,
    logger,
    db,
    insights,
    directory,
    applications: createApplications(db, insights, directory.requireGroupById, queue),
    provisioning,
    apiKeys: createApiKeys(db, insights),
    passwordLinks: createPasswordLinks(db, insights, { ttlSeconds: config.passwordLinkTtlSeconds }),
    scimTokens: createScimTokens(db, insights),
    throttle: createLoginThrottle(db, {
      maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
      maxFailuresPerAddress: config.loginMaxFailuresPerAddress,
      windowSeconds: config.loginFailureWindowSeconds,
    }),
    replayStore: createReplayStore(db),
    signingKey,
    responseBuilder: createCanonicalResponseBuilder(signingKey),
    secretKey,
    async close() {
      await provisioning.stop();
      await db.destroy();
    },
  };
}
