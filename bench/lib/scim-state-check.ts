import type { ScimSnapshot } from '../../test/support/databricks-scim/snapshot.ts';
import type { ExpectedState } from './provisioning-setup.ts';

const maxListed = 10;

/**
 * Compares the emulator's users and groups with the expected state: every expected user active
 * with its name, display name and only email, every expected group with exactly its members, and
 * nothing else. Returns one line per difference, at most `maxListed` of them plus a count.
 */
export function diffState(snapshot: ScimSnapshot, expected: ExpectedState): string[] {
  const differences = [...diffUsers(snapshot, expected), ...diffGroups(snapshot, expected)];
  if (differences.length <= maxListed) return differences;
  return [
    ...differences.slice(0, maxListed),
    `and ${differences.length - maxListed} more differences`,
  ];
}

function diffUsers(snapshot: ScimSnapshot, expected: ExpectedState): string[] {
  const differences: string[] = [];
  for (const [userName, wanted] of expected.users) {
    const stored = snapshot.users[userName];
    if (!stored) {
      differences.push(`user ${userName} is missing`);
      continue;
    }
    const displayName = `${wanted.givenName} ${wanted.familyName}`;
    const problems = [
      !stored.active && 'inactive',
      stored.name?.givenName !== wanted.givenName && `givenName "${stored.name?.givenName}"`,
      stored.name?.familyName !== wanted.familyName && `familyName "${stored.name?.familyName}"`,
      stored.displayName !== displayName && `displayName "${stored.displayName}"`,
      (stored.emails.length !== 1 || stored.emails[0]?.toLowerCase() !== userName) &&
        `emails ${JSON.stringify(stored.emails)}`,
    ].filter(Boolean);
    if (problems.length > 0) {
      differences.push(
        `user ${userName} has ${problems.join(', ')}; expected "${displayName}", active`,
      );
    }
  }
  for (const userName of Object.keys(snapshot.users)) {
    if (!expected.users.has(userName)) differences.push(`user ${userName} is not expected`);
  }
  return differences;
}

function diffGroups(snapshot: ScimSnapshot, expected: ExpectedState): string[] {
  const differences: string[] = [];
  for (const [name, members] of expected.groups) {
    const stored = snapshot.groups[name];
    if (!stored) {
      differences.push(`group ${name} is missing`);
      continue;
    }
    const storedMembers = new Set(stored.members);
    const missing = [...members].filter((userName) => !storedMembers.has(userName));
    const extra = stored.members.filter((userName) => !members.has(userName));
    if (missing.length > 0 || extra.length > 0 || stored.otherMembers) {
      differences.push(
        `group ${name} has ${stored.members.length} members, expected ${members.size}: ` +
          `${missing.length} missing (first ${missing[0] ?? 'none'}), ` +
          `${extra.length} not expected (first ${extra[0] ?? 'none'}), ` +
          `other members ${JSON.stringify(stored.otherMembers ?? [])}`,
      );
    }
  }
  for (const name of Object.keys(snapshot.groups)) {
    if (!expected.groups.has(name)) differences.push(`group ${name} is not expected`);
  }
  return differences;
}
