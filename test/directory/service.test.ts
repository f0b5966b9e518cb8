import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../support/assertions.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

let sesame: TestInstance;
const by = { actor: 'test' };

beforeEach(async () => {
  sesame = await startInstance();
});
afterEach(() => sesame.close());

describe('directory', () => {
  it('stores passwords as argon2id hashes only', async () => {
    const user = await sesame.services.directory.createUser(
      { username: 'alice', email: 'alice@example.com', password: 'a long password here' },
      by,
    );
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
    expect(
      JSON.stringify(await sesame.services.db.selectFrom('users').selectAll().execute()),
    ).not.toContain('a long password here');
  });

  it('rejects concurrent creation of the same username', async () => {
    const create = (email: string) =>
      sesame.services.directory.createUser({ username: 'Dup', email }, by);
    const results = await Promise.allSettled([create('a@example.com'), create('b@example.com')]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = results.filter((result) => result.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason.code).toBe('conflict');
  });

  it('rejects a username equal to another email', async () => {
    await sesame.services.directory.createUser({ username: 'erin', email: 'erin@example.com' }, by);
    const error = await failure(
      sesame.services.directory.createUser(
        { username: 'Erin@example.com', email: 'm@example.com' },
        by,
      ),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(
      /^A user with username or email "erin@example.com" already exists/,
    );
  });

  it('lets a user without a password never sign in', async () => {
    await sesame.services.directory.createUser({ username: 'nopass', email: 'n@example.com' }, by);
    const verdict = await sesame.services.directory.authenticate('nopass', '');
    expect(verdict.reason).toBe('invalid_credentials');
  });

  it('rejects unknown fields and control characters', async () => {
    const unknown = await failure(
      sesame.services.directory.createUser(
        { username: 'x', email: 'x@example.com', role: 'admin' } as never,
        by,
      ),
    );
    expect(unknown.message).toMatch(/Unrecognized key: "role"/);

    const control = await failure(
      sesame.services.directory.createUser(
        { username: 'y', email: 'y@example.com', firstName: 'a\u0000b' },
        by,
      ),
    );
    expect(control.message).toMatch(/^Invalid input: firstName contains control characters/);
  });

  it('records an event for each change', async () => {
    await sesame.services.directory.createUser(
      { username: 'alice', email: 'alice@example.com' },
      by,
    );
    await sesame.services.directory.createGroup('team', by);
    await sesame.services.directory.addMember('team', 'alice', by);
    await sesame.services.directory.addMember('team', 'ALICE', by);
    const types = (
      await sesame.services.db.selectFrom('events').select('type').orderBy('id').execute()
    ).map((row) => row.type);
    expect(types).toEqual(['user_create', 'group_create', 'group_member_add']);
  });

  it('removes a member and reports a missing membership', async () => {
    await sesame.services.directory.createUser(
      { username: 'alice', email: 'alice@example.com' },
      by,
    );
    await sesame.services.directory.createGroup('team', by);
    await sesame.services.directory.addMember('team', 'alice', by);
    await sesame.services.directory.removeMember('team', 'alice', by);
    const error = await failure(sesame.services.directory.removeMember('team', 'alice', by));
    expect(error.message).toBe('User "alice" is not a member of "team"');
  });
});

describe('Directory Insights retention', () => {
  it('deletes events older than the retention', async () => {
    await sesame.services.directory.createGroup('kept', by);
    await sesame.services.db
      .insertInto('events')
      .values({
        time: '2020-01-01T00:00:00.000Z',
        type: 'group_create',
        outcome: 'success',
        details: '{}',
      })
      .execute();
    expect(await sesame.services.insights.prune(365)).toBe(1);
    const left = await sesame.services.db.selectFrom('events').select('type').execute();
    expect(left).toEqual([{ type: 'group_create' }]);
  });
});
