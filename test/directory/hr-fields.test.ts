import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../support/assertions.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

let sesame: TestInstance;
const by = { actor: 'test' };

beforeEach(async () => {
  sesame = await startInstance();
});
afterEach(() => sesame.close());

async function eventTypes() {
  const { events } = await sesame.services.insights.query({ pageSize: 500 });
  return events.map((event) => event.type).reverse();
}

describe('directory HR fields', () => {
  it('stores externalId, employee number, department and manager', async () => {
    const { directory } = sesame.services;
    const boss = await directory.createUser({ username: 'boss', email: 'boss@example.com' }, by);
    const user = await directory.createUser(
      {
        username: 'ann',
        email: 'ann@example.com',
        externalId: 'HR-7',
        employeeNumber: '0042',
        department: 'Research',
        managerId: boss.id,
      },
      by,
    );
    expect(user.external_id).toBe('HR-7');
    expect(user.employee_number).toBe('0042');
    expect(user.department).toBe('Research');
    expect(user.manager_id).toBe(boss.id);

    const updated = await directory.updateUser(user.id, { externalId: null, department: '' }, by);
    expect(updated.external_id).toBeNull();
    expect(updated.department).toBe('');
    expect(updated.employee_number).toBe('0042');
  });

  it('rejects a manager that is not a user or is the user', async () => {
    const { directory } = sesame.services;
    const unknown = await failure(
      directory.createUser(
        { username: 'ann', email: 'ann@example.com', managerId: 'no-such-id' },
        by,
      ),
    );
    expect(unknown.code).toBe('input_invalid');
    expect(unknown.message).toBe('Invalid input: managerId "no-such-id" is not the ID of a user');

    const user = await directory.createUser({ username: 'bob', email: 'bob@example.com' }, by);
    const self = await failure(directory.updateUser(user.id, { managerId: user.id }, by));
    expect(self.message).toBe('Invalid input: managerId must not be the user itself');
  });

  it('clears the manager when the manager is deleted', async () => {
    const { directory } = sesame.services;
    const boss = await directory.createUser({ username: 'boss', email: 'boss@example.com' }, by);
    const user = await directory.createUser(
      { username: 'ann', email: 'ann@example.com', managerId: boss.id },
      by,
    );
    await directory.deleteUser(boss.id, by);
    expect((await directory.requireUserById(user.id)).manager_id).toBeNull();
  });

  it('sets and clears a group externalId', async () => {
    const { directory, db } = sesame.services;
    const group = await directory.createGroup('Sales', by, { externalId: 'g-1' });
    const row = () =>
      db.selectFrom('groups').selectAll().where('id', '=', group.id).executeTakeFirstOrThrow();
    expect((await row()).external_id).toBe('g-1');

    await directory.updateGroup(group.id, { externalId: null }, by);
    expect((await row()).external_id).toBeNull();
    expect((await row()).name).toBe('Sales');

    const invalid = await failure(directory.updateGroup(group.id, { externalId: '' }, by));
    expect(invalid.code).toBe('input_invalid');
  });

  it('marks a group changed when its members change', async () => {
    const { directory, db } = sesame.services;
    const group = await directory.createGroup('Sales', by);
    const user = await directory.createUser({ username: 'ann', email: 'ann@example.com' }, by);
    const updatedAt = async () =>
      (
        await db
          .selectFrom('groups')
          .select('updated_at')
          .where('id', '=', group.id)
          .executeTakeFirstOrThrow()
      ).updated_at;
    const created = await updatedAt();

    await new Promise((resolve) => setTimeout(resolve, 5));
    await directory.addMemberById(group.id, user.id, by);
    const added = await updatedAt();
    expect(added > created).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 5));
    await directory.deleteUser(user.id, by);
    expect((await updatedAt()) > added).toBe(true);
  });
});

describe('directory transaction', () => {
  it('commits every change and records their events after the commit', async () => {
    const { directory } = sesame.services;
    const group = await directory.createGroup('Sales', by);
    await directory.transaction(async (trx) => {
      const user = await trx.createUser({ username: 'ann', email: 'ann@example.com' }, by);
      await trx.addMemberById(group.id, user.id, by);
    });
    const members = await directory.listMembers(group.id);
    expect(members.map((member) => member.username)).toEqual(['ann']);
    expect(await eventTypes()).toEqual(['group_create', 'user_create', 'group_member_add']);
  });

  it('rolls back every change and records no event on failure', async () => {
    const { directory } = sesame.services;
    const group = await directory.createGroup('Sales', by);
    const error = await failure(
      directory.transaction(async (trx) => {
        const user = await trx.createUser({ username: 'ann', email: 'ann@example.com' }, by);
        await trx.addMemberById(group.id, user.id, by);
        await trx.addMemberById('no-such-group', user.id, by);
      }),
    );
    expect(error.code).toBe('not_found');
    expect(await directory.findUser('ann')).toBeUndefined();
    expect(await directory.listMembers(group.id)).toEqual([]);
    expect(await eventTypes()).toEqual(['group_create']);
  });
});
