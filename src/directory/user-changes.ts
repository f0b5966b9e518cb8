import type { Db } from '../db/index.ts';
import { isUniqueViolation, nowIso } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import type { ChangeQueue } from '../provisioning/queue.ts';
import { clearAccountLock } from './throttle.ts';
import { inTransaction } from './transaction.ts';
import { parseInput, userRecordChangesSchema, type UserChanges } from './validation.ts';

type User = UsersTable;
type Actor = { actor: string; sourceIp?: string | null };

/** Edits, deletion and administrator rights, with the last-administrator guard. */
export interface UserChangeOperations {
  /** Changes profile fields; username and email stay unique without regard to case. */
  updateUser(id: string, changes: UserChanges, by: Actor): Promise<User>;
  /** Deletes a user, their memberships and sessions. */
  deleteUser(id: string, by: Actor): Promise<void>;
  setAdmin(id: string, isAdmin: boolean, by: Actor): Promise<void>;
  setStatusById(id: string, status: User['status'], by: Actor): Promise<void>;
  requireUserById(id: string): Promise<User>;
}

export function createUserChanges(
  db: Db,
  insights: Insights,
  queue: ChangeQueue,
): UserChangeOperations {
  const requireUserById = async (id: string) => {
    const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!user) throw new SesameError('not_found', `User ${id.slice(0, 64)} not found`);
    return user;
  };

  /**
   * Runs `write` in one transaction with the check that another active administrator who can
   * sign in (has a password) remains, so two administrators demoting each other at once cannot
   * both succeed and lock everyone out.
   */
  const guardLastAdmin = async (user: User, change: string, write: (trx: Db) => Promise<void>) => {
    await inTransaction(db, async (trx) => {
      const current = await trx
        .selectFrom('users')
        .select(['is_admin', 'status'])
        .where('id', '=', user.id)
        .executeTakeFirst();
      if (current?.is_admin === 1 && current.status === 'active') {
        // NOTE: SQLite runs one transaction at a time, which makes this check and the write
        // atomic. On PostgreSQL the other administrators' rows would also need locking.
        const others = await trx
          .selectFrom('users')
          .select('id')
          .where('is_admin', '=', 1)
          .where('status', '=', 'active')
          .where('password_hash', 'is not', null)
          .where('id', '!=', user.id)
          .executeTakeFirst();
        if (!others) {
          throw new SesameError(
            'conflict',
            `"${user.username}" is the last active administrator who can sign in and cannot be ${change}; make another user an administrator first`,
          );
        }
      }
      await write(trx);
    });
  };

  /** Revokes a user's active API keys, which must not outlive their administrator rights. */
  const revokeKeys = async (trx: Db, user: User) => {
    const keys = await trx
      .selectFrom('api_keys')
      .select('id')
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .execute();
    await trx
      .updateTable('api_keys')
      .set({ revoked_at: nowIso() })
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .execute();
    return keys.map((key) => key.id);
  };

  const recordRevoked = async (keyIds: string[], user: User, by: Actor) => {
    for (const keyId of keyIds) {
      await insights.record({
        type: 'api_key_revoke',
        outcome: 'success',
        ...by,
        userId: user.id,
        username: user.username,
        details: { keyId, reason: 'owner changed' },
      });
    }
  };

  const record = (type: 'user_update' | 'user_delete', user: User, by: Actor, details: object) =>
    insights.record({
      type,
      outcome: 'success',
      ...by,
      userId: user.id,
      username: user.username,
      details: { ...details },
    });

  return {
    requireUserById,

    async updateUser(id, changes, by) {
      const fields = parseInput(userRecordChangesSchema, changes);
      const user = await requireUserById(id);
      await assertNoClash(db, user.id, fields.username, fields.email);
      if (fields.managerId) await assertManager(db, fields.managerId, user.id);

      const set = {
        ...(fields.username !== undefined && {
          username: fields.username,
          username_key: fields.username.toLowerCase(),
        }),
        ...(fields.email !== undefined && {
          email: fields.email,
          email_key: fields.email.toLowerCase(),
        }),
        ...(fields.firstName !== undefined && { first_name: fields.firstName }),
        ...(fields.lastName !== undefined && { last_name: fields.lastName }),
        ...(fields.displayName !== undefined && { display_name: fields.displayName }),
        ...(fields.externalId !== undefined && { external_id: fields.externalId }),
        ...(fields.employeeNumber !== undefined && { employee_number: fields.employeeNumber }),
        ...(fields.department !== undefined && { department: fields.department }),
        ...(fields.managerId !== undefined && { manager_id: fields.managerId }),
        updated_at: nowIso(),
      };
      await inTransaction(db, async (trx) => {
        await trx.updateTable('users').set(set).where('id', '=', id).execute();
        await queue.enqueue(trx, { users: [id] });
      }).catch(async (error: unknown) => {
        // NOTE: inside a caller's transaction on PostgreSQL, the violation has aborted that
        // transaction, so this check fails too and the caller sees the database error.
        if (isUniqueViolation(error))
          await assertNoClash(db, user.id, fields.username, fields.email);
        throw error;
      });

      const updated = await requireUserById(id);
      await record('user_update', updated, by, { changed: Object.keys(fields) });
      return updated;
    },

    async deleteUser(id, by) {
      const user = await requireUserById(id);
      let revoked: string[] = [];
      await guardLastAdmin(user, 'deleted', async (trx) => {
        revoked = await revokeKeys(trx, user);
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        await trx.deleteFrom('api_keys').where('user_id', '=', id).execute();
        // The user's groups lose a member (ON DELETE CASCADE), so they count as changed.
        await trx
          .updateTable('groups')
          .set({ updated_at: nowIso() })
          .where('id', 'in', (eb) =>
            eb.selectFrom('group_members').select('group_id').where('user_id', '=', id),
          )
          .execute();
        await trx.deleteFrom('users').where('id', '=', id).execute();
        await queue.enqueue(trx, { users: [id] });
      });
      await recordRevoked(revoked, user, by);
      await record('user_delete', user, by, { email: user.email });
    },

    async setAdmin(id, isAdmin, by) {
      const user = await requireUserById(id);
      if ((user.is_admin === 1) === isAdmin) return;
      let revoked: string[] = [];
      const write = async (trx: Db) => {
        await trx
          .updateTable('users')
          .set({ is_admin: isAdmin ? 1 : 0, updated_at: nowIso() })
          .where('id', '=', id)
          .execute();
        if (!isAdmin) revoked = await revokeKeys(trx, user);
      };
      if (isAdmin) await write(db);
      else await guardLastAdmin(user, 'demoted', write);
      await recordRevoked(revoked, user, by);
      await record('user_update', user, by, { changed: ['isAdmin'], isAdmin });
    },

    async setStatusById(id, status, by) {
      const user = await requireUserById(id);
      if (user.status === status) return;
      let revoked: string[] = [];
      const write = async (trx: Db) => {
        await trx
          .updateTable('users')
          .set({ status, updated_at: nowIso() })
          .where('id', '=', id)
          .execute();
        await queue.enqueue(trx, { users: [id] });
        // Suspension ends every session and API key of the user at once.
        if (status === 'suspended') {
          await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
          revoked = await revokeKeys(trx, user);
        }
      };
      if (status === 'suspended') await guardLastAdmin(user, 'suspended', write);
      else await inTransaction(db, write);
      // Reactivation lifts a sign-in lock.
      if (status === 'active') await clearAccountLock(db, id);
      await recordRevoked(revoked, user, by);
      await record('user_update', user, by, { changed: ['status'], status });
    },
  };
}

/** Rejects a new username or email that another user already has as username or email. */
async function assertNoClash(db: Db, userId: string, username?: string, email?: string) {
  const keys = [username, email]
    .filter((key): key is string => key !== undefined)
    .map((key) => key.toLowerCase());
  if (keys.length === 0) return;

  const clash = await db
    .selectFrom('users')
    .select(['username', 'email'])
    .where('id', '!=', userId)
    .where((eb) => eb.or([eb('username_key', 'in', keys), eb('email_key', 'in', keys)]))
    .executeTakeFirst();
  if (clash) {
    throw new SesameError(
      'conflict',
      `Another user already has the username or email "${keys.join('" or "')}" (compared without regard to case)`,
    );
  }
}

/**
 * Rejects a manager ID that names no user, or the user themself: a user cannot report to
 * themself.
 */
export async function assertManager(db: Db, managerId: string, userId?: string) {
  if (managerId === userId) {
    throw new SesameError('input_invalid', 'Invalid input: managerId must not be the user itself');
  }
  const manager = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', managerId)
    .executeTakeFirst();
  if (!manager) {
    throw new SesameError(
      'input_invalid',
      `Invalid input: managerId "${managerId}" is not the ID of a user`,
    );
  }
}
