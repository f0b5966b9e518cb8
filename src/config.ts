import path from 'node:path';
import { z } from 'zod';
import { SesameError } from './errors.ts';
import { parseMethodRates } from './provisioning/rate-limit.ts';

/**
 * Sesame's configuration, read once from environment variables at start. Every field has a
 * default beside it; units are in the names. The result is frozen.
 */
export interface Config {
  /** Folder for the SQLite database and the generated secret key. */
  dataDir: string;
  /** Folder for the IdP signing key and `certificate.pem`. */
  certsDir: string;
  /** Public base URL that browsers and SPs use to reach Sesame, without a trailing slash. */
  baseUrl: string;
  port: number;
  /** Interface the HTTP server listens on. */
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Key for encrypting stored secrets, base64 of 32 bytes; generated into the data folder if unset. */
  secretKey?: string;
  /** Password of the first administrator; generated and printed once if unset. */
  adminPassword?: string;
  adminUsername: string;
  adminEmail: string;
  keyBits: 2048 | 3072 | 4096;
  certValidityDays: number;
  sessionTtlSeconds: number;
  /** How far NotBefore is set in the past, and how much clock skew AuthnRequests may have. */
  samlClockSkewSeconds: number;
  /** Lifetime of an assertion after it is issued. */
  samlAssertionTtlSeconds: number;
  /** Maximum age of an AuthnRequest's IssueInstant. */
  samlRequestMaxAgeSeconds: number;
  /** Maximum size of a decoded (and, for HTTP-Redirect, inflated) AuthnRequest. */
  samlRequestMaxBytes: number;
  /** Failed sign-ins allowed per account, and per client address, within the window. */
  loginMaxFailuresPerAccount: number;
  loginMaxFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  /** Days that Directory Insights events are kept before they are deleted. */
  eventRetentionDays: number;
  /** Lifetime of a one-time set-password link after an administrator creates it. */
  passwordLinkTtlSeconds: number;
  /** Outbound SCIM provisioning: requests per second per SP account, and lower limits per method. */
  scimRatePerSecond: number;
  scimMethodRates: Partial<Record<string, number>>;
  /** Deadline of one SCIM request, from sending it to the end of the response. */
  scimTimeoutMs: number;
  /** Retries of a throttled or failed SCIM call or job before the job is marked failed. */
  scimMaxRetries: number;
  /** Exponential backoff between retries: first wait, and the cap of any wait (Retry-After too). */
  scimBackoffBaseMs: number;
  scimBackoffMaxMs: number;
  /** Maximum size of one SCIM response. */
  scimMaxResponseBytes: number;
  /** Maximum users, or groups, read from a SCIM server in one listing. */
  scimMaxListedResources: number;
  /** PEM file of extra CA certificates trusted for SCIM servers, besides Node's built-in list. */
  scimCaFile?: string;
  /** Inbound SCIM server: requests per second each bearer token may make on average. */
  scimServerRatePerSecond: number;
  /** Inbound SCIM server: requests a bearer token may make at once before the rate applies. */
  scimServerBurst: number;
  /** Value of Express's `trust proxy` setting, for deployments behind a reverse proxy. */
  trustProxy: string | false;
}

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const environmentSchema = z
  .object({
    SESAME_DATA_DIR: z.string().min(1).default('./data'),
    SESAME_CERTS_DIR: z.string().min(1).default('./certs'),
    SESAME_BASE_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .optional(),
    PORT: integer(0, 65535).default(8080),
    SESAME_HOST: z.string().min(1).default('0.0.0.0'),
    SESAME_LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    SESAME_SECRET_KEY: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, {
        error: 'must be base64 of exactly 32 bytes (try: openssl rand -base64 32)',
      })
      .optional(),
    SESAME_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    SESAME_ADMIN_USERNAME: z.string().min(1).default('admin'),
    SESAME_ADMIN_EMAIL: z.email().default('admin@localhost.localdomain'),
    SESAME_KEY_BITS: z.enum(['2048', '3072', '4096']).default('2048'),
    SESAME_CERT_VALIDITY_DAYS: integer(1, 36500).default(3650),
    SESAME_SESSION_TTL_SECONDS: integer(60, 31 * 24 * 3600).default(8 * 3600),
    SESAME_SAML_CLOCK_SKEW_SECONDS: integer(0, 600).default(60),
    SESAME_SAML_ASSERTION_TTL_SECONDS: integer(30, 3600).default(300),
    SESAME_SAML_REQUEST_MAX_AGE_SECONDS: integer(30, 3600).default(300),
    SESAME_SAML_REQUEST_MAX_BYTES: integer(1024, 1024 * 1024).default(64 * 1024),
    SESAME_LOGIN_MAX_FAILURES_PER_ACCOUNT: integer(1, 1000).default(5),
    SESAME_LOGIN_MAX_FAILURES_PER_ADDRESS: integer(1, 10000).default(20),
    SESAME_LOGIN_FAILURE_WINDOW_SECONDS: integer(1, 24 * 3600).default(900),
    SESAME_EVENT_RETENTION_DAYS: integer(1, 36500).default(365),
    SESAME_PASSWORD_LINK_TTL_SECONDS: integer(300, 30 * 24 * 3600).default(24 * 3600),
    SESAME_SCIM_RATE_PER_SECOND: z.coerce.number().min(0.1).max(10_000).default(25),
    SESAME_SCIM_METHOD_RATES: z
      .string()
      .default('')
      .transform((text, context) => {
        try {
          return parseMethodRates(text);
        } catch (error) {
          context.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    SESAME_SCIM_TIMEOUT_MS: integer(100, 600_000).default(15_000),
    SESAME_SCIM_MAX_RETRIES: integer(0, 100).default(8),
    SESAME_SCIM_BACKOFF_BASE_MS: integer(1, 600_000).default(1000),
    SESAME_SCIM_BACKOFF_MAX_MS: integer(1, 3_600_000).default(60_000),
    SESAME_SCIM_MAX_RESPONSE_BYTES: integer(64 * 1024, 1024 * 1024 * 1024).default(
      64 * 1024 * 1024,
    ),
    SESAME_SCIM_MAX_LISTED_RESOURCES: integer(100, 10_000_000).default(200_000),
    SESAME_SCIM_CA_FILE: z.string().min(1).optional(),
    SESAME_SCIM_SERVER_RATE_PER_SECOND: z.coerce.number().min(0.1).max(100_000).default(50),
    SESAME_SCIM_SERVER_BURST: integer(1, 1_000_000).default(100),
    SESAME_TRUST_PROXY: z.string().min(1).optional(),
  })
  .loose();

/**
 * Reads and validates the configuration from `env`. Throws `config_invalid` naming every
 * variable that is wrong and what it must be.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(set);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);

  // A misspelt variable would otherwise be ignored and its default used without a word.
  const known = new Set(Object.keys(environmentSchema.shape));
  for (const name of Object.keys(set)) {
    if (name.startsWith('SESAME_') && !known.has(name))
      problems.push(`${name} is not a known setting`);
  }

  if (!parsed.success || problems.length > 0) {
    throw new SesameError('config_invalid', `Invalid configuration: ${problems.join('; ')}`);
  }

  const e = parsed.data;
  return Object.freeze({
    dataDir: path.resolve(e.SESAME_DATA_DIR),
    certsDir: path.resolve(e.SESAME_CERTS_DIR),
    // Without SESAME_BASE_URL, URLs follow PORT, so that PORT alone gives working links.
    baseUrl: (e.SESAME_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    port: e.PORT,
    host: e.SESAME_HOST,
    logLevel: e.SESAME_LOG_LEVEL,
    secretKey: e.SESAME_SECRET_KEY,
    adminPassword: e.SESAME_ADMIN_PASSWORD,
    adminUsername: e.SESAME_ADMIN_USERNAME,
    adminEmail: e.SESAME_ADMIN_EMAIL,
    keyBits: Number(e.SESAME_KEY_BITS) as Config['keyBits'],
    certValidityDays: e.SESAME_CERT_VALIDITY_DAYS,
    sessionTtlSeconds: e.SESAME_SESSION_TTL_SECONDS,
    samlClockSkewSeconds: e.SESAME_SAML_CLOCK_SKEW_SECONDS,
    samlAssertionTtlSeconds: e.SESAME_SAML_ASSERTION_TTL_SECONDS,
    samlRequestMaxAgeSeconds: e.SESAME_SAML_REQUEST_MAX_AGE_SECONDS,
    samlRequestMaxBytes: e.SESAME_SAML_REQUEST_MAX_BYTES,
    loginMaxFailuresPerAccount: e.SESAME_LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginMaxFailuresPerAddress: e.SESAME_LOGIN_MAX_FAILURES_PER_ADDRESS,
    loginFailureWindowSeconds: e.SESAME_LOGIN_FAILURE_WINDOW_SECONDS,
    eventRetentionDays: e.SESAME_EVENT_RETENTION_DAYS,
    passwordLinkTtlSeconds: e.SESAME_PASSWORD_LINK_TTL_SECONDS,
    scimRatePerSecond: e.SESAME_SCIM_RATE_PER_SECOND,
    scimMethodRates: e.SESAME_SCIM_METHOD_RATES,
    scimTimeoutMs: e.SESAME_SCIM_TIMEOUT_MS,
    scimMaxRetries: e.SESAME_SCIM_MAX_RETRIES,
    scimBackoffBaseMs: e.SESAME_SCIM_BACKOFF_BASE_MS,
    scimBackoffMaxMs: e.SESAME_SCIM_BACKOFF_MAX_MS,
    scimMaxResponseBytes: e.SESAME_SCIM_MAX_RESPONSE_BYTES,
    scimMaxListedResources: e.SESAME_SCIM_MAX_LISTED_RESOURCES,
    scimCaFile: e.SESAME_SCIM_CA_FILE,
    scimServerRatePerSecond: e.SESAME_SCIM_SERVER_RATE_PER_SECOND,
    scimServerBurst: e.SESAME_SCIM_SERVER_BURST,
    trustProxy: e.SESAME_TRUST_PROXY ?? false,
  });
}
