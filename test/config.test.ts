import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('pins the defaults', () => {
    const config = loadConfig({});
    expect({ ...config, dataDir: undefined, certsDir: undefined }).toEqual({
      dataDir: undefined,
      certsDir: undefined,
      baseUrl: 'http://localhost:8080',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      secretKey: undefined,
      adminPassword: undefined,
      adminUsername: 'admin',
      adminEmail: 'admin@localhost.localdomain',
      keyBits: 2048,
      certValidityDays: 3650,
      sessionTtlSeconds: 28800,
      samlClockSkewSeconds: 60,
      samlAssertionTtlSeconds: 300,
      samlRequestMaxAgeSeconds: 300,
      samlRequestMaxBytes: 65536,
      loginMaxFailuresPerAccount: 5,
      loginMaxFailuresPerAddress: 20,
      loginFailureWindowSeconds: 900,
      eventRetentionDays: 365,
      passwordLinkTtlSeconds: 86400,
      scimRatePerSecond: 25,
      scimMethodRates: {},
      scimTimeoutMs: 15000,
      scimMaxRetries: 8,
      scimBackoffBaseMs: 1000,
      scimBackoffMaxMs: 60000,
      scimMaxResponseBytes: 64 * 1024 * 1024,
      scimMaxListedResources: 200_000,
      scimCaFile: undefined,
      scimServerRatePerSecond: 50,
      scimServerBurst: 100,
      trustProxy: false,
    });
    expect(config.dataDir).toMatch(/\/data$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives the base URL from PORT when it is not set', () => {
    expect(loadConfig({ PORT: '8090' }).baseUrl).toBe('http://localhost:8090');
    expect(loadConfig({ PORT: '8090', SESAME_BASE_URL: 'https://idp.example' }).baseUrl).toBe(
      'https://idp.example',
    );
  });

  it('strips a trailing slash from the base URL', () => {
    expect(loadConfig({ SESAME_BASE_URL: 'https://idp.example/' }).baseUrl).toBe(
      'https://idp.example',
    );
  });

  const invalid: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT /],
    [{ PORT: '70000' }, /PORT /],
    [{ SESAME_BASE_URL: 'ftp://idp.example' }, /SESAME_BASE_URL must be an http or https URL/],
    [{ SESAME_KEY_BITS: '1024' }, /SESAME_KEY_BITS /],
    [{ SESAME_SECRET_KEY: 'c2hvcnQ=' }, /SESAME_SECRET_KEY must be base64 of exactly 32 bytes/],
    [{ SESAME_ADMIN_PASSWORD: 'short' }, /SESAME_ADMIN_PASSWORD must be at least 12 characters/],
    [{ SESAME_SESION_TTL_SECONDS: '60' }, /SESAME_SESION_TTL_SECONDS is not a known setting/],
    [{ SESAME_PASSWORD_LINK_TTL_SECONDS: '299' }, /SESAME_PASSWORD_LINK_TTL_SECONDS /],
    [{ SESAME_PASSWORD_LINK_TTL_SECONDS: '2592001' }, /SESAME_PASSWORD_LINK_TTL_SECONDS /],
  ];

  for (const [env, message] of invalid) {
    it(`rejects ${Object.keys(env)[0]}=${Object.values(env)[0]}`, () => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  }

  it('names every invalid variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', SESAME_KEY_BITS: '1' })).toThrow(
      /PORT .*; SESAME_KEY_BITS /,
    );
  });
});
