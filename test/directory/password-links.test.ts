import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '../../src/directory/service.ts';
import {
  createPasswordLinks,
  passwordLinkInvalidMessage,
  type PasswordLinks,
} from '../../src/directory/password-links.ts';
import { throttleAccount } from '../../src/directory/throttle.ts';
import { failure } from '../support/assertions.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

const by = { actor: 'root', sourceIp: '127.0.0.1' };
const ttlSeconds = 3600;
const newPassword = 'a brand new password';

let sesame: TestInstance;
let links: PasswordLinks;
let clock: Date;
let alice: User;

beforeEach(async () => {
  sesame = await startInstance();
  clock = new Date('2026-12-04T12:00:00Z');
  const { db, insights, directory } = sesame.services;
  links = createPasswordLinks(db, insights, { ttlSeconds, now: () => clock });
  // Created without a password, as an imported user is.
  alice = await directory.createUser({ username: 'alice', email: 'alice@example.com' }, by);
});
afterEach(() => sesame.close());

const linkRows = () => sesame.services.db.selectFrom('password_links').selectAll().execute();

const userUpdates = () =>
  sesame.services.db
    .selectFrom('events')
    .selectAll()
    .where('type', '=', 'user_update')
    .orderBy('id')
    .execute();

async function signsInWith(password: string): Promise<boolean> {
  const verdict = await sesame.services.directory.authenticate('alice', password);
  return verdict.user !== undefined && verdict.reason === undefined;
}

async function expectLinkInvalid(promise: Promise<unknown>) {
  const error = await failure(promise);
  expect(error.code).toBe('not_found');
  expect(error.message).toBe(passwordLinkInvalidMessage);
}

