import type { GroupRecord, Member, ScimState, UserRecord } from './state.ts';

export interface UserSnapshot {
  id: string;
  active: boolean;
  displayName?: string;
  name?: { givenName?: string; familyName?: string };
  /** Email addresses, primary first as stored. */
  emails: string[];
  entitlements: string[];
  roles: string[];
  externalId?: string;
}

export interface GroupSnapshot {
  id: string;
  /** The userNames of the member users, sorted. */
  members: string[];
  /**
   * Members that are not users, sorted: `Groups/<displayName>`, `ServicePrincipals/<applicationId>`,
   * or the bare ID of a member that matches nothing. Left out when there are none.
   */
  otherMembers?: string[];
  entitlements: string[];
  roles: string[];
  externalId?: string;
}

/** The emulator's current data as plain values, for `toEqual` checks in provisioning tests. */
export interface ScimSnapshot {
  /** Users keyed by userName, which the emulator stores in lower case. */
  users: Record<string, UserSnapshot>;
  /** Groups keyed by displayName. */
  groups: Record<string, GroupSnapshot>;
}

/**
 * Copies the current users and groups into plain objects. Keys whose value is unset are left
 * out, so a snapshot compares equal to a literal that omits them. Group reads that lag
 * (`readLagMs`) do not affect it: it shows what the emulator stores now.
 */
export function snapshotState(state: ScimState): ScimSnapshot {
  const users = [...state.users.values()].map((user): [string, UserSnapshot] => [
    user.userName,
    snapshotUser(user),
  ]);
  const groups = [...state.groups.values()].map((group): [string, GroupSnapshot] => [
    group.displayName,
    snapshotGroup(group, state),
  ]);
  return { users: Object.fromEntries(users), groups: Object.fromEntries(groups) };
}

function snapshotUser(user: UserRecord): UserSnapshot {
  return withoutUndefined({
    id: user.id,
    active: user.active,
    displayName: user.displayName,
    name: user.name && withoutUndefined({ ...user.name }),
    emails: user.emails.map((email) => email.value),
    entitlements: user.entitlements.map((entry) => entry.value),
    roles: user.roles.map((entry) => entry.value),
    externalId: user.externalId,
  });
}

function snapshotGroup(group: GroupRecord, state: ScimState): GroupSnapshot {
  const userNames: string[] = [];
  const others: string[] = [];
  for (const member of group.members) {
    const user = state.users.get(member.value);
    if (user) userNames.push(user.userName);
    else others.push(describeOtherMember(member, state));
  }

  return withoutUndefined({
    id: group.id,
    members: userNames.sort(),
    otherMembers: others.length > 0 ? others.sort() : undefined,
    entitlements: group.entitlements.map((entry) => entry.value),
    roles: group.roles.map((entry) => entry.value),
    externalId: group.externalId,
  });
}

function describeOtherMember(member: Member, state: ScimState): string {
  const group = state.groups.get(member.value);
  if (group) return `Groups/${group.displayName}`;
  const principal = state.servicePrincipals.get(member.value);
  if (principal) return `ServicePrincipals/${principal.applicationId}`;
  return member.value;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
