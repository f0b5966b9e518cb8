import type { Db } from '../db/index.ts';
import { isUniqueViolation, nowIso } from '../db/index.ts';
import type { UsersTable } from '../db/schema.ts';
import { SesameError } from '../errors.ts';
import type { Insights } from '../insights/events.ts';
import { clearAccountLock } from './throttle.ts';
import { parseInput, userChangesSchema, type UserChanges } from './validation.ts';

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

export function createUserChanges(db: Db, insights: Insights): UserChangeOperations {
  const requireUserById = async (id: string) => {
    const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!user) throw new SesameError('not_found', `User ${id.slice(0, 64)} not found`);
    return user;
  };

  /** Rejects a change that would leave no active administrator, which would lock everyone out. */
  const assertNotLastAdmin = async (user: User, change: string) => {
    if (user.is_admin !== 1 || user.status !== 'active') return;
    const others = await db
      .selectFrom('users')
      .select('id')
      .where('is_admin', '=', 1)
      .where('status', '=', 'active')
      .where('id', '!=', user.id)
      .executeTakeFirst();
    if (!others) {
      throw new SesameError(
        'conflict',
        `"${user.username}" is the last active administrator and cannot be ${change}; make another user an administrator first`,
      );
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
      const fields = parseInput(userChangesSchema, changes);
      const user = await requireUserById(id);
      await assertNoClash(db, user.id, fields.username, fields.email);

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
        updated_at: nowIso(),
      };
      await db
        .updateTable('users')
        .set(set)
        .where('id', '=', id)
        .execute()
        .catch(async (error: unknown) => {
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
      await assertNotLastAdmin(user, 'deleted');
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        await trx.deleteFrom('api_keys').where('user_id', '=', id).execute();
        await trx.deleteFrom('users').where('id', '=', id).execute();
      });
      await record('user_delete', user, by, { email: user.email });
    },

    async setAdmin(id, isAdmin, by) {
      const user = await requireUserById(id);
      if ((user.is_admin === 1) === isAdmin) return;
      if (!isAdmin) await assertNotLastAdmin(user, 'demoted');
      await db
        .updateTable('users')
        .set({ is_admin: isAdmin ? 1 : 0, updated_at: nowIso() })
        .where('id', '=', id)
        .execute();
      await record('user_update', user, by, { changed: ['isAdmin'], isAdmin });
    },

    async setStatusById(id, status, by) {
      const user = await requireUserById(id);
      if (user.status === status) return;
      if (status === 'suspended') await assertNotLastAdmin(user, 'suspended');
      await db
        .updateTable('users')
        .set({ status, updated_at: nowIso() })
        .where('id', '=', id)
        .execute();
      // Suspension ends every session of the user at once; reactivation lifts a sign-in lock.
      if (status === 'suspended') {
        await db.deleteFrom('sessions').where('user_id', '=', id).execute();
      } else {
        await clearAccountLock(db, id);
      }
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
