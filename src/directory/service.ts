import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { isUniqueViolation, nowIso } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import { noChangeQueue, type ChangeQueue } from '../provisioning/queue.ts';
import {
  createGroupChanges,
  groupNameConflict,
  type GroupChangeOperations,
} from './group-changes.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { clearAccountLock } from './throttle.ts';
import { createUserChanges, type UserChangeOperations } from './user-changes.ts';
import {
  isGroupName,
  newUserSchema,
  parseInput,
  passwordSchema,
  type NewUser,
} from './validation.ts';

export type User = UsersTable;

export interface Group {
  id: string;
  name: string;
}

/** The actor of a change, for the event log: a username, `cli` or `system`. */
export interface Actor {
  actor: string;
  sourceIp?: string | null;
}

/** Users, groups and memberships. Usernames, emails and group names are unique without regard to case. */
export interface Directory extends UserChangeOperations, GroupChangeOperations {
  createUser(input: NewUser, by: Actor): Promise<User>;
  findUser(usernameOrEmail: string): Promise<User | undefined>;
  getUser(id: string): Promise<User | undefined>;
  requireUser(username: string): Promise<User>;
  /** Lists users by username; `search` matches username, email or name, without regard to case. */
  listUsers(search?: string): Promise<User[]>;
  /** Checks a password for sign-in; returns the user only if it matches and the user is active. */
  authenticate(login: string, password: string): Promise<{ user?: User; reason?: string }>;
  setPassword(username: string, password: string, by: Actor): Promise<void>;
  setStatus(username: string, status: User['status'], by: Actor): Promise<void>;
  createGroup(name: string, by: Actor): Promise<Group>;
  requireGroup(name: string): Promise<Group>;
  listGroups(): Promise<Group[]>;
  addMember(groupName: string, username: string, by: Actor): Promise<void>;
  removeMember(groupName: string, username: string, by: Actor): Promise<void>;
  countUsers(): Promise<number>;
}

/**
 * Builds the directory. Every change that can alter what an application is provisioned with
 * writes its provisioning jobs through `queue` in the same transaction.
 */
