export interface ValueEntry {
  value: string;
}

export interface Email {
  type: string;
  value: string;
  primary: boolean;
}

export interface Member {
  value: string;
  display?: string;
  $ref?: string;
}

export interface UserRecord {
  id: string;
  userName: string;
  emails: Email[];
  name?: { givenName?: string; familyName?: string };
  displayName?: string;
  active: boolean;
  externalId?: string;
  entitlements: ValueEntry[];
  roles: ValueEntry[];
}

export interface GroupRecord {
  id: string;
  displayName: string;
  members: Member[];
  externalId?: string;
  entitlements: ValueEntry[];
  roles: ValueEntry[];
}

export interface ServicePrincipalRecord {
  id: string;
  applicationId: string;
  displayName?: string;
  active: boolean;
  externalId?: string;
  entitlements: ValueEntry[];
  roles: ValueEntry[];
}

interface GroupVersion {
  at: number;
  group: GroupRecord | undefined;
}

/**
 * The emulator's data, open to tests for seeding and inspection. `users` and `groups` hold the
 * current truth; group reads may instead see an older version when `readLagMs` is set.
 */
export class ScimState {
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
  private readonly groupHistory = new Map<string, GroupVersion[]>();
  private lastId = 99_999;

  constructor(private readonly now: () => number) {}

  /** Databricks IDs are numeric strings. */
  nextId(): string {
    this.lastId += 1;
    return String(this.lastId);
  }

  addUser(input: Partial<UserRecord> & { userName: string }): UserRecord {
    const userName = input.userName.toLowerCase();
    const user: UserRecord = {
      id: this.nextId(),
      emails: [{ type: 'work', value: userName, primary: true }],
      active: true,
      entitlements: [],
      roles: [],
      ...input,
      userName,
    };
    this.users.set(user.id, user);
    return user;
  }

  addGroup(input: Partial<GroupRecord> & { displayName: string }): GroupRecord {
    const group: GroupRecord = {
      id: this.nextId(),
      members: [],
      entitlements: [],
      roles: [],
      ...input,
    };
    this.saveGroup(group);
    return group;
  }

  findUserByName(userName: string): UserRecord | undefined {
    const wanted = userName.toLowerCase();
    return [...this.users.values()].find((user) => user.userName === wanted);
  }

  /** Records a group write, so that lagging reads can still see the version before it. */
  saveGroup(group: GroupRecord): void {
    this.groups.set(group.id, group);
    this.remember(group.id, structuredClone(group));
  }

  /** Deletes a user and drops it from every group, as Databricks removes it from the account. */
  deleteUser(id: string): void {
    this.deleteMember(id, this.users);
  }

  /** Deletes a user or service principal from its map and from every group. */
  deleteMember(id: string, from: Map<string, unknown>): void {
    from.delete(id);
    for (const group of this.groups.values()) {
      if (!group.members.some((member) => member.value === id)) continue;
      group.members = group.members.filter((member) => member.value !== id);
      this.saveGroup(group);
    }
  }

  deleteGroup(id: string): void {
    this.groups.delete(id);
    this.remember(id, undefined);
    for (const group of this.groups.values()) {
      group.members = group.members.filter((member) => member.value !== id);
    }
  }

  /** Maps each member ID to the groups that list it directly, in one pass over all groups. */
  groupsByMember(): Map<string, GroupRecord[]> {
    const byMember = new Map<string, GroupRecord[]>();
    for (const group of this.groups.values()) {
      for (const member of group.members) {
        const groups = byMember.get(member.value) ?? [];
        groups.push(group);
        byMember.set(member.value, groups);
      }
    }
    return byMember;
  }

  /** The groups a reader sees `lagMs` after the fact: the latest version at least that old. */
  visibleGroups(lagMs: number): GroupRecord[] {
    if (lagMs <= 0) return [...this.groups.values()];
    const cutoff = this.now() - lagMs;
    return [...this.groupHistory.values()].flatMap((versions) => {
      const seen = versions.filter((version) => version.at <= cutoff).at(-1);
      return seen?.group ? [structuredClone(seen.group)] : [];
    });
  }

  private remember(id: string, group: GroupRecord | undefined): void {
    const versions = this.groupHistory.get(id) ?? [];
    versions.push({ at: this.now(), group });
    this.groupHistory.set(id, versions);
  }
}
