import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { isUniqueViolation, nowIso } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { EventInput, Insights } from '../insights/events.ts';
import { noChangeQueue, type ChangeQueue } from '../provisioning/queue.ts';
import {
  checkExternalId,
  createGroupChanges,
  groupNameConflict,
  type GroupChangeOperations,
} from './group-changes.ts';
import { createMemberships, type MembershipOperations } from './memberships.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { clearAccountLock } from './throttle.ts';
import { assertManager, createUserChanges, type UserChangeOperations } from './user-changes.ts';
import {
  isGroupName,
  newUserRecordSchema,
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
export interface Directory
  extends UserChangeOperations, GroupChangeOperations, MembershipOperations {
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
  createGroup(name: string, by: Actor, fields?: { externalId?: string | null }): Promise<Group>;
  requireGroup(name: string): Promise<Group>;
  listGroups(): Promise<Group[]>;
  countUsers(): Promise<number>;
  /**
   * Runs `work` with a directory whose reads and writes all happen in one database transaction
   * `trx`, so that several changes commit or roll back together. Their events are recorded
   * after the commit and dropped on a rollback, because on SQLite the one connection is held
   * until then. Read other tables through `trx` too, or the read waits for the commit.
   */
  transaction<T>(work: (directory: Directory, trx: Db) => Promise<T>): Promise<T>;
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
  const groupChanges = createGroupChanges(db, insights, queue);
  const directory: Directory = {
    ...userChanges,
    ...groupChanges,
    ...createMemberships(db, insights, queue, {
      requireUser,
      requireGroup,
      requireUserById: userChanges.requireUserById,
      requireGroupById: groupChanges.requireGroupById,
    }),
    findUser,
    requireUser,
    requireGroup,

    async createUser(input, by) {
      const fields = parseInput(newUserRecordSchema, input);
      await assertUnique(db, fields.username, fields.email);
      if (fields.managerId) await assertManager(db, fields.managerId);

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
        external_id: fields.externalId ?? null,
        employee_number: fields.employeeNumber ?? '',
        department: fields.department ?? '',
        manager_id: fields.managerId ?? null,
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

    async createGroup(name, by, fields = {}) {
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

      const now = nowIso();
      const group = {
        id: randomUUID(),
        name,
        name_key: name.toLowerCase(),
        created_at: now,
        updated_at: now,
        external_id: checkExternalId(fields.externalId),
      };
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

    async transaction(work) {
      if (db.isTransaction) return work(directory, db);
      const events: EventInput[] = [];
      const deferred: Insights = { ...insights, record: async (event) => void events.push(event) };
      const result = await db
        .transaction()
        .execute((trx) => work(createDirectory(trx, deferred, queue), trx));
      for (const event of events) await insights.record(event);
      return result;
    },
  };
  return directory;
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
