import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../support/assertions.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

let sesame: TestInstance;
const by = { actor: 'test' };

beforeEach(async () => {
  sesame = await startInstance();
});
afterEach(() => sesame.close());

describe('user changes', () => {
  it('edits profile fields and keeps names unique', async () => {
    const { directory } = sesame.services;
    const alice = await directory.createUser({ username: 'alice', email: 'alice@example.com' }, by);
    await directory.createUser({ username: 'bob', email: 'bob@example.com' }, by);

    const updated = await directory.updateUser(
      alice.id,
      { firstName: 'Alice', email: 'a@example.com' },
      by,
    );
    expect(updated.first_name).toBe('Alice');
    expect(updated.email_key).toBe('a@example.com');

    const clash = await failure(directory.updateUser(alice.id, { username: 'BOB' }, by));
    expect(clash.code).toBe('conflict');
    const unknown = await failure(directory.updateUser(alice.id, { role: 'x' } as never, by));
    expect(unknown.message).toMatch(/Unrecognized key: "role"/);
    expect((await directory.requireUserById(alice.id)).username).toBe('alice');
  });

  it('protects the last active administrator', async () => {
    const { directory } = sesame.services;
    const admin = await directory.createUser(
      { username: 'root', email: 'root@example.com', isAdmin: true },
      by,
    );

    for (const change of [
      directory.setAdmin(admin.id, false, by),
      directory.setStatusById(admin.id, 'suspended', by),
      directory.deleteUser(admin.id, by),
    ]) {
      const error = await failure(change);
      expect(error.code).toBe('conflict');
      expect(error.message).toMatch(/"root" is the last active administrator/);
    }

    // An administrator without a password cannot sign in, so does not count as another one.
    const second = await directory.createUser(
      { username: 'ops', email: 'ops@example.com', isAdmin: true },
      by,
    );
    expect((await failure(directory.setAdmin(admin.id, false, by))).code).toBe('conflict');
    await directory.setPassword('ops', 'a long password', by);
    await directory.setAdmin(admin.id, false, by);
    expect((await directory.requireUserById(admin.id)).is_admin).toBe(0);
    expect((await failure(directory.deleteUser(second.id, by))).code).toBe('conflict');
  });

  it('lets only one of two administrators demote the other at once', async () => {
    const { directory } = sesame.services;
    const a = await directory.createUser(
      { username: 'a', email: 'a@example.com', isAdmin: true, password: 'a long password' },
      by,
    );
    const b = await directory.createUser(
      { username: 'b', email: 'b@example.com', isAdmin: true, password: 'a long password' },
      by,
    );

    for (const change of [
      () =>
        Promise.allSettled([
          directory.setStatusById(a.id, 'suspended', by),
          directory.setStatusById(b.id, 'suspended', by),
        ]),
      () => Promise.allSettled([directory.deleteUser(a.id, by), directory.deleteUser(b.id, by)]),
    ]) {
      const results = await change();
      expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
      const admins = await directory.listUsers();
      expect(admins.filter((user) => user.is_admin === 1 && user.status === 'active')).toHaveLength(
        1,
      );
      await directory.setStatusById(a.id, 'active', by).catch(() => undefined);
      await directory.setStatusById(b.id, 'active', by).catch(() => undefined);
    }
  });

  it('deletes a user with memberships and sessions', async () => {
    const { directory, db } = sesame.services;
    const alice = await directory.createUser({ username: 'alice', email: 'alice@example.com' }, by);
    await directory.createGroup('team', by);
    await directory.addMember('team', 'alice', by);
    await db
      .insertInto('sessions')
      .values({ sid: 's1', user_id: alice.id, data: '{}', expires_at: 9e9 })
      .execute();

    await directory.deleteUser(alice.id, by);
    expect(await db.selectFrom('group_members').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });
});

describe('XML-safe input', () => {
  it('rejects characters that a SAML Response cannot carry', async () => {
    const { directory } = sesame.services;
    const user = await directory.createUser({ username: 'alice', email: 'alice@example.com' }, by);
    for (const value of ['\ufffe', '\uffff', '\ud800']) {
      const error = await failure(directory.updateUser(user.id, { displayName: `a${value}b` }, by));
      expect(error.message).toBe(
        'Invalid input: displayName contains a character that XML cannot carry',
      );
      expect((await failure(directory.createGroup(`g${value}`, by))).code).toBe('input_invalid');
    }
  });
});

describe('user search', () => {
  it('matches username, email and names without regard to case', async () => {
    const { directory } = sesame.services;
    await directory.createUser(
      { username: 'alice', email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell' },
      by,
    );
    await directory.createUser(
      { username: 'bob_1', email: 'bob@other.test', displayName: 'Builder 100%' },
      by,
    );

    const names = async (term: string) =>
      (await directory.listUsers(term)).map((user) => user.username);
    expect(await names('LIDDELL')).toEqual(['alice']);
    expect(await names('alice liddell')).toEqual(['alice']);
    expect(await names('other.test')).toEqual(['bob_1']);
    expect(await names('100%')).toEqual(['bob_1']);
    expect(await names('_')).toEqual(['bob_1']);
    expect(await names('')).toEqual(['alice', 'bob_1']);
  });
});

describe('group changes', () => {
  it('renames, lists members and deletes with bindings', async () => {
    const { directory, db } = sesame.services;
    const group = await directory.createGroup('team', by);
    await directory.createUser({ username: 'alice', email: 'alice@example.com' }, by);
    await directory.addMember('team', 'alice', by);

    await directory.renameGroup(group.id, 'Data Team', by);
    expect((await directory.requireGroupById(group.id)).name).toBe('Data Team');
    expect((await directory.listMembers(group.id)).map((user) => user.username)).toEqual(['alice']);

    await directory.createGroup('other', by);
    expect((await failure(directory.renameGroup(group.id, 'OTHER', by))).code).toBe('conflict');
    expect((await failure(directory.renameGroup(group.id, ' padded', by))).code).toBe(
      'input_invalid',
    );

    await directory.deleteGroup(group.id, by);
    expect(await db.selectFrom('group_members').selectAll().execute()).toEqual([]);
  });
});

describe('admin API keys', () => {
  it('authenticates a key until it is revoked or its owner is demoted', async () => {
    const { directory, apiKeys, db } = sesame.services;
    const admin = await directory.createUser(
      { username: 'root', email: 'root@example.com', isAdmin: true },
      by,
    );
    await directory.createUser({ username: 'ops', email: 'ops@example.com', isAdmin: true }, by);

    const { key, token } = await apiKeys.create(admin.id, 'automation', by);
    expect(token).toMatch(/^sesame_ak_[\w-]{43}$/);
    expect(JSON.stringify(await db.selectFrom('api_keys').selectAll().execute())).not.toContain(
      token,
    );
    expect((await apiKeys.authenticate(token))?.id).toBe(admin.id);
    expect(await apiKeys.authenticate(token + 'x')).toBeUndefined();

    await apiKeys.revoke(key.id, by);
    expect(await apiKeys.authenticate(token)).toBeUndefined();
  });

  it('revokes the keys of a demoted administrator for good', async () => {
    const { directory, apiKeys } = sesame.services;
    const admin = await directory.createUser(
      { username: 'root', email: 'root@example.com', isAdmin: true },
      by,
    );
    await directory.createUser(
      { username: 'ops', email: 'ops@example.com', isAdmin: true, password: 'a long password' },
      by,
    );
    const { token } = await apiKeys.create(admin.id, 'automation', by);

    await directory.setAdmin(admin.id, false, by);
    await directory.setAdmin(admin.id, true, by);
    expect(await apiKeys.authenticate(token)).toBeUndefined();
    expect((await apiKeys.list(admin.id))[0]?.revokedAt).not.toBeNull();
  });

  it('issues keys to administrators only', async () => {
    const user = await sesame.services.directory.createUser(
      { username: 'u', email: 'u@example.com' },
      by,
    );
    expect((await failure(sesame.services.apiKeys.create(user.id, 'k', by))).code).toBe(
      'forbidden',
    );
  });
});

describe('Directory Insights query', () => {
  it('filters, pages and orders newest first', async () => {
    const { directory, insights } = sesame.services;
    for (const name of ['a', 'b', 'c']) await directory.createGroup(name, { actor: 'Root' });
    await insights.record({
      type: 'sso_auth',
      outcome: 'failure',
      username: 'alice',
      applicationSlug: 'db',
    });

    const page = await insights.query({ type: 'group_create', pageSize: 2 });
    expect(page.total).toBe(3);
    expect(page.events.map((event) => event.details.group)).toEqual(['c', 'b']);
    expect(
      (await insights.query({ type: 'group_create', pageSize: 2, page: 2 })).events,
    ).toHaveLength(1);

    expect((await insights.query({ user: 'ROOT' })).total).toBe(3);
    expect((await insights.query({ outcome: 'failure', application: 'db' })).total).toBe(1);
    expect((await insights.query({ from: '2999-01-01T00:00:00Z' })).total).toBe(0);
  });
});