export function createDirectory(
  db: Db,
  insights: Insights,
  queue: ChangeQueue = noChangeQueue,
): Directory {
  const findUser = (login: string) => {
    const key = login.toLowerCase();
    return db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('username_key', '=', key), eb('email_key', '=', key)]))
      .executeTakeFirst();
  };

  const requireUser = async (username: string) => {
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('username_key', '=', username.toLowerCase())
      .executeTakeFirst();
    if (!user) throw new SesameError('not_found', `User "${username}" not found`);
    return user;
  };

  const requireGroup = async (name: string) => {
    const group = await db
      .selectFrom('groups')
      .select(['id', 'name'])
      .where('name_key', '=', name.toLowerCase())
      .executeTakeFirst();
    if (!group) throw new SesameError('not_found', `Group "${name}" not found`);
    return group;
  };

  const userChanges = createUserChanges(db, insights, queue);
  return {
    ...userChanges,
    ...createGroupChanges(db, insights, queue),
    findUser,
    requireUser,
    requireGroup,

    async createUser(input, by) {
      const fields = parseInput(newUserSchema, input);
      await assertUnique(db, fields.username, fields.email);

      const now = nowIso();
      const user: User = {
        id: randomUUID(),
        username: fields.username,
        username_key: fields.username.toLowerCase(),
        email: fields.email,
        email_key: fields.email.toLowerCase(),
        first_name: fields.firstName,
        last_name: fields.lastName,
        display_name: fields.displayName,
        password_hash: fields.password ? await hashPassword(fields.password) : null,
        status: 'active',
        is_admin: fields.isAdmin ? 1 : 0,
        created_at: now,
        updated_at: now,
      };
      await db
        .insertInto('users')
        .values(user)
        .execute()
        .catch(async (error: unknown) => {
          // Another request created the same username or email since assertUnique ran.
          if (isUniqueViolation(error)) await assertUnique(db, fields.username, fields.email);
          throw error;
        });
      await insights.record({
        type: 'user_create',
        outcome: 'success',
        ...by,
        userId: user.id,
        username: user.username,
        details: { email: user.email, isAdmin: fields.isAdmin },
      });
      return user;
    },

    getUser: (id) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),

    listUsers(search) {
      let query = db.selectFrom('users').selectAll().orderBy('username_key');
      const term = search?.trim().toLowerCase();
      if (term) {
        const pattern = `%${term.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
        // ESCAPE makes the backslash escape LIKE's wildcards in both SQLite and PostgreSQL.
        query = query.where(
          sql<boolean>`(username_key like ${pattern} escape '\\' or email_key like ${pattern} escape '\\'
            or lower(first_name || ' ' || last_name) like ${pattern} escape '\\'
            or lower(display_name) like ${pattern} escape '\\')`,
        );
      }
      return query.execute();
    },

    async countUsers() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async authenticate(login, password) {
      const user = await findUser(login);
      const matches = await verifyPassword(user?.password_hash ?? null, password);

      if (!user || !matches) return { user, reason: 'invalid_credentials' };
      if (user.status !== 'active') return { user, reason: 'user_suspended' };
      return { user };
    },

    async setPassword(username, password, by) {
      const checked = parseInput(passwordSchema, password);
      const user = await requireUser(username);
      await db
        .updateTable('users')
        .set({ password_hash: await hashPassword(checked), updated_at: nowIso() })
        .where('id', '=', user.id)
        .execute();
      await clearAccountLock(db, user.id);
      await insights.record({
        type: 'user_update',
        outcome: 'success',
        ...by,
        userId: user.id,
        username: user.username,
        details: { changed: ['password'] },
      });
    },

    async setStatus(username, status, by) {
      const user = await requireUser(username);
      await userChanges.setStatusById(user.id, status, by);
    },

    async createGroup(name, by) {
      if (!isGroupName(name)) {
        throw new SesameError(
          'input_invalid',
          'Group name must be 1-128 characters without control characters',
        );
      }
      const existing = await db
        .selectFrom('groups')
        .select('name')
        .where('name_key', '=', name.toLowerCase())
        .executeTakeFirst();
      if (existing) throw new SesameError('conflict', `Group "${existing.name}" already exists`);

      const group = { id: randomUUID(), name, name_key: name.toLowerCase(), created_at: nowIso() };
      await db.insertInto('groups').values(group).execute().catch(groupNameConflict(name));
      await insights.record({
        type: 'group_create',
        outcome: 'success',
        ...by,
        details: { group: name },
      });
      return { id: group.id, name };
    },

    listGroups: () => db.selectFrom('groups').select(['id', 'name']).orderBy('name_key').execute(),

    async addMember(groupName, username, by) {
      const group = await requireGroup(groupName);
      const user = await requireUser(username);
      const inserted = await db.transaction().execute(async (trx) => {
        const result = await trx
          .insertInto('group_members')
          .values({ group_id: group.id, user_id: user.id })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        const added = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
        if (added) await queue.enqueue(trx, { users: [user.id], groups: [group.id] });
        return added;
      });
      // Already there: nothing changed, so nothing is recorded.
      if (!inserted) return;
      await insights.record({
        type: 'group_member_add',
        outcome: 'success',
        ...by,
        userId: user.id,
        username: user.username,
        details: { group: group.name },
      });
    },

    async removeMember(groupName, username, by) {
      const group = await requireGroup(groupName);
      const user = await requireUser(username);
      const removed = await db.transaction().execute(async (trx) => {
        const result = await trx
          .deleteFrom('group_members')
          .where('group_id', '=', group.id)
          .where('user_id', '=', user.id)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) return false;
        await queue.enqueue(trx, { users: [user.id], groups: [group.id] });
        return true;
      });
      if (!removed) {
        throw new SesameError(
          'not_found',
          `User "${user.username}" is not a member of "${group.name}"`,
        );
      }
      await insights.record({
        type: 'group_member_remove',
        outcome: 'success',
        ...by,
        userId: user.id,
        username: user.username,
        details: { group: group.name },
      });
    },
  };
}

/**
 * Rejects a username or email that is already taken. Users sign in with either, so a new
 * username must not equal another user's email, nor a new email another user's username.
 */
async function assertUnique(db: Db, username: string, email: string) {
  const keys = [username.toLowerCase(), email.toLowerCase()];
  const clash = await db
    .selectFrom('users')
    .select(['username', 'email', 'username_key', 'email_key'])
    .where((eb) => eb.or([eb('username_key', 'in', keys), eb('email_key', 'in', keys)]))
    .executeTakeFirst();
  if (!clash) return;

  let field = `username or email "${keys.find((key) => key === clash.username_key || key === clash.email_key)}"`;
  if (clash.username_key === keys[0]) field = `username "${clash.username}"`;
  else if (clash.email_key === keys[1]) field = `email "${clash.email}"`;
  throw new SesameError(
    'conflict',
    `A user with ${field} already exists (usernames and emails are unique without regard to case, and either signs in)`,
  );
}
