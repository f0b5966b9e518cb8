import { describe, expect, it } from 'vitest';
import { createRateLimiter, parseMethodRates } from '../../src/provisioning/rate-limit.ts';
import { parseBaseUrl } from '../../src/provisioning/target.ts';
import { decryptToken, encryptToken } from '../../src/provisioning/token.ts';

describe('parseBaseUrl', () => {
  it('reads the account and the level from Databricks Base URLs', () => {
    expect(
      parseBaseUrl('https://accounts.cloud.databricks.com/api/2.0/accounts/ABC-1/scim/v2/'),
    ).toEqual({
      baseUrl: 'https://accounts.cloud.databricks.com/api/2.0/accounts/ABC-1/scim/v2',
      level: 'account',
      rateKey: 'account:accounts.cloud.databricks.com:abc-1',
    });
    expect(
      parseBaseUrl('https://accounts.azuredatabricks.net/api/2.1/accounts/abc-1/scim/v2'),
    ).toMatchObject({ level: 'account', rateKey: 'account:accounts.azuredatabricks.net:abc-1' });
    expect(parseBaseUrl('https://dbc-1.cloud.databricks.com/api/2.0/preview/scim/v2')).toEqual({
      baseUrl: 'https://dbc-1.cloud.databricks.com/api/2.0/preview/scim/v2',
      level: 'workspace',
      rateKey: 'origin:https://dbc-1.cloud.databricks.com',
    });
    expect(
      parseBaseUrl('https://dbc-1.cloud.databricks.com/api/2.0/preview/scim/v2', 'account').level,
    ).toBe('account');
  });

  it.each([
    ['not a URL', /absolute https URL/],
    ['http://accounts.example.com/scim/v2', /must use https/],
    ['ftp://accounts.example.com/scim/v2', /must use https/],
    ['https://user:pw@accounts.example.com/scim/v2', /credentials/],
    ['https://accounts.example.com/scim/v2?token=x', /query/],
  ])('rejects %s', (input, message) => {
    expect(() => parseBaseUrl(input)).toThrow(message);
  });

  it('accepts plain http on loopback only', () => {
    expect(parseBaseUrl('http://127.0.0.1:8600/api/2.0/preview/scim/v2').level).toBe('workspace');
    expect(parseBaseUrl('http://localhost:8600/scim/v2').baseUrl).toBe(
      'http://localhost:8600/scim/v2',
    );
  });

  it.each(['http://127.example.com/scim/v2', 'http://127.0.0.1.nip.io/scim/v2'])(
    'rejects plain http to DNS name %s',
    (input) => {
      expect(() => parseBaseUrl(input)).toThrow(/must use https/);
    },
  );

  it('accepts other loopback address forms', () => {
    expect(parseBaseUrl('http://127.1:8600/scim/v2').baseUrl).toBe('http://127.0.0.1:8600/scim/v2');
    expect(parseBaseUrl('http://[0:0:0:0:0:0:0:1]:8600/scim/v2').baseUrl).toBe(
      'http://[::1]:8600/scim/v2',
    );
  });
});

describe('Token Key encryption', () => {
  const key = Buffer.alloc(32, 7);

  it('round-trips and hides the token', () => {
    const stored = encryptToken(key, 'app-1', 'dapi-secret-token');
    expect(stored).not.toContain('dapi');
    expect(decryptToken(key, 'app-1', stored)).toBe('dapi-secret-token');
    expect(encryptToken(key, 'app-1', 'dapi-secret-token')).not.toBe(stored);
  });

  it('fails for another application, another key or an altered value', () => {
    const stored = encryptToken(key, 'app-1', 'dapi-secret-token');
    expect(() => decryptToken(key, 'app-2', stored)).toThrow(/cannot be decrypted/);
    expect(() => decryptToken(Buffer.alloc(32, 8), 'app-1', stored)).toThrow(/cannot be decrypted/);
    const altered = stored.slice(0, -2) + (stored.endsWith('A') ? 'BB' : 'AA');
    expect(() => decryptToken(key, 'app-1', altered)).toThrow(/cannot be decrypted/);
    expect(() => decryptToken(key, 'app-1', 'garbage')).toThrow(/cannot be decrypted/);
  });
});

describe('the rate limiter', () => {
  /** A fake clock: sleeping advances it, so the slots handed out can be read exactly. */
  function fakeClock() {
    let now = 0;
    const slots: number[] = [];
    return {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
      slots,
    };
  }

  it('spaces requests of one account evenly and keeps accounts apart', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ perSecond: 25, perMethod: {} }, clock.sleep, clock.now);
    const times: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      await limiter.acquire('account:a', 'GET');
      times.push(clock.now());
    }
    expect(times).toEqual([0, 40, 80, 120, 160]);
    const before = clock.now();
    await limiter.acquire('account:b', 'GET');
    expect(clock.now()).toBe(before);
  });

  it('applies a lower per-method limit and a pause after 429', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(
      { perSecond: 25, perMethod: { PATCH: 2 } },
      clock.sleep,
      clock.now,
    );
    await limiter.acquire('k', 'PATCH');
    await limiter.acquire('k', 'PATCH');
    expect(clock.now()).toBe(500);
    limiter.pause('k', 2000);
    await limiter.acquire('k', 'GET');
    expect(clock.now()).toBe(2500);
  });

  it('parses per-method rates and rejects anything else', () => {
    expect(parseMethodRates('PATCH=2, post=5')).toEqual({ PATCH: 2, POST: 5 });
    expect(parseMethodRates('')).toEqual({});
    expect(() => parseMethodRates('PATCH:2')).toThrow(/METHOD=requests-per-second/);
    expect(() => parseMethodRates('TRACE=1')).toThrow();
    expect(() => parseMethodRates('GET=0')).toThrow();
  });
});
