import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/index.ts';
import type { UsersTable } from '../../src/db/schema.ts';

/** A seeded user as the benchmark checks it in responses. */
export interface SeededUser {
  id: string;
  /** The SCIM `userName`, which is also the email. */
  userName: string;
  /** IDs of the user's groups. */
  groupIds: string[];
}

/** The seeded directory, with users in order of creation: the order of an unsorted SCIM list. */
export interface SeededDirectory {
  users: SeededUser[];
  groupIds: string[];
  membershipCount: number;
}

/** Groups each user is a member of. */
export const groupsPerUser = 3;

/** The first users, who are the managers of all later ones. */
const managerCount = 100;

const departments = ['Engineering', 'Finance', 'Operations', 'Sales', 'Support'];
const firstCreatedAt = Date.parse('2026-01-01T00:00:00.000Z');

// 18 columns × 1,000 rows stays under SQLite's limit of 32,766 bound parameters per statement.
const userBatchSize = 1_000;
const membershipBatchSize = 5_000;

/**
 * Returns a copy of `text` as one flat string. V8 keeps text built by concatenation, such as
 * Node 20's `randomUUID()` or a template literal, as a tree of parts: about 490 bytes for a
 * UUID, against about 60 once flat. Flat copies keep the benchmark's own memory at its real
 * size, and stop it from shrinking when SQLite first reads the values and V8 flattens them.
 */
function flatCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * Builds the users and groups that `insertDirectory` writes, with random IDs. Users are numbered
 * from 1, and each is a member of `groupsPerUser` groups: n, n + 33 and n + 67 modulo
 * `groupCount`.
 */
export function planDirectory(userCount: number, groupCount: number): SeededDirectory {
  // Shifts of 0, 33 and 67 land on three distinct groups only when there are more than 67.
  if (groupCount < 68) {
    throw new Error(`groupCount must be at least 68, not ${groupCount}`);
  }
  const groupIds = Array.from({ length: groupCount }, () => flatCopy(randomUUID()));
  const users = Array.from({ length: userCount }, (_, index) => seededUser(index + 1, groupIds));
  return { users, groupIds, membershipCount: userCount * groupsPerUser };
}

/**
 * Inserts the planned users, groups and memberships straight into the tables in one
 * transaction, bypassing the directory service so that no password hashing or event recording
 * slows the seed.
 * - User n has userName and email `user<n>@example.com`, an `externalId`, a department and an
 *   employee number, and every user after the first 100 has one of those 100 as manager, so
 *   User resources carry the enterprise extension.
 * - `created_at` rises by 1 ms per user, while IDs are random UUIDs, so the order of creation is
 *   not the order of the primary key.
 */
export async function insertDirectory(db: Db, directory: SeededDirectory): Promise<void> {
  const { users, groupIds } = directory;
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('groups').values(groupIds.map(groupRow)).execute();
    for (let start = 0; start < users.length; start += userBatchSize) {
      const rows = users
        .slice(start, start + userBatchSize)
        .map((user, offset) => userRow(user, start + offset + 1, users));
      await trx.insertInto('users').values(rows).execute();
    }

    const memberships = users.flatMap((user) =>
      user.groupIds.map((groupId) => ({ group_id: groupId, user_id: user.id })),
    );
    for (let start = 0; start < memberships.length; start += membershipBatchSize) {
      const batch = memberships.slice(start, start + membershipBatchSize);
      await trx.insertInto('group_members').values(batch).execute();
    }
  });
}

function seededUser(number: number, groupIds: string[]): SeededUser {
  const groupOf = (shift: number) => groupIds[(number + shift) % groupIds.length]!;
  return {
    id: flatCopy(randomUUID()),
    userName: flatCopy(`user${number}@example.com`),
    groupIds: [groupOf(0), groupOf(33), groupOf(67)],
  };
}

function groupRow(id: string, index: number) {
  const name = `group-${String(index + 1).padStart(3, '0')}`;
  const time = new Date(firstCreatedAt).toISOString();
  return { id, name, name_key: name, created_at: time, updated_at: time, external_id: null };
}

/** Builds the row of user `number`, counted from 1. */
function userRow(user: SeededUser, number: number, users: SeededUser[]): UsersTable {
  const time = new Date(firstCreatedAt + number).toISOString();
  return {
    id: user.id,
    username: user.userName,
    username_key: user.userName.toLowerCase(),
    email: user.userName,
    email_key: user.userName.toLowerCase(),
    first_name: 'Bench',
    last_name: `User${number}`,
    display_name: `Bench User${number}`,
    password_hash: null,
    status: 'active',
    is_admin: 0,
    created_at: time,
    updated_at: time,
    external_id: `ext-${number}`,
    employee_number: String(number),
    department: departments[number % departments.length]!,
    manager_id: number > managerCount ? users[number % managerCount]!.id : null,
  };
}
