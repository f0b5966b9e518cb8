import type { UsersTable } from '../../db/schema.ts';
import type { Actor, Directory, User } from '../../directory/service.ts';
import type { UserChanges } from '../../directory/validation.ts';
import { ScimRequestError, uniquenessOf } from '../request-error.ts';
import { newUserOf, type UserState } from './input.ts';

/** Creates a user from a POST body's state; `active: false` creates them suspended. */
export async function createUser(directory: Directory, state: UserState, by: Actor): Promise<User> {
  const user = await uniquenessOf(directory.createUser(newUserOf(state), by));
  if (state.active === false) await directory.setStatusById(user.id, 'suspended', by);
  return user;
}

/** Returns the profile fields whose stored value differs from `state`. */
function profileChanges(row: UsersTable, state: UserState): UserChanges {
  const { password: _password, ...fields } = newUserOf(state);
  const wanted = fields as Required<UserChanges>;
  const stored: typeof wanted = {
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    externalId: row.external_id,
    employeeNumber: row.employee_number,
    department: row.department,
    managerId: row.manager_id,
  };
  const keys = Object.keys(wanted) as (keyof typeof wanted)[];
  return Object.fromEntries(
    keys.filter((key) => wanted[key] !== stored[key]).map((key) => [key, wanted[key]]),
  );
}

/**
 * Brings a stored user to `state` through the directory: profile fields, then the password,
 * then the status. Each step runs only when something differs, so an unchanged PUT records no
 * event and writes no provisioning job.
 */
export async function updateUser(
  directory: Directory,
  row: UsersTable,
  state: UserState,
  by: Actor,
): Promise<void> {
  const changes = profileChanges(row, state);
  let status = row.status;
  if (state.active !== undefined) status = state.active ? 'active' : 'suspended';
  // A SCIM token must not be a way to take over or lock out an administrator's account: their
  // sign-in names, password and status change only in the admin portal.
  if (row.is_admin === 1) {
    const guarded = [
      changes.username !== undefined && 'userName',
      changes.email !== undefined && 'emails',
      state.password !== undefined && 'password',
      status !== row.status && 'active',
    ].filter(Boolean);
    if (guarded.length > 0) {
      throw new ScimRequestError(
        403,
        `The ${guarded.join(', ')} of administrator "${row.username}" cannot be changed through SCIM; use the admin portal`,
      );
    }
  }
  if (Object.keys(changes).length > 0)
    await uniquenessOf(directory.updateUser(row.id, changes, by));

  if (state.password !== undefined) await directory.setPassword(state.userName, state.password, by);
  if (status !== row.status) await directory.setStatusById(row.id, status, by);
}

/** Deletes a user; administrators are deleted only in the admin portal. */
export async function deleteUser(directory: Directory, row: UsersTable, by: Actor): Promise<void> {
  if (row.is_admin === 1) {
    throw new ScimRequestError(
      403,
      `Administrator "${row.username}" cannot be deleted through SCIM; use the admin portal`,
    );
  }
  await directory.deleteUser(row.id, by);
}
