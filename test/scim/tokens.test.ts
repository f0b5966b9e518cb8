import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SesameError } from '../../src/errors.ts';
import { createInsights } from '../../src/insights/events.ts';
import { createLogger } from '../../src/log.ts';
import { createScimTokens } from '../../src/scim/tokens.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

let sesame: TestInstance;
const by = { actor: 'root', sourceIp: '127.0.0.1' };

beforeEach(async () => {
  sesame = await startInstance();
});
afterEach(() => sesame.close());

/** Builds the token service on a clock that the test sets by `clock.time`. */
function tokensAt(start: string) {
  const clock = { time: Date.parse(start) };
  const tokens = createScimTokens(
    sesame.services.db,
    sesame.services.insights,
    () => new Date(clock.time),
  );
  return { clock, tokens };
}

async function eventsOf(type: string) {
  const { events } = await sesame.services.insights.query({ type, pageSize: 100 });
  return events;
}

/** Captures the lines a logger writes. */
function captureLog() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger('trace', sink) };
}

describe('SCIM token service', () => {
  it('creates a token stored only as its hash', async () => {
    const created = await sesame.services.scimTokens.create('  Workday  ', by);
    expect(created.name).toBe('Workday');
    expect(created.token).toMatch(/^sesame_scim_[A-Za-z0-9_-]{43}$/);

    const rows = await sesame.services.db.selectFrom('scim_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(created.id);
    expect(rows[0]?.created_by).toBe('root');
    expect(rows[0]?.token_hash).toBe(
      createHash('sha256').update(created.token, 'utf8').digest('hex'),
    );
    expect(JSON.stringify(rows)).not.toContain(created.token);
  });

  it('gives each token a different value', async () => {
    const first = await sesame.services.scimTokens.create('a', by);
    const second = await sesame.services.scimTokens.create('a', by);
    expect(second.token).not.toBe(first.token);
    expect(second.id).not.toBe(first.id);
  });

  it('records creation without the token', async () => {
    const created = await sesame.services.scimTokens.create('Workday', by);
    const [event] = await eventsOf('scim_token_create');
    expect(event?.outcome).toBe('success');
    expect(event?.actor).toBe('root');
    expect(event?.sourceIp).toBe('127.0.0.1');
    expect(event?.details).toEqual({ tokenId: created.id, name: 'Workday' });
    expect(JSON.stringify(event)).not.toContain(created.token);
  });

  it('logs neither the token nor its hash', async () => {
    const { lines, logger } = captureLog();
    const tokens = createScimTokens(sesame.services.db, createInsights(sesame.services.db, logger));
    const created = await tokens.create('Workday', by);
    await tokens.authenticate(created.token);
    await tokens.revoke(created.id, by);

    const log = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(log).not.toContain(created.token);
    expect(log).not.toContain(created.token.slice('sesame_scim_'.length));
    expect(log).not.toContain(createHash('sha256').update(created.token).digest('hex'));
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['x'.repeat(101), 'too long'],
    ['tab\there', 'a control character'],
  ])('rejects the name %j (%s)', async (name) => {
    const attempt = sesame.services.scimTokens.create(name, by);
    await expect(attempt).rejects.toThrow(SesameError);
    await expect(attempt).rejects.toMatchObject({
      code: 'input_invalid',
      message: 'Invalid input: name must be 1-100 characters without control characters',
    });
    expect(await sesame.services.scimTokens.list()).toEqual([]);
  });

  it('lists tokens newest first without the token', async () => {
    const { clock, tokens } = tokensAt('2026-12-04T10:00:00.000Z');
    const older = await tokens.create('older', by);
    clock.time += 1000;
    const newer = await tokens.create('newer', by);

    const listed = await tokens.list();
    expect(listed.map((token) => token.id)).toEqual([newer.id, older.id]);
    expect(listed[1]).toEqual({
      id: older.id,
      name: 'older',
      createdBy: 'root',
      createdAt: '2026-12-04T10:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(listed)).not.toContain(older.token);
  });

  it('authenticates a token as its client', async () => {
    const created = await sesame.services.scimTokens.create('Workday', by);
    expect(await sesame.services.scimTokens.authenticate(created.token)).toEqual({
      id: created.id,
      name: 'Workday',
    });
  });

  it.each([
    ['an unknown token', 'sesame_scim_' + 'A'.repeat(43)],
    ['another prefix', 'sesame_ak_' + 'A'.repeat(43)],
    ['an empty string', ''],
    ['an overlong token', 'sesame_scim_' + 'A'.repeat(300)],
  ])('rejects %s', async (_case, token) => {
    await sesame.services.scimTokens.create('Workday', by);
    expect(await sesame.services.scimTokens.authenticate(token)).toBeUndefined();
  });

  it('rejects a token with changed case', async () => {
    const created = await sesame.services.scimTokens.create('Workday', by);
    const changed = created.token.slice(0, -1) + (created.token.endsWith('a') ? 'b' : 'a');
    expect(await sesame.services.scimTokens.authenticate(changed)).toBeUndefined();
    expect(
      await sesame.services.scimTokens.authenticate(created.token.toUpperCase()),
    ).toBeUndefined();
  });

  it('revokes a token at once', async () => {
    const created = await sesame.services.scimTokens.create('Workday', by);
    await sesame.services.scimTokens.revoke(created.id, by);

    expect(await sesame.services.scimTokens.authenticate(created.token)).toBeUndefined();
    const [listed] = await sesame.services.scimTokens.list();
    expect(listed?.revokedAt).not.toBeNull();
    const [event] = await eventsOf('scim_token_revoke');
    expect(event?.actor).toBe('root');
    expect(event?.details).toEqual({ tokenId: created.id, name: 'Workday' });
  });

  it('rejects revoking twice or an unknown ID', async () => {
    const created = await sesame.services.scimTokens.create('Workday', by);
    await sesame.services.scimTokens.revoke(created.id, by);

    await expect(sesame.services.scimTokens.revoke(created.id, by)).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
      message: `Active SCIM token ${created.id} not found`,
    });
    await expect(sesame.services.scimTokens.revoke('nope', by)).rejects.toMatchObject({
      code: 'not_found',
      message: 'Active SCIM token nope not found',
    });
    expect(await eventsOf('scim_token_revoke')).toHaveLength(1);
  });

  it('leaves other tokens working after a revocation', async () => {
    const kept = await sesame.services.scimTokens.create('kept', by);
    const revoked = await sesame.services.scimTokens.create('revoked', by);
    await sesame.services.scimTokens.revoke(revoked.id, by);
    expect((await sesame.services.scimTokens.authenticate(kept.token))?.id).toBe(kept.id);
  });
});

describe('SCIM token last use', () => {
  it('updates last use at most once a minute', async () => {
    const { clock, tokens } = tokensAt('2026-12-04T10:00:00.000Z');
    const created = await tokens.create('Workday', by);
    const lastUsed = async () => (await tokens.list())[0]?.lastUsedAt;
    expect(await lastUsed()).toBeNull();

    await tokens.authenticate(created.token);
    expect(await lastUsed()).toBe('2026-12-04T10:00:00.000Z');

    clock.time += 59_000;
    await tokens.authenticate(created.token);
    expect(await lastUsed()).toBe('2026-12-04T10:00:00.000Z');

    clock.time += 1_000;
    await tokens.authenticate(created.token);
    expect(await lastUsed()).toBe('2026-12-04T10:01:00.000Z');
  });

  it('leaves last use unset for a failed attempt', async () => {
    await sesame.services.scimTokens.create('Workday', by);
    await sesame.services.scimTokens.authenticate('sesame_scim_' + 'B'.repeat(43));
    expect((await sesame.services.scimTokens.list())[0]?.lastUsedAt).toBeNull();
  });
});