describe('password links', () => {
  it('creates a token and stores only its hash', async () => {
    const { token, expiresAt } = await links.create(alice.id, by);

    expect(token).toMatch(/^sesame_pl_[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.getTime()).toBe(clock.getTime() + ttlSeconds * 1000);
    const rows = await linkRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.user_id).toBe(alice.id);
    expect(rows[0]?.created_by).toBe('root');
    expect(rows[0]?.used_at).toBeNull();
    expect(JSON.stringify(rows)).not.toContain(token.slice('sesame_pl_'.length));
  });

  it('records creation without the token', async () => {
    const { token } = await links.create(alice.id, by);

    const [event] = await userUpdates();
    expect(event?.actor).toBe('root');
    expect(event?.user_id).toBe(alice.id);
    expect(event?.source_ip).toBe('127.0.0.1');
    expect(JSON.parse(event?.details ?? '')).toEqual({ passwordLink: 'created' });
    const events = await sesame.services.db.selectFrom('events').selectAll().execute();
    expect(JSON.stringify(events)).not.toContain(token.slice('sesame_pl_'.length));
  });

  it('inspects a valid link', async () => {
    const { token } = await links.create(alice.id, by);
    expect(await links.inspect(token)).toEqual({ userId: alice.id, username: 'alice' });
  });

  it('inspects unknown and malformed tokens as invalid', async () => {
    await links.create(alice.id, by);
    expect(await links.inspect(`sesame_pl_${'A'.repeat(43)}`)).toBeUndefined();
    expect(await links.inspect('sesame_pl_short')).toBeUndefined();
    expect(await links.inspect('')).toBeUndefined();
  });

  it('sets the password and marks the link used', async () => {
    const { token } = await links.create(alice.id, by);
    await links.redeem(token, newPassword);

    expect(await signsInWith(newPassword)).toBe(true);
    const [row] = await linkRows();
    expect(row?.used_at).toBe(clock.toISOString());
    expect(await links.inspect(token)).toBeUndefined();
  });

  it('records the redemption as the user', async () => {
    const { token } = await links.create(alice.id, by);
    await links.redeem(token, newPassword);

    const redeemed = (await userUpdates()).at(-1);
    expect(redeemed?.actor).toBe('alice');
    expect(redeemed?.user_id).toBe(alice.id);
    expect(JSON.parse(redeemed?.details ?? '')).toEqual({
      changed: ['password'],
      via: 'set-password link',
    });
  });

  it('records the actor given to redeem', async () => {
    const { token } = await links.create(alice.id, by);
    await links.redeem(token, newPassword, { actor: 'alice', sourceIp: '192.0.2.7' });
    expect((await userUpdates()).at(-1)?.source_ip).toBe('192.0.2.7');
  });

  it('clears the sign-in lock', async () => {
    const { token } = await links.create(alice.id, by);
    const key = `account:${throttleAccount(alice.id)}`;
    await sesame.services.db
      .insertInto('login_failures')
      .values({ key, failures: 99, window_started_at: Math.floor(Date.now() / 1000) })
      .execute();

    await links.redeem(token, newPassword);

    const lock = await sesame.services.db
      .selectFrom('login_failures')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    expect(lock).toBeUndefined();
  });

  it('rejects a used link', async () => {
    const { token } = await links.create(alice.id, by);
    await links.redeem(token, newPassword);

    await expectLinkInvalid(links.redeem(token, 'another new password'));
    expect(await signsInWith(newPassword)).toBe(true);
  });

  it('rejects an expired link', async () => {
    const { token } = await links.create(alice.id, by);
    clock = new Date(clock.getTime() + (ttlSeconds - 1) * 1000);
    expect(await links.inspect(token)).toBeDefined();

    clock = new Date(clock.getTime() + 1000);
    expect(await links.inspect(token)).toBeUndefined();
    await expectLinkInvalid(links.redeem(token, newPassword));
    expect(await signsInWith(newPassword)).toBe(false);
  });

  it('rejects a link replaced by a newer one', async () => {
    const first = await links.create(alice.id, by);
    const second = await links.create(alice.id, by);

    await expectLinkInvalid(links.redeem(first.token, newPassword));
    expect(await linkRows()).toHaveLength(1);
    await links.redeem(second.token, newPassword);
    expect(await signsInWith(newPassword)).toBe(true);
  });

  it('keeps a used link when a new one is created', async () => {
    const first = await links.create(alice.id, by);
    await links.redeem(first.token, newPassword);
    await links.create(alice.id, by);

    const rows = await linkRows();
    expect(rows.map((row) => row.used_at !== null).sort()).toEqual([false, true]);
  });

  it("rejects a suspended user's link", async () => {
    const { token } = await links.create(alice.id, by);
    await sesame.services.directory.setStatusById(alice.id, 'suspended', by);

    expect(await links.inspect(token)).toBeUndefined();
    await expectLinkInvalid(links.redeem(token, newPassword));
    const [row] = await linkRows();
    expect(row?.used_at).toBeNull();
  });

  it('creates no link for a suspended user', async () => {
    await sesame.services.directory.setStatusById(alice.id, 'suspended', by);
    const error = await failure(links.create(alice.id, by));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      'User "alice" is suspended; activate the user before creating a set-password link',
    );
    expect(await linkRows()).toHaveLength(0);
  });

  it('creates no link for an unknown user', async () => {
    const error = await failure(links.create('no-such-id', by));
    expect(error.code).toBe('not_found');
    expect(error.message).toBe('User no-such-id not found');
  });

  it('deletes the links of a deleted user', async () => {
    const { token } = await links.create(alice.id, by);
    await sesame.services.directory.deleteUser(alice.id, by);

    expect(await linkRows()).toHaveLength(0);
    await expectLinkInvalid(links.redeem(token, newPassword));
  });

  it('rejects a weak password and keeps the link', async () => {
    const { token } = await links.create(alice.id, by);

    const error = await failure(links.redeem(token, 'too short'));
    expect(error.code).toBe('input_invalid');
    expect(error.message).toBe('Invalid input: value must be at least 12 characters');
    const [row] = await linkRows();
    expect(row?.used_at).toBeNull();

    await links.redeem(token, newPassword);
    expect(await signsInWith(newPassword)).toBe(true);
  });

  it('lets one of two concurrent redemptions win', async () => {
    const { token } = await links.create(alice.id, by);

    const results = await Promise.allSettled([
      links.redeem(token, 'first new password'),
      links.redeem(token, 'second new password'),
    ]);

    const won = results.findIndex((result) => result.status === 'fulfilled');
    const lost = results.find((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect((lost as PromiseRejectedResult).reason.message).toBe(passwordLinkInvalidMessage);
    const winner = won === 0 ? 'first new password' : 'second new password';
    const loser = won === 0 ? 'second new password' : 'first new password';
    expect(await signsInWith(winner)).toBe(true);
    expect(await signsInWith(loser)).toBe(false);
    const redemptions = (await userUpdates()).filter((event) => event.details.includes('via'));
    expect(redemptions).toHaveLength(1);
  });
});
